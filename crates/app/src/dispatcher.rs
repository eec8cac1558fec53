//! The outbox dispatcher: a thread that sends due notifications every half second, and a
//! heartbeat that `/ready` reads ("dispatcher alive").

use ordo_domain::notification::RetryPolicy;
use ordo_domain::ports::Sender;
use ordo_domain::usecases::{Lease, Ordo};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Starts the dispatcher thread.
pub fn spawn(
    ordo: Ordo,
    sender: Arc<dyn Sender>,
    lease: Lease,
    policy: RetryPolicy,
) -> Arc<Heartbeat> {
    let heartbeat = Arc::new(Heartbeat::default());
    heartbeat.beat();
    let beat = heartbeat.clone();
    let spawned = std::thread::Builder::new()
        .name("ordo-dispatcher".into())
        .spawn(move || {
            let mut last_purge = std::time::Instant::now();
            loop {
                // Housekeeping rides on the same thread: expired idempotency keys, revocations.
                if last_purge.elapsed() >= PURGE_EVERY {
                    match ordo.purge_expired() {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(
                            rows = n,
                            "expired idempotency keys and revocations purged"
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
                std::thread::sleep(PERIOD);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the dispatcher");
    }
    heartbeat
}
