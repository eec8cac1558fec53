use super::Db;
use crate::error::TxError;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use std::time::Duration;

/// The early lock release must not cost durability: when a write returns, the WAL holding its
/// work is on disk, although its COMMIT did not wait for that.
#[test]
fn a_write_is_durable_when_it_returns() {
    let Ok(url) = std::env::var("ORDO_TEST_PG_URL") else {
        eprintln!("ORDO_TEST_PG_URL not set: PostgreSQL durability not tested");
        return;
    };
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
                Ok(
                    diesel::select(sql::<Text>("pg_current_wal_insert_lsn()::text"))
                        .get_result(c)?,
                )
            })
            .unwrap();
        let flushed: bool = db
            .read(|c| {
                diesel::select(
                    sql::<Bool>("pg_current_wal_flush_lsn() >= ")
                        .bind::<Text, _>(&written)
                        .sql("::pg_lsn"),
                )
                .get_result(c)
            })
            .unwrap();
        not_flushed += usize::from(!flushed);
    }
    db.read(|c| c.batch_execute(&format!("DROP TABLE {table}")))
        .unwrap();
    assert_eq!(
        not_flushed, 0,
        "writes returned before their WAL was flushed"
    );
}

/// The session keeps the server's default: only the writes' own transactions skip the flush.
#[test]
fn reads_and_other_sessions_keep_synchronous_commit() {
    let Ok(url) = std::env::var("ORDO_TEST_PG_URL") else {
        eprintln!("ORDO_TEST_PG_URL not set: PostgreSQL durability not tested");
        return;
    };
    let db = Db::open(&url, 1, Duration::from_secs(10)).unwrap();
    db.write(|c| -> Result<(), TxError> { Ok(c.batch_execute("SELECT 1")?) })
        .unwrap();
    let setting: String = db
        .read(|c| {
            diesel::select(sql::<Text>("current_setting('synchronous_commit')")).get_result(c)
        })
        .unwrap();
    assert_eq!(setting, "on");
}
