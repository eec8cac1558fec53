//! Notifications: messages from staff, the caller's inbox, preferences, and the failed outbox.

use super::Ordo;
use super::access::{inbox_of, preference_owner};
use super::orders::in_app_events;
use crate::auth::{Actor, Role};
use crate::error::Error;
use crate::ids::{NotificationId, TerritoryId, UserId};
use crate::notification::{
    self, Channel, Notification, NotificationStatus, Preferences, RawPreferences, Reachability,
    Recipient,
};
use crate::order::query::Page;
use crate::order::values::LongText;
use crate::ports::{Change, Listing};
use crate::validation::FieldErrors;
use serde::Deserialize;

/// A message as it arrives: `{user_id, message, territory_id}` (seed 002's body).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawSendMessage {
    /// To whom.
    pub user_id: Option<String>,
    /// The text.
    pub message: Option<String>,
    /// In which territory's name.
    pub territory_id: Option<String>,
}

/// A message from staff to a user (seed 002's body).
#[derive(Debug, Clone, PartialEq)]
pub struct SendMessage {
    /// To whom.
    pub user_id: UserId,
    /// The text.
    pub message: LongText,
    /// In which territory's name.
    pub territory_id: TerritoryId,
}

impl SendMessage {
    /// Parses a message, reporting every bad field; the text must not be empty.
    pub fn parse(raw: RawSendMessage) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let user_id = e.require("user_id", raw.user_id.as_deref().map(str::parse::<UserId>));
        let message = e.require("message", raw.message.as_deref().map(LongText::parse));
        let territory_id = e.require(
            "territory_id",
            raw.territory_id.as_deref().map(TerritoryId::parse),
        );
        if message.as_ref().is_some_and(|m| m.as_str().is_empty()) {
            e.add("message", "must not be empty");
        }
        match (user_id, message, territory_id) {
            (Some(user_id), Some(message), Some(territory_id)) if e.is_empty() => Ok(Self {
                user_id,
                message,
                territory_id,
            }),
            _ => Err(e),
        }
    }
}

impl Ordo {
    /// Sends a message: in-app always, by SMS and e-mail per the recipient's preferences, redacted.
    /// Staff may write to users of their territories, admins to anyone. Returns the in-app
    /// notification.
    pub fn send_message(&self, actor: &Actor, msg: SendMessage) -> Result<Notification, Error> {
        actor.require_staff()?;
        actor.require_territory(&msg.territory_id)?;
        let to = self
            .ports
            .users
            .get(msg.user_id)?
            .ok_or(Error::NotFound("user"))?;
        let reaches_territory =
            to.role == Role::Admin || to.territories.contains(&msg.territory_id);
        let customer_of_territory = match to.patient_id {
            Some(p) => self
                .ports
                .patients
                .get(p)?
                .is_some_and(|p| p.territory_id == msg.territory_id),
            None => false,
        };
        if actor.role() != Role::Admin && !reaches_territory && !customer_of_territory {
            return Err(Error::TerritoryMismatch(Some(msg.territory_id)));
        }
        let to_actor = Actor::new(
            to.id,
            to.role,
            to.territories.iter().cloned(),
            to.patient_id,
        );
        let prefs = self.prefs_of(preference_owner(&to_actor))?;
        let reach = Reachability {
            phone: to.phone.is_some(),
            email: self.settings.email_enabled,
        };
        let now = self.ports.clock.now();
        let planned =
            notification::on_message(Recipient::User(to.id), msg.message.as_str(), &prefs, reach);
        let notifications = self.materialise(planned, Some(&msg.territory_id), now);
        let in_app = notifications
            .iter()
            .find(|n| n.channel == Channel::InApp)
            .cloned()
            .ok_or_else(|| Error::Internal("a message always has an in-app notification".into()))?;
        self.ports.uow.commit(Change {
            events: in_app_events(&notifications),
            notifications,
            ..Change::default()
        })?;
        Ok(in_app)
    }

    /// The caller's in-app notifications, newest first, optionally in one status.
    pub fn my_notifications(
        &self,
        actor: &Actor,
        status: Option<NotificationStatus>,
        page: Page,
    ) -> Result<Listing<Notification>, Error> {
        Ok(self
            .ports
            .notifications
            .inbox(&inbox_of(actor), status, page)?)
    }

    /// Acknowledges one of the caller's notifications.
    pub fn acknowledge(&self, actor: &Actor, id: NotificationId) -> Result<Notification, Error> {
        self.move_own(
            actor,
            id,
            &[NotificationStatus::Sent, NotificationStatus::Pending],
            NotificationStatus::Acknowledged,
        )
    }

    /// Dismisses one of the caller's notifications.
    pub fn dismiss(&self, actor: &Actor, id: NotificationId) -> Result<Notification, Error> {
        self.move_own(
            actor,
            id,
            &[
                NotificationStatus::Sent,
                NotificationStatus::Pending,
                NotificationStatus::Acknowledged,
            ],
            NotificationStatus::Dismissed,
        )
    }

    fn move_own(
        &self,
        actor: &Actor,
        id: NotificationId,
        from: &[NotificationStatus],
        to: NotificationStatus,
    ) -> Result<Notification, Error> {
        let n = self
            .ports
            .notifications
            .get(id)?
            .ok_or(Error::NotFound("notification"))?;
        if !inbox_of(actor).contains(&n.recipient) || n.channel != Channel::InApp {
            return Err(Error::NotFound("notification"));
        }
        if n.status == to {
            return Ok(n);
        }
        let now = self.ports.clock.now();
        if !self.ports.notifications.transition(id, from, to, now)? {
            return Err(Error::Conflict(
                format!("the notification cannot become {to:?} now").to_lowercase(),
            ));
        }
        self.ports
            .notifications
            .get(id)?
            .ok_or(Error::NotFound("notification"))
    }

    /// The caller's notification preferences (defaults until they set some).
    pub fn preferences(&self, actor: &Actor) -> Result<Preferences, Error> {
        self.prefs_of(preference_owner(actor))
    }

    /// Changes some of the caller's preferences, leaving the rest.
    pub fn set_preferences(
        &self,
        actor: &Actor,
        raw: &RawPreferences,
    ) -> Result<Preferences, Error> {
        let owner = preference_owner(actor);
        let mut prefs = self.prefs_of(owner)?;
        prefs.update(raw)?;
        self.ports.notifications.save_preferences(owner, &prefs)?;
        Ok(prefs)
    }

    /// Outbox rows (SMS and e-mail) in `status`, for admins.
    pub fn outbox(
        &self,
        actor: &Actor,
        status: NotificationStatus,
        page: Page,
    ) -> Result<Listing<Notification>, Error> {
        actor.require_admin()?;
        Ok(self.ports.notifications.outbox(status, page)?)
    }

    /// Puts a failed outbox row back in the queue, due now, with its attempts reset (admins).
    pub fn retry_notification(
        &self,
        actor: &Actor,
        id: NotificationId,
    ) -> Result<Notification, Error> {
        actor.require_admin()?;
        let now = self.ports.clock.now();
        if !self.ports.notifications.transition(
            id,
            &[NotificationStatus::Failed],
            NotificationStatus::Pending,
            now,
        )? {
            return match self.ports.notifications.get(id)? {
                None => Err(Error::NotFound("notification")),
                Some(_) => Err(Error::Conflict(
                    "only a failed notification can be retried".into(),
                )),
            };
        }
        self.ports
            .notifications
            .get(id)?
            .ok_or(Error::NotFound("notification"))
    }
}
