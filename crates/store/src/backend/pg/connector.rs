//! The pool's connection manager, with a way to wait out its connection attempts.
//!
//! r2d2 opens connections on its own worker threads: to keep `min_idle` connections ready after
//! a checkout, and on behalf of a waiting `get`. Those threads are never joined. A process that
//! exits while one of them is inside libpq's connect crashes: `exit` runs OpenSSL's clean-up
//! (registered with `atexit`), which frees the locks the connecting thread is using (diesel
//! issue #3441, r2d2 issue #137; libpq initialises OpenSSL even for `sslmode=disable`). `ordo
//! user add` hit it in CI, as a failure with nothing on stderr. So `Db` closes its connector when
//! dropped: no attempt starts after that, and the drop returns once those under way are over.

use super::Conn;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Connections to one database, as `ConnectionManager` makes them, with their timeouts set,
/// counted while being made.
#[derive(Debug)]
pub(super) struct Connector {
    inner: ConnectionManager<Conn>,
    /// Bounds every statement and lock wait, so that a stuck database answers "unavailable" in
    /// time instead of hanging a request.
    timeout_ms: u128,
    attempts: Arc<Attempts>,
}

/// The shared side: closing, and waiting for the attempts under way.
#[derive(Debug, Default)]
pub(super) struct Attempts {
    state: Mutex<State>,
    ended: Condvar,
}

#[derive(Debug, Default)]
struct State {
    under_way: usize,
    closed: bool,
}

impl Connector {
    pub(super) fn new(url: &str, timeout: Duration) -> (Self, Arc<Attempts>) {
        let attempts = Arc::new(Attempts::default());
        let connector = Self {
            inner: ConnectionManager::new(url),
            timeout_ms: timeout.as_millis(),
            attempts: attempts.clone(),
        };
        (connector, attempts)
    }
}

impl ManageConnection for Connector {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    /// The connection and its settings, all inside the counted attempt: the settings' round
    /// trip uses libpq (and OpenSSL, with TLS) on the pool's worker thread too.
    fn connect(&self) -> Result<Conn, Self::Error> {
        let _attempt = self.attempts.start()?;
        let mut conn = self.inner.connect()?;
        conn.batch_execute(&format!(
            "SET statement_timeout = {ms}; SET lock_timeout = {ms}; \
             SET idle_in_transaction_session_timeout = {idle};",
            ms = self.timeout_ms,
            idle = self.timeout_ms * 4
        ))
        .map_err(diesel::r2d2::Error::QueryError)?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        self.inner.is_valid(conn)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        self.inner.has_broken(conn)
    }
}

impl Attempts {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an attempt until the guard drops; refused once closed.
    fn start(&self) -> Result<Attempt<'_>, diesel::r2d2::Error> {
        let mut state = self.lock();
        if state.closed {
            return Err(diesel::r2d2::Error::ConnectionError(
                diesel::ConnectionError::BadConnection("the database handle is closed".into()),
            ));
        }
        state.under_way += 1;
        Ok(Attempt(self))
    }

    /// Refuses new attempts and waits up to `within` for those under way; true if none is left.
    pub(super) fn close(&self, within: Duration) -> bool {
        let mut state = self.lock();
        state.closed = true;
        let (state, _) = self
            .ended
            .wait_timeout_while(state, within, |s| s.under_way > 0)
            .unwrap_or_else(PoisonError::into_inner);
        state.under_way == 0
    }
}

/// One connection attempt under way.
struct Attempt<'a>(&'a Attempts);

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.under_way -= 1;
        if state.under_way == 0 {
            self.0.ended.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn close_waits_for_the_attempt_under_way_and_refuses_new_ones() {
        let attempts = Arc::new(Attempts::default());
        let started = Arc::new(std::sync::Barrier::new(2));
        let (a, s) = (attempts.clone(), started.clone());
        let connecting = std::thread::spawn(move || {
            let attempt = a.start().expect("open before close");
            s.wait();
            std::thread::sleep(Duration::from_millis(200));
            // Read before the attempt ends: close may wake and read its clock before this
            // thread reads its own.
            let ending = Instant::now();
            drop(attempt);
            ending
        });
        started.wait();
        assert!(attempts.close(Duration::from_secs(5)));
        let closed_at = Instant::now();
        let ending = connecting.join().expect("the attempt's thread");
        assert!(
            closed_at >= ending,
            "close returned before the attempt ended"
        );
        assert!(attempts.start().is_err(), "an attempt started after close");
    }

    #[test]
    fn close_gives_up_after_its_bound() {
        let attempts = Attempts::default();
        let _stuck = attempts.start().expect("open before close");
        assert!(!attempts.close(Duration::from_millis(50)));
    }
}
