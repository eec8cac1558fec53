//! Notifications (SPEC §9): which ones an event yields, for whom, on which channels, given the
//! recipient's preferences; their texts, which carry no PHI; and the retry schedule.

use crate::ids::{NotificationId, PatientId, TerritoryId, UserId};
use crate::order::{Order, OrderStatus};
use crate::phi;
use crate::time::Timestamp;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// A way of reaching someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// In the application, live over WebSocket and in `GET /notifications`.
    InApp,
    /// Text message through the SMS gateway.
    Sms,
    /// E-mail over SMTP.
    Email,
}

/// What a notification is about; preferences are kept per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotifyEvent {
    /// An order was placed.
    OrderCreated,
    /// An order changed status.
    StatusChange,
    /// Staff sent a message.
    Message,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 3] = [Channel::InApp, Channel::Sms, Channel::Email];
    /// The channel's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
}

impl NotifyEvent {
    /// Every event.
    pub const ALL: [NotifyEvent; 3] = [
        NotifyEvent::OrderCreated,
        NotifyEvent::StatusChange,
        NotifyEvent::Message,
    ];
    /// The event's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::OrderCreated => "order_created",
            NotifyEvent::StatusChange => "status_change",
            NotifyEvent::Message => "message",
        }
    }
}

/// Who a notification is for: a user, or a patient (who may have no log-in of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// A user.
    User(UserId),
    /// A patient.
    Patient(PatientId),
}

/// Where a notification is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting in the outbox to be sent.
    Pending,
    /// Handed to the channel.
    Sent,
    /// Gave up after the last attempt; an admin may retry it.
    Failed,
    /// Seen and acknowledged by the recipient.
    Acknowledged,
    /// Dismissed by the recipient.
    Dismissed,
}

/// A status name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be one of pending, sent, failed, acknowledged, dismissed")]
pub struct UnknownNotificationStatus;

impl NotificationStatus {
    /// Parses a status name.
    pub fn parse(s: &str) -> Result<Self, UnknownNotificationStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" => Ok(Self::Pending),
            "sent" => Ok(Self::Sent),
            "failed" => Ok(Self::Failed),
            "acknowledged" => Ok(Self::Acknowledged),
            "dismissed" => Ok(Self::Dismissed),
            _ => Err(UnknownNotificationStatus),
        }
    }
}

/// A notification, in-app or in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notification {
    /// Its id.
    #[serde(rename = "notification_id")]
    pub id: NotificationId,
    /// For whom.
    pub recipient: Recipient,
    /// Territory it belongs to.
    pub territory_id: Option<TerritoryId>,
    /// What about.
    pub event: NotifyEvent,
    /// How.
    pub channel: Channel,
    /// The text; free text is redacted before it goes out by SMS or e-mail.
    pub message: String,
    /// Where it is.
    pub status: NotificationStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (outbox rows only).
    #[serde(skip)]
    pub next_attempt_at: Option<Timestamp>,
    /// Why the last attempt failed, for admins (never a message body).
    pub last_error: Option<String>,
    /// When created.
    pub created_at: Timestamp,
    /// When handed to the channel.
    pub sent_at: Option<Timestamp>,
    /// When acknowledged.
    pub acknowledged_at: Option<Timestamp>,
}

/// Which channels a recipient wants for which events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences(BTreeMap<(Channel, NotifyEvent), bool>);

impl Default for Preferences {
    /// Everything on: the seed's headline is the SMS on order creation, and a patient who has
    /// given an address expects to hear about their order until they opt out.
    fn default() -> Self {
        let mut m = BTreeMap::new();
        for c in Channel::ALL {
            for e in NotifyEvent::ALL {
                m.insert((c, e), true);
            }
        }
        Self(m)
    }
}

/// Preferences as they arrive and are answered: `{"sms": {"status_change": false}, …}`.
pub type RawPreferences = BTreeMap<String, BTreeMap<String, bool>>;

impl Preferences {
    /// Whether `channel` is wanted for `event`.
    pub fn wants(&self, channel: Channel, event: NotifyEvent) -> bool {
        self.0.get(&(channel, event)).copied().unwrap_or(true)
    }

    /// Sets one switch.
    pub fn set(&mut self, channel: Channel, event: NotifyEvent, on: bool) {
        self.0.insert((channel, event), on);
    }

    /// Applies a partial update, naming every unknown channel or event.
    pub fn update(&mut self, raw: &RawPreferences) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let mut changes = Vec::new();
        for (c, events) in raw {
            let Some(channel) = Channel::ALL.into_iter().find(|x| x.as_str() == c) else {
                e.add(c.clone(), "unknown channel; one of in_app, sms, email");
                continue;
            };
            for (ev, on) in events {
                match NotifyEvent::ALL.into_iter().find(|x| x.as_str() == ev) {
                    Some(event) => changes.push((channel, event, *on)),
                    None => e.add(
                        format!("{c}.{ev}"),
                        "unknown event; one of order_created, status_change, message",
                    ),
                }
            }
        }
        e.finish(|| ())?;
        for (c, ev, on) in changes {
            self.set(c, ev, on);
        }
        Ok(())
    }

    /// The preferences as JSON-ready nested maps.
    pub fn to_raw(&self) -> RawPreferences {
        let mut out = RawPreferences::new();
        for ((c, e), on) in &self.0 {
            out.entry(c.as_str().to_owned())
                .or_default()
                .insert(e.as_str().to_owned(), *on);
        }
        out
    }
}

/// How a recipient can be reached; only whether, never the address itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reachability {
    /// Has a phone number.
    pub phone: bool,
    /// Has an e-mail address.
    pub email: bool,
}

/// A notification the domain decided to send; the use case gives it an id and a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// For whom.
    pub recipient: Recipient,
    /// How.
    pub channel: Channel,
    /// What about.
    pub event: NotifyEvent,
    /// The text.
    pub message: String,
}

impl Planned {
    /// The notification row for this plan: in-app ones are delivered at once (through the event
    /// log), the others wait in the outbox.
    pub fn into_notification(
        self,
        id: NotificationId,
        territory_id: Option<TerritoryId>,
        now: Timestamp,
    ) -> Notification {
        let in_app = self.channel == Channel::InApp;
        Notification {
            id,
            recipient: self.recipient,
            territory_id,
            event: self.event,
            channel: self.channel,
            message: self.message,
            status: if in_app {
                NotificationStatus::Sent
            } else {
                NotificationStatus::Pending
            },
            attempts: 0,
            next_attempt_at: (!in_app).then_some(now),
            last_error: None,
            created_at: now,
            sent_at: in_app.then_some(now),
            acknowledged_at: None,
        }
    }
}

fn human(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingVerification => "pending verification",
        OrderStatus::Verified => "verified",
        OrderStatus::Rejected => "rejected",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Completed => "completed",
        OrderStatus::Cancelled => "cancelled",
    }
}

/// The text of an order-created notification: tracking id and status, nothing else.
pub fn order_created_text(order: &Order) -> String {
    format!(
        "Your order {} has been received. Status: {}.",
        order.tracking_id,
        human(order.status)
    )
}

/// The text of a status-change notification: tracking id and status, nothing else.
pub fn status_change_text(order: &Order) -> String {
    format!(
        "Your order {} is now {}.",
        order.tracking_id,
        human(order.status)
    )
}

fn for_channels(
    recipient: Recipient,
    event: NotifyEvent,
    prefs: &Preferences,
    reach: Reachability,
    in_app_text: &str,
    outside_text: &str,
) -> Vec<Planned> {
    Channel::ALL
        .into_iter()
        .filter(|&c| prefs.wants(c, event))
        .filter(|&c| match c {
            Channel::InApp => true,
            Channel::Sms => reach.phone,
            Channel::Email => reach.email,
        })
        .map(|channel| Planned {
            recipient,
            channel,
            event,
            message: if channel == Channel::InApp {
                in_app_text
            } else {
                outside_text
            }
            .to_owned(),
        })
        .collect()
}

/// What a new order yields: the patient per preferences (SMS, e-mail, in-app), and, for an urgent
/// or emergency order, an in-app note to each staff member of the territory.
pub fn on_order_created(
    order: &Order,
    patient_prefs: &Preferences,
    patient_reach: Reachability,
    territory_staff: &[UserId],
) -> Vec<Planned> {
    let text = order_created_text(order);
    let mut out = for_channels(
        Recipient::Patient(order.patient_id),
        NotifyEvent::OrderCreated,
        patient_prefs,
        patient_reach,
        &text,
        &text,
    );
    if order.priority.is_pressing() {
        let staff_text = format!(
            "New {} order {} in {}.",
            order.priority.as_str(),
            order.tracking_id,
            order.territory_id
        );
        out.extend(territory_staff.iter().map(|&u| Planned {
            recipient: Recipient::User(u),
            channel: Channel::InApp,
            event: NotifyEvent::OrderCreated,
            message: staff_text.clone(),
        }));
    }
    out
}

/// What a status change yields: the patient per preferences. `order` is the order after it.
pub fn on_status_change(
    order: &Order,
    patient_prefs: &Preferences,
    patient_reach: Reachability,
) -> Vec<Planned> {
    let text = status_change_text(order);
    for_channels(
        Recipient::Patient(order.patient_id),
        NotifyEvent::StatusChange,
        patient_prefs,
        patient_reach,
        &text,
        &text,
    )
}

/// What a message from staff yields: in-app always (as written, inside the application), and SMS
/// and e-mail per preferences, redacted before it leaves.
pub fn on_message(
    recipient: Recipient,
    message: &str,
    prefs: &Preferences,
    reach: Reachability,
) -> Vec<Planned> {
    let redacted = phi::redact(message);
    let mut out = for_channels(
        recipient,
        NotifyEvent::Message,
        prefs,
        reach,
        message,
        &redacted,
    );
    if !out.iter().any(|p| p.channel == Channel::InApp) {
        out.insert(
            0,
            Planned {
                recipient,
                channel: Channel::InApp,
                event: NotifyEvent::Message,
                message: message.to_owned(),
            },
        );
    }
    out
}

/// The retry schedule of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before giving up (`ORDO_NOTIFY_MAX_ATTEMPTS`, default 8).
    pub max_attempts: u32,
    /// Delay after the first failure, doubling after each (`ORDO_NOTIFY_BACKOFF_MS`, default 1000).
    pub base_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_ms: 1000,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(Timestamp),
    /// That was the last attempt.
    GiveUp,
}

impl RetryPolicy {
    /// The decision after attempt number `attempts` (1-based) failed at `now`. The delay is
    /// `base × 2^(attempts-1)`, capped at one hour, with "equal jitter": half fixed, half drawn
    /// from `random`, so that many rows failing together do not retry together.
    pub fn after_failure(self, attempts: u32, now: Timestamp, random: u64) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        let exp = attempts.saturating_sub(1).min(32);
        let full = self.base_ms.saturating_mul(1u64 << exp).min(3_600_000);
        let half = full / 2;
        let jitter = if half == 0 { 0 } else { random % (half + 1) };
        let delay = i64::try_from(half + jitter).unwrap_or(i64::MAX);
        AfterFailure::RetryAt(now.plus_millis(delay))
    }
}

#[cfg(test)]
mod tests;
