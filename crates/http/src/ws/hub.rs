//! The hub: one tail of the event log per instance, fanning each new event out to the
//! subscribers whose audience it belongs to, through bounded per-connection queues.
//!
//! The tail is a plain thread (Diesel is blocking): it sleeps until woken — while anyone is
//! subscribed, by this instance's commits and by PostgreSQL notifications of other instances'
//! commits (`ordo_store::Store::on_new_events`) — or until the catch-up period passes, then reads
//! the log after its cursor and delivers every event in order. Each event's frame is serialised
//! once and shared.
//!
//! A subscriber whose queue is full is not waited for: it is dropped from the hub at once and
//! told to close (1008), so one slow client never holds the others back nor grows memory; it
//! reconnects with `since` and misses nothing.
//!
//! **Invariant:** a subscriber registered while the cursor was C receives every event with
//! `seq > C` its audiences admit, in order, or is told to stop; the cursor moves only under the
//! registry lock: after delivering the batch it covers, or, while nobody is subscribed, to the
//! head or to what the first subscriber has seen.

use super::WsSettings;
use bytestring::ByteString;
use ordo_domain::usecases::{Audience, Ordo};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// Events read from the log per query.
const TAIL_BATCH: u32 = 512;

/// One event, ready to send.
#[derive(Debug)]
pub(crate) struct Delivery {
    /// Its place in the log.
    pub seq: i64,
    /// Its JSON text frame.
    pub frame: ByteString,
}

/// Why the hub let go of a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Stop {
    /// Its queue was full.
    Overflow = 1,
    /// The server is shutting down.
    Shutdown = 2,
}

/// The hub's side channel to one session: why it must stop, and a wake-up to say so even while
/// the session waits on a slow socket.
#[derive(Debug, Default)]
pub(crate) struct Control {
    reason: AtomicU8,
    notify: Notify,
}

impl Control {
    fn stop(&self, why: Stop) {
        // The first reason stays: an overflow is not turned into a shutdown.
        let _ = self
            .reason
            .compare_exchange(0, why as u8, Ordering::AcqRel, Ordering::Acquire);
        // Every waiter: a session may wait in two places at once (its live loop's wait, kept
        // across turns, and a write that the socket holds up), and both must hear it.
        self.notify.notify_waiters();
    }

    /// Why the session must stop, if it must.
    pub(crate) fn stopped(&self) -> Option<Stop> {
        match self.reason.load(Ordering::Acquire) {
            1 => Some(Stop::Overflow),
            2 => Some(Stop::Shutdown),
            _ => None,
        }
    }

    /// Resolves once the hub asks the session to stop.
    pub(crate) async fn wait(&self) -> Stop {
        loop {
            // Made before the check: `notify_waiters` reaches every `Notified` made before it,
            // so a stop between the check and the wait is not missed.
            let notified = self.notify.notified();
            if let Some(why) = self.stopped() {
                return why;
            }
            notified.await;
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    tx: mpsc::Sender<Arc<Delivery>>,
    control: Arc<Control>,
}

#[derive(Debug, Default)]
struct Registry {
    /// Every event up to here has been delivered, or had nobody to go to.
    cursor: i64,
    next_id: u64,
    by_audience: HashMap<Audience, HashMap<u64, Slot>>,
    audiences_of: HashMap<u64, Vec<Audience>>,
    closed: bool,
}

impl Registry {
    fn remove(&mut self, id: u64) {
        for a in self.audiences_of.remove(&id).unwrap_or_default() {
            if let Some(slots) = self.by_audience.get_mut(&a) {
                slots.remove(&id);
                if slots.is_empty() {
                    self.by_audience.remove(&a);
                }
            }
        }
    }

    /// Offers `d` to every subscriber of `audience`; lets go of those that cannot take it.
    fn deliver(&mut self, audience: &Audience, d: &Arc<Delivery>) {
        let Some(slots) = self.by_audience.get(audience) else {
            return;
        };
        let mut dropped = Vec::new();
        for (id, slot) in slots {
            match slot.tx.try_send(d.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    slot.control.stop(Stop::Overflow);
                    dropped.push(*id);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => dropped.push(*id),
            }
        }
        // At once, before the next event: a subscriber that missed one must get none after it.
        for id in dropped {
            self.remove(id);
        }
    }
}

/// Wake-ups for the tail thread: a flag and a condition variable, so many signals between two
/// reads cost one read.
#[derive(Debug, Default)]
struct Signal {
    pending: Mutex<bool>,
    cond: Condvar,
}

impl Signal {
    fn raise(&self) {
        *lock(&self.pending) = true;
        self.cond.notify_one();
    }

    /// Waits for a signal or `timeout`, whichever comes first, and clears the flag.
    fn wait(&self, timeout: Duration) {
        let pending = lock(&self.pending);
        let (mut pending, _) = self
            .cond
            .wait_timeout_while(pending, timeout, |p| !*p)
            .unwrap_or_else(PoisonError::into_inner);
        *pending = false;
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Inner {
    ordo: Ordo,
    settings: WsSettings,
    registry: Mutex<Registry>,
    signal: Signal,
    stopping: AtomicBool,
    /// The tail thread, joined by `Hub::stop`.
    tail: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// The fan-out of one instance. Cheap to clone.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// The server is shutting down: no new subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is shutting down")]
pub struct HubClosed;

/// A session's registration: its queue, its stop signal, and where its live stream starts.
#[derive(Debug)]
pub(crate) struct Subscriber {
    id: u64,
    /// Events for this subscriber, in order.
    pub rx: mpsc::Receiver<Arc<Delivery>>,
    /// The hub's stop signal.
    pub control: Arc<Control>,
    /// The cursor when it registered: every later event it may see will be queued.
    pub registered_at: i64,
    hub: Hub,
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        lock(&self.hub.inner.registry).remove(self.id);
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hub")
    }
}

impl Hub {
    /// Starts the tail at the log's current head. Fails when the log cannot be read: starting
    /// anywhere else would replay history as live events, or skip some.
    pub fn start(ordo: Ordo, settings: WsSettings) -> Result<Self, String> {
        let head = ordo.event_head().map_err(|e| e.to_string())?;
        let hub = Hub {
            inner: Arc::new(Inner {
                ordo,
                settings,
                registry: Mutex::new(Registry {
                    cursor: head,
                    ..Registry::default()
                }),
                signal: Signal::default(),
                stopping: AtomicBool::new(false),
                tail: Mutex::new(None),
            }),
        };
        let tail = hub.inner.clone();
        let thread = std::thread::Builder::new()
            .name("ordo-ws-tail".into())
            .spawn(move || run(&tail))
            .map_err(|e| format!("cannot start the event tail: {e}"))?;
        *lock(&hub.inner.tail) = Some(thread);
        Ok(hub)
    }

    /// The wake-up to hand to the store: "the event log may have grown". With nobody
    /// subscribed it wakes no one: the tail would only move its cursor to the head, a database
    /// read and two thread switches per commit for nothing, and its periodic catch-up moves the
    /// cursor anyway. A cursor left behind is safe: the first subscriber moves it up to what it
    /// has seen, and wakes the tail (`subscribe`).
    pub fn waker(&self) -> Arc<dyn Fn() + Send + Sync> {
        let weak = Arc::downgrade(&self.inner);
        Arc::new(move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            // Never waits on the committing thread: a registry held by the tail's fan-out (or
            // poisoned) counts as "someone may be subscribed", and a spurious wake costs nothing.
            let nobody = inner
                .registry
                .try_lock()
                .is_ok_and(|reg| reg.audiences_of.is_empty());
            if !nobody {
                inner.signal.raise();
            }
        })
    }

    /// The settings the sessions use.
    pub fn settings(&self) -> &WsSettings {
        &self.inner.settings
    }

    /// Registers a subscriber for `audiences` that has seen, or does not want, every event up
    /// to `seen` (its replay's end, or the log's head when a live-only subscription was
    /// accepted).
    pub(crate) fn subscribe(
        &self,
        audiences: &[Audience],
        seen: i64,
    ) -> Result<Subscriber, HubClosed> {
        let (tx, rx) = mpsc::channel(self.inner.settings.buffer.max(1));
        let control = Arc::new(Control::default());
        let mut reg = lock(&self.inner.registry);
        if reg.closed {
            return Err(HubClosed);
        }
        let first = reg.audiences_of.is_empty();
        if first {
            // Nobody else to deliver to: the tail may start after what this subscriber has seen
            // (while nobody was subscribed, commits did not wake it, and its cursor may be far
            // behind: handing the new subscriber those events would only fill its queue).
            reg.cursor = reg.cursor.max(seen);
        }
        let id = reg.next_id;
        reg.next_id += 1;
        let slot = Slot {
            tx,
            control: control.clone(),
        };
        let mut keys = audiences.to_vec();
        keys.sort();
        keys.dedup();
        for a in &keys {
            reg.by_audience
                .entry(a.clone())
                .or_default()
                .insert(id, slot.clone());
        }
        reg.audiences_of.insert(id, keys);
        let registered_at = reg.cursor;
        drop(reg);
        if first {
            // Events may have been committed since `seen` while no commit woke the tail.
            self.inner.signal.raise();
        }
        Ok(Subscriber {
            id,
            rx,
            control,
            registered_at,
            hub: self.clone(),
        })
    }

    /// Tells every session to close (1001) and refuses new ones; the tail thread ends.
    pub fn shutdown(&self) {
        self.inner.stopping.store(true, Ordering::Relaxed);
        let mut reg = lock(&self.inner.registry);
        reg.closed = true;
        for slots in reg.by_audience.values() {
            for slot in slots.values() {
                slot.control.stop(Stop::Shutdown);
            }
        }
        reg.by_audience.clear();
        reg.audiences_of.clear();
        drop(reg);
        self.inner.signal.raise();
    }

    /// `shutdown`, then waits for the tail thread to end, so that no database read is under way
    /// when the process exits. Blocks: call it off the async executor.
    pub fn stop(&self) {
        self.shutdown();
        let thread = lock(&self.inner.tail).take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the event tail thread panicked");
        }
    }

    /// Subscribers registered now (for tests and metrics).
    pub fn subscribers(&self) -> usize {
        lock(&self.inner.registry).audiences_of.len()
    }
}

/// With nobody subscribed, moves the cursor to the log's head instead of reading the events in
/// between: they have no one to go to, and reading them was a tenth of the server's CPU under a
/// stream of placements. A subscriber that registers later starts at the new cursor and replays
/// anything older from the log itself (`since`), so the invariant holds. Returns false if a
/// subscriber registered meanwhile: the events must then be read as usual.
fn skip_to_head(inner: &Inner) -> Result<bool, ordo_domain::Error> {
    let head = inner.ordo.event_head()?;
    let mut reg = lock(&inner.registry);
    if !reg.audiences_of.is_empty() {
        return Ok(false);
    }
    reg.cursor = reg.cursor.max(head);
    Ok(true)
}

fn run(inner: &Inner) {
    let mut failing = false;
    loop {
        inner.signal.wait(inner.settings.catch_up_every);
        if inner.stopping.load(Ordering::Relaxed) {
            return;
        }
        match catch_up(inner) {
            Ok(()) if failing => {
                tracing::info!("event tail reading again");
                failing = false;
            }
            Ok(()) => {}
            Err(e) => {
                // Once per outage, not once per second.
                if !failing {
                    tracing::warn!(error = %e, "event tail cannot read the log; retrying");
                }
                failing = true;
            }
        }
    }
}

/// Reads and delivers everything after the cursor.
fn catch_up(inner: &Inner) -> Result<(), ordo_domain::Error> {
    loop {
        let (after, nobody) = {
            let reg = lock(&inner.registry);
            (reg.cursor, reg.audiences_of.is_empty())
        };
        if nobody && skip_to_head(inner)? {
            return Ok(());
        }
        let events = inner.ordo.tail_events(after, TAIL_BATCH)?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(());
        };
        let batch: Vec<(Audience, Arc<Delivery>)> = events
            .iter()
            .filter_map(|e| {
                let audience = Audience::of(&e.event)?;
                match serde_json::to_string(&e.frame()) {
                    Ok(text) => Some((
                        audience,
                        Arc::new(Delivery {
                            seq: e.seq,
                            frame: ByteString::from(text),
                        }),
                    )),
                    Err(err) => {
                        tracing::error!(seq = e.seq, error = %err, "event frame not serialisable; skipped");
                        None
                    }
                }
            })
            .collect();
        let mut reg = lock(&inner.registry);
        // A first subscriber may have moved the cursor past some of these meanwhile.
        let after = reg.cursor;
        let mut offered = 0u64;
        for (audience, d) in batch.iter().filter(|(_, d)| d.seq > after) {
            reg.deliver(audience, d);
            offered += 1;
        }
        reg.cursor = reg.cursor.max(last);
        drop(reg);
        metrics::counter!("ws_events_total").increment(offered);
        if events.len() < TAIL_BATCH as usize {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests;
