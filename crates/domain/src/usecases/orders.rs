//! Placing orders and moving them through the workflow.

use super::{Ordo, Settings};
use crate::audit::{AuditAction, AuditDraft, EntityType};
use crate::auth::{Actor, Role};
use crate::catalogue::Product;
use crate::error::Error;
use crate::event::{EventPayload, NewEvent};
use crate::ids::{AuditId, NotificationId, OrderId, PatientId, ProductId, TerritoryId, TrackingId};
use crate::notification::{self, Channel, Notification, Planned, Reachability, Recipient};
use crate::order::Order;
use crate::order::placement::{OrderRequest, price_lines, resolve_territory};
use crate::order::status::{self, Movers, OrderStatus, StockEffect};
use crate::order::values::{LongText, VerificationData};
use crate::people::{Patient, Territory};
use crate::ports::{Change, CommitError, IdempotencyRecord, PatientContext, StoreError, Write};
use crate::stock::{self, shortage_report};
use crate::time::Timestamp;
use crate::validation::FieldErrors;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A client's `Idempotency-Key` and the fingerprint of the body it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    key: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// Longest accepted key.
    pub const MAX_LEN: usize = 255;

    /// A key (1–255 visible ASCII characters) for a request whose body is `body`.
    pub fn new(key: &str, body: &[u8]) -> Result<Self, FieldErrors> {
        let ok =
            (1..=Self::MAX_LEN).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(FieldErrors::single(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            fingerprint: hex::encode(Sha256::digest(body)),
        })
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// SHA-256 of the body, hex.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// A request to place an order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceOrder {
    /// The parsed body.
    pub request: OrderRequest,
    /// The `Territory-Id` header.
    pub territory_header: Option<TerritoryId>,
    /// The `Idempotency-Key` header.
    pub idempotency: Option<IdempotencyKey>,
}

/// What placing an order did.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceOutcome {
    /// A new order.
    Created(Order),
    /// A retry of an earlier request with the same key and body: that request's order.
    Replayed(Order),
}

impl PlaceOutcome {
    /// The order, new or replayed.
    pub fn order(&self) -> &Order {
        match self {
            PlaceOutcome::Created(o) | PlaceOutcome::Replayed(o) => o,
        }
    }
}

/// A request to move an order in the workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The status asked for.
    pub to: OrderStatus,
    /// Free-text notes (redacted in the audit log).
    pub notes: Option<LongText>,
    /// How insurance was verified.
    pub verification_data: Option<VerificationData>,
    /// `If-Match`: fail with a conflict unless the order is still at this version.
    pub if_match: Option<i64>,
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChanged {
    /// The order after the change.
    pub order: Order,
    /// The audit entry that records it.
    pub audit_id: AuditId,
}

impl Ordo {
    /// Places an order: checks the caller, patient, territory and catalogue, then reserves stock
    /// and writes the order, its audit entry, notifications and event in one commit.
    pub fn place_order(&self, actor: &Actor, cmd: PlaceOrder) -> Result<PlaceOutcome, Error> {
        actor.check_header(cmd.territory_header.as_ref())?;
        if let Some(key) = &cmd.idempotency {
            if let Some(order) = self.replay(actor, key)? {
                return Ok(PlaceOutcome::Replayed(order));
            }
        }
        let req = cmd.request;
        let ids: Vec<_> = req.lines.iter().map(|l| l.product_id).collect();
        let (
            PatientContext {
                patient,
                territory: patients_territory,
                preferences,
            },
            products,
        ) = self.order_patient(actor, req.patient_id, &ids)?;
        let territory = resolve_territory(
            req.territory_id.as_ref(),
            cmd.territory_header.as_ref(),
            &patient.territory_id,
        )?;
        if actor.role() != Role::Customer {
            actor.require_territory(&territory)?;
        }
        // `resolve_territory` chose the patient's territory, so this is its row.
        active_territory(patients_territory)?;

        let catalogue: BTreeMap<_, _> = products.into_iter().map(|p| (p.id, p)).collect();
        let (items, total_amount) = price_lines(&req.lines, &catalogue)?;

        let now = self.ports.clock.now();
        let order = Order {
            id: OrderId::from_uuid(self.new_uuid()),
            tracking_id: TrackingId::from_random(self.ports.ids.random()),
            patient_id: patient.id,
            territory_id: territory.clone(),
            created_by: actor.user_id(),
            provider_id: req.provider_id.map(|t| t.as_str().to_owned()),
            physician_name: req.physician_name.map(|t| t.as_str().to_owned()),
            service_type: req.service_type.map(|t| t.as_str().to_owned()),
            priority: req.priority,
            insurance_info: req.insurance_info,
            items,
            shipping_address: req.shipping_address,
            total_amount,
            status: OrderStatus::PendingVerification,
            notes: req.notes.map(|n| n.as_str().to_owned()),
            verification_data: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };

        let staff = if order.priority.is_pressing() {
            self.ports.users.in_territory(&territory, Role::Staff)?
        } else {
            Vec::new()
        };
        let prefs = preferences.unwrap_or_default();
        let planned =
            notification::on_order_created(&order, &prefs, reach(&patient, &self.settings), &staff);
        let notifications = self.materialise(planned, Some(&territory), now);

        let audit = AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            now,
            Some(actor.user_id()),
            AuditAction::OrderCreated,
            EntityType::Order,
            order.id.to_string(),
        )
        .territory(territory)
        .statuses(None, order.status)
        .notes(order.notes.as_deref())
        .data(order_audit_data(&order));

        let mut events = vec![NewEvent::order_created(&order)];
        events.extend(in_app_events(&notifications));
        let idempotency = cmd.idempotency.as_ref().map(|k| IdempotencyRecord {
            key: k.key.clone(),
            user_id: actor.user_id(),
            fingerprint: k.fingerprint.clone(),
            order_id: order.id,
            expires_at: now.plus_seconds(self.settings.idempotency_ttl_secs),
        });
        let change = Change {
            stock: stock::ops_for(StockEffect::Reserve, &order.items),
            writes: vec![Write::InsertOrder(Box::new(order.clone()))],
            audit: vec![audit],
            notifications,
            events,
            idempotency,
        };
        match self.ports.uow.commit(change) {
            Ok(_) => Ok(PlaceOutcome::Created(order)),
            Err(CommitError::Shortage(short)) => Err(Error::InsufficientStock(shortage_report(
                &short,
                &order.items,
            ))),
            // Another request with the same key committed between our look-up and our commit.
            Err(CommitError::Store(StoreError::Duplicate(what))) if what == "idempotency_key" => {
                match cmd
                    .idempotency
                    .as_ref()
                    .map(|k| self.replay(actor, k))
                    .transpose()?
                {
                    Some(Some(order)) => Ok(PlaceOutcome::Replayed(order)),
                    _ => Err(Error::Conflict("idempotency key in use".into())),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The order an earlier request with this key created, or a conflict if the body differs.
    fn replay(&self, actor: &Actor, key: &IdempotencyKey) -> Result<Option<Order>, Error> {
        let now = self.ports.clock.now();
        let Some(rec) = self
            .ports
            .idempotency
            .find(actor.user_id(), &key.key, now)?
        else {
            return Ok(None);
        };
        if rec.fingerprint != key.fingerprint {
            return Err(Error::Conflict(
                "this Idempotency-Key was used with another request body".into(),
            ));
        }
        self.ports
            .orders
            .get(rec.order_id)?
            .map(Some)
            .ok_or(Error::OrderNotFound)
    }

    /// The patient an order is for, with their territory and preferences: a customer's own
    /// (naming another is refused), or the one staff named, which must be in their territories;
    /// read with those of `products` that exist.
    fn order_patient(
        &self,
        actor: &Actor,
        named: Option<PatientId>,
        products: &[ProductId],
    ) -> Result<(PatientContext, Vec<Product>), Error> {
        let id = match (actor.role(), named, actor.patient_id()) {
            (Role::Customer, Some(n), Some(own)) if n != own => {
                return Err(Error::PermissionDenied(
                    "a customer may only order for their own patient".into(),
                ));
            }
            (Role::Customer, _, Some(own)) => own,
            (Role::Customer, _, None) => {
                return Err(Error::PermissionDenied("this log-in has no patient".into()));
            }
            (_, Some(n), _) => n,
            (_, None, _) => return Err(Error::field("patient_id", "is required")),
        };
        let read = self.ports.placement.placement_context(id, products)?;
        let found = read
            .patient
            .ok_or_else(|| Error::field("patient_id", "unknown patient"))?;
        if actor.role() == Role::Staff {
            actor.require_territory(&found.patient.territory_id)?;
        }
        Ok((found, read.products))
    }

    pub(crate) fn require_active_territory(&self, t: &TerritoryId) -> Result<(), Error> {
        active_territory(self.ports.territories.get(t)?)
    }

    pub(crate) fn prefs_of(
        &self,
        who: Recipient,
    ) -> Result<crate::notification::Preferences, Error> {
        Ok(self
            .ports
            .notifications
            .preferences(who)?
            .unwrap_or_default())
    }

    pub(crate) fn materialise(
        &self,
        planned: Vec<Planned>,
        territory: Option<&TerritoryId>,
        now: Timestamp,
    ) -> Vec<Notification> {
        planned
            .into_iter()
            .map(|p| {
                p.into_notification(
                    NotificationId::from_uuid(self.new_uuid()),
                    territory.cloned(),
                    now,
                )
            })
            .collect()
    }

    /// Moves an order to another status, if the workflow and the caller allow it. Linearizable:
    /// the change is committed only over the version it was computed from; on losing a race the
    /// order is read again and the request re-checked against its new status.
    pub fn change_status(
        &self,
        actor: &Actor,
        id: OrderId,
        change: StatusChange,
    ) -> Result<StatusChanged, Error> {
        for _ in 0..=self.settings.max_transition_retries {
            let order = self.visible_order(actor, id)?;
            match self.try_transition(actor, order, &change) {
                Err(TransitionError::Stale) if change.if_match.is_some() => {
                    return Err(stale_conflict());
                }
                Err(TransitionError::Stale) => continue,
                Err(TransitionError::Domain(e)) => return Err(e),
                Ok(done) => return Ok(done),
            }
        }
        Err(Error::Conflict("the order kept changing; retry".into()))
    }

    /// Cancels a `pending_verification` order (the seeds' DELETE), keeping it for the audit.
    pub fn cancel_order(&self, actor: &Actor, id: OrderId) -> Result<StatusChanged, Error> {
        let order = self.visible_order(actor, id)?;
        if order.status != OrderStatus::PendingVerification {
            return Err(invalid(order.status, OrderStatus::Cancelled));
        }
        self.change_status(
            actor,
            id,
            StatusChange {
                to: OrderStatus::Cancelled,
                notes: None,
                verification_data: None,
                if_match: None,
            },
        )
    }

    fn try_transition(
        &self,
        actor: &Actor,
        order: Order,
        change: &StatusChange,
    ) -> Result<StatusChanged, TransitionError> {
        if change.if_match.is_some_and(|v| v != order.version) {
            return Err(stale_conflict().into());
        }
        let from = order.status;
        let found = status::transition(from, change.to);
        if actor.role() == Role::Customer && found.is_none_or(|t| t.movers != Movers::StaffOrOwner)
        {
            return Err(Error::PermissionDenied(
                "a customer may only cancel their own order while it is pending verification"
                    .into(),
            )
            .into());
        }
        let Some(transition) = found else {
            return Err(invalid(from, change.to).into());
        };

        let now = self.ports.clock.now();
        let expected_version = order.version;
        let mut next = order;
        next.status = change.to;
        next.version += 1;
        next.updated_at = now;
        if let Some(n) = &change.notes {
            next.notes = Some(n.as_str().to_owned());
        }
        if let Some(v) = &change.verification_data {
            next.verification_data = Some(v.clone());
        }

        let found = self
            .ports
            .patients
            .with_context(next.patient_id)
            .map_err(Error::from)?;
        let planned = match found {
            Some(PatientContext {
                patient,
                preferences,
                ..
            }) => notification::on_status_change(
                &next,
                &preferences.unwrap_or_default(),
                reach(&patient, &self.settings),
            ),
            None => Vec::new(),
        };
        let notifications = self.materialise(planned, Some(&next.territory_id), now);

        let audit_id = AuditId::from_uuid(self.new_uuid());
        let action = if change.to == OrderStatus::Cancelled {
            AuditAction::OrderCancelled
        } else {
            AuditAction::OrderStatusChanged
        };
        let audit = AuditDraft::new(
            audit_id,
            now,
            Some(actor.user_id()),
            action,
            EntityType::Order,
            next.id.to_string(),
        )
        .territory(next.territory_id.clone())
        .statuses(Some(from), next.status)
        .notes(change.notes.as_ref().map(LongText::as_str))
        .data(json!({
            "version": next.version,
            "stock_effect": transition.stock,
            "verification_method": change.verification_data.as_ref().map(VerificationData::method),
        }));

        let mut events = vec![NewEvent::status_change(&next, from)];
        events.extend(in_app_events(&notifications));
        let items = next.items.clone();
        let commit = self.ports.uow.commit(Change {
            stock: stock::ops_for(transition.stock, &items),
            writes: vec![Write::UpdateOrder {
                order: Box::new(next.clone()),
                expected_version,
            }],
            audit: vec![audit],
            notifications,
            events,
            idempotency: None,
        });
        match commit {
            Ok(_) => Ok(StatusChanged {
                order: next,
                audit_id,
            }),
            Err(CommitError::StaleVersion) => Err(TransitionError::Stale),
            Err(CommitError::Shortage(short)) => {
                Err(Error::InsufficientStock(shortage_report(&short, &items)).into())
            }
            Err(e) => Err(Error::from(e).into()),
        }
    }
}

enum TransitionError {
    Stale,
    Domain(Error),
}

impl From<Error> for TransitionError {
    fn from(e: Error) -> Self {
        TransitionError::Domain(e)
    }
}

/// An order may be placed only in a territory that exists and is active.
fn active_territory(found: Option<Territory>) -> Result<(), Error> {
    match found {
        Some(territory) if territory.active => Ok(()),
        Some(_) => Err(Error::field("territory_id", "territory is not active")),
        None => Err(Error::field("territory_id", "unknown territory")),
    }
}

fn stale_conflict() -> Error {
    Error::Conflict("the order changed since the version in If-Match".into())
}

fn invalid(from: OrderStatus, to: OrderStatus) -> Error {
    Error::InvalidStatus {
        from,
        to,
        allowed: status::allowed_from(from),
    }
}

/// Whether a patient can be reached by SMS and e-mail (they always have a contact number).
pub(crate) fn reach(p: &Patient, settings: &Settings) -> Reachability {
    Reachability {
        phone: true,
        email: settings.email_enabled && p.email.is_some(),
    }
}

/// The live events of in-app notifications, one per recipient.
pub(crate) fn in_app_events(notifications: &[Notification]) -> Vec<NewEvent> {
    notifications
        .iter()
        .filter(|n| n.channel == Channel::InApp)
        .map(|n| NewEvent {
            at: n.created_at,
            territory_id: n.territory_id.clone(),
            recipient: Some(n.recipient),
            payload: EventPayload::Notification {
                notification_id: n.id,
                event: n.event,
                message: n.message.clone(),
            },
        })
        .collect()
}

/// The audit data of a new order: what was ordered and for how much, without PHI (no insurance,
/// address, service type or names).
fn order_audit_data(order: &Order) -> serde_json::Value {
    json!({
        "tracking_id": order.tracking_id,
        "patient_id": order.patient_id,
        "priority": order.priority,
        "total_amount": order.total_amount,
        "items": order.items.iter().map(|l| json!({
            "product_id": l.product_id,
            "quantity": l.quantity,
            "unit_price": l.unit_price,
        })).collect::<Vec<_>>(),
    })
}
