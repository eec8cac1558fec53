//! Tests of the hub's registry: fan-out by audience, overflow, removal.

use super::*;
use ordo_domain::ids::TerritoryId;

fn north() -> Audience {
    Audience::Territory(TerritoryId::parse("north").unwrap())
}

fn south() -> Audience {
    Audience::Territory(TerritoryId::parse("south").unwrap())
}

fn delivery(seq: i64) -> Arc<Delivery> {
    Arc::new(Delivery {
        seq,
        frame: ByteString::from(format!("{{\"event_id\":{seq}}}")),
    })
}

/// Registers subscriber `id` with a queue of `cap`; returns its receiving end and control.
fn register(
    reg: &mut Registry,
    id: u64,
    audiences: &[Audience],
    cap: usize,
) -> (mpsc::Receiver<Arc<Delivery>>, Arc<Control>) {
    let (tx, rx) = mpsc::channel(cap);
    let control = Arc::new(Control::default());
    for a in audiences {
        reg.by_audience.entry(a.clone()).or_default().insert(
            id,
            Slot {
                tx: tx.clone(),
                control: control.clone(),
            },
        );
    }
    reg.audiences_of.insert(id, audiences.to_vec());
    (rx, control)
}

#[test]
fn events_reach_the_subscribers_of_their_audience_only() {
    let mut reg = Registry::default();
    let (mut n, _) = register(&mut reg, 1, &[north()], 4);
    let (mut s, _) = register(&mut reg, 2, &[south()], 4);
    reg.deliver(&north(), &delivery(1));
    assert_eq!(n.try_recv().unwrap().seq, 1);
    assert!(s.try_recv().is_err());
}

#[test]
fn a_full_queue_is_told_to_stop_and_gets_nothing_after_the_event_it_missed() {
    let mut reg = Registry::default();
    let (mut slow, control) = register(&mut reg, 1, &[north()], 1);
    let (mut fast, _) = register(&mut reg, 2, &[north()], 8);
    reg.deliver(&north(), &delivery(1));
    reg.deliver(&north(), &delivery(2)); // slow's queue is full: it misses 2
    assert_eq!(control.stopped(), Some(Stop::Overflow));
    assert_eq!(slow.try_recv().unwrap().seq, 1);
    reg.deliver(&north(), &delivery(3)); // room again, but slow was let go: no gap allowed
    assert!(slow.try_recv().is_err());
    assert!(!reg.audiences_of.contains_key(&1));
    let got: Vec<i64> = std::iter::from_fn(|| fast.try_recv().ok().map(|d| d.seq)).collect();
    assert_eq!(got, [1, 2, 3], "the others keep up");
}

#[test]
fn a_subscriber_of_two_audiences_is_removed_from_both() {
    let mut reg = Registry::default();
    let _keep = register(&mut reg, 7, &[north(), south()], 1);
    reg.remove(7);
    assert!(reg.by_audience.is_empty());
    assert!(reg.audiences_of.is_empty());
}

#[test]
fn a_gone_receiver_is_forgotten() {
    let mut reg = Registry::default();
    let (rx, control) = register(&mut reg, 1, &[north()], 1);
    drop(rx);
    reg.deliver(&north(), &delivery(1));
    assert!(reg.by_audience.is_empty());
    assert_eq!(control.stopped(), None, "nobody to tell");
}

#[test]
fn the_first_stop_reason_stays() {
    let control = Control::default();
    control.stop(Stop::Overflow);
    control.stop(Stop::Shutdown);
    assert_eq!(control.stopped(), Some(Stop::Overflow));
}

#[test]
fn a_signal_raised_before_the_wait_is_not_lost() {
    let signal = Signal::default();
    signal.raise();
    let started = std::time::Instant::now();
    signal.wait(Duration::from_secs(30));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(!*lock(&signal.pending), "the wait clears the flag");
}

#[test]
fn a_stop_reaches_every_waiter() {
    use futures_util::FutureExt;
    // A session waits in its live loop and, at the same time, in a write the socket holds up.
    let control = Control::default();
    let mut live = std::pin::pin!(control.wait());
    let mut write = std::pin::pin!(control.wait());
    assert_eq!(live.as_mut().now_or_never(), None);
    assert_eq!(write.as_mut().now_or_never(), None);
    control.stop(Stop::Overflow);
    assert_eq!(write.as_mut().now_or_never(), Some(Stop::Overflow));
    assert_eq!(live.as_mut().now_or_never(), Some(Stop::Overflow));
}
