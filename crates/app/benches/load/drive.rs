//! Drives requests at a server from client threads: closed loop (as fast as answers come) or
//! paced (a fixed arrival rate, latency counted from when each request was due, so a slow
//! answer delays no measurement — no coordinated omission).

use std::time::{Duration, Instant};

/// Latencies of one run, and how long it lasted.
pub struct Sample {
    pub latencies_us: Vec<u64>,
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
        let i = ((self.latencies_us.len() as f64 - 1.0) * q).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// What one client does once; `n` counts this client's requests. Err: the answer was wrong.
pub trait Work: Sync {
    fn once(&self, agent: &ureq::Agent, client: usize, n: u64) -> Result<(), String>;
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
/// `rate`, each sending at its share of that many requests per second.
pub fn run(work: &dyn Work, clients: usize, secs: Duration, rate: Option<f64>) -> Sample {
    let started = Instant::now();
    let deadline = started + secs;
    let per_client = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
    let results: Vec<(Vec<u64>, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let agent = agent();
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    let mut n = 0u64;
                    // Spread the paced clients' first requests over one interval.
                    let offset =
                        per_client.map_or(Duration::ZERO, |p| p * c as u32 / clients as u32);
                    let mut due = started + offset;
                    loop {
                        let now = Instant::now();
                        if now >= deadline {
                            break;
                        }
                        let from = match per_client {
                            Some(p) => {
                                if due > now {
                                    std::thread::sleep(due - now);
                                }
                                let from = due;
                                due += p;
                                from
                            }
                            None => now,
                        };
                        match work.once(&agent, c, n) {
                            Ok(()) => lat.push(from.elapsed().as_micros() as u64),
                            Err(e) => {
                                if errors < 3 {
                                    eprintln!("load: {e}");
                                }
                                errors += 1;
                            }
                        }
                        n += 1;
                    }
                    (lat, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed();
    let mut sample = Sample {
        latencies_us: Vec::new(),
        errors: 0,
        elapsed,
    };
    for (lat, errors) in results {
        sample.latencies_us.extend(lat);
        sample.errors += errors;
    }
    sample
}
