// @generated-by-hand: mirrors migrations/sqlite; the same tables as `schema/pg.rs` with
// SQLite's types (text ids, microsecond instants, JSON as text).

diesel::table! {
    territories (id) {
        id -> Text,
        name -> Text,
        active -> Bool,
    }
}

diesel::table! {
    patients (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        contact_number -> Text,
        email -> Nullable<Text>,
        insurance_number -> Nullable<Text>,
        territory_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        patient_id -> Nullable<Text>,
        phone -> Nullable<Text>,
        active -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    user_territories (user_id, territory_id) {
        user_id -> Text,
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
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        tracking_id -> Text,
        patient_id -> Text,
        territory_id -> Text,
        created_by -> Text,
        provider_id -> Nullable<Text>,
        physician_name -> Nullable<Text>,
        service_type -> Nullable<Text>,
        priority -> Text,
        insurance_info -> Nullable<Text>,
        shipping_address -> Nullable<Text>,
        total_minor -> BigInt,
        status -> Text,
        notes -> Nullable<Text>,
        verification_data -> Nullable<Text>,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    order_items (order_id, line_no) {
        order_id -> Text,
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
        id -> Text,
        at -> BigInt,
        actor -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        territory_id -> Nullable<Text>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        notes -> Nullable<Text>,
        data -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        at -> BigInt,
        territory_id -> Nullable<Text>,
        recipient_kind -> Nullable<Text>,
        recipient_id -> Nullable<Text>,
        payload -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        recipient_kind -> Text,
        recipient_id -> Text,
        territory_id -> Nullable<Text>,
        event -> Text,
        channel -> Text,
        message -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<BigInt>,
        claimed_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        acknowledged_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    notification_preferences (recipient_kind, recipient_id) {
        recipient_kind -> Text,
        recipient_id -> Text,
        prefs -> Text,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        fingerprint -> Text,
        order_id -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
        revoked_at -> BigInt,
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
