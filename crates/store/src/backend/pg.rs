//! The PostgreSQL backend: one pool, `READ COMMITTED` transactions made safe by conditional
//! updates and one locked head row, and `FOR UPDATE SKIP LOCKED` for the outbox.

use super::WriteShape;
use crate::error::{from_diesel, from_pool};
use crate::fixed::Fixed;
pub(crate) use crate::schema::pg as schema;
use connector::{Attempts, Connector};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::Pool;
use diesel::sql_types;
use ordo_domain::ports::StoreResult;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// True when every commit made so far is durable without another flush: the local WAL is
/// flushed up to its insert position, and no synchronous standby is configured (a commit with
/// `synchronous_commit = on` then also waits for the standbys, which a local flush position does
/// not show). A macro so that the statements below can be built from it.
macro_rules! caught_up_sql {
    () => {
        "(pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn() \
         AND current_setting('synchronous_standby_names') = '')"
    };
}

/// `settle`'s statement, a macro so that `COMMIT_AND_SETTLE` can be built from it.
macro_rules! settle_sql {
    () => {
        concat!(
            "SELECT pg_logical_emit_message(true, 'ordo.durable', '') WHERE NOT ",
            caught_up_sql!()
        )
    };
}

/// The backend the shared code is compiled against.
pub(crate) type Backend = diesel::pg::Pg;

/// The connection type the shared code is compiled against.
pub(crate) type Conn = PgConnection;

/// The database handle; implements every persistence port.
pub struct Db {
    pool: Pool<Connector>,
    /// The pool's connection attempts, waited out when the handle drops (`pg/connector.rs`).
    attempts: Arc<Attempts>,
    /// For the `LISTEN` connection of the event tail (`wake.rs`); never printed.
    pub(crate) url: String,
    /// Fired after each committed write: the event tail's wake-up (`wake.rs`).
    pub(crate) on_commit: crate::wake::OnCommit,
    /// The writes' flushes, which the event tail can wait for instead of flushing itself.
    settles: Settles,
    /// The bound on waits for the database, closing included.
    timeout: Duration,
}

impl Drop for Db {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pg::Db")
            .field("pool", &self.pool.state())
            .finish()
    }
}

impl Db {
    /// Opens a pool of `size` connections; `timeout` bounds every wait for one.
    pub fn open(url: &str, size: u32, timeout: Duration) -> StoreResult<Self> {
        let (connector, attempts) = Connector::new(url, timeout);
        let built = Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .build(connector);
        let pool = match built {
            Ok(pool) => pool,
            Err(e) => {
                // The pool's workers go on trying to connect: the caller may exit next.
                attempts.close(timeout);
                return Err(from_pool(e));
            }
        };
        Ok(Self {
            pool,
            attempts,
            timeout,
            url: url.to_owned(),
            on_commit: Default::default(),
            settles: Settles::default(),
        })
    }

    /// Opens no more connections and waits (up to the timeout) for those being opened, after
    /// which the process may exit safely (`pg/connector.rs`). Connections already open still
    /// serve.
    pub fn close(&self) {
        if !self.attempts.close(self.timeout) {
            tracing::warn!("a connection attempt outlived the database handle's close");
        }
    }

    /// Returns once every commit the connection's last statement could see is durable, so the
    /// event tail never publishes an event a crash of the database could take back. Under load a
    /// write's flush, begun after that statement, does it; at rest the WAL is flushed already;
    /// failing both within `TAIL_WAIT`, it flushes itself.
    pub(crate) fn settled(&self, conn: &mut Conn) -> QueryResult<()> {
        // Flushes begun from here on cover every commit the statement saw.
        let mark = self.settles.begun();
        // The insert position, read after the statement, is past every commit record it saw.
        const CAUGHT_UP: &[&str] = &[concat!("SELECT ", caught_up_sql!())];
        let caught_up: bool = Fixed::<sql_types::Bool>::new(CAUGHT_UP, &[]).get_result(conn)?;
        if caught_up || self.settles.wait_past(mark, TAIL_WAIT) {
            return Ok(());
        }
        settle(conn)
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Conn) -> QueryResult<T>) -> StoreResult<T> {
        let mut conn = self.pool.get().map_err(from_pool)?;
        f(&mut conn).map_err(from_diesel)
    }

    /// Runs `f` in a transaction and returns once its work is durable.
    ///
    /// The COMMIT does not wait for the WAL flush; `settle` then does, after the locks are gone.
    /// Every change takes the chain head's row lock, so a COMMIT that flushed while holding it
    /// would make every other writer wait out each flush in turn, one after another. Released
    /// before the flush, the head passes on at once and concurrent writers' flushes are shared
    /// (decision 0001, "Early lock release").
    pub(crate) fn write<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<ordo_domain::ports::StoreError>,
    {
        self.write_as(WriteShape::Transaction, f)
    }

    /// Runs `f` as `shape` says and returns once its work is durable. `OneStatement` saves
    /// `BEGIN` and `COMMIT`: the statement's locks go at its end, as a transaction's go at its
    /// COMMIT, and the settle then waits for the flush. `DurableStatement` saves the settle too.
    pub(crate) fn write_as<T, E>(
        &self,
        shape: WriteShape,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<ordo_domain::ports::StoreError>,
    {
        let mut conn = self.pool.get().map_err(from_pool)?;
        let done = match shape {
            WriteShape::Transaction => {
                // Taken before the COMMIT is sent: the settle that follows it starts after this.
                let ticket = self.settles.begin();
                let done = early_release_transaction(&mut conn, f, COMMIT_AND_SETTLE);
                if done.is_ok() {
                    self.settles.finish(ticket);
                }
                done
            }
            WriteShape::OneStatement => one_statement(&mut conn, f).and_then(|value| {
                self.settles.share(self.timeout, || settle(&mut conn))?;
                Ok(value)
            }),
            // Counts as no settle: a durable statement that changed no row commits without a
            // flush, so it proves nothing about the commits before it.
            WriteShape::DurableStatement => one_statement(&mut conn, f),
        };
        drop(conn);
        // After the commit, so whoever wakes sees what it wrote; a rollback wrote no event.
        if done.is_ok() {
            self.on_commit.fire();
        }
        done
    }
}

/// How long the event tail waits for a write's flush before it flushes itself.
const TAIL_WAIT: Duration = Duration::from_millis(2);

/// The instance's settles (flushes), numbered by tickets taken before each begins: a settle
/// makes durable every commit made before its ticket was taken.
#[derive(Debug, Default)]
struct Settles {
    tickets: Mutex<Tickets>,
    finished: Condvar,
}

#[derive(Debug, Default)]
struct Tickets {
    /// How many tickets have been taken.
    begun: u64,
    /// One past the latest ticket whose settle has finished.
    durable: u64,
    /// Whether a shared settle (`Settles::share`) is running.
    leading: bool,
}

impl Settles {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tickets> {
        self.tickets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begun(&self) -> u64 {
        self.lock().begun
    }

    fn begin(&self) -> u64 {
        let mut t = self.lock();
        t.begun += 1;
        t.begun - 1
    }

    fn finish(&self, ticket: u64) {
        let mut t = self.lock();
        t.durable = t.durable.max(ticket + 1);
        self.finished.notify_all();
    }

    /// Waits up to `wait` for a settle begun at or after `mark` to finish; true if one did.
    fn wait_past(&self, mark: u64, wait: Duration) -> bool {
        let t = self.lock();
        let (t, _) = self
            .finished
            .wait_timeout_while(t, wait, |t| t.durable <= mark)
            .unwrap_or_else(PoisonError::into_inner);
        t.durable > mark
    }

    /// Returns once every commit made before this call is durable, running `settle` only when
    /// no other settle will do: writes that finish while a settle runs wait for it to end, then
    /// one of them settles for all (group commit in this process). Each would otherwise send
    /// its own, a round trip and a statement apiece, which PostgreSQL would flush together
    /// anyway. A waiter that waits past `timeout` settles for itself.
    fn share(
        &self,
        timeout: Duration,
        settle: impl FnOnce() -> QueryResult<()>,
    ) -> QueryResult<()> {
        let t = self.lock();
        // Settles whose tickets are taken from here on begin after this caller's commit.
        let mark = t.begun;
        let (mut t, _) = self
            .finished
            .wait_timeout_while(t, timeout, |t| t.leading && t.durable <= mark)
            .unwrap_or_else(PoisonError::into_inner);
        if t.durable > mark {
            return Ok(());
        }
        t.leading = true;
        t.begun += 1;
        let ticket = t.begun - 1;
        drop(t);
        let done = settle();
        let mut t = self.lock();
        t.leading = false;
        if done.is_ok() {
            t.durable = t.durable.max(ticket + 1);
        }
        self.finished.notify_all();
        done
    }
}

/// Begins a transaction whose COMMIT returns without waiting for the WAL flush (one round trip:
/// a simple query may hold several statements).
const BEGIN_EARLY_RELEASE: &str = "BEGIN; SET LOCAL synchronous_commit = off";

/// The end of a write transaction: its COMMIT, which does not wait for the flush and so releases
/// its locks at once, then `SETTLE` in a transaction of its own, which does wait. One round trip
/// (a simple query may hold several statements; those after a COMMIT run in a new implicit
/// transaction, with the session's `synchronous_commit = on`). If the COMMIT fails, the settle
/// does not run.
const COMMIT_AND_SETTLE: &str = concat!("COMMIT; ", settle_sql!());

/// Diesel's `Connection::transaction`, begun by `BEGIN_EARLY_RELEASE` and ended by `commit`
/// (`COMMIT_AND_SETTLE`, or a plain `COMMIT` in tests, after which nothing is durable until
/// `settle`).
fn early_release_transaction<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, E>,
    commit: &str,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if let Err(e) = AnsiTransactionManager::begin_transaction_sql(conn, BEGIN_EARLY_RELEASE) {
        // `BEGIN` may have run without the `SET`: Diesel does not count that transaction, so
        // end it here rather than hand the pool a connection stuck in it.
        let _ = conn.batch_execute("ROLLBACK");
        return Err(e.into());
    }
    match f(conn) {
        Ok(value) => {
            end_transaction(conn, commit)?;
            Ok(value)
        }
        Err(e) => {
            // A failed rollback leaves the connection marked broken; the pool replaces it. The
            // caller's error is the one worth reporting.
            let _ = AnsiTransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs `commit`, which ends the transaction, and brings Diesel's count of open transactions
/// back to none, which its own `commit_transaction` would do.
fn end_transaction(conn: &mut Conn, commit: &str) -> QueryResult<()> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let done = conn.batch_execute(commit);
    // Diesel reads the transaction status libpq reports after each statement: once the COMMIT
    // ran (whether or not it succeeded, and whatever followed it) the connection is idle and
    // the count is reset. A connection still in a transaction here is not fit for the pool.
    let status = AnsiTransactionManager::transaction_manager_status_mut(conn);
    if !matches!(status.transaction_depth(), Ok(None)) {
        status.set_in_error();
        if done.is_ok() {
            return Err(diesel::result::Error::BrokenTransactionManager);
        }
    }
    done
}

/// Returns once everything this connection has seen committed is durable: a transaction that
/// writes one WAL record (an empty logical message, which no table keeps) and commits with the
/// default `synchronous_commit = on` flushes the WAL up to its own commit record, so up to every
/// commit made visible before it. Concurrent callers share the flushes (PostgreSQL's own group
/// commit), since none of them holds a lock meanwhile.
///
/// When the WAL is flushed up to its insert position already — a write that changed nothing,
/// or one the WAL writer has flushed meanwhile — and no synchronous standby is configured,
/// every commit made before is durable, and the statement writes nothing and waits for nothing:
/// an idle instance's outbox polls leave the WAL alone.
///
/// Sent as a prepared statement, parsed and planned once per connection (a simple query would
/// be parsed afresh on every write).
pub(crate) fn settle(conn: &mut Conn) -> QueryResult<()> {
    const SETTLE: &[&str] = &[settle_sql!()];
    Fixed::<()>::new(SETTLE, &[]).execute(conn).map(drop)
}

/// Products by id: `= ANY($1)` with one array parameter, a statement prepared once and cached.
pub(crate) fn products_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<rows::ProductRow>> {
    use schema::products::dsl as p;
    p::products
        .filter(p::id.eq_any(ids))
        .select(rows::ProductRow::as_select())
        .load(conn)
}

/// How `ProductIn` (`imp/context.rs`) passes its ids: one array parameter.
pub(crate) type ProductIds = Vec<i64>;

pub(crate) fn product_ids(ids: &[i64]) -> ProductIds {
    ids.to_vec()
}

/// `products.id = ANY($1)`: one text whatever the number of ids.
pub(crate) fn push_product_in<'b>(
    mut out: diesel::query_builder::AstPass<'_, 'b, Backend>,
    ids: &'b ProductIds,
) -> QueryResult<()> {
    out.push_sql("products.id = ANY(");
    out.push_bind_param::<sql_types::Array<sql_types::BigInt>, _>(ids)?;
    out.push_sql(")");
    Ok(())
}

/// Ids of due outbox rows no other dispatcher holds, skipping rows another transaction has locked.
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
        .for_update()
        .skip_locked()
        .load(conn)
}

pub(crate) use change::rows_stock_and_chain;

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

mod change;
mod connector;
#[cfg(test)]
mod tests;

/// Runs `f`, a write outside any transaction, which must send exactly one statement: a second
/// would commit on its own, and a failure between the two would leave half a change. Counted
/// in debug builds (every test), so a query added to such a write fails the contract suite
/// rather than a patient's order; release builds run `f` alone.
fn one_statement<T, E>(conn: &mut Conn, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E> {
    #[cfg(debug_assertions)]
    {
        use diesel::connection::InstrumentationEvent;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&sent);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let done = f(conn);
        conn.set_instrumentation(None::<Box<dyn diesel::connection::Instrumentation>>);
        let sent = sent.load(Ordering::Relaxed);
        assert!(
            sent == 1 || done.is_err(),
            "a one-statement write sent {sent} statements"
        );
        done
    }
    #[cfg(not(debug_assertions))]
    f(conn)
}
