//! The store contract: the same tests on SQLite and, when `ORDO_TEST_PG_URL` is set, on
//! PostgreSQL, each on a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod behaviour;
mod concurrency;
mod fixtures;
mod harness;
mod refusals;
mod retention;
mod schema_parity;
mod sqlite_file;
mod unavailable;
mod wake;
