//! Events: what subscribers are told, written to the event log in the same transaction as the
//! change, so a committed change is always published and a rolled-back one never is.
//!
//! Events carry no PHI: ids, tracking ids, statuses, priorities and territories only.

use crate::ids::{NotificationId, OrderId, TerritoryId, TrackingId};
use crate::notification::{NotifyEvent, Recipient};
use crate::order::{Order, OrderStatus, Priority};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    /// An order was placed.
    OrderCreated {
        /// The order.
        order_id: OrderId,
        /// Its reference.
        tracking_id: TrackingId,
        /// Its status (always `pending_verification`).
        status: OrderStatus,
        /// Its priority.
        priority: Priority,
    },
    /// An order moved in the workflow.
    StatusChange {
        /// The order.
        order_id: OrderId,
        /// Its reference.
        tracking_id: TrackingId,
        /// The status before.
        previous_status: OrderStatus,
        /// The status now.
        status: OrderStatus,
    },
    /// An in-app notification for one recipient.
    Notification {
        /// The notification.
        notification_id: NotificationId,
        /// What it is about.
        event: NotifyEvent,
        /// Its text.
        message: String,
    },
}

/// An event about to be appended to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// When.
    pub at: Timestamp,
    /// Whose territory's subscribers may see it.
    pub territory_id: Option<TerritoryId>,
    /// For notifications: the only one who may see it.
    pub recipient: Option<Recipient>,
    /// What happened.
    pub payload: EventPayload,
}

impl NewEvent {
    /// The event of a new order.
    pub fn order_created(order: &Order) -> Self {
        Self {
            at: order.created_at,
            territory_id: Some(order.territory_id.clone()),
            recipient: None,
            payload: EventPayload::OrderCreated {
                order_id: order.id,
                tracking_id: order.tracking_id.clone(),
                status: order.status,
                priority: order.priority,
            },
        }
    }

    /// The event of a status change; `order` is the order after it.
    pub fn status_change(order: &Order, previous: OrderStatus) -> Self {
        Self {
            at: order.updated_at,
            territory_id: Some(order.territory_id.clone()),
            recipient: None,
            payload: EventPayload::StatusChange {
                order_id: order.id,
                tracking_id: order.tracking_id.clone(),
                previous_status: previous,
                status: order.status,
            },
        }
    }
}

/// An event in the log, with its place in the strictly increasing sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Position in the log; `since=N` replays events with `seq > N`.
    pub seq: i64,
    /// The event.
    pub event: NewEvent,
}

/// The JSON text frame a WebSocket subscriber receives (SPEC §8).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Frame<'a> {
    #[serde(flatten)]
    payload: &'a EventPayload,
    event_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    territory_id: Option<&'a TerritoryId>,
    timestamp: Timestamp,
}

impl Event {
    /// The frame for subscribers: `{"type":…,"event_id":N,…,"territory_id":…,"timestamp":…}`.
    pub fn frame(&self) -> Frame<'_> {
        Frame {
            payload: &self.event.payload,
            event_id: self.seq,
            territory_id: self.event.territory_id.as_ref(),
            timestamp: self.event.at,
        }
    }
}

/// How long the event log keeps an event: at least the 24 hours SPEC §8 promises a `since`
/// replay. Older events are purged (`Ordo::purge_expired`), oldest first, so what is kept is
/// always one unbroken run of sequence numbers up to the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRetention {
    hours: u32,
}

/// A retention outside [`EventRetention::MINIMUM_HOURS`]..=[`EventRetention::MAXIMUM_HOURS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the event log keeps events between {min} and {max} hours, not {0}",
    min = EventRetention::MINIMUM_HOURS,
    max = EventRetention::MAXIMUM_HOURS
)]
pub struct RetentionOutOfRange(pub u32);

impl EventRetention {
    /// The shortest retention: SPEC §8's 24 hours.
    pub const MINIMUM_HOURS: u32 = 24;
    /// The longest: ten years. A larger number (say `u32::MAX`, meant as "for ever") would put
    /// the cutoff outside the range of a timestamp.
    pub const MAXIMUM_HOURS: u32 = 10 * 366 * 24;
    /// A week: a client offline over a weekend still catches up without a gap.
    pub const DEFAULT: Self = Self { hours: 7 * 24 };

    /// A retention of `hours`, refused outside the range.
    pub fn hours(hours: u32) -> Result<Self, RetentionOutOfRange> {
        if !(Self::MINIMUM_HOURS..=Self::MAXIMUM_HOURS).contains(&hours) {
            return Err(RetentionOutOfRange(hours));
        }
        Ok(Self { hours })
    }

    /// The retention in hours.
    pub fn as_hours(self) -> u32 {
        self.hours
    }

    /// Events written before this instant may go.
    pub fn cutoff(self, now: Timestamp) -> Timestamp {
        now.plus_seconds(-i64::from(self.hours) * 3600)
    }
}

impl Default for EventRetention {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests;
