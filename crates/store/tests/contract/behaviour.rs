//! What every store must do, one behaviour per test.

use crate::contract;
use crate::fixtures::{north, world};
use crate::harness::TestDb;
use ordo_domain::Error;
use ordo_domain::audit::EntityType;
use ordo_domain::catalogue::StockAdjustment;
use ordo_domain::notification::{Channel, NotificationStatus};
use ordo_domain::order::OrderStatus;
use ordo_domain::order::query::{OrderFilter, Page};
use ordo_domain::order::values::ShortText;
use ordo_domain::usecases::{IdempotencyKey, PlaceOutcome, StatusChange};

contract!(
    an_order_reads_back_as_written,
    a_shortage_writes_nothing,
    transitions_move_stock,
    idempotency_keys_replay_and_conflict,
    events_are_numbered_in_commit_order,
    listings_filter_scope_and_page,
    unique_keys_are_conflicts,
    adjustments_never_go_below_reserved,
    notifications_reach_the_outbox_and_inbox,
    a_patient_reads_with_territory_and_preferences,
    a_placement_reads_its_patient_and_products_at_once,
);

fn change(to: OrderStatus) -> StatusChange {
    StatusChange {
        to,
        notes: None,
        verification_data: None,
        if_match: None,
    }
}

fn an_order_reads_back_as_written(db: &TestDb) {
    let w = world(db, &[10, 10]);
    let placed = w
        .ordo
        .place_order(
            &w.staff,
            w.request(&[(w.products[0], 2), (w.products[1], 3)]),
        )
        .unwrap();
    let PlaceOutcome::Created(order) = placed else {
        panic!("not created")
    };
    // Another order on the same products, its lines in the other order: a read by id or by
    // tracking id gets one order's lines only, in line order.
    let Ok(PlaceOutcome::Created(other)) = w.ordo.place_order(
        &w.staff,
        w.request(&[(w.products[1], 1), (w.products[0], 1)]),
    ) else {
        panic!("not created")
    };
    for placed in [&order, &other] {
        let read = w.ordo.get_order(&w.admin, placed.id).unwrap();
        assert_eq!(
            &read, placed,
            "an order reads back exactly as it was written"
        );
        let by_tracking = db.store.ports().orders.get_by_tracking(&placed.tracking_id);
        assert_eq!(by_tracking.unwrap().as_ref(), Some(placed));
    }
    let missing = ordo_domain::ids::OrderId::from_uuid(uuid::Uuid::new_v4());
    assert_eq!(db.store.ports().orders.get(missing).unwrap(), None);
    assert_eq!(w.stock(w.products[0]), (10, 3));
    assert_eq!(w.stock(w.products[1]), (10, 4));
    let history = w.ordo.order_history(&w.admin, order.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].draft.to_status,
        Some(OrderStatus::PendingVerification)
    );
    assert_eq!(
        w.ordo.verify_audit().unwrap(),
        Ok(9),
        "two territories, two users, a patient, two products, the two orders"
    );
}

fn a_shortage_writes_nothing(db: &TestDb) {
    let w = world(db, &[5, 1, 9]);
    let before_audit = w.ordo.verify_audit().unwrap().unwrap();
    let err = w
        .ordo
        .place_order(
            &w.staff,
            w.request(&[(w.products[0], 6), (w.products[1], 2), (w.products[2], 1)]),
        )
        .unwrap_err();
    let Error::InsufficientStock(short) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        short.iter().map(|s| s.product_id).collect::<Vec<_>>(),
        vec![w.products[0], w.products[1]]
    );
    assert_eq!((short[0].requested, short[0].available), (6, 5));
    assert_eq!(
        w.stock(w.products[2]),
        (9, 0),
        "the line that fitted was not reserved either"
    );
    let listed = w
        .ordo
        .list_orders(&w.admin, None, OrderFilter::default(), Page::default())
        .unwrap();
    assert_eq!(listed.total, 0);
    assert_eq!(
        w.ordo.verify_audit().unwrap().unwrap(),
        before_audit,
        "no audit entry"
    );
}

fn transitions_move_stock(db: &TestDb) {
    let w = world(db, &[10]);
    let p = w.products[0];
    let id = w.place(&[(p, 4)]);
    w.ordo
        .change_status(&w.staff, id, change(OrderStatus::Rejected))
        .unwrap();
    assert_eq!(w.stock(p), (10, 0), "rejected releases");
    w.ordo
        .change_status(&w.staff, id, change(OrderStatus::PendingVerification))
        .unwrap();
    assert_eq!(w.stock(p), (10, 4), "resubmitted reserves again");
    w.ordo
        .change_status(&w.staff, id, change(OrderStatus::Verified))
        .unwrap();
    let shipped = w
        .ordo
        .change_status(&w.staff, id, change(OrderStatus::Shipped))
        .unwrap();
    assert_eq!(w.stock(p), (6, 0), "shipped consumes");
    assert_eq!(shipped.order.version, 5);
    let stale = w.ordo.change_status(
        &w.staff,
        id,
        StatusChange {
            if_match: Some(4),
            ..change(OrderStatus::Delivered)
        },
    );
    assert!(matches!(stale, Err(Error::Conflict(_))));
    let history = w.ordo.order_history(&w.admin, id).unwrap();
    assert_eq!(history.len(), 5);
    assert_eq!(history.last().unwrap().draft.id, shipped.audit_id);
}

fn idempotency_keys_replay_and_conflict(db: &TestDb) {
    let w = world(db, &[10]);
    let key = IdempotencyKey::new("retry-1", b"body one").unwrap();
    let mut req = w.request(&[(w.products[0], 1)]);
    req.idempotency = Some(key.clone());
    let first = w.ordo.place_order(&w.staff, req.clone()).unwrap();
    let again = w.ordo.place_order(&w.staff, req.clone()).unwrap();
    assert!(matches!(again, PlaceOutcome::Replayed(ref o) if o.id == first.order().id));
    assert_eq!(
        w.stock(w.products[0]),
        (10, 1),
        "the retry reserved nothing"
    );
    req.idempotency = Some(IdempotencyKey::new("retry-1", b"body two").unwrap());
    assert!(matches!(
        w.ordo.place_order(&w.staff, req),
        Err(Error::Conflict(_))
    ));
}

fn events_are_numbered_in_commit_order(db: &TestDb) {
    let w = world(db, &[10]);
    let events = db.store.ports().events;
    let start = events.head().unwrap();
    let id = w.place(&[(w.products[0], 1)]);
    w.ordo
        .change_status(&w.staff, id, change(OrderStatus::Verified))
        .unwrap();
    let got = events.after(start, 100).unwrap();
    let seqs: Vec<i64> = got.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|p| p[1] == p[0] + 1), "{seqs:?}");
    assert_eq!(events.head().unwrap(), *seqs.last().unwrap());
    assert!(
        got.iter()
            .all(|e| e.event.territory_id.as_ref().is_none_or(|t| *t == north()))
    );
    assert_eq!(events.after(*seqs.last().unwrap(), 10).unwrap().len(), 0);
}

fn listings_filter_scope_and_page(db: &TestDb) {
    let w = world(db, &[100]);
    let ids: Vec<_> = (0..5).map(|_| w.place(&[(w.products[0], 1)])).collect();
    w.ordo
        .change_status(&w.staff, ids[0], change(OrderStatus::Verified))
        .unwrap();
    let all = w
        .ordo
        .list_orders(
            &w.admin,
            None,
            OrderFilter::default(),
            Page::new(Some(2), Some(0)),
        )
        .unwrap();
    assert_eq!((all.total, all.rows.len()), (5, 2));
    assert_eq!(all.rows[0].id, ids[4], "newest first");
    let verified = OrderFilter {
        status: Some(OrderStatus::Verified),
        ..OrderFilter::default()
    };
    let v = w
        .ordo
        .list_orders(&w.staff, None, verified, Page::default())
        .unwrap();
    assert_eq!(
        v.rows.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    let pricey = OrderFilter {
        min_amount: Some(ordo_domain::money::Money::parse("13.00").unwrap()),
        ..OrderFilter::default()
    };
    assert_eq!(
        w.ordo
            .list_orders(&w.admin, None, pricey, Page::default())
            .unwrap()
            .total,
        0
    );
    let south = crate::fixtures::user(&w.ordo, "south@example.com", "staff", &["south"]);
    assert_eq!(
        w.ordo
            .list_orders(&south, None, OrderFilter::default(), Page::default())
            .unwrap()
            .total,
        0
    );
    let mine = w.ordo.my_orders(&w.staff, Page::default()).unwrap();
    assert_eq!(mine.total, 5);
}

fn unique_keys_are_conflicts(db: &TestDb) {
    let w = world(db, &[1]);
    // The fixture's admin is admin@example.com; e-mails are unique whatever their case.
    let dup = ordo_domain::people::NewUser::parse(ordo_domain::people::RawUser {
        email: Some("Admin@Example.com".into()),
        password: Some("another password".into()),
        role: Some("admin".into()),
        ..Default::default()
    })
    .unwrap();
    match w.ordo.create_user(Some(&w.admin), dup) {
        Err(Error::Conflict(msg)) => assert!(msg.contains("email"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

fn adjustments_never_go_below_reserved(db: &TestDb) {
    let w = world(db, &[10]);
    let p = w.products[0];
    w.place(&[(p, 7)]);
    let adj = |d| StockAdjustment {
        delta: d,
        reason: ShortText::parse("count").unwrap(),
    };
    assert!(matches!(
        w.ordo.adjust_stock(&w.admin, p, adj(-4)),
        Err(Error::Validation(_))
    ));
    assert_eq!(
        w.ordo
            .adjust_stock(&w.admin, p, adj(-3))
            .unwrap()
            .stock
            .on_hand(),
        7
    );
    assert_eq!(
        w.ordo
            .adjust_stock(&w.admin, p, adj(5))
            .unwrap()
            .stock
            .available(),
        5
    );
    let trail = db
        .store
        .ports()
        .audit
        .history(EntityType::Product, &p.to_string())
        .unwrap();
    assert_eq!(trail.len(), 3, "created, and two adjustments");
}

fn notifications_reach_the_outbox_and_inbox(db: &TestDb) {
    let w = world(db, &[10]);
    w.place(&[(w.products[0], 1)]);
    let store = db.store.ports().notifications;
    let pending = store
        .outbox(NotificationStatus::Pending, Page::default())
        .unwrap();
    let channels: Vec<_> = pending.rows.iter().map(|n| n.channel).collect();
    assert!(
        channels.contains(&Channel::Sms) && channels.contains(&Channel::Email),
        "{channels:?}"
    );
    let now = crate::harness::SystemClock;
    use ordo_domain::ports::Clock;
    let t = now.now();
    let claimed = store
        .claim_due(t.plus_seconds(1), t.plus_seconds(60), 10)
        .unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(
        store
            .claim_due(t.plus_seconds(1), t.plus_seconds(60), 10)
            .unwrap()
            .is_empty(),
        "leased rows are not handed out twice"
    );
    store.mark_sent(claimed[0].id, t).unwrap();
    let sent = store
        .outbox(NotificationStatus::Sent, Page::default())
        .unwrap();
    assert_eq!(sent.rows.len(), 1);
    let (row, at) = (&sent.rows[0], t.unix_micros());
    assert_eq!(row.id, claimed[0].id);
    assert_eq!(
        (row.attempts, row.sent_at.map(|s| s.unix_micros())),
        (1, Some(at)),
        "the mark counts the attempt and keeps the instant to the microsecond"
    );
    assert!(
        store
            .claim_due(t.plus_seconds(120), t.plus_seconds(180), 10)
            .unwrap()
            .iter()
            .all(|n| n.id != claimed[0].id),
        "a sent row is never handed out again, even after its lease"
    );
    store
        .mark_attempt_failed(claimed[1].id, 1, None, "gateway said no")
        .unwrap();
    let failed = store
        .outbox(NotificationStatus::Failed, Page::default())
        .unwrap();
    assert_eq!(failed.rows.len(), 1);
    assert_eq!(
        failed.rows[0].last_error.as_deref(),
        Some("gateway said no")
    );
    let retried = w.ordo.retry_notification(&w.admin, claimed[1].id).unwrap();
    assert_eq!(
        (retried.status, retried.attempts),
        (NotificationStatus::Pending, 0)
    );
}

mod revocation_cache {
    use crate::harness;
    use ordo_domain::ports::{Clock, RevokedTokens};
    use ordo_store::CachedRevocations;
    use std::time::Duration;

    /// Two instances on one database: a log-out on one is seen by the other within the bound,
    /// and by the instance itself at once.
    fn seen_across_instances(db: &harness::TestDb) {
        let until = harness::SystemClock.now().plus_seconds(600);
        let a = CachedRevocations::new(db.store.ports().revoked, Duration::from_millis(200));
        let b = CachedRevocations::new(db.store.ports().revoked, Duration::from_millis(200));
        assert_eq!(b.is_revoked_if_known("t1"), None, "never read yet");
        assert!(!b.is_revoked("t1").unwrap());
        assert_eq!(b.is_revoked_if_known("t1"), Some(false), "fresh");
        a.revoke("t1", until).unwrap();
        assert!(
            a.is_revoked("t1").unwrap(),
            "at once on the instance that revoked it"
        );
        assert_eq!(a.is_revoked_if_known("t1"), Some(true));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(
            b.is_revoked_if_known("t1"),
            None,
            "stale: only a read of the database can tell"
        );
        assert!(
            b.is_revoked("t1").unwrap(),
            "within the staleness bound elsewhere"
        );
        assert_eq!(b.is_revoked_if_known("t1"), Some(true));
        let expired = harness::SystemClock.now().plus_seconds(-1);
        a.revoke("old", expired).unwrap();
        std::thread::sleep(Duration::from_millis(250));
        assert!(!b.is_revoked("old").unwrap(), "expired tokens are not kept");
    }

    #[test]
    fn on_sqlite() {
        seen_across_instances(&harness::sqlite());
    }

    #[test]
    fn on_postgres() {
        if let Some(db) = harness::postgres() {
            seen_across_instances(&db);
        }
    }
}

mod tampering {
    use crate::fixtures::world;
    use crate::harness::{self, TestDb};
    use diesel::prelude::*;
    use ordo_domain::audit::BreakKind;

    /// Runs `sql` on a connection of its own, beside the store.
    pub(super) fn run(db: &TestDb, sql: &str) {
        match &db.url {
            ordo_store::DatabaseUrl::Sqlite(p) => {
                let mut c = diesel::SqliteConnection::establish(&p.to_string_lossy()).unwrap();
                diesel::sql_query(sql).execute(&mut c).unwrap();
            }
            ordo_store::DatabaseUrl::Postgres(u) => {
                let mut c = diesel::PgConnection::establish(u).unwrap();
                diesel::sql_query(sql).execute(&mut c).unwrap();
            }
        }
    }

    /// An edited entry and a truncated tail are both found, and where.
    fn found(db: &TestDb) {
        let w = world(db, &[5]);
        assert_eq!(
            w.ordo.verify_audit().unwrap(),
            Ok(6),
            "territories, users, patient, product"
        );
        run(
            db,
            "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
        );
        let broken = w.ordo.verify_audit().unwrap().unwrap_err();
        assert!(
            matches!(broken.kind, BreakKind::MissingTail { .. }),
            "{broken}"
        );
        assert_eq!(broken.position, 5);
        run(db, "UPDATE audit_log SET notes = 'forged' WHERE seq = 3");
        let broken = w.ordo.verify_audit().unwrap().unwrap_err();
        assert!(
            matches!(broken.kind, BreakKind::HashMismatch { .. }),
            "{broken}"
        );
        assert_eq!(broken.position, 2);
    }

    #[test]
    fn on_sqlite() {
        found(&harness::sqlite());
    }

    #[test]
    fn on_postgres() {
        if let Some(db) = harness::postgres() {
            found(&db);
        }
    }
}

mod expiry {
    use crate::fixtures::world;
    use crate::harness::{self, TestDb};
    use ordo_domain::ports::Clock;
    use ordo_domain::usecases::{IdempotencyKey, PlaceOutcome};

    /// A key past its 24 h is free again, and the purge forgets expired keys and revocations.
    fn expired_rows_go(db: &TestDb) {
        let w = world(db, &[10]);
        let ports = db.store.ports();
        let mut req = w.request(&[(w.products[0], 1)]);
        req.idempotency = Some(IdempotencyKey::new("k", b"same").unwrap());
        let first = w.ordo.place_order(&w.staff, req.clone()).unwrap();
        let later = harness::SystemClock.now().plus_seconds(25 * 3600);
        assert_eq!(
            ports
                .idempotency
                .purge_expired(harness::SystemClock.now())
                .unwrap(),
            0,
            "still fresh"
        );
        assert_eq!(ports.idempotency.purge_expired(later).unwrap(), 1);
        let again = w.ordo.place_order(&w.staff, req).unwrap();
        assert!(
            matches!(again, PlaceOutcome::Created(ref o) if o.id != first.order().id),
            "a purged key is free"
        );

        ports
            .revoked
            .revoke("old", harness::SystemClock.now().plus_seconds(-1))
            .unwrap();
        ports
            .revoked
            .revoke("live", harness::SystemClock.now().plus_seconds(600))
            .unwrap();
        assert_eq!(
            ports
                .revoked
                .purge_expired(harness::SystemClock.now())
                .unwrap(),
            1
        );
        assert!(ports.revoked.is_revoked("live").unwrap());
    }

    #[test]
    fn on_sqlite() {
        expired_rows_go(&harness::sqlite());
    }

    #[test]
    fn on_postgres() {
        if let Some(db) = harness::postgres() {
            expired_rows_go(&db);
        }
    }
}

mod pending_migrations {
    use crate::harness::{self, TestDb};

    /// What `/ready` reports: nothing pending on a migrated database, and a migration the
    /// database lacks is seen through the store's own pool.
    fn seen(db: &TestDb) {
        assert!(!db.store.migrations_pending().unwrap());
        super::tampering::run(
            db,
            "DELETE FROM __diesel_schema_migrations \
             WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)",
        );
        assert!(db.store.migrations_pending().unwrap());
    }

    #[test]
    fn on_sqlite() {
        seen(&harness::sqlite());
    }

    #[test]
    fn on_postgres() {
        if let Some(db) = harness::postgres() {
            seen(&db);
        }
    }
}

fn a_patient_reads_with_territory_and_preferences(db: &TestDb) {
    use ordo_domain::ids::{PatientId, UserId};
    use ordo_domain::notification::{NotifyEvent, Preferences, Recipient};
    let w = world(db, &[10]);
    let ports = db.store.ports();
    let read = |id| ports.patients.with_context(id).unwrap();

    let ctx = read(w.patient).expect("the patient exists");
    assert_eq!(
        Some(ctx.patient.clone()),
        ports.patients.get(w.patient).unwrap()
    );
    assert_eq!(ctx.territory, ports.territories.get(&north()).unwrap());
    assert!(ctx.territory.is_some());
    assert_eq!(ctx.preferences, None, "nothing stored yet");

    // A user's preferences under the same id are not the patient's.
    let mut quiet = Preferences::default();
    quiet.set(Channel::Email, NotifyEvent::StatusChange, false);
    let same_id_user = Recipient::User(UserId::from_uuid(w.patient.as_uuid()));
    ports
        .notifications
        .save_preferences(same_id_user, &quiet)
        .unwrap();
    assert_eq!(read(w.patient).unwrap().preferences, None);

    let mut no_sms = Preferences::default();
    no_sms.set(Channel::Sms, NotifyEvent::OrderCreated, false);
    let patient = Recipient::Patient(w.patient);
    ports
        .notifications
        .save_preferences(patient, &no_sms)
        .unwrap();
    let ctx = read(w.patient).unwrap();
    assert_eq!(ctx.preferences, Some(no_sms));
    assert_eq!(
        ctx.preferences,
        ports.notifications.preferences(patient).unwrap()
    );

    let stranger = PatientId::from_uuid(uuid::Uuid::from_u128(7));
    assert_eq!(read(stranger), None);
}

/// A placement's one read gives what the separate reads give: the patient's context and the
/// named products that exist (each once, whatever their number, absent ones left out), and
/// nothing for a patient that does not exist.
fn a_placement_reads_its_patient_and_products_at_once(db: &TestDb) {
    use ordo_domain::ids::{PatientId, ProductId};
    let w = world(db, &[10, 20, 30]);
    let ports = db.store.ports();
    let sorted = |mut v: Vec<ordo_domain::catalogue::Product>| {
        v.sort_by_key(|p| p.id);
        v
    };
    let absent = ProductId::new(9_999).unwrap();
    for named in [
        vec![],
        vec![w.products[1]],
        vec![w.products[2], absent, w.products[0]],
        w.products.clone(),
    ] {
        let read = ports
            .placement
            .placement_context(w.patient, &named)
            .unwrap();
        assert_eq!(
            read.patient,
            ports.patients.with_context(w.patient).unwrap()
        );
        assert!(read.patient.is_some());
        assert_eq!(
            sorted(read.products),
            sorted(ports.products.get_many(&named).unwrap()),
            "the products of {named:?}"
        );
    }
    let stranger = PatientId::from_uuid(uuid::Uuid::from_u128(7));
    let read = ports
        .placement
        .placement_context(stranger, &w.products)
        .unwrap();
    assert_eq!((read.patient, read.products), (None, Vec::new()));
}
