//! The event log's retention: what the purge forgets, and that what it keeps stays one
//! unbroken run of sequence numbers up to the head, which a `since` replay relies on.

use crate::contract;
use crate::fixtures::world;
use crate::harness::{SystemClock, TestDb};
use ordo_domain::ports::Clock;
use std::time::Duration;

contract!(the_purge_forgets_the_oldest_events_before_the_cutoff_and_keeps_the_rest_unbroken);

fn the_purge_forgets_the_oldest_events_before_the_cutoff_and_keeps_the_rest_unbroken(db: &TestDb) {
    let w = world(db, &[100]);
    let events = db.store.ports().events;
    for _ in 0..3 {
        w.place(&[(w.products[0], 1)]);
    }
    let old_head = events.head().unwrap();
    // Timestamps have microseconds: a few milliseconds on each side keep the cutoff between.
    std::thread::sleep(Duration::from_millis(5));
    let cutoff = SystemClock.now();
    std::thread::sleep(Duration::from_millis(5));
    w.place(&[(w.products[0], 1)]);
    let head = events.head().unwrap();
    assert!(head > old_head);
    let before = events.purged_through().unwrap();
    assert_eq!(before, 0, "a new log has purged nothing");
    assert!(old_head >= 3, "each placement writes an event");

    // A limited batch takes the oldest first.
    assert_eq!(events.purge_before(cutoff, 2).unwrap(), 2);
    assert_eq!(events.purged_through().unwrap(), 2);
    // The rest before the cutoff, and never an event written after it.
    let gone = events.purge_before(cutoff, 1_000).unwrap();
    assert_eq!(gone, (old_head - 2) as u64);
    assert_eq!(events.purged_through().unwrap(), old_head);
    assert_eq!(
        events.purge_before(cutoff, 1_000).unwrap(),
        0,
        "nothing more is old enough"
    );
    let kept: Vec<i64> = events
        .after(0, 100)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    let unbroken: Vec<i64> = (old_head + 1..=head).collect();
    assert_eq!(kept, unbroken);
    assert_eq!(events.head().unwrap(), head, "the head does not move back");

    // With every event old enough, all but the head's go: the log never empties, so a replay
    // that reads nothing after its cursor is at the end. The numbering goes on from the head.
    let later = SystemClock.now().plus_seconds(1);
    assert_eq!(
        events.purge_before(later, 1_000).unwrap(),
        (head - 1 - old_head) as u64
    );
    assert_eq!(events.purged_through().unwrap(), head - 1);
    let left: Vec<i64> = events.after(0, 10).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(left, [head]);
    assert_eq!(
        events.purge_before(later, 1_000).unwrap(),
        0,
        "the head's event stays"
    );
    w.place(&[(w.products[0], 1)]);
    let next = events.after(head, 10).unwrap();
    assert_eq!(next.first().map(|e| e.seq), Some(head + 1));
}
