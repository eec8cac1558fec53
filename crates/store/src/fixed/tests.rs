use super::{Bind, Fixed};
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An in-memory database with a counter of the statements Diesel put into its cache.
fn db() -> (SqliteConnection, Arc<AtomicUsize>) {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    conn.batch_execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n BIGINT NOT NULL, s TEXT); \
         INSERT INTO t (id, n) VALUES (1, 0), (2, 0);",
    )
    .unwrap();
    let cached = Arc::new(AtomicUsize::new(0));
    let counter = cached.clone();
    let instrumentation = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::CacheQuery { .. } = event {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    };
    conn.set_instrumentation(Box::new(instrumentation) as Box<dyn Instrumentation>);
    (conn, cached)
}

const ADD: &[&str] = &["UPDATE t SET n = n + ", ", s = ", " WHERE id = ", ""];

#[test]
fn a_fixed_update_is_prepared_once_and_applied_every_time() {
    let (mut conn, cached) = db();
    for i in 1..=3 {
        let changed = Fixed::<()>::new(ADD, &[Bind::Int(i), Bind::Text("x"), Bind::Int(1)])
            .execute(&mut conn)
            .unwrap();
        assert_eq!(changed, 1);
    }
    assert_eq!(
        cached.load(Ordering::Relaxed),
        1,
        "prepared once, then reused"
    );
    let rows: Vec<(i64, i64)> =
        Fixed::<(BigInt, BigInt)>::new(&["SELECT id, n FROM t ORDER BY id"], &[])
            .load(&mut conn)
            .unwrap();
    assert_eq!(rows, vec![(1, 6), (2, 0)]);
}

#[test]
fn parts_that_do_not_fit_the_parameters_are_refused_before_anything_runs() {
    let (mut conn, _) = db();
    // One parameter too few for the text.
    let statement = Fixed::<()>::new(ADD, &[Bind::Int(1)]);
    assert!(statement.execute(&mut conn).is_err());
    let n: Vec<(i64, i64)> =
        Fixed::<(BigInt, BigInt)>::new(&["SELECT id, n FROM t WHERE id = 1"], &[])
            .load(&mut conn)
            .unwrap();
    assert_eq!(n, vec![(1, 0)]);
}
