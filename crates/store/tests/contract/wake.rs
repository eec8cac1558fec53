//! The event tail's wake-up: a commit of this process wakes it at once; on PostgreSQL, so does a
//! commit of another process on the same database (LISTEN/NOTIFY).

use crate::contract;
use crate::fixtures::world;
use crate::harness::{self, TestDb};
use ordo_store::{Store, Wake};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

contract!(
    a_commit_wakes_the_tail_before_the_write_returns,
    the_wake_up_is_set_once
);

fn counter() -> (Arc<AtomicUsize>, Wake) {
    let n = Arc::new(AtomicUsize::new(0));
    let c = n.clone();
    (
        n,
        Arc::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
        }),
    )
}

fn a_commit_wakes_the_tail_before_the_write_returns(db: &TestDb) {
    let w = world(db, &[10]);
    let (woken, wake) = counter();
    let _watch = db.store.on_new_events(wake).unwrap();
    let before = woken.load(Ordering::SeqCst);
    let head = db.store.ports().events.head().unwrap();
    w.place(&[(w.products[0], 1)]);
    assert!(
        woken.load(Ordering::SeqCst) > before,
        "the commit woke the tail"
    );
    assert!(
        db.store.ports().events.head().unwrap() > head,
        "and the events were there to read"
    );
}

fn the_wake_up_is_set_once(db: &TestDb) {
    let (_, first) = counter();
    let (_, second) = counter();
    let _watch = db.store.on_new_events(first).unwrap();
    assert!(db.store.on_new_events(second).is_err());
}

/// Two stores on one PostgreSQL database stand for two `ordo serve` processes.
#[test]
fn on_postgres_another_instances_commit_wakes_this_one() {
    let Some(db) = harness::postgres() else {
        eprintln!("ORDO_TEST_PG_URL not set: cross-instance wake-up not tested");
        return;
    };
    let (woken, wake) = counter();
    let watch = db.store.on_new_events(wake).unwrap();
    assert!(watch.listens());
    // The listener wakes once when it connects; wait for that before counting.
    let deadline = Instant::now() + Duration::from_secs(10);
    while woken.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the listener never connected");
        std::thread::sleep(Duration::from_millis(10));
    }
    let other = Store::open(&db.url, harness::options()).unwrap();
    let other_db = harness::TestDb::sharing(other, &db);
    let w = world(&other_db, &[10]);
    let before = woken.load(Ordering::SeqCst);
    w.place(&[(w.products[0], 1)]);
    let committed = Instant::now();
    while woken.load(Ordering::SeqCst) == before {
        assert!(
            committed.elapsed() < Duration::from_secs(1),
            "another instance's commit did not wake this one within a second"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
