//! The outbox dispatcher: a thread that sends due notifications every half second, and a
//! heartbeat that `/ready` reads ("dispatcher alive").

use ordo_domain::notification::RetryPolicy;
use ordo_domain::ports::Sender;
use ordo_domain::usecases::{Lease, Ordo};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often the outbox is polled.
const PERIOD: Duration = Duration::from_millis(500);
/// Rows taken per step (leased to this instance for `ORDO_NOTIFY_LEASE_SECS`).
const BATCH: u32 = 50;
/// How often expired rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Seconds since the epoch of the dispatcher's last completed step.
#[derive(Debug, Default)]
pub struct Heartbeat(AtomicU64);

impl Heartbeat {
    fn beat(&self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.0.store(now, Ordering::Relaxed);
    }

    /// Whether a step completed within `within`.
    pub fn alive(&self, within: Duration) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        now.saturating_sub(self.0.load(Ordering::Relaxed)) <= within.as_secs()
    }
}

/// The running dispatcher thread: its heartbeat, and the way to stop it.
#[derive(Debug)]
pub struct Dispatcher {
    heartbeat: Arc<Heartbeat>,
    stop: Arc<StopFlag>,
    thread: Option<JoinHandle<()>>,
}

impl Dispatcher {
    /// What `/ready` reads.
    pub fn heartbeat(&self) -> Arc<Heartbeat> {
        self.heartbeat.clone()
    }

    /// Ends the thread after its current step and waits for it, so that no database work is
    /// under way when the process exits.
    pub fn stop(mut self) {
        self.stop.raise();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the dispatcher thread panicked");
        }
    }
}

/// "Stop": a flag, and a condition variable to cut the sleep between steps short.
#[derive(Debug, Default)]
struct StopFlag {
    raised: Mutex<bool>,
    changed: Condvar,
}

impl StopFlag {
    fn raise(&self) {
        *self.raised.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.changed.notify_all();
    }

    fn is_raised(&self) -> bool {
        *self.raised.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps up to `period`; true once the flag is raised.
    fn sleep(&self, period: Duration) -> bool {
        let raised = self.raised.lock().unwrap_or_else(PoisonError::into_inner);
        let (raised, _) = self
            .changed
            .wait_timeout_while(raised, period, |raised| !*raised)
            .unwrap_or_else(PoisonError::into_inner);
        *raised
    }
}

/// Starts the dispatcher thread.
pub fn spawn(ordo: Ordo, sender: Arc<dyn Sender>, lease: Lease, policy: RetryPolicy) -> Dispatcher {
    let heartbeat = Arc::new(Heartbeat::default());
    heartbeat.beat();
    let beat = heartbeat.clone();
    let stop = Arc::new(StopFlag::default());
    let stopped = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("ordo-dispatcher".into())
        .spawn(move || {
            let mut last_purge = std::time::Instant::now();
            while !stopped.is_raised() {
                // Housekeeping rides on the same thread: expired idempotency keys, revocations,
                // events past their retention.
                if last_purge.elapsed() >= PURGE_EVERY {
                    match ordo.purge_expired() {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(
                            rows = n,
                            "expired idempotency keys, revocations and events purged"
                        ),
                        Err(e) => tracing::warn!(error = %e, "purge failed; retrying later"),
                    }
                    last_purge = std::time::Instant::now();
                }
                match ordo.dispatch_due(sender.as_ref(), policy, BATCH, lease) {
                    Ok(report) => {
                        beat.beat();
                        if report.sent + report.retrying + report.failed > 0 {
                            tracing::info!(
                                sent = report.sent,
                                retrying = report.retrying,
                                failed = report.failed,
                                "outbox step"
                            );
                        }
                        if report.deferred > 0 {
                            tracing::warn!(
                                deferred = report.deferred,
                                "sends would have outlived the lease; they wait for it to end"
                            );
                        }
                        if report.sent + report.retrying + report.failed == BATCH as usize {
                            continue;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "outbox step failed; retrying"),
                }
                if stopped.sleep(PERIOD) {
                    break;
                }
            }
        });
    let thread = spawned
        .map_err(|e| tracing::error!(error = %e, "cannot start the dispatcher"))
        .ok();
    Dispatcher {
        heartbeat,
        stop,
        thread,
    }
}
