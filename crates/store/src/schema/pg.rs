// @generated-by-hand: mirrors migrations/postgres; `schema/sqlite.rs` is the same tables with
// SQLite's types. A test compares both with the migrated databases.

diesel::table! {
    territories (id) {
        id -> Text,
        name -> Text,
        active -> Bool,
    }
}

diesel::table! {
    patients (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        contact_number -> Text,
        email -> Nullable<Text>,
        insurance_number -> Nullable<Text>,
        territory_id -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        patient_id -> Nullable<Uuid>,
        phone -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_territories (user_id, territory_id) {
        user_id -> Uuid,
        territory_id -> Text,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        sku -> Text,
        name -> Text,
        price_minor -> BigInt,
        stock_quantity -> BigInt,
        reserved_quantity -> BigInt,
        low_stock_threshold -> BigInt,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    orders (id) {
        id -> Uuid,
        tracking_id -> Text,
        patient_id -> Uuid,
        territory_id -> Text,
        created_by -> Uuid,
        provider_id -> Nullable<Text>,
        physician_name -> Nullable<Text>,
        service_type -> Nullable<Text>,
        priority -> Text,
        insurance_info -> Nullable<Jsonb>,
        shipping_address -> Nullable<Jsonb>,
        total_minor -> BigInt,
        status -> Text,
        notes -> Nullable<Text>,
        verification_data -> Nullable<Jsonb>,
        version -> BigInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    order_items (order_id, line_no) {
        order_id -> Uuid,
        line_no -> Integer,
        product_id -> BigInt,
        product_name -> Text,
        quantity -> Integer,
        unit_price_minor -> BigInt,
        subtotal_minor -> BigInt,
    }
}

diesel::table! {
    chain_head (id) {
        id -> Integer,
        audit_seq -> BigInt,
        audit_hash -> Text,
        event_seq -> BigInt,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        id -> Uuid,
        at -> Timestamptz,
        actor -> Nullable<Uuid>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        territory_id -> Nullable<Text>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        notes -> Nullable<Text>,
        data -> Jsonb,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        at -> Timestamptz,
        territory_id -> Nullable<Text>,
        recipient_kind -> Nullable<Text>,
        recipient_id -> Nullable<Uuid>,
        payload -> Jsonb,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        recipient_kind -> Text,
        recipient_id -> Uuid,
        territory_id -> Nullable<Text>,
        event -> Text,
        channel -> Text,
        message -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamptz>,
        claimed_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        acknowledged_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notification_preferences (recipient_kind, recipient_id) {
        recipient_kind -> Text,
        recipient_id -> Uuid,
        prefs -> Jsonb,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        fingerprint -> Text,
        order_id -> Uuid,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamptz,
        revoked_at -> Timestamptz,
    }
}

diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(user_territories -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    territories,
    patients,
    users,
    user_territories,
    products,
    orders,
    order_items,
    chain_head,
    audit_log,
    events,
    notifications,
    notification_preferences,
    idempotency_keys,
    revoked_tokens
);
