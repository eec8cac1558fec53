//! Races: the invariants of SPEC §5 and §7 under concurrent writers, on each backend.

use crate::contract;
use crate::fixtures::world;
use crate::harness::TestDb;
use ordo_domain::Error;
use ordo_domain::order::OrderStatus;
use ordo_domain::usecases::StatusChange;
use std::collections::BTreeSet;
use std::sync::Barrier;

contract!(
    fifty_clients_race_for_twenty_units,
    of_two_racing_transitions_exactly_one_wins,
    the_audit_chain_stays_linear_under_500_concurrent_changes,
    each_outbox_row_goes_to_exactly_one_dispatcher,
    retries_racing_with_one_key_make_one_order,
);

fn fifty_clients_race_for_twenty_units(db: &TestDb) {
    let w = world(db, &[20]);
    let p = w.products[0];
    let barrier = Barrier::new(50);
    let results: Vec<Result<(), Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    w.ordo
                        .place_order(&w.staff, w.request(&[(p, 1)]))
                        .map(|_| ())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = results.iter().filter(|r| r.is_ok()).count();
    let short = results
        .iter()
        .filter(|r| matches!(r, Err(Error::InsufficientStock(_))))
        .count();
    assert_eq!((won, short), (20, 30), "{results:?}");
    assert_eq!(w.stock(p), (20, 20), "exactly 20 reserved, none available");
}

fn of_two_racing_transitions_exactly_one_wins(db: &TestDb) {
    let w = world(db, &[100]);
    for _ in 0..10 {
        let id = w.place(&[(w.products[0], 1)]);
        let barrier = Barrier::new(2);
        let results: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        w.ordo.change_status(
                            &w.staff,
                            id,
                            StatusChange {
                                to: OrderStatus::Verified,
                                notes: None,
                                verification_data: None,
                                if_match: None,
                            },
                        )
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let invalid = results
            .iter()
            .filter(|r| matches!(r, Err(Error::InvalidStatus { .. })))
            .count();
        assert_eq!((wins, invalid), (1, 1), "{results:?}");
        assert_eq!(
            w.ordo.order_history(&w.admin, id).unwrap().len(),
            2,
            "one creation, one change"
        );
    }
}

fn the_audit_chain_stays_linear_under_500_concurrent_changes(db: &TestDb) {
    let w = world(db, &[100_000]);
    let before = w.ordo.verify_audit().unwrap().unwrap();
    let p = w.products[0];
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                // 125 changes per thread: a placement and four transitions, 25 times.
                for _ in 0..25 {
                    let id = w.place(&[(p, 1)]);
                    for to in [
                        OrderStatus::Verified,
                        OrderStatus::Shipped,
                        OrderStatus::Delivered,
                        OrderStatus::Completed,
                    ] {
                        w.ordo
                            .change_status(
                                &w.staff,
                                id,
                                StatusChange {
                                    to,
                                    notes: None,
                                    verification_data: None,
                                    if_match: None,
                                },
                            )
                            .unwrap();
                    }
                }
            });
        }
    });
    assert_eq!(w.ordo.verify_audit().unwrap(), Ok(before + 500));
    assert_eq!(w.stock(p), (100_000 - 100, 0));
}

fn each_outbox_row_goes_to_exactly_one_dispatcher(db: &TestDb) {
    let w = world(db, &[100]);
    for _ in 0..20 {
        w.place(&[(w.products[0], 1)]);
    }
    let store = db.store.ports().notifications;
    use ordo_domain::ports::Clock;
    let now = crate::harness::SystemClock.now();
    let claimed: Vec<Vec<_>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let batch = store
                            .claim_due(now.plus_seconds(1), now.plus_seconds(300), 3)
                            .unwrap();
                        if batch.is_empty() {
                            break mine;
                        }
                        mine.extend(batch.into_iter().map(|n| n.id));
                    }
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let a: BTreeSet<_> = claimed[0].iter().collect();
    let b: BTreeSet<_> = claimed[1].iter().collect();
    assert!(a.is_disjoint(&b), "a row was handed to both dispatchers");
    assert_eq!(
        a.len() + b.len(),
        40,
        "every SMS and e-mail of 20 orders was claimed once"
    );
    assert_eq!(claimed[0].len() + claimed[1].len(), 40);
}

/// A client that times out and retries while its first request is still running: eight copies
/// of one request with one `Idempotency-Key` at once make one order, and every copy answers it.
fn retries_racing_with_one_key_make_one_order(db: &TestDb) {
    use ordo_domain::usecases::{IdempotencyKey, PlaceOutcome};
    let w = world(db, &[100]);
    for round in 0..5 {
        let mut req = w.request(&[(w.products[0], 2)]);
        req.idempotency = Some(IdempotencyKey::new(&format!("retry-{round}"), b"body").unwrap());
        let barrier = Barrier::new(8);
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        w.ordo.place_order(&w.staff, req.clone())
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
        });
        let created = outcomes
            .iter()
            .filter(|o| matches!(o, PlaceOutcome::Created(_)))
            .count();
        let ids: BTreeSet<_> = outcomes.iter().map(|o| o.order().id).collect();
        assert_eq!((created, ids.len()), (1, 1), "{outcomes:?}");
        assert_eq!(
            w.stock(w.products[0]),
            (100, 2 * (round + 1)),
            "reserved once"
        );
    }
}
