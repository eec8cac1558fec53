//! Checkpoints SQLite's WAL off the write path.
//!
//! By default the writer that pushes the WAL past 1,000 pages copies them back into the database
//! file — and fsyncs — inside its own commit, so every few dozen placements one of them pays for
//! all. Here a thread of the store does it instead, every [`EVERY`], as a `PASSIVE` checkpoint
//! that never waits for readers or the writer. Pages written many times between two checkpoints
//! (the chain head, the products, the right edge of each index) are copied once. The writer's
//! own automatic checkpoint stays as a safety net at a much larger size (`sqlite.rs`), in case
//! this thread falls behind.
//!
//! A checkpoint that never waits does not end the WAL's growth under steady writes: SQLite
//! starts the WAL over from its beginning only when a writer begins while every frame has been
//! copied back, and with writes going on all the time some always have not. The file then grows
//! without bound (past 140 MB within seconds under the placements benchmark), and every frame
//! appended to it lands in a new block of the file, which the file system allocates and zeroes
//! first (a seventh of a placement's CPU). So once the WAL holds [`RESTART_AT`] frames, this
//! thread takes the writer's turn between two batches (`GroupCommit::between_batches`) and runs
//! a `RESTART` checkpoint — the few frames written since its `PASSIVE` one, then a wait for
//! readers still on the old frames, a few milliseconds — so that the next writer starts the WAL
//! over, in blocks the file already has, and `journal_size_limit` trims what lies beyond.

use super::group_commit::GroupCommit;
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is checkpointed.
pub(crate) const EVERY: Duration = Duration::from_millis(250);

/// The WAL's length, in frames, at which it is started over: 16,384 frames of 4 KiB pages is
/// the 64 MiB that `journal_size_limit` keeps (`sqlite.rs`).
pub(crate) const RESTART_AT: i64 = 16_384;

/// How long a `RESTART` checkpoint waits for readers still on the old frames.
const READERS_WAIT_MS: u32 = 100;

/// What `PRAGMA wal_checkpoint` answers.
#[derive(QueryableByName)]
struct Outcome {
    /// 1 when the checkpoint could not finish (a lock was held).
    #[diesel(sql_type = BigInt)]
    busy: i64,
    /// Frames in the WAL.
    #[diesel(sql_type = BigInt)]
    log: i64,
    /// Frames copied back into the database.
    #[diesel(sql_type = BigInt)]
    checkpointed: i64,
}

/// The checkpoint thread; stopped and joined when dropped.
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpointer").finish_non_exhaustive()
    }
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`, whose writes go through `writer`, starting
    /// the WAL over once it holds `restart_at` frames. If the thread cannot start, the writer's
    /// automatic checkpoint still copies the WAL back.
    pub(crate) fn start(path: &str, writer: Arc<GroupCommit>, restart_at: i64) -> Self {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let path = path.to_owned();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ordo-wal-checkpoint".into())
            .spawn(move || run(&path, &flag, &writer, restart_at))
            .ok();
        Self { stop, thread }
    }
}

/// One tick: a `PASSIVE` checkpoint, then a `RESTART` one between two batches if the WAL has
/// grown to `restart_at` frames. An error (the file gone, a lock held) ends the tick.
fn checkpoint(
    conn: &mut SqliteConnection,
    writer: &GroupCommit,
    restart_at: i64,
) -> diesel::QueryResult<()> {
    let passive: Outcome = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)?;
    if passive.log < restart_at {
        return Ok(());
    }
    let restarted = writer
        .between_batches(|| -> diesel::QueryResult<Outcome> {
            diesel::sql_query("PRAGMA wal_checkpoint(RESTART)").get_result(conn)
        })
        .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))??;
    if restarted.busy != 0 {
        // A reader outstayed the wait: the next tick tries again.
        tracing::debug!(
            log = restarted.log,
            checkpointed = restarted.checkpointed,
            "WAL restart deferred"
        );
    }
    Ok(())
}

fn run(path: &str, stop: &(Mutex<bool>, Condvar), writer: &GroupCommit, restart_at: i64) {
    let mut conn: Option<SqliteConnection> = None;
    let (lock, wake) = stop;
    let mut stopped = lock.lock().unwrap_or_else(PoisonError::into_inner);
    while !*stopped {
        stopped = wake
            .wait_timeout(stopped, EVERY)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        if *stopped {
            break;
        }
        if conn.is_none() {
            conn = SqliteConnection::establish(path).ok().and_then(|mut c| {
                c.batch_execute(&format!("PRAGMA busy_timeout = {READERS_WAIT_MS};"))
                    .ok()
                    .map(|()| c)
            });
        }
        if let Some(c) = conn.as_mut() {
            // A failure is retried at the next tick on a fresh connection.
            if checkpoint(c, writer, restart_at).is_err() {
                conn = None;
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
