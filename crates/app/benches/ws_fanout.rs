//! WebSocket fan-out (issue 6), against the release `ordo` binary on SQLite:
//! - delivery latency, from the status update's HTTP answer to the frame's receipt, p50 and p99
//!   over every subscriber and every update, for 1,000 and 5,000 subscribers;
//! - memory per idle connection: the server's resident set before and after connecting them.
//!
//! Clients and server share this machine's cores, so the figures include the clients' own
//! scheduling. Method and results: docs/PERFORMANCE.md. Run with `make bench`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/blackbox/server.rs"]
mod server;

#[allow(dead_code)]
#[path = "../tests/blackbox/ws/client.rs"]
mod client;

use client::{NO_LIMITS, World};
use futures_util::StreamExt;
use server::{Launch, Server};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Status updates timed per subscriber count.
const UPDATES: usize = 20;
const SIZES: [usize; 2] = [1_000, 5_000];

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Connects `n` subscribers; each reports the receipt time of every event frame.
async fn subscribe(
    s: &Server,
    token: &str,
    n: usize,
    receipts: mpsc::UnboundedSender<Instant>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::with_capacity(n);
    for batch in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut connecting = Vec::new();
        for _ in batch {
            let mut req = format!("ws://{}/ws/orders?territory=north", s.addr())
                .into_client_request()
                .unwrap();
            req.headers_mut()
                .insert("Authorization", format!("Bearer {token}").parse().unwrap());
            connecting.push(tokio::spawn(tokio_tungstenite::connect_async(req)));
        }
        for c in connecting {
            let (mut ws, _) = c.await.unwrap().expect("upgrade");
            let tx = receipts.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(Ok(msg)) = ws.next().await {
                    if msg.is_text() && tx.send(Instant::now()).is_err() {
                        return;
                    }
                }
            }));
        }
    }
    tasks
}

async fn measure(w: &World, n: usize) -> (Duration, Duration, Duration, f64) {
    let pid = w.s.pid();
    let before = rss_kib(pid);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks = subscribe(&w.s, &w.admin, n, tx).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let per_conn_kib = after.saturating_sub(before) as f64 / n as f64;

    let mut latencies = Vec::with_capacity(n * UPDATES);
    let mut worst_round = Duration::ZERO;
    for i in 0..UPDATES {
        let to = if i % 2 == 0 {
            "rejected"
        } else {
            "pending_verification"
        };
        let (status, answered) = tokio::task::block_in_place(|| {
            let (st, _) = w.set_status(&w.order, to);
            (st, Instant::now())
        });
        assert_eq!(status, 200);
        let mut last = answered;
        for _ in 0..n {
            let at = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("every subscriber receives the event within 30 s")
                .expect("receipts");
            latencies.push(at.saturating_duration_since(answered));
            last = last.max(at);
        }
        worst_round = worst_round.max(last.saturating_duration_since(answered));
    }
    for t in tasks {
        t.abort();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    latencies.sort();
    (
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        worst_round,
        per_conn_kib,
    )
}

fn main() {
    // 5,000 sockets here and 5,000 in the server, which inherits this limit.
    let limit = rlimit::increase_nofile_limit(16_384).unwrap_or(0);
    let sizes: Vec<usize> = SIZES
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
    let w = World::on(Server::launch(&launch));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "ws_fanout: {UPDATES} status updates per run; latency from the update's answer to receipt"
    );
    println!("| subscribers | p50 | p99 | slowest last receipt | server RSS per idle connection |");
    println!("|---|---|---|---|---|");
    for n in sizes {
        let (p50, p99, worst, kib) = rt.block_on(measure(&w, n));
        println!(
            "| {n} | {:.1} ms | {:.1} ms | {:.1} ms | {kib:.1} KiB |",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
}
