//! A database that cannot be reached, or stays locked, gives "unavailable" within the
//! configured timeout: never a panic, never a hang.

use crate::harness;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ordo_domain::ports::StoreError;
use ordo_store::StoreOptions;
use std::time::{Duration, Instant};

fn short() -> StoreOptions {
    StoreOptions {
        pool_size: 2,
        timeout: Duration::from_millis(500),
    }
}

#[test]
fn a_locked_sqlite_database_is_unavailable_in_time() {
    let db = harness::sqlite_with(short());
    let w = crate::fixtures::world(&db, &[5]);
    let path = db.sqlite_path();
    let mut locker = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    locker.batch_execute("BEGIN EXCLUSIVE;").unwrap();
    let started = Instant::now();
    let err = w
        .ordo
        .place_order(&w.staff, w.request(&[(w.products[0], 1)]))
        .unwrap_err();
    assert_eq!(err, ordo_domain::Error::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    locker.batch_execute("ROLLBACK;").unwrap();
    assert!(
        w.ordo
            .place_order(&w.staff, w.request(&[(w.products[0], 1)]))
            .is_ok(),
        "recovers"
    );
}

#[test]
fn a_locked_postgres_row_is_unavailable_in_time() {
    let Some(db) = harness::postgres_with(short()) else {
        return;
    };
    let w = crate::fixtures::world(&db, &[5]);
    let ordo_store::DatabaseUrl::Postgres(url) = &db.url else {
        unreachable!()
    };
    let mut locker = diesel::PgConnection::establish(url).unwrap();
    locker
        .batch_execute("BEGIN; SELECT * FROM chain_head FOR UPDATE;")
        .unwrap();
    let started = Instant::now();
    let err = w
        .ordo
        .place_order(&w.staff, w.request(&[(w.products[0], 1)]))
        .unwrap_err();
    assert_eq!(err, ordo_domain::Error::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    locker.batch_execute("ROLLBACK;").unwrap();
    assert!(
        w.ordo
            .place_order(&w.staff, w.request(&[(w.products[0], 1)]))
            .is_ok(),
        "recovers"
    );
}

#[test]
fn an_unreachable_postgres_is_unavailable_in_time() {
    let started = Instant::now();
    // Nothing listens on port 1; the pool gives up within the timeout.
    let err = ordo_store::pg::Db::open(
        "postgres://postgres@127.0.0.1:1/none",
        2,
        Duration::from_millis(500),
    );
    assert!(matches!(err, Err(StoreError::Unavailable(_))), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
