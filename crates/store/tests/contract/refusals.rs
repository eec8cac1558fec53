//! Changes the store refuses whole: an order update computed from a version the order has left,
//! a create whose idempotency key is live — and the key that has expired, which it must not
//! refuse.

use crate::contract;
use crate::fixtures::world;
use crate::harness::TestDb;
use ordo_domain::audit::EntityType;
use ordo_domain::order::OrderStatus;

contract!(
    an_order_update_on_a_stale_version_writes_nothing,
    an_idempotency_key_past_its_expiry_is_free_before_the_purge,
);

/// The store's half of "of two racing transitions exactly one wins": a change computed from a
/// version the order has left is refused whole — no stock moved, no audit entry, no event.
fn an_order_update_on_a_stale_version_writes_nothing(db: &TestDb) {
    use ordo_domain::audit::{AuditAction, AuditDraft};
    use ordo_domain::event::NewEvent;
    use ordo_domain::ids::AuditId;
    use ordo_domain::order::status::StockEffect;
    use ordo_domain::ports::{Change, CommitError, Write};
    let w = world(db, &[10]);
    let p = w.products[0];
    let id = w.place(&[(p, 4)]);
    let ports = db.store.ports();
    let order = ports.orders.get(id).unwrap().unwrap();
    let head = ports.events.head().unwrap();
    let entries = w.ordo.verify_audit().unwrap().unwrap();
    let mut next = order.clone();
    next.status = OrderStatus::Rejected;
    next.version += 1;
    let draft = AuditDraft::new(
        AuditId::from_uuid(uuid::Uuid::now_v7()),
        order.updated_at,
        None,
        AuditAction::OrderStatusChanged,
        EntityType::Order,
        id.to_string(),
    );
    let change = |expected_version| Change {
        stock: ordo_domain::stock::ops_for(StockEffect::Release, &order.items),
        writes: vec![Write::UpdateOrder {
            order: Box::new(next.clone()),
            expected_version,
        }],
        audit: vec![draft.clone()],
        notifications: Vec::new(),
        events: vec![NewEvent::status_change(&next, order.status)],
        idempotency: None,
    };
    let stale = ports.uow.commit(change(order.version + 1));
    assert_eq!(stale, Err(CommitError::StaleVersion));
    assert_eq!(w.stock(p), (10, 4), "no stock released");
    assert_eq!(ports.orders.get(id).unwrap(), Some(order.clone()));
    assert_eq!(ports.events.head().unwrap(), head, "no event");
    assert_eq!(
        w.ordo.verify_audit().unwrap().unwrap(),
        entries,
        "no audit entry"
    );

    ports.uow.commit(change(order.version)).unwrap();
    assert_eq!(w.stock(p), (10, 0), "on its version the change applies");
    assert_eq!(
        ports.orders.get(id).unwrap().map(|o| o.status),
        Some(OrderStatus::Rejected)
    );
}

/// A key past its expiry is free again at once, purged or not; a live one refuses the whole
/// change as a duplicate (the use case then replays the order it names).
fn an_idempotency_key_past_its_expiry_is_free_before_the_purge(db: &TestDb) {
    use ordo_domain::audit::{AuditAction, AuditDraft};
    use ordo_domain::ids::{AuditId, OrderId, TrackingId};
    use ordo_domain::order::Order;
    use ordo_domain::ports::{Change, Clock, CommitError, IdempotencyRecord, StoreError, Write};
    let w = world(db, &[10]);
    let ports = db.store.ports();
    let placed = ports
        .orders
        .get(w.place(&[(w.products[0], 1)]))
        .unwrap()
        .unwrap();
    let now = crate::harness::SystemClock.now();
    let copy = |n: u64| Order {
        id: OrderId::from_uuid(uuid::Uuid::now_v7()),
        tracking_id: TrackingId::from_random(n),
        ..placed.clone()
    };
    let change = |order: &Order, expires_at| Change {
        stock: Vec::new(),
        writes: vec![Write::InsertOrder(Box::new(order.clone()))],
        audit: vec![AuditDraft::new(
            AuditId::from_uuid(uuid::Uuid::now_v7()),
            now,
            None,
            AuditAction::OrderCreated,
            EntityType::Order,
            order.id.to_string(),
        )],
        notifications: Vec::new(),
        events: Vec::new(),
        idempotency: Some(IdempotencyRecord {
            key: "retry-7".into(),
            user_id: w.staff.user_id(),
            fingerprint: "f".into(),
            order_id: order.id,
            expires_at,
        }),
    };
    let holder = |at| {
        ports
            .idempotency
            .find(w.staff.user_id(), "retry-7", at)
            .unwrap()
            .map(|r| r.order_id)
    };
    let (a, b, c) = (copy(1), copy(2), copy(3));
    ports.uow.commit(change(&a, now.plus_seconds(-1))).unwrap();
    assert_eq!(holder(now), None, "expired on arrival");
    ports
        .uow
        .commit(change(&b, now.plus_seconds(3600)))
        .unwrap();
    assert_eq!(
        holder(now),
        Some(b.id),
        "the expired key went to the next change"
    );
    assert_eq!(
        ports.uow.commit(change(&c, now.plus_seconds(3600))),
        Err(CommitError::Store(StoreError::Duplicate(
            "idempotency_key".into()
        )))
    );
    assert_eq!(
        ports.orders.get(c.id).unwrap(),
        None,
        "nothing of the refused change"
    );
    assert_eq!(holder(now), Some(b.id));
}
