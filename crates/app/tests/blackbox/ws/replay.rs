//! `since=N`: a client that reconnects misses nothing and is sent nothing twice, also while
//! changes keep committing during its replay; and the retention that bounds how far back it
//! may ask.

use super::client::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const WRITERS: usize = 2;
const RECONNECTS: usize = 12;

fn read_through(ws: &mut Ws, order: &str) -> Vec<i64> {
    ids_through(ws, order, WAIT)
}

fn take(ws: &mut Ws, n: usize) -> Vec<i64> {
    (0..n).map(|_| id(&next_event(ws, WAIT))).collect()
}

#[test]
fn reconnecting_with_since_misses_nothing_and_repeats_nothing() {
    let w = Arc::new(World::new());
    let orders: Vec<String> = (0..WRITERS).map(|_| w.place("north", 1)).collect();
    w.flip(20);
    // The reference: one connection for the whole test, replaying the log from its start.
    let mut reference = open(&w.s, "/ws/orders?territory=north&since=0", Some(&w.admin));
    let mut client = open(&w.s, "/ws/orders?territory=north&since=0", Some(&w.admin));

    // Changes commit all the time from here on, from several clients at once.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = orders
        .into_iter()
        .map(|order| {
            let (w, stop, written) = (w.clone(), stop.clone(), written.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    w.flip_order(&order, 2);
                    written.fetch_add(2, Ordering::Relaxed);
                }
            })
        })
        .collect();

    // The client takes a few events, drops the connection and comes straight back with
    // `since`, again and again, while the writers go on: its replays race the commits, and the
    // events queued for it live overlap what its replay read.
    let mut seen = take(&mut client, 10);
    for _ in 0..RECONNECTS {
        drop(client);
        let since = seen[seen.len() - 1];
        client = open(
            &w.s,
            &format!("/ws/orders?territory=north&since={since}"),
            Some(&w.admin),
        );
        seen.extend(take(&mut client, 5));
    }

    stop.store(true, Ordering::Relaxed);
    for t in writers {
        t.join().unwrap();
    }
    let written = written.load(Ordering::Relaxed);
    assert!(written >= 40, "the writers committed {written} changes");
    // A last event after the writers stopped ends both streams.
    let last = w.place("north", 1);
    seen.extend(read_through(&mut client, &last));
    let all = read_through(&mut reference, &last);

    assert_eq!(
        all.len(),
        1 + WRITERS + 20 + written + 1,
        "the reference saw every event once"
    );
    assert!(all.windows(2).all(|p| p[0] < p[1]));
    assert_eq!(
        seen, all,
        "the reconnecting client saw exactly the reference's events, in order"
    );
}

/// The SPEC promises a `since` replay 24 hours of events: a shorter retention is a mistake the
/// server refuses at start, naming the variable, rather than a promise it would break.
#[test]
fn a_retention_under_a_day_stops_the_server_at_start() {
    let dir = std::env::temp_dir().join(format!("ordo-retention-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = crate::server::ordo_on(&format!("sqlite://{}", dir.join("ordo.db").display()))
        .arg("serve")
        .env("ORDO_BIND", "127.0.0.1:0")
        .env("ORDO_EVENT_RETENTION_HOURS", "12")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("ORDO_EVENT_RETENTION_HOURS"), "{said}");
}
