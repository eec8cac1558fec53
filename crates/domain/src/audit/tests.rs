//! Tests of the audit chain.

use super::*;
use serde_json::json;
use uuid::Uuid;

fn draft(n: u128) -> AuditDraft {
    AuditDraft::new(
        AuditId::from_uuid(Uuid::from_u128(n)),
        Timestamp::parse_rfc3339("2026-11-23T10:00:00.5Z")
            .unwrap()
            .plus_seconds(n as i64),
        Some(UserId::from_uuid(Uuid::from_u128(7))),
        AuditAction::OrderStatusChanged,
        EntityType::Order,
        format!("order-{n}"),
    )
    .territory(TerritoryId::parse("north").unwrap())
    .statuses(
        Some(OrderStatus::PendingVerification),
        OrderStatus::Verified,
    )
    .data(json!({"version": n, "b": 1, "a": {"z": 1, "y": 2}}))
}

fn chain(n: u128) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::new();
    for i in 1..=n {
        let prev = out
            .last()
            .map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
        out.push(seal(draft(i), &prev));
    }
    out
}

#[test]
fn a_chain_verifies() {
    assert_eq!(verify_chain(&chain(5)), Ok(5));
    assert_eq!(verify_chain(&[]), Ok(0));
    assert_eq!(GENESIS_HASH, "0".repeat(64));
}

#[test]
fn the_verifier_streams() {
    let c = chain(4);
    let mut v = ChainVerifier::new();
    assert_eq!((v.count(), v.last_hash()), (0, GENESIS_HASH));
    for e in &c {
        v.push(e).unwrap();
    }
    assert_eq!(v.count(), 4);
    assert_eq!(v.last_hash(), c[3].hash);
    // What a store does when the next row is appended: seal onto the verifier's head.
    let next = seal(draft(5), v.last_hash());
    assert_eq!(v.push(&next), Ok(()));
}

#[test]
fn an_edit_is_found_at_its_entry() {
    let edits: Vec<fn(&mut AuditDraft)> = vec![
        |d| d.notes = Some("x".into()),
        |d| d.data = json!({"version": 99}),
        |d| d.data["a"]["z"] = json!(2),
        |d| d.to_status = Some(OrderStatus::Cancelled),
        |d| d.from_status = None,
        |d| d.actor = None,
        |d| d.at = d.at.plus_millis(1),
        |d| d.entity_id.push('0'),
        |d| d.territory_id = None,
        |d| d.action = AuditAction::OrderCancelled,
    ];
    for (i, edit) in edits.into_iter().enumerate() {
        let mut c = chain(5);
        edit(&mut c[2].draft);
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(err.position, 2, "edit {i}");
        assert_eq!(err.audit_id, c[2].draft.id);
        assert!(
            matches!(err.kind, BreakKind::HashMismatch { .. }),
            "edit {i}"
        );
    }
}

#[test]
fn a_rewritten_hash_is_found_at_the_next_entry() {
    // An editor who also recomputes the edited entry's hash breaks the next link instead.
    let mut c = chain(5);
    c[2].draft.notes = Some("forged".into());
    c[2] = seal(c[2].draft.clone(), &c[1].hash);
    let err = verify_chain(&c).unwrap_err();
    assert_eq!(err.position, 3);
    assert!(matches!(err.kind, BreakKind::PrevHashMismatch { .. }));
}

#[test]
fn deletion_is_found() {
    let mut c = chain(5);
    c.remove(1);
    let err = verify_chain(&c).unwrap_err();
    assert_eq!((err.position, err.audit_id), (1, c[1].draft.id));

    let mut c = chain(5);
    c.remove(0);
    assert_eq!(verify_chain(&c).unwrap_err().position, 0);
}

#[test]
fn insertion_is_found() {
    let mut c = chain(5);
    c.insert(2, seal(draft(99), GENESIS_HASH));
    assert_eq!(verify_chain(&c).unwrap_err().position, 2);

    // Even one sealed onto the right predecessor breaks the link after it.
    let mut c = chain(5);
    let forged = seal(draft(99), &c[1].hash);
    c.insert(2, forged);
    assert_eq!(verify_chain(&c).unwrap_err().position, 3);
}

#[test]
fn reordering_is_found() {
    let mut c = chain(5);
    c.swap(3, 4);
    let err = verify_chain(&c).unwrap_err();
    assert_eq!(err.position, 3);
    let BreakKind::PrevHashMismatch { expected, found } = &err.kind else {
        panic!("{err:?}")
    };
    assert_eq!((expected, found), (&chain(5)[2].hash, &chain(5)[3].hash));
    assert_eq!(
        err.to_string(),
        format!(
            "audit chain broken at entry 3 (id {}): prev_hash does not match the previous \
             entry's hash",
            c[3].draft.id
        )
    );
}

#[test]
fn the_encoding_ignores_key_order() {
    let a = draft(1).data(json!({"a": 1, "b": {"c": 2, "d": [ {"f": 1, "e": 2} ]}}));
    let mut b = draft(1);
    let mut inner = serde_json::Map::new();
    inner.insert("d".into(), json!([{"e": 2, "f": 1}]));
    inner.insert("c".into(), json!(2));
    let mut outer = serde_json::Map::new();
    outer.insert("b".into(), Value::Object(inner));
    outer.insert("a".into(), json!(1));
    b.data = Value::Object(outer);
    assert_eq!(canonical_bytes(&a), canonical_bytes(&b));
    // Array order is meaning, not presentation.
    let c = draft(1).data(json!({"a": 1, "b": {"c": 2, "d": [ {"f": 1}, {"e": 2} ]}}));
    assert_ne!(canonical_bytes(&a), canonical_bytes(&c));
}

#[test]
fn the_encoding_of_strings_and_numbers() {
    let d = draft(1)
        .notes(Some("say \"hi\"\\\n\tç\u{1}"))
        .data(json!({"i": -3, "u": u64::MAX, "f": 1.5, "g": 1.0, "e": 1e21, "s": "é"}));
    let text = String::from_utf8(canonical_bytes(&d)).unwrap();
    assert!(text.contains(r#""say \"hi\"\\\n\tç\u0001""#), "{text}");
    assert!(
        text.ends_with(
            r#"{"e":1000000000000000000000,"f":1.5,"g":1,"i":-3,"s":"é","u":18446744073709551615}]"#
        ),
        "{text}"
    );
    // The encoding is JSON: a reader can check a stored chain without this crate.
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back[9], json!("say \"hi\"\\\n\tç\u{1}"));
}

/// Pins the format: if this fails, the encoding or the hash changed, and every stored chain
/// would fail verification.
#[test]
fn known_answer() {
    let d = draft(1).notes(Some("left at the door"));
    let text = String::from_utf8(canonical_bytes(&d)).unwrap();
    assert_eq!(
        text,
        r#"["00000000-0000-0000-0000-000000000001","2026-11-23T10:00:01.500000Z","00000000-0000-0000-0000-000000000007","order_status_changed","order","order-1","north","pending_verification","verified","left at the door",{"a":{"y":2,"z":1},"b":1,"version":1}]"#
    );
    // Computed once, independently: sha256(GENESIS_HASH + "\n" + text), lower-case hex.
    let e = seal(d, GENESIS_HASH);
    assert_eq!(e.prev_hash, GENESIS_HASH);
    assert_eq!(
        e.hash,
        "6a7765da617216806d739568fa4f8a274ba0ae2b424566c0fe6f7d6b8c966c4a"
    );
    let next = seal(draft(2), &e.hash);
    assert_eq!(
        next.hash,
        "fe01bc2ad5041d3e65c9454a4e99fdaba7e9015632f7d56f92fba76193a828b1"
    );
}

#[test]
fn notes_are_redacted_before_storage() {
    let d = draft(1).notes(Some("call +254700000000 re policy INS123456789"));
    let n = d.notes.unwrap();
    assert!(
        !n.contains("254700000000") && !n.contains("INS123456789"),
        "{n}"
    );
    assert_eq!(n, "call [phone] re policy [id]");
    assert_eq!(draft(1).notes(Some("  ")).notes, None);
    assert_eq!(draft(1).notes(None).notes, None);
}

#[test]
fn an_entry_serializes_flat() {
    let e = seal(draft(1), GENESIS_HASH);
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["action"], "order_status_changed");
    assert_eq!(v["to_status"], "verified");
    assert_eq!(v["prev_hash"], GENESIS_HASH);
    let back: AuditEntry = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
    assert_eq!(verify_chain([&back]), Ok(1));
}

#[test]
fn names_round_trip() {
    use AuditAction as A;
    for a in [
        A::OrderCreated,
        A::OrderStatusChanged,
        A::OrderCancelled,
        A::ProductCreated,
        A::ProductUpdated,
        A::StockAdjusted,
        A::PatientCreated,
        A::UserCreated,
        A::UserUpdated,
        A::TerritoryCreated,
    ] {
        assert_eq!(A::parse(a.as_str()), Ok(a));
        assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
    }
    use EntityType as E;
    for e in [E::Order, E::Product, E::Patient, E::User, E::Territory] {
        assert_eq!(E::parse(e.as_str()), Ok(e));
        assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
    }
    assert!(E::parse("spaceship").is_err());
    assert!(A::parse("Order_Created").is_err());
}

#[test]
fn a_truncated_tail_is_found_against_the_recorded_last_hash() {
    let c = chain(4);
    let mut v = ChainVerifier::new();
    for e in &c[..3] {
        v.push(e).unwrap();
    }
    assert_eq!(v.finish(&c[2].hash, Some(c[2].draft.id)), Ok(3));
    let broken = v.finish(&c[3].hash, Some(c[2].draft.id)).unwrap_err();
    assert_eq!(broken.position, 3);
    assert!(matches!(broken.kind, BreakKind::MissingTail { .. }));
    assert_eq!(ChainVerifier::new().finish(GENESIS_HASH, None), Ok(0));
}
