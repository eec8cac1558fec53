//! Drives requests at a server from client threads: closed loop (as fast as answers come) or
//! paced — an open-loop arrival schedule at a fixed rate, served by a pool of workers larger
//! than the client count, so one slow answer (a log-in's argon2) holds up no other request the
//! way it would on a real server's many independent users; latency is counted from when each
//! request was due, so a late start is measured too (no coordinated omission).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Workers serving a paced schedule: enough that requests wait on the server, not on a free
/// client.
const PACED_WORKERS: usize = 32;

/// Latencies of one run, and how long it lasted.
pub struct Sample {
    pub latencies_us: Vec<u64>,
    /// Each answered request's operation (`Work::op`) beside its latency, for per-operation
    /// percentiles.
    pub by_op: Vec<(&'static str, u64)>,
    pub errors: u64,
    pub elapsed: Duration,
}

impl Sample {
    pub fn rate(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile (0–1) in milliseconds.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        quantile(&self.latencies_us, q)
    }

    /// Per operation, in first-seen order: name, count, p50 and p99 in milliseconds.
    pub fn per_op(&self) -> Vec<(&'static str, usize, f64, f64)> {
        let mut names: Vec<&'static str> = Vec::new();
        for (op, _) in &self.by_op {
            if !names.contains(op) {
                names.push(op);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let mut lat: Vec<u64> = self
                    .by_op
                    .iter()
                    .filter(|(op, _)| *op == name)
                    .map(|(_, l)| *l)
                    .collect();
                lat.sort_unstable();
                (name, lat.len(), quantile(&lat, 0.50), quantile(&lat, 0.99))
            })
            .collect()
    }
}

/// The `q` quantile of sorted microseconds, in milliseconds.
fn quantile(sorted_us: &[u64], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted_us.len() as f64 - 1.0) * q).round() as usize;
    sorted_us[i] as f64 / 1000.0
}

/// What one client does once; `n` counts this client's requests. Err: the answer was wrong.
pub trait Work: Sync {
    fn once(&self, agent: &ureq::Agent, client: usize, n: u64) -> Result<(), String>;
    /// The name of the operation `once` does for request `n`.
    fn op(&self, _n: u64) -> &'static str {
        "all"
    }
}

impl<F> Work for F
where
    F: Fn(&ureq::Agent, usize, u64) -> Result<(), String> + Sync,
{
    fn once(&self, agent: &ureq::Agent, client: usize, n: u64) -> Result<(), String> {
        self(agent, client, n)
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// `clients` threads, each sending as soon as its previous answer came, for `secs`; or, with
/// `rate`, requests due at that many per second spread over the clients' identities and served
/// by [`PACED_WORKERS`] threads.
pub fn run(work: &dyn Work, clients: usize, secs: Duration, rate: Option<f64>) -> Sample {
    let started = Instant::now();
    let deadline = started + secs;
    let results: Vec<Vec<(&'static str, u64)>> = match rate {
        None => std::thread::scope(|s| {
            let handles: Vec<_> = (0..clients)
                .map(|c| {
                    s.spawn(move || {
                        let agent = agent();
                        let mut done = Vec::new();
                        let mut n = 0u64;
                        while Instant::now() < deadline {
                            let from = Instant::now();
                            record(work, &agent, c, n, from, &mut done);
                            n += 1;
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        }),
        Some(rate) => {
            let interval = Duration::from_secs_f64(1.0 / rate);
            let next = AtomicU64::new(0);
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..PACED_WORKERS.max(clients))
                    .map(|_| {
                        s.spawn(|| {
                            let agent = agent();
                            let mut done = Vec::new();
                            loop {
                                let k = next.fetch_add(1, Ordering::Relaxed);
                                let due = started + interval * k as u32;
                                if due >= deadline {
                                    break;
                                }
                                let now = Instant::now();
                                if due > now {
                                    std::thread::sleep(due - now);
                                }
                                // Request k belongs to client k mod clients, as its n-th.
                                let (c, n) = ((k % clients as u64) as usize, k / clients as u64);
                                record(work, &agent, c, n, due, &mut done);
                            }
                            done
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        }
    };
    let elapsed = started.elapsed();
    let mut sample = Sample {
        latencies_us: Vec::new(),
        by_op: Vec::new(),
        errors: 0,
        elapsed,
    };
    for done in results {
        for (op, lat) in done {
            match op {
                ERROR => sample.errors += 1,
                _ => {
                    sample.latencies_us.push(lat);
                    sample.by_op.push((op, lat));
                }
            }
        }
    }
    sample
}

/// Marks a failed request among the results.
const ERROR: &str = "error";

/// Runs request `n` of client `c`, due at `from`, and records its operation and latency.
fn record(
    work: &dyn Work,
    agent: &ureq::Agent,
    c: usize,
    n: u64,
    from: Instant,
    done: &mut Vec<(&'static str, u64)>,
) {
    match work.once(agent, c, n) {
        Ok(()) => done.push((work.op(n), from.elapsed().as_micros() as u64)),
        Err(e) => {
            if done.iter().filter(|(op, _)| *op == ERROR).count() < 3 {
                eprintln!("load: {e}");
            }
            done.push((ERROR, 0));
        }
    }
}
