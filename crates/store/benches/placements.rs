//! `make bench`, store part: placements per second (a 3-line order, the whole transaction:
//! conditional stock updates, order, lines, audit, outbox, events) on SQLite and PostgreSQL with
//! 1 and 8 concurrent clients, beside a baseline measured in the same run on the same database:
//! single-row insert transactions through the same write path (a token revocation). Each rate
//! comes with the machine's CPU time per operation (every process: this one and the database
//! server), which the machine's changing speed moves less than the rates.
//!
//! PostgreSQL runs when `ORDO_TEST_PG_URL` is set. `ORDO_BENCH_SECS` sets each measurement's
//! length (default 3); `ORDO_BENCH_CLIENTS` the client counts (default `1,8`), for profiling one;
//! `ORDO_BENCH_BACKENDS` which backends (default `sqlite,postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// The contract suite's fixtures, shared rather than copied; the bench uses only part of them.
#[allow(dead_code)]
#[path = "../tests/contract/fixtures.rs"]
mod fixtures;
#[allow(dead_code)]
#[path = "../tests/contract/harness.rs"]
mod harness;

use harness::TestDb;
use ordo_domain::ports::Clock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn secs() -> Duration {
    Duration::from_secs(
        std::env::var("ORDO_BENCH_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3),
    )
}

fn client_counts() -> Vec<usize> {
    std::env::var("ORDO_BENCH_CLIENTS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1, 8])
}

/// The machine's busy CPU time so far (every process, the database server's too) in clock
/// ticks, from `/proc/stat`; `None` where there is none.
fn busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    // user, nice, system, idle, iowait, irq, softirq: all but idle and iowait.
    Some(
        cpu.get(..7)?
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 3 && *i != 4)
            .map(|(_, n)| n)
            .sum(),
    )
}

/// Operations per second, and the machine's CPU time per operation in µs: a figure the
/// machine's changing speed moves less than the rate, for comparing two builds.
struct Rate {
    per_sec: f64,
    cpu_us: Option<f64>,
}

/// Runs `op` from `clients` threads for the measurement time.
fn rate(clients: usize, op: impl Fn(u64) + Sync) -> Rate {
    let done = AtomicU64::new(0);
    let deadline = Instant::now() + secs();
    let busy_before = busy_ticks();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| {
                while Instant::now() < deadline {
                    let n = done.fetch_add(1, Ordering::Relaxed);
                    op(n);
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed) as f64;
    // Clock ticks are 1/100 s on Linux (USER_HZ).
    let cpu_us = busy_before
        .zip(busy_ticks())
        .map(|(before, after)| (after - before) as f64 * 10_000.0 / n.max(1.0));
    Rate {
        per_sec: n / elapsed,
        cpu_us,
    }
}

fn us(cpu: Option<f64>) -> String {
    cpu.map_or_else(|| "–".to_owned(), |c| format!("{c:.0}"))
}

fn measure(name: &str, db: &TestDb) {
    let w = fixtures::world(db, &[1_000_000_000, 1_000_000_000, 1_000_000_000]);
    let lines: Vec<_> = w.products.iter().map(|p| (*p, 1)).collect();
    let request = w.request(&lines);
    let revoked = db.store.ports().revoked;
    let until = harness::SystemClock.now().plus_seconds(3600);
    let run = uuid::Uuid::new_v4().simple().to_string();
    for clients in client_counts() {
        let baseline = rate(clients, |n| {
            revoked
                .revoke(&format!("{run}-{clients}-{n}"), until)
                .unwrap()
        });
        let placements = rate(clients, |_| {
            w.ordo.place_order(&w.staff, request.clone()).unwrap();
        });
        println!(
            "| {name} | {clients} | {:.0} | {} | {:.0} | {} | {:.2} |",
            placements.per_sec,
            us(placements.cpu_us),
            baseline.per_sec,
            us(baseline.cpu_us),
            placements.per_sec / baseline.per_sec
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "| backend | clients | placements/s | CPU µs each | single-row inserts/s (baseline) | CPU µs each | ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    let backends = std::env::var("ORDO_BENCH_BACKENDS").unwrap_or_default();
    let wanted = |b: &str| backends.is_empty() || backends.split(',').any(|x| x.trim() == b);
    if wanted("sqlite") {
        measure("SQLite", &harness::sqlite());
    }
    if wanted("postgres") {
        match harness::postgres() {
            Some(db) => measure("PostgreSQL", &db),
            None => eprintln!("ORDO_TEST_PG_URL not set: PostgreSQL not measured"),
        }
    }
}
