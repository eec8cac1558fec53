//! Group commit for SQLite's one writer connection.
//!
//! SQLite lets one transaction write at a time, and most of a small transaction's cost is its
//! commit: every dirty page is appended whole to the WAL, and checkpoints copy them back. So when
//! writers queue for the connection, the one holding it does not commit: it leaves the
//! transaction open and hands the connection to the next writer, whose work runs inside the same
//! transaction under its own savepoint (the first writer of a batch needs none: alone in the
//! transaction, it fails by rolling the transaction back). The last writer of the chain (no one
//! waiting, or the batch full) commits once for all of them. A writer whose work fails rolls back to its savepoint
//! and affects no one else; every writer returns only after the commit that made its work durable
//! — or, if that commit failed, with its error. Serially, each writer sees the writes of those
//! before it in the batch, exactly as if the transactions had run one after another.

use crate::error::{from_diesel, from_pool};
use diesel::SqliteConnection;
use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use ordo_domain::ports::StoreError;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

type Conn = SqliteConnection;
type Pooled = PooledConnection<ConnectionManager<Conn>>;

/// The most writers one commit carries: bounds how long the first of them waits for it.
const MAX_BATCH: usize = 64;

/// The writer connection, shared by turns.
pub(crate) struct GroupCommit {
    pool: Pool<ConnectionManager<Conn>>,
    state: Mutex<State>,
    turn: Condvar,
    timeout: Duration,
}

#[derive(Default)]
struct State {
    /// A writer holds the connection.
    busy: bool,
    /// Writers waiting for their turn.
    waiting: usize,
    /// Callers of `between_batches` waiting: they go first, and no batch is passed on meanwhile.
    pausing: usize,
    /// The open transaction left for the next writer, with its connection.
    open: Option<(Pooled, Arc<Batch>)>,
}

/// One transaction shared by several writers, and how it ended.
#[derive(Default)]
struct Batch {
    members: std::sync::atomic::AtomicUsize,
    outcome: Mutex<Option<Result<(), StoreError>>>,
    ended: Condvar,
}

impl Batch {
    fn end(&self, outcome: Result<(), StoreError>) {
        *lock(&self.outcome) = Some(outcome);
        self.ended.notify_all();
    }

    fn wait(&self) -> Result<(), StoreError> {
        let mut outcome = lock(&self.outcome);
        loop {
            if let Some(o) = outcome.as_ref() {
                return o.clone();
            }
            outcome = self
                .ended
                .wait(outcome)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("pool", &self.pool.state())
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Writes through `pool` (of one connection); `timeout` bounds the wait for a turn.
    pub(crate) fn new(pool: Pool<ConnectionManager<Conn>>, timeout: Duration) -> Self {
        Self {
            pool,
            state: Mutex::new(State::default()),
            turn: Condvar::new(),
            timeout,
        }
    }

    /// Runs `f` in a write transaction (shared with other writers, under its own savepoint) and
    /// returns once that transaction has committed.
    pub(crate) fn write<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<StoreError>,
    {
        let mut turn = Turn {
            gc: self,
            open: self.take_turn(false)?,
            decided: false,
        };
        if turn.open.is_none() {
            turn.open = Some(turn.begin()?);
        }
        let Some((conn, batch)) = turn.open.as_mut() else {
            return Err(StoreError::Other("no open write transaction".into()).into());
        };
        let first = batch
            .members
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            == 0;
        let result = if first {
            // Alone in the transaction until it passes it on: if it fails, the whole
            // transaction, which holds nothing else, rolls back. No savepoint is needed, and
            // none of its pages are copied to a savepoint journal.
            let result = f(conn);
            if result.is_err() {
                let _ = turn.finish(Err(StoreError::Other("the writer's work failed".into())));
                return result;
            }
            result
        } else {
            // Nested in the open transaction, Diesel makes this a savepoint: a failing writer
            // rolls back its own work only.
            (**conn).transaction(f)
        };
        let broken = AnsiTransactionManager::transaction_manager_status_mut(&mut **conn)
            .transaction_depth()
            .is_err();
        let outcome = if broken {
            turn.finish(Err(StoreError::Unavailable(
                "the write transaction broke".into(),
            )))
        } else {
            turn.pass_or_commit()
        };
        match (result, outcome) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e),
        }
    }

    /// Runs `f` between two batches: waits for the writer's turn ahead of the writers waiting
    /// (the batch in progress is committed rather than passed on), commits a batch left open
    /// for it, and keeps the turn — so no batch begins — until `f` returns.
    pub(crate) fn between_batches<T>(&self, f: impl FnOnce() -> T) -> Result<T, StoreError> {
        let mut turn = Turn {
            gc: self,
            open: self.take_turn(true)?,
            decided: false,
        };
        turn.commit_open();
        let value = f();
        turn.release();
        Ok(value)
    }

    /// Waits for the connection; returns the open transaction if the previous writer left one.
    /// Wakes whoever may take the free turn: one writer, or everyone while a caller of
    /// `between_batches` waits (the writer woken might not be it, and would go back to sleep).
    fn wake_next(&self, st: &State) {
        if st.pausing > 0 {
            self.turn.notify_all();
        } else {
            self.turn.notify_one();
        }
    }

    /// `first`: a caller of `between_batches`, which writers let go before them.
    fn take_turn(&self, first: bool) -> Result<Option<(Pooled, Arc<Batch>)>, StoreError> {
        let deadline = Instant::now() + self.timeout;
        let mut st = lock(&self.state);
        if first {
            st.pausing += 1;
        } else {
            st.waiting += 1;
        }
        while st.busy || (!first && st.pausing > 0) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                if first {
                    st.pausing -= 1;
                } else {
                    st.waiting -= 1;
                }
                if !st.busy {
                    // The turn may have been handed to this caller as it gave up: pass it on.
                    self.wake_next(&st);
                }
                return Err(StoreError::Unavailable(
                    "timed out waiting for the database writer".into(),
                ));
            }
            st = self
                .turn
                .wait_timeout(st, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if first {
            st.pausing -= 1;
        } else {
            st.waiting -= 1;
        }
        st.busy = true;
        Ok(st.open.take())
    }
}

/// A writer's hold on the connection. Dropped before it decided (its work panicked, or no
/// transaction could begin), it ends the batch in failure and frees the writer, so no one waits
/// for a commit that will never come.
struct Turn<'a> {
    gc: &'a GroupCommit,
    open: Option<(Pooled, Arc<Batch>)>,
    decided: bool,
}

impl Turn<'_> {
    /// Starts a batch: a connection and `BEGIN IMMEDIATE`.
    fn begin(&mut self) -> Result<(Pooled, Arc<Batch>), StoreError> {
        let mut conn = self.gc.pool.get().map_err(from_pool)?;
        AnsiTransactionManager::begin_transaction_sql(&mut *conn, "BEGIN IMMEDIATE")
            .map_err(from_diesel)?;
        Ok((conn, Arc::new(Batch::default())))
    }

    /// Leaves the transaction open for a waiting writer, or commits it; then waits for the end
    /// of the batch.
    fn pass_or_commit(mut self) -> Result<(), StoreError> {
        let Some((conn, batch)) = self.open.take() else {
            return self.finish(Err(StoreError::Other("no open write transaction".into())));
        };
        let mut st = lock(&self.gc.state);
        let members = batch.members.load(std::sync::atomic::Ordering::Relaxed);
        if st.waiting > 0 && st.pausing == 0 && members < MAX_BATCH {
            st.open = Some((conn, batch.clone()));
            st.busy = false;
            drop(st);
            self.decided = true;
            self.gc.turn.notify_one();
            return batch.wait();
        }
        drop(st);
        let outcome = {
            let (mut conn, batch) = (conn, batch);
            let outcome =
                AnsiTransactionManager::commit_transaction(&mut *conn).map_err(from_diesel);
            self.open = Some((conn, batch));
            outcome
        };
        self.finish(outcome)
    }

    /// Ends the batch with `outcome` (rolling back unless it committed) and frees the writer.
    fn finish(&mut self, outcome: Result<(), StoreError>) -> Result<(), StoreError> {
        self.decided = true;
        self.end_batch(outcome.clone());
        self.release();
        outcome
    }

    /// Commits the open batch, if any, and ends it; the turn stays held.
    fn commit_open(&mut self) {
        if let Some((mut conn, batch)) = self.open.take() {
            let outcome =
                AnsiTransactionManager::commit_transaction(&mut *conn).map_err(from_diesel);
            self.open = Some((conn, batch));
            self.end_batch(outcome);
        }
    }

    /// Ends the open batch with `outcome`, rolling back unless it committed.
    fn end_batch(&mut self, outcome: Result<(), StoreError>) {
        if let Some((mut conn, batch)) = self.open.take() {
            if outcome.is_err() {
                // Diesel already rolled back a failed commit; otherwise undo what is open.
                let _ = AnsiTransactionManager::rollback_transaction(&mut *conn);
            }
            batch.end(outcome);
            // The connection goes back to the pool between batches, so a broken one is replaced.
            drop(conn);
        }
    }

    /// Gives the turn to the next writer, or to a waiting caller of `between_batches`.
    fn release(&mut self) {
        self.decided = true;
        let mut st = lock(&self.gc.state);
        st.busy = false;
        self.gc.wake_next(&st);
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.decided {
            let _ = self.finish(Err(StoreError::Other(
                "a writer failed inside the write transaction".into(),
            )));
        }
    }
}
