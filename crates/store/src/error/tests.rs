//! Tests of `error.rs`.

use super::*;

#[test]
fn duplicates_name_their_key() {
    assert_eq!(
        duplicate_of(None, "UNIQUE constraint failed: users.email"),
        "email"
    );
    assert_eq!(
        duplicate_of(Some("uq_products_sku"), "duplicate key value"),
        "sku"
    );
    assert_eq!(
        duplicate_of(
            None,
            "UNIQUE constraint failed: idempotency_keys.user_id, idempotency_keys.key"
        ),
        "idempotency_key"
    );
    assert_eq!(
        duplicate_of(Some("idempotency_keys_pkey"), ""),
        "idempotency_key"
    );
    assert_eq!(duplicate_of(None, "something else"), "key");
}
