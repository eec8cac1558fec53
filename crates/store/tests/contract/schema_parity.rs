//! Both migration folders produce the same tables, columns and indexes, by name.

use crate::harness;
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::BTreeSet;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn sqlite_shape(db: &harness::TestDb) -> BTreeSet<String> {
    let path = db.sqlite_path();
    let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    let q = "SELECT 'table ' || m.name || '.' || p.name AS name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
             UNION SELECT 'index ' || name FROM sqlite_master WHERE type = 'index' \
             AND name LIKE 'ix_%'";
    diesel::sql_query(q)
        .load::<Name>(&mut c)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

fn pg_shape(db: &harness::TestDb) -> BTreeSet<String> {
    let ordo_store::DatabaseUrl::Postgres(url) = &db.url else {
        unreachable!()
    };
    let mut c = diesel::PgConnection::establish(url).unwrap();
    let q = "SELECT 'table ' || table_name || '.' || column_name AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
             UNION SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname LIKE 'ix_%'";
    diesel::sql_query(q)
        .load::<Name>(&mut c)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

#[test]
fn both_backends_have_the_same_tables_columns_and_indexes() {
    let Some(pg) = harness::postgres() else {
        eprintln!("ORDO_TEST_PG_URL not set: schema parity checked against SQLite only");
        assert!(sqlite_shape(&harness::sqlite()).contains("table orders.version"));
        return;
    };
    let lite = sqlite_shape(&harness::sqlite());
    let pg = pg_shape(&pg);
    assert!(lite.len() > 100, "{lite:?}");
    assert_eq!(lite, pg);
}
