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

/// One answered request: its operation (`Work::op`), its latency and when it was due (both in
/// µs; due from the run's start).
pub struct Answered {
    pub op: &'static str,
    pub latency_us: u64,
    pub due_us: u64,
}

/// The answered requests of one run, and how long the run lasted.
pub struct Sample {
    pub answered: Vec<Answered>,
    pub errors: u64,
    pub elapsed: Duration,
}

impl Sample {
    pub fn rate(&self) -> f64 {
        self.answered.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile (0–1) over every operation, in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile(&sorted(self.answered.iter()), q)
    }

    /// Per operation, in first-seen order: name, count, p50 and p99 in milliseconds.
    pub fn per_op(&self) -> Vec<(&'static str, usize, f64, f64)> {
        let mut names: Vec<&'static str> = Vec::new();
        for a in &self.answered {
            if !names.contains(&a.op) {
                names.push(a.op);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let lat = sorted(self.answered.iter().filter(|a| a.op == name));
                (name, lat.len(), quantile(&lat, 0.50), quantile(&lat, 0.99))
            })
            .collect()
    }

    /// Writes every answer as a CSV line (`due_ms,op,latency_ms`, in due order) to `path`: to
    /// see whether the slow answers come together (a stall of the machine or the database) or
    /// spread out (queueing).
    pub fn write_trace(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut rows: Vec<&Answered> = self.answered.iter().collect();
        rows.sort_unstable_by_key(|a| a.due_us);
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(out, "due_ms,op,latency_ms")?;
        for a in rows {
            let (due, lat) = (a.due_us as f64 / 1000.0, a.latency_us as f64 / 1000.0);
            writeln!(out, "{due:.3},{},{lat:.3}", a.op)?;
        }
        out.flush()
    }
}

fn sorted<'a>(answered: impl Iterator<Item = &'a Answered>) -> Vec<u64> {
    let mut lat: Vec<u64> = answered.map(|a| a.latency_us).collect();
    lat.sort_unstable();
    lat
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
    /// The name of the operation `once` does for request `n` of client `client`.
    fn op(&self, _client: usize, _n: u64) -> &'static str {
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
    let tallies = match rate {
        None => on_threads(clients, |c, agent, tally| {
            let mut n = 0u64;
            while Instant::now() < deadline {
                tally.record(work, agent, (c, n), started, Instant::now());
                n += 1;
            }
        }),
        Some(rate) => {
            let next = AtomicU64::new(0);
            on_threads(PACED_WORKERS.max(clients), |_, agent, tally| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let due = started + Duration::from_secs_f64(k as f64 / rate);
                    if due >= deadline {
                        break;
                    }
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    // Request k belongs to client k mod clients, as its n-th.
                    let (c, n) = ((k % clients as u64) as usize, k / clients as u64);
                    tally.record(work, agent, (c, n), started, due);
                }
            })
        }
    };
    let mut sample = Sample {
        answered: Vec::new(),
        errors: 0,
        elapsed: started.elapsed(),
    };
    for tally in tallies {
        sample.answered.extend(tally.answered);
        sample.errors += tally.errors;
    }
    sample
}

/// Runs `body` on `n` threads, each with its own connection and tally; returns the tallies.
fn on_threads(n: usize, body: impl Fn(usize, &ureq::Agent, &mut Tally) + Sync) -> Vec<Tally> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let body = &body;
                s.spawn(move || {
                    let mut tally = Tally::default();
                    body(i, &agent(), &mut tally);
                    tally
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// What one thread's requests came to.
#[derive(Default)]
struct Tally {
    answered: Vec<Answered>,
    errors: u64,
}

impl Tally {
    /// Runs request `n` of client `c`, due at `due` in a run begun at `started`, and records its
    /// operation, latency and due time.
    fn record(
        &mut self,
        work: &dyn Work,
        agent: &ureq::Agent,
        (c, n): (usize, u64),
        started: Instant,
        due: Instant,
    ) {
        match work.once(agent, c, n) {
            Ok(()) => self.answered.push(Answered {
                op: work.op(c, n),
                latency_us: due.elapsed().as_micros() as u64,
                due_us: due.duration_since(started).as_micros() as u64,
            }),
            Err(e) => {
                if self.errors < 3 {
                    eprintln!("load: {e}");
                }
                self.errors += 1;
            }
        }
    }
}
