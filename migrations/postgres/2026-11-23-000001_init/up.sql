-- ordo schema, PostgreSQL. Kept in step with migrations/sqlite by a test (same tables, columns
-- and index names). Money is integer minor units; stock invariants are also checked here.

CREATE TABLE territories (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE patients (
    id               UUID PRIMARY KEY,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    contact_number   TEXT NOT NULL,
    email            TEXT,
    insurance_number TEXT,
    territory_id     TEXT NOT NULL REFERENCES territories (id),
    created_at       TIMESTAMPTZ NOT NULL,
    CONSTRAINT uq_patients_code UNIQUE (code)
);
CREATE INDEX ix_patients_territory_code ON patients (territory_id, code);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'customer')),
    patient_id    UUID REFERENCES patients (id),
    phone         TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT uq_users_email UNIQUE (email)
);

CREATE TABLE user_territories (
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    territory_id TEXT NOT NULL REFERENCES territories (id),
    PRIMARY KEY (user_id, territory_id)
);
CREATE INDEX ix_user_territories_territory ON user_territories (territory_id);

CREATE TABLE products (
    id                  BIGSERIAL PRIMARY KEY,
    sku                 TEXT NOT NULL,
    name                TEXT NOT NULL,
    price_minor         BIGINT NOT NULL CHECK (price_minor >= 0),
    stock_quantity      BIGINT NOT NULL,
    reserved_quantity   BIGINT NOT NULL DEFAULT 0,
    low_stock_threshold BIGINT NOT NULL DEFAULT 10,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CONSTRAINT uq_products_sku UNIQUE (sku),
    CONSTRAINT ck_products_stock CHECK (reserved_quantity >= 0 AND reserved_quantity <= stock_quantity)
);
CREATE INDEX ix_products_name ON products (lower(name));

CREATE TABLE orders (
    id                UUID PRIMARY KEY,
    tracking_id       TEXT NOT NULL,
    patient_id        UUID NOT NULL REFERENCES patients (id),
    territory_id      TEXT NOT NULL REFERENCES territories (id),
    created_by        UUID NOT NULL REFERENCES users (id),
    provider_id       TEXT,
    physician_name    TEXT,
    service_type      TEXT,
    priority          TEXT NOT NULL,
    insurance_info    JSONB,
    shipping_address  JSONB,
    total_minor       BIGINT NOT NULL,
    status            TEXT NOT NULL,
    notes             TEXT,
    verification_data JSONB,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CONSTRAINT uq_orders_tracking_id UNIQUE (tracking_id)
);
-- One index behind each filter of GET /orders; listings are newest first.
CREATE INDEX ix_orders_territory_created ON orders (territory_id, created_at);
CREATE INDEX ix_orders_status_created ON orders (status, created_at);
CREATE INDEX ix_orders_patient_created ON orders (patient_id, created_at);
CREATE INDEX ix_orders_creator_created ON orders (created_by, created_at);
CREATE INDEX ix_orders_priority_created ON orders (priority, created_at);
CREATE INDEX ix_orders_created ON orders (created_at);
CREATE INDEX ix_orders_total ON orders (total_minor);

CREATE TABLE order_items (
    order_id         UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no          INTEGER NOT NULL,
    product_id       BIGINT NOT NULL REFERENCES products (id),
    product_name     TEXT NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    unit_price_minor BIGINT NOT NULL,
    subtotal_minor   BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX ix_order_items_product ON order_items (product_id);

-- The single row every audited or evented change locks: it linearises the audit chain and
-- hands out event sequence numbers in commit order, so a tail never skips an event.
CREATE TABLE chain_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    audit_seq  BIGINT NOT NULL,
    audit_hash TEXT NOT NULL,
    event_seq  BIGINT NOT NULL
);
INSERT INTO chain_head (id, audit_seq, audit_hash, event_seq)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    id           UUID NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    actor        UUID,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    territory_id TEXT,
    from_status  TEXT,
    to_status    TEXT,
    notes        TEXT,
    data         JSONB NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    CONSTRAINT uq_audit_log_id UNIQUE (id)
);
CREATE INDEX ix_audit_log_entity ON audit_log (entity_type, entity_id, seq);
CREATE INDEX ix_audit_log_actor ON audit_log (actor, seq);
CREATE INDEX ix_audit_log_territory ON audit_log (territory_id, seq);

CREATE TABLE events (
    seq            BIGINT PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL,
    territory_id   TEXT,
    recipient_kind TEXT,
    recipient_id   UUID,
    payload        JSONB NOT NULL
);
CREATE INDEX ix_events_territory_seq ON events (territory_id, seq);
CREATE INDEX ix_events_at ON events (at);

CREATE TABLE notifications (
    id              UUID PRIMARY KEY,
    recipient_kind  TEXT NOT NULL,
    recipient_id    UUID NOT NULL,
    territory_id    TEXT,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claimed_until   TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ
);
CREATE INDEX ix_notifications_recipient ON notifications (recipient_kind, recipient_id, created_at);
-- The outbox tail: due rows of the channels that leave the application.
CREATE INDEX ix_notifications_outbox ON notifications (status, next_attempt_at) WHERE channel <> 'in_app';

CREATE TABLE notification_preferences (
    recipient_kind TEXT NOT NULL,
    recipient_id   UUID NOT NULL,
    prefs          JSONB NOT NULL,
    PRIMARY KEY (recipient_kind, recipient_id)
);

CREATE TABLE idempotency_keys (
    user_id     UUID NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    order_id    UUID NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at);

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_revoked_tokens_revoked ON revoked_tokens (revoked_at);
