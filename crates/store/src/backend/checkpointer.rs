//! Checkpoints SQLite's WAL off the write path.
//!
//! By default the writer that pushes the WAL past 1,000 pages copies them back into the database
//! file — and fsyncs — inside its own commit, so every few dozen placements one of them pays for
//! all. Here a thread of the store does it instead, every [`EVERY`], as a `PASSIVE` checkpoint
//! that never waits for readers or the writer. Pages written many times between two checkpoints
//! (the chain head, the products, the right edge of each index) are copied once. The writer's
//! own automatic checkpoint stays as a safety net at a much larger size (`sqlite.rs`), in case
//! this thread falls behind.

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is checkpointed.
pub(crate) const EVERY: Duration = Duration::from_millis(250);

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
    /// Starts checkpointing the database at `path`. If the thread cannot start, the writer's
    /// automatic checkpoint still keeps the WAL bounded.
    pub(crate) fn start(path: &str) -> Self {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let path = path.to_owned();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ordo-wal-checkpoint".into())
            .spawn(move || run(&path, &flag))
            .ok();
        Self { stop, thread }
    }
}

fn run(path: &str, stop: &(Mutex<bool>, Condvar)) {
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
            conn = SqliteConnection::establish(path).ok();
        }
        if let Some(c) = conn.as_mut() {
            // PASSIVE: copy what no reader still needs, wait for no one. A failure (the file
            // gone, a busy lock) is retried at the next tick on a fresh connection.
            if c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);").is_err() {
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
