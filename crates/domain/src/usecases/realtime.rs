//! Real-time subscriptions (SPEC §8): who may open which stream, and which events of the log a
//! subscription may see. The WebSocket adapter only carries frames; every rule is here.
//!
//! Two streams:
//! - **orders of a territory** (`/ws/orders?territory=T`): the `order_created` and
//!   `status_change` events of territory T, for staff who hold T and for admins. Customers hold
//!   no territory and are refused (`TERRITORY_MISMATCH`, as when they filter orders by
//!   territory): a territory's stream names other patients' orders. A customer follows their own
//!   orders through their notifications.
//! - **the caller's notifications** (`/ws/notifications`): the in-app notifications addressed to
//!   the caller, and, for a customer, to their patient — the same inbox as
//!   `GET /api/v1/notifications`.
//!
//! See `docs/decisions/0004-real-time.md`.

use super::Ordo;
use super::access::inbox_of;
use crate::auth::{Actor, Role};
use crate::error::Error;
use crate::event::{Event, EventPayload, NewEvent};
use crate::ids::{TerritoryId, UserId};
use crate::notification::Recipient;
use crate::validation::FieldErrors;

/// Who may see an event on a live stream: its key in a fan-out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    /// Subscribers of this territory's order stream.
    Territory(TerritoryId),
    /// This recipient's notification stream.
    Recipient(Recipient),
}

impl Audience {
    /// The one audience of `event`: order events go to their territory, in-app notifications to
    /// their recipient. `None`: no stream shows it.
    pub fn of(event: &NewEvent) -> Option<Self> {
        match (&event.payload, &event.territory_id, event.recipient) {
            (EventPayload::Notification { .. }, _, Some(r)) => Some(Self::Recipient(r)),
            (EventPayload::Notification { .. }, _, None) => None,
            (EventPayload::OrderCreated { .. } | EventPayload::StatusChange { .. }, Some(t), _) => {
                Some(Self::Territory(t.clone()))
            }
            (EventPayload::OrderCreated { .. } | EventPayload::StatusChange { .. }, None, _) => {
                None
            }
        }
    }
}

/// Which stream a subscription follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// One territory's order events.
    Orders(TerritoryId),
    /// The caller's notifications.
    Notifications,
}

/// An accepted subscription: what it may see, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    user_id: UserId,
    stream: Stream,
    audiences: Vec<Audience>,
    since: Option<i64>,
    start: i64,
}

impl Subscription {
    /// The stream.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// The audiences whose events this subscription receives (its fan-out keys).
    pub fn audiences(&self) -> &[Audience] {
        &self.audiences
    }

    /// `since=N`: replay the visible events after N before going live. `None`: live only.
    pub fn since(&self) -> Option<i64> {
        self.since
    }

    /// The sequence number the stream starts after: `since`, or the log's head when the
    /// subscription was accepted (a live-only stream shows nothing committed before).
    pub fn start(&self) -> i64 {
        self.start
    }

    /// Whether this subscription may see `event`.
    pub fn admits(&self, event: &Event) -> bool {
        Audience::of(&event.event).is_some_and(|a| self.audiences.contains(&a))
    }
}

/// One page of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayPage {
    /// The events of the page the subscription may see, in order.
    pub events: Vec<Event>,
    /// The last sequence number read, visible or not: the next page starts after it.
    pub scanned_to: i64,
    /// Whether the log had nothing more after `scanned_to` when read.
    pub at_end: bool,
}

/// A replay position as the client gives it: a whole number, at least 0.
fn parse_since(raw: Option<&str>, e: &mut FieldErrors) -> Option<i64> {
    let raw = raw?;
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            e.add("since", "must be a whole number, 0 or more");
            None
        }
    }
}

impl Ordo {
    /// Opens a territory's order stream: staff who hold the territory and admins; customers never
    /// (a territory's stream names other patients' orders). `since` must not be ahead of the log.
    pub fn subscribe_orders(
        &self,
        actor: &Actor,
        territory: Option<&str>,
        since: Option<&str>,
    ) -> Result<Subscription, Error> {
        let mut e = FieldErrors::new();
        let territory = e.require("territory", territory.map(TerritoryId::parse));
        let since = parse_since(since, &mut e);
        let territory = match territory {
            Some(t) if e.is_empty() => t,
            _ => return Err(e.into()),
        };
        may_follow_territory(actor, &territory)?;
        if self.ports.territories.get(&territory)?.is_none() {
            return Err(Error::NotFound("territory"));
        }
        let start = self.start_of(since)?;
        Ok(Subscription {
            user_id: actor.user_id(),
            audiences: vec![Audience::Territory(territory.clone())],
            stream: Stream::Orders(territory),
            since,
            start,
        })
    }

    /// Opens the caller's notification stream (anyone signed in).
    pub fn subscribe_notifications(
        &self,
        actor: &Actor,
        since: Option<&str>,
    ) -> Result<Subscription, Error> {
        let mut e = FieldErrors::new();
        let since = parse_since(since, &mut e);
        if !e.is_empty() {
            return Err(e.into());
        }
        let start = self.start_of(since)?;
        Ok(Subscription {
            user_id: actor.user_id(),
            stream: Stream::Notifications,
            audiences: inbox_of(actor)
                .into_iter()
                .map(Audience::Recipient)
                .collect(),
            since,
            start,
        })
    }

    /// Whether an open subscription may go on: the token still authenticates (not expired, not
    /// revoked, the user still active) as the same user, who may still follow the same stream
    /// with the same audiences. Checked periodically, so a log-out or a lost territory ends a
    /// live stream too.
    pub fn still_subscribed(&self, token: &str, sub: &Subscription) -> Result<(), Error> {
        let actor = self.authenticate(token)?.actor;
        if actor.user_id() != sub.user_id {
            return Err(Error::Unauthenticated);
        }
        let audiences = match &sub.stream {
            Stream::Orders(t) => {
                may_follow_territory(&actor, t)?;
                vec![Audience::Territory(t.clone())]
            }
            Stream::Notifications => inbox_of(&actor)
                .into_iter()
                .map(Audience::Recipient)
                .collect(),
        };
        if audiences == sub.audiences {
            Ok(())
        } else {
            Err(Error::PermissionDenied(
                "the subscription's scope changed".into(),
            ))
        }
    }

    /// The next page of `sub`'s replay: up to `limit` events of the log after `after`, of which
    /// those `sub` may see. [`Error::Conflict`] only when events after `after` were purged
    /// meanwhile (the session closes with its own reason for it).
    pub fn replay_page(
        &self,
        sub: &Subscription,
        after: i64,
        limit: u32,
    ) -> Result<ReplayPage, Error> {
        let read = self.ports.events.after(after, limit)?;
        // Sequence numbers have no holes, so a page that does not start right after `after`
        // lost events to a purge that ran since the replay began: the replay cannot go on
        // without a gap.
        if read.first().is_some_and(|e| e.seq != after + 1) {
            return Err(Error::Conflict(format!(
                "events after {after} were purged during the replay"
            )));
        }
        let at_end = read.len() < limit as usize;
        let scanned_to = read.last().map_or(after, |e| e.seq);
        Ok(ReplayPage {
            events: read.into_iter().filter(|e| sub.admits(e)).collect(),
            scanned_to,
            at_end,
        })
    }

    /// Up to `limit` events after `after`, for the tail that fans them out (which asks
    /// [`Subscription::admits`] through [`Audience::of`] for each subscriber).
    pub fn tail_events(&self, after: i64, limit: u32) -> Result<Vec<Event>, Error> {
        Ok(self.ports.events.after(after, limit)?)
    }

    /// The sequence number of the last event written (0 when none).
    pub fn event_head(&self) -> Result<i64, Error> {
        Ok(self.ports.events.head()?)
    }

    /// Where a stream starts: after `since`, which may be neither ahead of the log nor behind
    /// what it still keeps (the events after it could not all be replayed), or after the log's
    /// head.
    fn start_of(&self, since: Option<i64>) -> Result<i64, Error> {
        let head = self.ports.events.head()?;
        match since {
            Some(since) if since > head => Err(Error::field(
                "since",
                format!("is ahead of the event log (last event {head})"),
            )),
            Some(since) => {
                let purged = self.ports.events.purged_through()?;
                if since < purged {
                    return Err(Error::field(
                        "since",
                        format!(
                            "is older than the event log keeps (events up to {purged} are gone; \
                             it keeps {} hours): reload through the REST API and subscribe \
                             without since",
                            self.settings.event_retention.as_hours()
                        ),
                    ));
                }
                Ok(since)
            }
            None => Ok(head),
        }
    }
}

/// Whether `actor` may follow territory `t`'s order stream.
fn may_follow_territory(actor: &Actor, t: &TerritoryId) -> Result<(), Error> {
    match actor.role() {
        Role::Customer => Err(Error::TerritoryMismatch(Some(t.clone()))),
        Role::Staff | Role::Admin => actor.require_territory(t),
    }
}

#[cfg(test)]
mod tests;
