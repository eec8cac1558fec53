//! The SQLite file: a new database gets 2,048-byte pages in WAL mode (half the WAL per write of
//! SQLite's default); a database made with other pages keeps them, and goes on working.

use crate::harness;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Text)]
    v: String,
}

fn raw(path: &std::path::Path) -> SqliteConnection {
    SqliteConnection::establish(&path.to_string_lossy()).unwrap()
}

/// A pragma's value, as text.
fn pragma(c: &mut SqliteConnection, name: &str) -> String {
    diesel::sql_query(format!(
        "SELECT CAST({name} AS TEXT) AS v FROM pragma_{name}()"
    ))
    .get_result::<Value>(c)
    .unwrap()
    .v
}

#[test]
fn a_new_database_has_2048_byte_pages_in_wal_mode() {
    let db = harness::sqlite();
    let mut c = raw(db.sqlite_path());
    assert_eq!(pragma(&mut c, "page_size"), "2048");
    assert_eq!(pragma(&mut c, "journal_mode"), "wal");
}

#[test]
fn a_database_with_4096_byte_pages_keeps_them_and_takes_orders() {
    let dir = harness::sqlite_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // As an earlier ordo made it: SQLite's default page size, WAL, and a table.
    raw(&dir.join("ordo.db"))
        .batch_execute(
            "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE earlier (x INTEGER);",
        )
        .unwrap();
    let db = harness::sqlite_in(dir, harness::options());
    let w = crate::fixtures::world(&db, &[5]);
    let placed = w
        .ordo
        .place_order(&w.staff, w.request(&[(w.products[0], 2)]))
        .unwrap();
    let id = placed.order().id;
    assert_eq!(w.ordo.get_order(&w.staff, id).unwrap().id, id);
    assert_eq!(pragma(&mut raw(db.sqlite_path()), "page_size"), "4096");
}
