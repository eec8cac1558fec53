use super::Db;
use crate::error::TxError;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use std::time::Duration;

fn pg_url() -> Option<String> {
    let url = std::env::var("ORDO_TEST_PG_URL").ok();
    if url.is_none() {
        eprintln!("ORDO_TEST_PG_URL not set: PostgreSQL durability not tested");
    }
    url
}

/// The WAL's end as of now (past every record already written).
fn insert_lsn(c: &mut super::Conn) -> QueryResult<String> {
    diesel::select(sql::<Text>("pg_current_wal_insert_lsn()::text")).get_result(c)
}

/// Whether the WAL is flushed past `lsn`.
fn flushed_past(c: &mut super::Conn, lsn: &str) -> QueryResult<bool> {
    diesel::select(
        sql::<Bool>("pg_current_wal_flush_lsn() >= ")
            .bind::<Text, _>(lsn)
            .sql("::pg_lsn"),
    )
    .get_result(c)
}

/// The early lock release must not cost durability: when a write returns, the WAL holding its
/// work is on disk, although its COMMIT did not wait for that.
#[test]
fn a_write_is_durable_when_it_returns() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 2, Duration::from_secs(10)).unwrap();
    let table = format!("durable_{}", uuid::Uuid::new_v4().simple());
    db.read(|c| c.batch_execute(&format!("CREATE TABLE {table} (n int)")))
        .unwrap();
    let insert = format!("INSERT INTO {table} VALUES (1)");
    let mut not_flushed = 0;
    for _ in 0..20 {
        // The WAL's end once the row is written: its commit record comes after.
        let written: String = db
            .write(|c| -> Result<String, TxError> {
                c.batch_execute(&insert)?;
                Ok(insert_lsn(c)?)
            })
            .unwrap();
        let flushed = db.read(|c| flushed_past(c, &written)).unwrap();
        not_flushed += usize::from(!flushed);
    }
    db.read(|c| c.batch_execute(&format!("DROP TABLE {table}")))
        .unwrap();
    assert_eq!(
        not_flushed, 0,
        "writes returned before their WAL was flushed"
    );
}

#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = Text)]
    lsn: String,
}

/// Writes 20 rows into a new table, each by `write` given the statement's text; answers how many
/// writes returned before the WAL holding their row was flushed, and how many rows there are.
fn one_statement_writes(
    db: &Db,
    statement: &str,
    write: impl Fn(&Db, &str) -> Result<Written, TxError>,
) -> (usize, i64) {
    let table = format!("durable_one_{}", uuid::Uuid::new_v4().simple());
    db.read(|c| c.batch_execute(&format!("CREATE TABLE {table} (n int)")))
        .unwrap();
    let statement = statement.replace("{table}", &table);
    let mut not_flushed = 0;
    for _ in 0..20 {
        let written = write(db, &statement).unwrap();
        not_flushed += usize::from(!db.read(|c| flushed_past(c, &written.lsn)).unwrap());
    }
    let count = format!("(SELECT count(*) FROM {table})");
    let rows: i64 = db
        .read(|c| diesel::select(sql::<diesel::sql_types::BigInt>(&count)).get_result(c))
        .unwrap();
    db.read(|c| c.batch_execute(&format!("DROP TABLE {table}")))
        .unwrap();
    (not_flushed, rows)
}

/// The same for a change sent as one statement without `BEGIN`, whose statement turns the
/// flush off for its own transaction (as `ordo_stock_claim_and_seal` does), and for an outbox
/// mark, a plain statement: when the write returns, the WAL holding its work is on disk.
#[test]
fn a_one_statement_write_is_durable_when_it_returns() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 2, Duration::from_secs(10)).unwrap();
    // The WAL's end once the row is written, from the statement itself.
    let early = "WITH off AS (SELECT set_config('synchronous_commit', 'off', true)) \
                 INSERT INTO {table} SELECT 1 FROM off \
                 RETURNING pg_current_wal_insert_lsn()::text AS lsn";
    let plain = "INSERT INTO {table} VALUES (1) RETURNING pg_current_wal_insert_lsn()::text AS lsn";
    let by_change = one_statement_writes(&db, early, |db, s| {
        db.write_as(super::WriteShape::OneStatement, |c| {
            Ok(diesel::sql_query(s).get_result(c)?)
        })
    });
    let by_mark = one_statement_writes(&db, plain, |db, s| {
        db.write_as(super::WriteShape::DurableStatement, |c| {
            Ok(diesel::sql_query(s).get_result(c)?)
        })
    });
    assert_eq!(
        (by_change, by_mark),
        ((0, 20), (0, 20)),
        "(writes returned before their WAL was flushed, rows committed), each statement on its own"
    );
}

/// The session keeps the server's default: only the writes' own transactions skip the flush.
#[test]
fn reads_and_other_sessions_keep_synchronous_commit() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 1, Duration::from_secs(10)).unwrap();
    db.write(|c| -> Result<(), TxError> { Ok(c.batch_execute("SELECT 1")?) })
        .unwrap();
    // A one-statement change turns the flush off for its own transaction only.
    db.write_as(
        super::WriteShape::OneStatement,
        |c| -> Result<(), TxError> {
            Ok(c.batch_execute("SELECT set_config('synchronous_commit', 'off', true)")?)
        },
    )
    .unwrap();
    let setting: String = db
        .read(|c| {
            diesel::select(sql::<Text>("current_setting('synchronous_commit')")).get_result(c)
        })
        .unwrap();
    assert_eq!(setting, "on");
}

/// What the event tail, the event log's head and an idempotent replay rely on: once `settled`
/// returns, every commit the connection could see is durable — here a commit made without
/// waiting for its flush and never settled by its writer.
#[test]
fn settled_returns_once_what_was_seen_is_durable() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 2, Duration::from_secs(10)).unwrap();
    let table = format!("settled_{}", uuid::Uuid::new_v4().simple());
    db.read(|c| c.batch_execute(&format!("CREATE TABLE {table} (n int)")))
        .unwrap();
    let insert = format!("INSERT INTO {table} VALUES (1)");
    let mut not_flushed = 0;
    for _ in 0..20 {
        let mut conn = db.pool.get().unwrap();
        let written = super::early_release_transaction(
            &mut conn,
            |c| -> QueryResult<String> {
                c.batch_execute(&insert)?;
                insert_lsn(c)
            },
            "COMMIT",
        )
        .unwrap();
        db.settled(&mut conn).unwrap();
        not_flushed += usize::from(!flushed_past(&mut conn, &written).unwrap());
    }
    db.read(|c| c.batch_execute(&format!("DROP TABLE {table}")))
        .unwrap();
    assert_eq!(
        not_flushed, 0,
        "settled returned before the WAL was flushed"
    );
}

/// An idle instance polls its outbox twice a second, each poll a write that changes nothing:
/// its settle must not write a WAL record (and wait for a flush) when everything is flushed
/// already. Seen from inside a transaction: the settle's statement takes no transaction id. The
/// cluster is shared with other tests that write, so it is tried until the WAL is caught up.
#[test]
fn settling_a_flushed_wal_writes_nothing() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 1, Duration::from_secs(10)).unwrap();
    let mut conn = db.pool.get().unwrap();
    let wrote_nothing = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        conn.transaction(|c| {
            super::settle(c)?;
            diesel::select(sql::<Bool>("pg_current_xact_id_if_assigned() IS NULL")).get_result(c)
        })
        .unwrap()
    });
    assert!(wrote_nothing, "every settle wrote a WAL record");
}

/// Writes that finish while a settle runs share the next one, and none returns before a settle
/// begun after its commit has finished: here a "commit" is a number, and a settle makes
/// durable the numbers committed when it began.
#[test]
fn a_shared_settle_covers_every_commit_made_before_it_began() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let settles = super::Settles::default();
    let committed = AtomicU64::new(0);
    let durable = AtomicU64::new(0);
    let settles_run = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..200 {
                    let mine = committed.fetch_add(1, Ordering::SeqCst) + 1;
                    settles
                        .share(Duration::from_secs(10), || {
                            settles_run.fetch_add(1, Ordering::SeqCst);
                            let upto = committed.load(Ordering::SeqCst);
                            std::thread::sleep(Duration::from_micros(100));
                            durable.fetch_max(upto, Ordering::SeqCst);
                            Ok(())
                        })
                        .unwrap();
                    assert!(
                        durable.load(Ordering::SeqCst) >= mine,
                        "returned before durable"
                    );
                }
            });
        }
    });
    let run = settles_run.load(Ordering::SeqCst);
    assert!(
        run < 1600,
        "1,600 writes ran {run} settles: none was shared"
    );
}

/// A failed settle makes nothing durable: the next write settles for itself.
#[test]
fn after_a_failed_shared_settle_the_next_write_settles() {
    let settles = super::Settles::default();
    let failed = settles.share(Duration::from_secs(1), || {
        Err(diesel::result::Error::BrokenTransactionManager)
    });
    assert!(failed.is_err());
    let mut ran = false;
    settles
        .share(Duration::from_secs(1), || {
            ran = true;
            Ok(())
        })
        .unwrap();
    assert!(ran, "a write after a failed settle returned without one");
}

/// With eight writers at once, settles shared among them: when a one-statement write
/// returns, the WAL holding its work is on disk.
#[test]
fn concurrent_one_statement_writes_are_durable_when_they_return() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 8, Duration::from_secs(10)).unwrap();
    let table = format!("durable_many_{}", uuid::Uuid::new_v4().simple());
    db.read(|c| c.batch_execute(&format!("CREATE TABLE {table} (n int)")))
        .unwrap();
    let statement = format!(
        "WITH off AS (SELECT set_config('synchronous_commit', 'off', true)) \
         INSERT INTO {table} SELECT 1 FROM off \
         RETURNING pg_current_wal_insert_lsn()::text AS lsn"
    );
    let not_flushed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..25 {
                    let written: Written = db
                        .write_as(super::WriteShape::OneStatement, |c| {
                            Ok::<_, TxError>(diesel::sql_query(&statement).get_result(c)?)
                        })
                        .unwrap();
                    if !db.read(|c| flushed_past(c, &written.lsn)).unwrap() {
                        not_flushed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    db.read(|c| c.batch_execute(&format!("DROP TABLE {table}")))
        .unwrap();
    assert_eq!(
        not_flushed.into_inner(),
        0,
        "writes returned before their WAL was flushed"
    );
}

/// A write outside a transaction that sends a second statement would commit its first half on
/// its own: debug builds (the tests) stop it, so the contract suite catches one added by
/// mistake.
#[cfg(debug_assertions)]
#[test]
fn a_one_statement_write_that_sends_two_is_stopped() {
    let Some(url) = pg_url() else { return };
    let db = Db::open(&url, 2, Duration::from_secs(10)).unwrap();
    let two = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        db.write_as(
            super::WriteShape::OneStatement,
            |c| -> Result<(), TxError> {
                diesel::sql_query("SELECT 1").execute(c)?;
                diesel::sql_query("SELECT 2").execute(c)?;
                Ok(())
            },
        )
    }));
    assert!(two.is_err(), "two statements went through");
    let one = db.write_as(
        super::WriteShape::OneStatement,
        |c| -> Result<(), TxError> {
            diesel::sql_query("SELECT 1").execute(c)?;
            Ok(())
        },
    );
    assert!(one.is_ok(), "{one:?}");
}
