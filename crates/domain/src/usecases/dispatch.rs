//! The outbox dispatcher's step: take due rows, send them, record the outcome. Safe with several
//! dispatchers at once (rows are leased by `claim_due`), and a crash loses nothing: a leased row
//! that was never marked comes back when its lease ends.

use super::Ordo;
use crate::error::Error;
use crate::notification::{AfterFailure, Channel, Notification, Recipient, RetryPolicy};
use crate::ports::{Destination, SendError, Sender};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

/// The most events one write of the purge forgets.
pub const EVENT_PURGE_BATCH: u32 = 5_000;
/// The most writes one call of the purge makes: 200,000 events, more than a busy minute writes
/// (about 150,000 at 1,000 placements per second).
pub const EVENT_PURGE_BATCHES: u32 = 40;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DispatchReport {
    /// Handed to the channel.
    pub sent: usize,
    /// Failed for now; due again later.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
    /// Claimed but not tried: the lease would have ended during the send. They come back when
    /// it ends.
    pub deferred: usize,
}

/// How long claimed rows belong to one dispatcher, and the longest one send may take.
///
/// A send is only started if it must end before the lease does: past the lease another
/// dispatcher may claim the row, and two sends of one notification are what the lease exists
/// to prevent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// Seconds the claimed rows are held.
    pub secs: i64,
    /// The senders' timeout, in whole seconds, rounded up.
    pub per_send_secs: i64,
}

impl Ordo {
    fn destination(&self, who: Recipient) -> Result<Destination, Error> {
        Ok(match who {
            Recipient::Patient(p) => match self.ports.patients.get(p)? {
                Some(p) => Destination {
                    phone: Some(p.contact_number.expose().clone()),
                    email: p.email.map(|e| e.into_inner()),
                },
                None => Destination::default(),
            },
            Recipient::User(u) => match self.ports.users.get(u)? {
                Some(u) => Destination {
                    phone: u.phone,
                    email: Some(u.email),
                },
                None => Destination::default(),
            },
        })
    }

    /// Sends `n`. `known` keeps the step's destinations: a change notifies a recipient on
    /// several channels at once, and one read of their contact points serves them all.
    fn deliver(
        &self,
        sender: &dyn Sender,
        n: &Notification,
        known: &mut BTreeMap<Recipient, Destination>,
    ) -> Result<(), SendError> {
        let to = match known.entry(n.recipient) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(
                self.destination(n.recipient)
                    .map_err(|e| SendError::Unavailable(e.to_string()))?,
            ),
        };
        match n.channel {
            Channel::Sms if to.phone.is_none() => {
                Err(SendError::Rejected("no phone number".into()))
            }
            Channel::Email if to.email.is_none() => {
                Err(SendError::Rejected("no e-mail address".into()))
            }
            _ => sender.send(n.channel, to, &n.message),
        }
    }

    /// Forgets idempotency keys past their 24 h, revocations of expired tokens and events older
    /// than the retention; returns how many rows went. Events go in batches of
    /// [`EVENT_PURGE_BATCH`], each its own write, so that no write holds the writer (SQLite's
    /// only one) for long, and at most [`EVENT_PURGE_BATCHES`] of them per call, so that a first
    /// purge of a long log does not keep its caller (the dispatcher) from its other work: a log
    /// further behind catches up over the following calls.
    pub fn purge_expired(&self) -> Result<u64, Error> {
        let now = self.ports.clock.now();
        let mut gone =
            self.ports.idempotency.purge_expired(now)? + self.ports.revoked.purge_expired(now)?;
        let cutoff = self.settings.event_retention.cutoff(now);
        for _ in 0..EVENT_PURGE_BATCHES {
            let n = self.ports.events.purge_before(cutoff, EVENT_PURGE_BATCH)?;
            gone += n;
            if n < u64::from(EVENT_PURGE_BATCH) {
                break;
            }
        }
        Ok(gone)
    }

    /// Sends up to `limit` due outbox rows, under `lease`.
    pub fn dispatch_due(
        &self,
        sender: &dyn Sender,
        policy: RetryPolicy,
        limit: u32,
        lease: Lease,
    ) -> Result<DispatchReport, Error> {
        let now = self.ports.clock.now();
        let lease_end = now.plus_seconds(lease.secs);
        let rows = self.ports.notifications.claim_due(now, lease_end, limit)?;
        let mut report = DispatchReport::default();
        let mut known = BTreeMap::new();
        for n in rows {
            if self.ports.clock.now().plus_seconds(lease.per_send_secs) >= lease_end {
                report.deferred += 1;
                continue;
            }
            let attempts = n.attempts + 1;
            match self.deliver(sender, &n, &mut known) {
                Ok(()) => {
                    self.ports
                        .notifications
                        .mark_sent(n.id, self.ports.clock.now())?;
                    report.sent += 1;
                }
                Err(SendError::Rejected(why)) => {
                    self.ports
                        .notifications
                        .mark_attempt_failed(n.id, attempts, None, &why)?;
                    report.failed += 1;
                }
                Err(SendError::Unavailable(why)) => {
                    let at = self.ports.clock.now();
                    match policy.after_failure(attempts, at, self.ports.ids.random()) {
                        AfterFailure::RetryAt(t) => {
                            self.ports.notifications.mark_attempt_failed(
                                n.id,
                                attempts,
                                Some(t),
                                &why,
                            )?;
                            report.retrying += 1;
                        }
                        AfterFailure::GiveUp => {
                            self.ports
                                .notifications
                                .mark_attempt_failed(n.id, attempts, None, &why)?;
                            report.failed += 1;
                        }
                    }
                }
            }
        }
        Ok(report)
    }
}
