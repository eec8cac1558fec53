//! WebSocket fan-out (issue 6), against the release `ordo` binary on SQLite:
//! - delivery latency, from the status update's HTTP answer to the frame's receipt, p50 and p99
//!   over every subscriber and every update, for 1,000 and 5,000 subscribers;
//! - memory per idle connection: the server's resident set before and after connecting them.
//!
//! Clients and server share this machine's cores, so the figures include the clients' own work:
//! the subscribers are read by one lean thread (`fanout/subscribers.rs`) to keep it small.
//! Method and results: docs/PERFORMANCE.md. Run with `make bench`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/blackbox/server.rs"]
mod server;

#[allow(dead_code)]
#[path = "../tests/blackbox/ws/client.rs"]
mod client;

#[path = "load/procfs.rs"]
mod procfs;

#[path = "fanout/subscribers.rs"]
mod subscribers;

use client::{NO_LIMITS, World};
use server::Launch;
use std::time::{Duration, Instant};
use subscribers::Subscribers;

/// Status updates timed per subscriber count.
const UPDATES: usize = 20;
const SIZES: [usize; 2] = [1_000, 5_000];

/// User + system CPU time of process `pid` (or `self`) so far.
fn cpu_time(pid: &str) -> Duration {
    Duration::from_millis(procfs::cpu_ticks(pid) * 10)
}

/// With `ORDO_WS_FANOUT_PERF_CTL=FIFO`, tells `perf record -D -1 --control fifo:FIFO` to
/// sample the delivery phase only (`enable`, `disable`), leaving out the connections' set-up.
fn profiler(command: &str) {
    if let Ok(fifo) = std::env::var("ORDO_WS_FANOUT_PERF_CTL") {
        let _ = std::fs::write(fifo, format!("{command}\n"));
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Connects `n` subscribers with tungstenite's handshake; their reading is `Subscribers`'.
fn subscribe(w: &World, n: usize) -> Subscribers {
    let sockets = (0..n)
        .map(|_| client::open(&w.s, "/ws/orders?territory=north", Some(&w.admin)).into_inner())
        .collect();
    Subscribers::start(sockets)
}

/// One run's figures.
struct Figures {
    p50: Duration,
    p99: Duration,
    worst_round: Duration,
    per_conn_kib: f64,
    /// CPU time the server spent during the updates and their delivery.
    server_cpu: Duration,
    /// CPU time this process (the clients, and the updates' HTTP calls) spent meanwhile.
    client_cpu: Duration,
}

fn measure(w: &World, n: usize) -> Figures {
    let pid = w.s.pid();
    let before = procfs::status_kib(&pid.to_string(), "VmRSS:");
    let subscribers = subscribe(w, n);
    std::thread::sleep(Duration::from_secs(2));
    let after = procfs::status_kib(&pid.to_string(), "VmRSS:");
    let per_conn_kib = after.saturating_sub(before) as f64 / n as f64;

    let receipts = &subscribers.receipts;
    let mut latencies = Vec::with_capacity(n * UPDATES);
    let mut worst_round = Duration::ZERO;
    let server_pid = pid.to_string();
    let (server_before, client_before) = (cpu_time(&server_pid), cpu_time("self"));
    profiler("enable");
    for i in 0..UPDATES {
        let to = if i % 2 == 0 {
            "rejected"
        } else {
            "pending_verification"
        };
        receipts.expect(n * (i + 1));
        let (status, _) = w.set_status(&w.order, to);
        let answered = Instant::now();
        assert_eq!(status, 200);
        let times = receipts
            .wait_for(n * i, n * (i + 1), Duration::from_secs(30))
            .expect("every subscriber receives the event within 30 s");
        let mut last = answered;
        for at in times {
            latencies.push(at.saturating_duration_since(answered));
            last = last.max(at);
        }
        worst_round = worst_round.max(last.saturating_duration_since(answered));
        if std::env::var_os("ORDO_WS_FANOUT_ROUNDS").is_some() {
            eprintln!(
                "round {i}: last receipt {:?}",
                last.saturating_duration_since(answered)
            );
        }
    }
    profiler("disable");
    let server_cpu = cpu_time(&server_pid).saturating_sub(server_before);
    let client_cpu = cpu_time("self").saturating_sub(client_before);
    drop(subscribers);
    std::thread::sleep(Duration::from_secs(2));
    latencies.sort();
    Figures {
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        worst_round,
        per_conn_kib,
        server_cpu,
        client_cpu,
    }
}

fn main() {
    // 5,000 sockets here and 5,000 in the server, which inherits this limit.
    let limit = rlimit::increase_nofile_limit(16_384).unwrap_or(0);
    // `ORDO_WS_FANOUT_SIZES=5000` runs only that size (for profiling one run).
    let chosen: Vec<usize> = std::env::var("ORDO_WS_FANOUT_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| SIZES.to_vec());
    let sizes: Vec<usize> = chosen
        .into_iter()
        .filter(|&n| {
            let ok = limit >= 2 * n as u64 + 200;
            if !ok {
                eprintln!("ws_fanout: {n} subscribers need more open files than the limit {limit}; skipped");
            }
            ok
        })
        .collect();
    let mut launch = Launch::default();
    launch
        .env
        .push(("ORDO_RATE_LIMITS".into(), NO_LIMITS.into()));
    let w = World::on(server::Server::launch(&launch));
    println!(
        "ws_fanout: {UPDATES} status updates per run; latency from the update's answer to receipt"
    );
    println!(
        "| subscribers | p50 | p99 | slowest last receipt | server RSS per idle connection \
         | server CPU per delivery | clients' CPU per delivery |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let f = measure(&w, n);
        let per_delivery = |cpu: Duration| cpu.as_secs_f64() * 1e6 / (n * UPDATES) as f64;
        println!(
            "| {n} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} KiB | {:.1} µs | {:.1} µs |",
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.worst_round.as_secs_f64() * 1e3,
            f.per_conn_kib,
            per_delivery(f.server_cpu),
            per_delivery(f.client_cpu),
        );
    }
}
