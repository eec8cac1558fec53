//! Waking the event tail: a signal that the event log may have grown, so that WebSocket
//! subscribers hear of a change without polling the database in a tight loop.
//!
//! Two sources, both ending in the same callback:
//! - **this process's commits**: each backend's `Db::write` fires the callback after a write
//!   transaction commits (SQLite and PostgreSQL). No event can be missed this way, since the
//!   callback runs after the commit is visible to every reader.
//! - **other processes' commits** (PostgreSQL): a statement-level trigger on `events` calls
//!   `pg_notify('ordo_events', '')` (migration `2026-11-23-000002_event_notify`); a listener thread
//!   holds its own connection with `LISTEN ordo_events`. Diesel 2.3 exposes notifications only as
//!   `PgConnection::notifications_iter`, which drains what libpq has already received
//!   (`PQconsumeInput` + `PQnotifies`) and never blocks, and the socket is not exposed for a
//!   `poll(2)` without `unsafe`; so the thread drains every [`LISTEN_POLL`], which is the latency
//!   floor between instances (25 ms at worst, 12.5 ms on average).
//!
//! The callback says only "look again": the tail reads the log after its cursor, so a coalesced,
//! duplicated or lost signal costs nothing but delay, and the tail's own periodic catch-up bounds
//! that delay. The store knows no async runtime: the callback is a plain `Fn`.

use diesel::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What to call when the event log may have grown. Must be cheap and must not block: it runs on
/// the thread that just committed.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// The notification channel the trigger of migration `2026-11-23-000002_event_notify` uses.
pub const CHANNEL: &str = "ordo_events";

/// How often the listener drains its connection for notifications.
pub const LISTEN_POLL: Duration = Duration::from_millis(25);

/// How often an idle listener checks that its connection still works.
const LISTEN_PING: Duration = Duration::from_secs(10);

/// Reconnection back-off: first wait, and the longest.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The callback a backend fires after each committed write; set once, when the tail starts.
#[derive(Default)]
pub(crate) struct OnCommit(OnceLock<Wake>);

impl OnCommit {
    /// Sets the callback; false if one was set already (the first one stays).
    pub(crate) fn set(&self, wake: Wake) -> bool {
        self.0.set(wake).is_ok()
    }

    /// Calls the callback, if any.
    pub(crate) fn fire(&self) {
        if let Some(wake) = self.0.get() {
            wake();
        }
    }
}

impl std::fmt::Debug for OnCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "OnCommit(set)"
        } else {
            "OnCommit(unset)"
        })
    }
}

/// Keeps the wake-ups of [`crate::Store::on_new_events`] coming; dropping it stops the
/// PostgreSQL listener thread (commits of this process keep firing the callback).
#[derive(Debug)]
pub struct EventWatch {
    listener: Option<Listener>,
}

impl EventWatch {
    pub(crate) fn local_only() -> Self {
        Self { listener: None }
    }

    pub(crate) fn with_listener(listener: Listener) -> Self {
        Self {
            listener: Some(listener),
        }
    }

    /// Whether a PostgreSQL listener is running (for logs and tests).
    pub fn listens(&self) -> bool {
        self.listener.is_some()
    }
}

/// The `LISTEN ordo_events` thread.
#[derive(Debug)]
pub(crate) struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the listener thread on its own connection to `url`.
pub(crate) fn listen(url: String, wake: Wake) -> std::io::Result<Listener> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("ordo-event-listen".into())
        .spawn(move || run(&url, &wake, &flag))?;
    Ok(Listener {
        stop,
        thread: Some(thread),
    })
}

fn run(url: &str, wake: &Wake, stop: &AtomicBool) {
    let mut backoff = BACKOFF_FIRST;
    while !stop.load(Ordering::Relaxed) {
        match connect(url) {
            Ok(mut conn) => {
                backoff = BACKOFF_FIRST;
                // Events committed while this connection was not listening (at start, or while
                // it was down) announced themselves to nobody: have the tail look once.
                wake();
                if let Err(e) = drain_until_broken(&mut conn, wake, stop) {
                    tracing::warn!(error = %e, "event listener lost its connection; reconnecting");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "event listener cannot connect");
            }
        }
        sleep_unless_stopped(backoff, stop);
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Why the listener (re)connects.
#[derive(Debug, thiserror::Error)]
enum ListenError {
    #[error("cannot connect: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

fn connect(url: &str) -> Result<PgConnection, ListenError> {
    let mut conn = PgConnection::establish(url)?;
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn)?;
    Ok(conn)
}

/// Drains notifications every [`LISTEN_POLL`], waking the tail when any arrived, until the
/// connection fails or the listener is stopped.
fn drain_until_broken(
    conn: &mut PgConnection,
    wake: &Wake,
    stop: &AtomicBool,
) -> Result<(), ListenError> {
    let mut last_ping = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut heard = false;
        for n in conn.notifications_iter() {
            n?;
            heard = true;
        }
        if heard {
            wake();
        }
        // Draining alone may not notice a connection the server dropped; a query does.
        if last_ping.elapsed() >= LISTEN_PING {
            diesel::sql_query("SELECT 1").execute(conn)?;
            last_ping = Instant::now();
        }
        std::thread::sleep(LISTEN_POLL);
    }
    Ok(())
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let until = Instant::now() + total;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        std::thread::sleep(step.min(until.saturating_duration_since(Instant::now())));
    }
}
