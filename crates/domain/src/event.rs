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

#[cfg(test)]
mod tests;
