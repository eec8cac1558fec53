// Row structs and their conversions to domain types. Included into each backend module, where
// `schema` names that backend's tables; the same text compiles against both.

use super::schema;
use crate::types::{DbJson, DbTime, DbUuid};
use diesel::prelude::*;
use ordo_domain::audit::{AuditAction, AuditDraft, AuditEntry, EntityType};
use ordo_domain::auth::Role;
use ordo_domain::catalogue::{Product, Sku};
use ordo_domain::contact::{Email, PhoneNumber};
use ordo_domain::event::{Event, EventPayload, NewEvent};
use ordo_domain::ids::{
    AuditId, NotificationId, OrderId, PatientCode, PatientId, ProductId, TerritoryId, TrackingId,
    UserId,
};
use ordo_domain::money::{Money, Quantity};
use ordo_domain::notification::{Channel, Notification, NotificationStatus, NotifyEvent, Recipient};
use ordo_domain::order::{Order, OrderLine, OrderStatus, Priority};
use ordo_domain::people::{Patient, Territory, User};
use ordo_domain::phi::Phi;
use ordo_domain::ports::{StoreError, StoreResult};
use ordo_domain::stock::StockLevel;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored {what} is invalid: {detail}"))
}

fn json_of<T: serde::Serialize>(v: &T) -> DbJson {
    DbJson(serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, v: DbJson) -> StoreResult<T> {
    serde_json::from_value(v.0).map_err(|e| corrupt(what, e))
}

fn text_enum<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| corrupt(what, e))
}

fn territory_id(s: &str) -> StoreResult<TerritoryId> {
    TerritoryId::parse(s).map_err(|e| corrupt("territory id", e))
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::territories)]
pub(crate) struct TerritoryRow {
    pub id: String,
    pub name: String,
    pub active: bool,
}

impl TerritoryRow {
    pub(crate) fn of(t: &Territory) -> Self {
        Self { id: t.id.as_str().to_owned(), name: t.name.clone(), active: t.active }
    }
    pub(crate) fn into_domain(self) -> StoreResult<Territory> {
        Ok(Territory { id: territory_id(&self.id)?, name: self.name, active: self.active })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::patients)]
pub(crate) struct PatientRow {
    pub id: DbUuid,
    pub code: String,
    pub name: String,
    pub contact_number: String,
    pub email: Option<String>,
    pub insurance_number: Option<String>,
    pub territory_id: String,
    pub created_at: DbTime,
}

impl PatientRow {
    pub(crate) fn of(p: &Patient) -> Self {
        Self {
            id: DbUuid(p.id.as_uuid()),
            code: p.code.as_str().to_owned(),
            name: p.name.expose().clone(),
            contact_number: p.contact_number.expose().as_str().to_owned(),
            email: p.email.as_ref().map(|e| e.expose().as_str().to_owned()),
            insurance_number: p.insurance_number.as_ref().map(|i| i.expose().clone()),
            territory_id: p.territory_id.as_str().to_owned(),
            created_at: DbTime::of(p.created_at),
        }
    }
    pub(crate) fn into_domain(self) -> StoreResult<Patient> {
        Ok(Patient {
            id: PatientId::from_uuid(self.id.0),
            code: PatientCode::parse(&self.code).map_err(|e| corrupt("patient code", e))?,
            name: Phi::new(self.name),
            contact_number: Phi::new(
                PhoneNumber::parse(&self.contact_number).map_err(|e| corrupt("phone", e))?,
            ),
            email: self
                .email
                .map(|e| Email::parse(&e).map(Phi::new).map_err(|e| corrupt("email", e)))
                .transpose()?,
            insurance_number: self.insurance_number.map(Phi::new),
            territory_id: territory_id(&self.territory_id)?,
            created_at: self.created_at.get(),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::users)]
pub(crate) struct UserRow {
    pub id: DbUuid,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub patient_id: Option<DbUuid>,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: DbTime,
}

impl UserRow {
    pub(crate) fn of(u: &User, password_hash: &str) -> Self {
        Self {
            id: DbUuid(u.id.as_uuid()),
            email: u.email.as_str().to_owned(),
            password_hash: password_hash.to_owned(),
            role: u.role.as_str().to_owned(),
            patient_id: u.patient_id.map(|p| DbUuid(p.as_uuid())),
            phone: u.phone.as_ref().map(|p| p.as_str().to_owned()),
            active: u.active,
            created_at: DbTime::of(u.created_at),
        }
    }
    pub(crate) fn into_domain(self, territories: Vec<String>) -> StoreResult<User> {
        Ok(User {
            id: UserId::from_uuid(self.id.0),
            email: Email::parse(&self.email).map_err(|e| corrupt("email", e))?,
            role: Role::parse(&self.role).map_err(|e| corrupt("role", e))?,
            territories: territories.iter().map(|t| territory_id(t)).collect::<StoreResult<_>>()?,
            patient_id: self.patient_id.map(|p| PatientId::from_uuid(p.0)),
            phone: self
                .phone
                .map(|p| PhoneNumber::parse(&p).map_err(|e| corrupt("phone", e)))
                .transpose()?,
            active: self.active,
            created_at: self.created_at.get(),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = schema::products)]
pub(crate) struct ProductRow {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub price_minor: i64,
    pub stock_quantity: i64,
    pub reserved_quantity: i64,
    pub low_stock_threshold: i64,
    pub active: bool,
    pub created_at: DbTime,
    pub updated_at: DbTime,
}

impl ProductRow {
    pub(crate) fn into_domain(self) -> StoreResult<Product> {
        Ok(Product {
            id: ProductId::new(self.id).map_err(|e| corrupt("product id", e))?,
            sku: Sku::parse(&self.sku).map_err(|e| corrupt("sku", e))?,
            name: self.name,
            price: Money::from_minor(self.price_minor).map_err(|e| corrupt("price", e))?,
            stock: StockLevel::new(self.stock_quantity, self.reserved_quantity)
                .map_err(|e| corrupt("stock", e))?,
            low_stock_threshold: self.low_stock_threshold,
            active: self.active,
            created_at: self.created_at.get(),
            updated_at: self.updated_at.get(),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = schema::products)]
pub(crate) struct NewProductRow {
    pub sku: String,
    pub name: String,
    pub price_minor: i64,
    pub stock_quantity: i64,
    pub reserved_quantity: i64,
    pub low_stock_threshold: i64,
    pub active: bool,
    pub created_at: DbTime,
    pub updated_at: DbTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::orders)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct OrderRow {
    pub id: DbUuid,
    pub tracking_id: String,
    pub patient_id: DbUuid,
    pub territory_id: String,
    pub created_by: DbUuid,
    pub provider_id: Option<String>,
    pub physician_name: Option<String>,
    pub service_type: Option<String>,
    pub priority: String,
    pub insurance_info: Option<DbJson>,
    pub shipping_address: Option<DbJson>,
    pub total_minor: i64,
    pub status: String,
    pub notes: Option<String>,
    pub verification_data: Option<DbJson>,
    pub version: i64,
    pub created_at: DbTime,
    pub updated_at: DbTime,
}

/// A change's rows that go in with its stock operations (`rows_stock_and_chain` of each backend).
#[derive(Default)]
pub(crate) struct NewRows {
    /// Orders to update, each on the version it was computed from, before the stock and the
    /// chain (the lock order, `commit.rs`).
    pub updates: Vec<(OrderRow, i64)>,
    /// The idempotency key of a create, and the change's time: a key that expired by then is
    /// taken over, a live one refuses the change as a duplicate. Before the stock and the chain.
    pub idempotency: Option<(IdempotencyRow, DbTime)>,
    pub orders: Vec<OrderRow>,
    pub notifications: Vec<NotificationRow>,
    /// The new orders' lines, checked after the stock update (`commit.rs`).
    pub lines: Vec<ItemRow>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::order_items)]
pub(crate) struct ItemRow {
    pub order_id: DbUuid,
    pub line_no: i32,
    pub product_id: i64,
    pub product_name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub subtotal_minor: i64,
}

impl OrderRow {
    pub(crate) fn of(o: &Order) -> Self {
        Self {
            id: DbUuid(o.id.as_uuid()),
            tracking_id: o.tracking_id.as_str().to_owned(),
            patient_id: DbUuid(o.patient_id.as_uuid()),
            territory_id: o.territory_id.as_str().to_owned(),
            created_by: DbUuid(o.created_by.as_uuid()),
            provider_id: o.provider_id.clone(),
            physician_name: o.physician_name.clone(),
            service_type: o.service_type.clone(),
            priority: o.priority.as_str().to_owned(),
            insurance_info: o.insurance_info.as_ref().map(json_of),
            shipping_address: o.shipping_address.as_ref().map(json_of),
            total_minor: o.total_amount.minor(),
            status: o.status.as_str().to_owned(),
            notes: o.notes.clone(),
            verification_data: o.verification_data.as_ref().map(json_of),
            version: o.version,
            created_at: DbTime::of(o.created_at),
            updated_at: DbTime::of(o.updated_at),
        }
    }

    pub(crate) fn items_of(o: &Order) -> Vec<ItemRow> {
        o.items
            .iter()
            .enumerate()
            .map(|(i, l)| ItemRow {
                order_id: DbUuid(o.id.as_uuid()),
                line_no: i32::try_from(i).unwrap_or(i32::MAX),
                product_id: l.product_id.get(),
                product_name: l.product_name.clone(),
                quantity: i32::try_from(l.quantity.get()).unwrap_or(i32::MAX),
                unit_price_minor: l.unit_price.minor(),
                subtotal_minor: l.subtotal.minor(),
            })
            .collect()
    }

    pub(crate) fn into_domain(self, items: Vec<ItemRow>) -> StoreResult<Order> {
        let items = items
            .into_iter()
            .map(|i| {
                Ok(OrderLine {
                    product_id: ProductId::new(i.product_id).map_err(|e| corrupt("product id", e))?,
                    product_name: i.product_name,
                    quantity: Quantity::new(i64::from(i.quantity)).map_err(|e| corrupt("quantity", e))?,
                    unit_price: Money::from_minor(i.unit_price_minor).map_err(|e| corrupt("price", e))?,
                    subtotal: Money::from_minor(i.subtotal_minor).map_err(|e| corrupt("subtotal", e))?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Order {
            id: OrderId::from_uuid(self.id.0),
            tracking_id: TrackingId::parse(&self.tracking_id).map_err(|e| corrupt("tracking id", e))?,
            patient_id: PatientId::from_uuid(self.patient_id.0),
            territory_id: territory_id(&self.territory_id)?,
            created_by: UserId::from_uuid(self.created_by.0),
            provider_id: self.provider_id,
            physician_name: self.physician_name,
            service_type: self.service_type,
            priority: Priority::parse(&self.priority).map_err(|e| corrupt("priority", e))?,
            insurance_info: self.insurance_info.map(|j| from_json("insurance", j)).transpose()?,
            items,
            shipping_address: self.shipping_address.map(|j| from_json("address", j)).transpose()?,
            total_amount: Money::from_minor(self.total_minor).map_err(|e| corrupt("total", e))?,
            status: OrderStatus::parse(&self.status).map_err(|e| corrupt("status", e))?,
            notes: self.notes,
            verification_data: self
                .verification_data
                .map(|j| from_json("verification", j))
                .transpose()?,
            version: self.version,
            created_at: self.created_at.get(),
            updated_at: self.updated_at.get(),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::audit_log)]
// A None is NULL (these columns have no default), so every insert has one shape and its
// prepared statement is cached.
#[diesel(treat_none_as_null = true)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub id: DbUuid,
    pub at: DbTime,
    pub actor: Option<DbUuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub territory_id: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub notes: Option<String>,
    pub data: DbJson,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The row of `d`, with its place on the chain.
    pub(crate) fn of_draft(seq: i64, d: &AuditDraft, prev_hash: String, hash: String) -> Self {
        Self {
            seq,
            id: DbUuid(d.id.as_uuid()),
            at: DbTime::of(d.at),
            actor: d.actor.map(|a| DbUuid(a.as_uuid())),
            action: d.action.as_str().to_owned(),
            entity_type: d.entity_type.as_str().to_owned(),
            entity_id: d.entity_id.clone(),
            territory_id: d.territory_id.as_ref().map(|t| t.as_str().to_owned()),
            from_status: d.from_status.map(|s| s.as_str().to_owned()),
            to_status: d.to_status.map(|s| s.as_str().to_owned()),
            notes: d.notes.clone(),
            data: DbJson(d.data.clone()),
            prev_hash,
            hash,
        }
    }

    pub(crate) fn into_domain(self) -> StoreResult<AuditEntry> {
        let status = |s: Option<String>| {
            s.map(|s| OrderStatus::parse(&s).map_err(|e| corrupt("status", e))).transpose()
        };
        Ok(AuditEntry {
            draft: AuditDraft {
                id: AuditId::from_uuid(self.id.0),
                at: self.at.get(),
                actor: self.actor.map(|a| UserId::from_uuid(a.0)),
                action: AuditAction::parse(&self.action).map_err(|e| corrupt("action", e))?,
                entity_type: EntityType::parse(&self.entity_type).map_err(|e| corrupt("entity", e))?,
                entity_id: self.entity_id,
                territory_id: self.territory_id.as_deref().map(territory_id).transpose()?,
                from_status: status(self.from_status)?,
                to_status: status(self.to_status)?,
                notes: self.notes,
                data: self.data.0,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

fn recipient_parts(r: Recipient) -> (String, DbUuid) {
    match r {
        Recipient::User(u) => ("user".to_owned(), DbUuid(u.as_uuid())),
        Recipient::Patient(p) => ("patient".to_owned(), DbUuid(p.as_uuid())),
    }
}

fn recipient_of(kind: &str, id: DbUuid) -> StoreResult<Recipient> {
    match kind {
        "user" => Ok(Recipient::User(UserId::from_uuid(id.0))),
        "patient" => Ok(Recipient::Patient(PatientId::from_uuid(id.0))),
        other => Err(corrupt("recipient kind", other)),
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::events)]
// A None is NULL (these columns have no default), so every insert has one shape and its
// prepared statement is cached.
#[diesel(treat_none_as_null = true)]
pub(crate) struct EventRow {
    pub seq: i64,
    pub at: DbTime,
    pub territory_id: Option<String>,
    pub recipient_kind: Option<String>,
    pub recipient_id: Option<DbUuid>,
    pub payload: DbJson,
}

impl EventRow {
    pub(crate) fn of(seq: i64, e: &NewEvent) -> Self {
        let (kind, id) = e.recipient.map(recipient_parts).unzip();
        Self {
            seq,
            at: DbTime::of(e.at),
            territory_id: e.territory_id.as_ref().map(|t| t.as_str().to_owned()),
            recipient_kind: kind,
            recipient_id: id,
            payload: json_of(&e.payload),
        }
    }

    pub(crate) fn into_domain(self) -> StoreResult<Event> {
        let recipient = match (self.recipient_kind.as_deref(), self.recipient_id) {
            (Some(k), Some(id)) => Some(recipient_of(k, id)?),
            _ => None,
        };
        Ok(Event {
            seq: self.seq,
            event: NewEvent {
                at: self.at.get(),
                territory_id: self.territory_id.as_deref().map(territory_id).transpose()?,
                recipient,
                payload: from_json::<EventPayload>("event", self.payload)?,
            },
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::notifications)]
// A None is NULL (these columns have no default), so every insert has one shape and its
// prepared statement is cached.
#[diesel(treat_none_as_null = true)]
pub(crate) struct NotificationRow {
    pub id: DbUuid,
    pub recipient_kind: String,
    pub recipient_id: DbUuid,
    pub territory_id: Option<String>,
    pub event: String,
    pub channel: String,
    pub message: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DbTime>,
    pub claimed_until: Option<DbTime>,
    pub last_error: Option<String>,
    pub created_at: DbTime,
    pub sent_at: Option<DbTime>,
    pub acknowledged_at: Option<DbTime>,
}

impl NotificationRow {
    pub(crate) fn of(n: &Notification) -> Self {
        let (kind, id) = recipient_parts(n.recipient);
        Self {
            id: DbUuid(n.id.as_uuid()),
            recipient_kind: kind,
            recipient_id: id,
            territory_id: n.territory_id.as_ref().map(|t| t.as_str().to_owned()),
            event: text_enum(&n.event),
            channel: text_enum(&n.channel),
            message: n.message.clone(),
            status: text_enum(&n.status),
            attempts: i32::try_from(n.attempts).unwrap_or(i32::MAX),
            next_attempt_at: n.next_attempt_at.map(DbTime::of),
            claimed_until: None,
            last_error: n.last_error.clone(),
            created_at: DbTime::of(n.created_at),
            sent_at: n.sent_at.map(DbTime::of),
            acknowledged_at: n.acknowledged_at.map(DbTime::of),
        }
    }

    pub(crate) fn into_domain(self) -> StoreResult<Notification> {
        Ok(Notification {
            id: NotificationId::from_uuid(self.id.0),
            recipient: recipient_of(&self.recipient_kind, self.recipient_id)?,
            territory_id: self.territory_id.as_deref().map(territory_id).transpose()?,
            event: parse_enum::<NotifyEvent>("event", &self.event)?,
            channel: parse_enum::<Channel>("channel", &self.channel)?,
            message: self.message,
            status: parse_enum::<NotificationStatus>("status", &self.status)?,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            next_attempt_at: self.next_attempt_at.map(DbTime::get),
            last_error: self.last_error,
            created_at: self.created_at.get(),
            sent_at: self.sent_at.map(DbTime::get),
            acknowledged_at: self.acknowledged_at.map(DbTime::get),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::idempotency_keys)]
pub(crate) struct IdempotencyRow {
    pub user_id: DbUuid,
    pub key: String,
    pub fingerprint: String,
    pub order_id: DbUuid,
    pub expires_at: DbTime,
}
