//! The SQLite backend: the database file in WAL mode, one writer connection (write transactions
//! begin IMMEDIATE, so writers queue instead of deadlocking, and writers that queue share one
//! commit: see `group_commit.rs`) and a pool of readers.

use crate::error::{TxError, from_diesel, from_pool};
use crate::fixed::{Bind, Fixed};
pub(crate) use crate::schema::sqlite as schema;
use crate::types::DbUuid;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use ordo_domain::ports::{CommitError, StoreError, StoreResult};
use std::sync::Arc;
use std::time::Duration;

/// The backend the shared code is compiled against.
pub(crate) type Backend = diesel::sqlite::Sqlite;

/// The connection type the shared code is compiled against.
pub(crate) type Conn = SqliteConnection;

/// Settings applied to every pooled connection.
#[derive(Debug)]
struct Pragmas {
    busy_timeout_ms: u128,
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 50000; PRAGMA journal_size_limit = 67108864;",
            self.busy_timeout_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The database handle; implements every persistence port.
pub struct Db {
    write: Arc<super::group_commit::GroupCommit>,
    read: Pool<ConnectionManager<Conn>>,
    /// Fired after each committed write: the event tail's wake-up (`wake.rs`).
    pub(crate) on_commit: crate::wake::OnCommit,
    /// Copies the WAL back into the database file, off the write path.
    _checkpointer: super::checkpointer::Checkpointer,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("sqlite::Db")
            .field("write", &self.write)
            .field("read", &self.read.state())
            .finish()
    }
}

fn pool(path: &str, size: u32, timeout: Duration) -> StoreResult<Pool<ConnectionManager<Conn>>> {
    Pool::builder()
        .max_size(size)
        .connection_timeout(timeout)
        // A file database does not drop connections; skip the `SELECT 1` per checkout.
        .test_on_check_out(false)
        .connection_customizer(Box::new(Pragmas {
            busy_timeout_ms: timeout.as_millis(),
        }))
        .build(ConnectionManager::<Conn>::new(path))
        .map_err(from_pool)
}

/// The page size of a new database file. A write appends every page it dirties, whole, to the
/// WAL (checksummed, copied into the page cache, later copied back by a checkpoint), and a
/// placement dirties one page in each of some 30 b-trees while changing a few hundred bytes in
/// each: with 4,096-byte pages that was ~100 KiB of WAL per placement. At 2,048 bytes a
/// placement writes half as much, and the store benchmark places 24–29% more per second with
/// 1 client and 5–10% more with 8 (docs/PERFORMANCE.md); 1,024 gained no more and would spill an order row with long notes
/// onto overflow pages.
const PAGE_SIZE: u32 = 2048;

/// Sets a new file's page size and puts the database in WAL mode; both persistent, so done once
/// when opening. An existing database keeps its page size: SQLite ignores `page_size` once the
/// file has tables (changing it takes a `VACUUM` outside WAL mode: docs/OPERATIONS.md).
pub(crate) fn enable_wal(conn: &mut Conn) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "PRAGMA page_size = {PAGE_SIZE}; PRAGMA journal_mode = WAL;"
    ))
}

impl Db {
    /// Opens one writer and `readers` reader connections; `timeout` bounds waits for either.
    pub fn open(path: &str, readers: u32, timeout: Duration) -> StoreResult<Self> {
        let write = Arc::new(super::group_commit::GroupCommit::new(
            pool(path, 1, timeout)?,
            timeout,
        ));
        Ok(Self {
            read: pool(path, readers.max(1), timeout)?,
            on_commit: Default::default(),
            _checkpointer: super::checkpointer::Checkpointer::start(
                path,
                write.clone(),
                super::checkpointer::RESTART_AT,
            ),
            write,
        })
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Conn) -> QueryResult<T>) -> StoreResult<T> {
        let mut conn = self.read.get().map_err(from_pool)?;
        f(&mut conn).map_err(from_diesel)
    }

    /// Nothing to wait for: readers see only commits, and a commit is as durable as it gets.
    pub(crate) fn settled(&self, _conn: &mut Conn) -> QueryResult<()> {
        Ok(())
    }

    pub(crate) fn write<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<ordo_domain::ports::StoreError>,
    {
        let done = self.write.write(f);
        // After the commit, so whoever wakes sees what it wrote; a rollback wrote no event.
        if done.is_ok() {
            self.on_commit.fire();
        }
        done
    }

    /// `write`, whatever the shape: a transaction costs no round trip here, and it is what
    /// group commit shares.
    pub(crate) fn write_as<T, E>(
        &self,
        _shape: super::WriteShape,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<ordo_domain::ports::StoreError>,
    {
        self.write(f)
    }
}

/// Products by id in one cached statement: the ids go in as one JSON array (`json_each`), so
/// the statement's text does not depend on their number. An `IN (?, ?, …)` list has a text per
/// length, which Diesel does not cache: it was parsed and planned afresh on every placement.
pub(crate) fn products_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<rows::ProductRow>> {
    // Every column, in the order of the table and of `ProductRow`.
    const BY_IDS: &[&str] = &[
        "SELECT id, sku, name, price_minor, stock_quantity, reserved_quantity, \
         low_stock_threshold, active, created_at, updated_at FROM products \
         WHERE id IN (SELECT value FROM json_each(",
        "))",
    ];
    let list = product_ids(ids);
    Fixed::<schema::products::SqlType>::new(BY_IDS, &[Bind::Text(&list)]).load(conn)
}

/// How `ProductIn` (`imp/context.rs`) passes its ids: one JSON array, as `products_by_ids` does.
pub(crate) type ProductIds = String;

pub(crate) fn product_ids(ids: &[i64]) -> ProductIds {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    format!("[{list}]")
}

/// `products.id IN (SELECT value FROM json_each(?))`: one text whatever the number of ids.
pub(crate) fn push_product_in<'b>(
    mut out: diesel::query_builder::AstPass<'_, 'b, Backend>,
    ids: &'b ProductIds,
) -> QueryResult<()> {
    out.push_sql("products.id IN (SELECT value FROM json_each(");
    out.push_bind_param::<diesel::sql_types::Text, _>(ids)?;
    out.push_sql("))");
    Ok(())
}

/// Applies `ops` (sorted by product) as conditional updates, one statement each — a statement
/// costs no round trip here; returns the positions of those whose condition did not hold.
fn conditional_stock(
    conn: &mut Conn,
    ops: &[ordo_domain::stock::StockOp],
) -> QueryResult<Vec<usize>> {
    use ordo_domain::stock::StockOpKind;
    // Fixed texts (`fixed.rs`): Diesel would parse an `UPDATE` it built afresh every time.
    const RESERVE: &[&str] = &[
        "UPDATE products SET reserved_quantity = reserved_quantity + ",
        " WHERE id = ",
        " AND stock_quantity - reserved_quantity >= ",
        "",
    ];
    const RELEASE: &[&str] = &[
        "UPDATE products SET reserved_quantity = reserved_quantity - ",
        " WHERE id = ",
        " AND reserved_quantity >= ",
        "",
    ];
    const CONSUME: &[&str] = &[
        "UPDATE products SET stock_quantity = stock_quantity - ",
        ", reserved_quantity = reserved_quantity - ",
        " WHERE id = ",
        " AND reserved_quantity >= ",
        "",
    ];
    let mut failed = Vec::new();
    for (at, op) in ops.iter().enumerate() {
        let (id, q) = (
            Bind::Int(op.product_id.get()),
            Bind::Int(i64::from(op.quantity.get())),
        );
        let changed = match op.kind {
            StockOpKind::Reserve => Fixed::<()>::new(RESERVE, &[q, id, q]).execute(conn)?,
            StockOpKind::Release => Fixed::<()>::new(RELEASE, &[q, id, q]).execute(conn)?,
            StockOpKind::Consume => Fixed::<()>::new(CONSUME, &[q, q, id, q]).execute(conn)?,
        };
        if changed == 0 {
            failed.push(at);
        }
    }
    Ok(failed)
}

/// Ids of due outbox rows no other dispatcher holds (the write lock serialises claimers).
pub(crate) fn due_outbox_ids(
    conn: &mut Conn,
    now: crate::types::DbTime,
    limit: i64,
) -> QueryResult<Vec<crate::types::DbUuid>> {
    use schema::notifications::dsl as n;
    n::notifications
        .filter(n::status.eq("pending"))
        .filter(n::channel.ne("in_app"))
        .filter(n::next_attempt_at.le(now))
        .filter(n::claimed_until.is_null().or(n::claimed_until.lt(now)))
        .order(n::next_attempt_at.asc())
        .limit(limit)
        .select(n::id)
        .load(conn)
}

/// Inserts `rows` one statement each: Diesel prepares a multi-row INSERT afresh every time
/// (SQLite parses it again: 9% of a batch of placements), while a single-row one is prepared
/// once and cached. Rows cost no round trip here, unlike on PostgreSQL (`pg.rs`, `rows_stock_and_chain`).
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0;
        for row in $rows {
            inserted += diesel::insert_into($table).values(row).execute($conn)?;
        }
        inserted
    }};
}

/// A change's rows, stock operations and chain, statement by statement (no round trips
/// here): order updates, the idempotency key, new orders and notifications, the stock, the lines (`commit.rs`),
/// then the claim on the chain and its tail. On a shortage, reports every operation that could not be applied (the
/// transaction then rolls back). Returns the last event number written.
pub(crate) fn rows_stock_and_chain(
    conn: &mut Conn,
    fresh: rows::NewRows,
    ops: &[ordo_domain::stock::StockOp],
    chain: commit::Chain,
) -> Result<Option<i64>, TxError> {
    use schema::{
        notifications::dsl as n, order_items::dsl as i, orders::dsl as o, products::dsl as p,
    };
    for (order, expected_version) in fresh.updates {
        let this = o::id.eq(DbUuid(order.id.0));
        let n = diesel::update(
            o::orders
                .filter(this)
                .filter(o::version.eq(expected_version)),
        )
        .set(order)
        .execute(conn)?;
        if n == 0 {
            return Err(TxError::Commit(CommitError::StaleVersion));
        }
    }
    if let Some((row, now)) = fresh.idempotency {
        use schema::idempotency_keys::dsl as k;
        let expired = k::idempotency_keys
            .filter(k::user_id.eq(DbUuid(row.user_id.0)))
            .filter(k::key.eq(row.key.clone()))
            .filter(k::expires_at.le(now));
        diesel::delete(expired).execute(conn)?;
        diesel::insert_into(k::idempotency_keys)
            .values(row)
            .execute(conn)?;
    }
    insert_rows!(conn, o::orders, fresh.orders);
    insert_rows!(conn, n::notifications, fresh.notifications);
    let failed = conditional_stock(conn, ops)?;
    if !failed.is_empty() {
        let mut short = Vec::with_capacity(failed.len());
        for at in failed {
            let Some(op) = ops.get(at) else { continue };
            let available: Option<i64> = p::products
                .filter(p::id.eq(op.product_id.get()))
                .select(p::stock_quantity - p::reserved_quantity)
                .get_result(conn)
                .optional()?;
            short.push((at, available.unwrap_or(0)));
        }
        return Err(TxError::Commit(commit::shortfalls(ops, short)));
    }
    insert_rows!(conn, i::order_items, fresh.lines);
    if chain.is_empty() {
        return Ok(None);
    }
    let claim = claim_chain(conn, &chain)?;
    Ok(append_chained(conn, chain, claim)?)
}

/// The chain's head before a change: its counters and last hash.
struct Claim {
    audit_seq: i64,
    hash: String,
    event_seq: i64,
}

/// Moves the head's counters on by the change's numbers and answers them as they were before,
/// with the hash before the change (the write transaction holds the database's only write lock
/// already).
fn claim_chain(conn: &mut Conn, chain: &commit::Chain) -> Result<Claim, TxError> {
    use diesel::sql_types::{BigInt, Text};
    const CLAIM: &[&str] = &[
        "UPDATE chain_head SET audit_seq = audit_seq + ",
        ", event_seq = event_seq + ",
        " WHERE id = 1 RETURNING audit_seq, audit_hash, event_seq",
    ];
    let count = |n: usize| i64::try_from(n).map_err(|e| StoreError::Other(e.to_string()));
    let (n_audit, n_events) = (count(chain.audit.len())?, count(chain.events.len())?);
    let binds = [Bind::Int(n_audit), Bind::Int(n_events)];
    let (audit_seq, hash, event_seq): (i64, String, i64) =
        Fixed::<(BigInt, Text, BigInt)>::new(CLAIM, &binds).get_result(conn)?;
    Ok(Claim {
        audit_seq: audit_seq - n_audit,
        hash,
        event_seq: event_seq - n_events,
    })
}

/// Seals the change's audit drafts onto the chain after `claim` and numbers its events, then
/// writes them and sets the head's hash; returns the last event number written. Statement by
/// statement: they cost no round trip here, and the IMMEDIATE transaction holds the only write
/// lock anyway.
fn append_chained(conn: &mut Conn, chain: commit::Chain, claim: Claim) -> QueryResult<Option<i64>> {
    use schema::audit_log::dsl as a;
    use schema::events::dsl as e;
    // A fixed text, so that the update is prepared once (`fixed.rs`).
    const SET_HASH: &[&str] = &["UPDATE chain_head SET audit_hash = ", " WHERE id = 1"];
    let (mut seq, mut hash) = (claim.audit_seq, claim.hash);
    let sealed = !chain.audit.is_empty();
    for draft in chain.audit {
        let entry = ordo_domain::audit::seal(draft, &hash);
        seq += 1;
        let row = rows::AuditRow::of_draft(seq, &entry.draft, entry.prev_hash, entry.hash);
        hash.clone_from(&row.hash);
        diesel::insert_into(a::audit_log)
            .values(row)
            .execute(conn)?;
    }
    if sealed {
        Fixed::<()>::new(SET_HASH, &[Bind::Text(&hash)]).execute(conn)?;
    }
    let mut seq = claim.event_seq;
    for event in &chain.events {
        seq += 1;
        diesel::insert_into(e::events)
            .values(rows::EventRow::of(seq, event))
            .execute(conn)?;
    }
    Ok((!chain.events.is_empty()).then_some(seq))
}

pub(crate) mod rows {
    include!("../imp/rows.rs");
}
pub(crate) mod reads {
    include!("../imp/reads.rs");
}
pub(crate) mod context {
    include!("../imp/context.rs");
}
pub(crate) mod events {
    include!("../imp/events.rs");
}
pub(crate) mod commit {
    include!("../imp/commit.rs");
}
pub(crate) mod outbox {
    include!("../imp/outbox.rs");
}
