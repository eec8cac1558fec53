//! The two backends; each compiles the shared queries of `imp/` against its schema.

pub mod pg;
pub mod sqlite;

mod checkpointer;
mod group_commit;

/// How a write reaches the database. On SQLite every write is a transaction of the one write
/// connection (a transaction costs no round trip there, and group commit shares it); on
/// PostgreSQL the shape decides the round trips and when locks go (`pg.rs`, `Db::write_as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteShape {
    /// Any number of statements in a transaction whose COMMIT does not wait for the flush, then
    /// the settle: three round trips and the statements'.
    Transaction,
    /// Exactly one statement, its own transaction, which turns the flush off for itself
    /// (`ordo_stock_claim_and_seal`), then the settle: two round trips.
    OneStatement,
    /// Exactly one statement, its own transaction, waiting for its own flush: one round trip.
    /// Only for a statement that locks no row other writers queue for (an outbox mark).
    DurableStatement,
}
