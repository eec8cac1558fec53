//! `since=N`: a client that reconnects misses nothing and is sent nothing twice, also while
//! changes keep committing during its replay.

use super::client::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Reads events up to and including the `order_created` of `order`; returns their ids.
fn read_through(ws: &mut Ws, order: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let e = next_event(ws, WAIT);
        ids.push(id(&e));
        if e["type"] == "order_created" && e["order_id"] == order {
            return ids;
        }
    }
}

fn take(ws: &mut Ws, n: usize) -> Vec<i64> {
    (0..n).map(|_| id(&next_event(ws, WAIT))).collect()
}

#[test]
fn reconnecting_with_since_misses_nothing_and_repeats_nothing() {
    let w = Arc::new(World::new());
    w.flip(20);
    // The reference: one connection for the whole test, replaying the log from its start.
    let mut reference = open(&w.s, "/ws/orders?territory=north&since=0", Some(&w.admin));
    let mut client = open(&w.s, "/ws/orders?territory=north&since=0", Some(&w.admin));

    // Changes commit all the time from here on.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (w, stop) = (w.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                w.flip(2);
                n += 2;
            }
            n
        })
    };

    // The client takes some events, drops the connection and comes back with `since` while the
    // writer goes on, so its replay races the commits; twice, the second time at once.
    let mut seen = take(&mut client, 25);
    drop(client);
    std::thread::sleep(Duration::from_millis(100));
    let mut client = open(
        &w.s,
        &format!("/ws/orders?territory=north&since={}", seen[seen.len() - 1]),
        Some(&w.admin),
    );
    seen.extend(take(&mut client, 25));
    drop(client);
    let mut client = open(
        &w.s,
        &format!("/ws/orders?territory=north&since={}", seen[seen.len() - 1]),
        Some(&w.admin),
    );
    seen.extend(take(&mut client, 5));

    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written >= 30, "the writer committed {written} changes");
    // A last event after the writer stopped ends both streams.
    let last = w.place("north", 1);
    seen.extend(read_through(&mut client, &last));
    let all = read_through(&mut reference, &last);

    assert_eq!(
        all.len(),
        1 + 20 + written + 1,
        "the reference saw every event once"
    );
    assert!(all.windows(2).all(|p| p[0] < p[1]));
    assert_eq!(
        seen, all,
        "the reconnecting client saw exactly the reference's events, in order"
    );
}
