//! Ports: what the domain needs from the world, named for the need, not the technology.
//!
//! All are synchronous (Diesel is); the HTTP adapter calls use cases on its blocking pool. Every
//! write of a use case goes through one [`UnitOfWork::commit`] of one [`Change`], which a store
//! applies in one transaction: stock, rows, audit, notifications, events and idempotency record,
//! all or nothing.

use crate::audit::{AuditDraft, AuditEntry, ChainBreak, EntityType};
use crate::auth::{Role, TerritoryScope};
use crate::catalogue::{NewProduct, Product};
use crate::contact::Email;
use crate::event::{Event, NewEvent};
use crate::ids::{
    NotificationId, OrderId, PatientCode, PatientId, ProductId, TerritoryId, TrackingId, UserId,
};
use crate::money::Money;
use crate::notification::{Notification, NotificationStatus, Preferences, Recipient};
use crate::order::query::{OrderQuery, Page};
use crate::order::{Order, OrderStatus, Priority};
use crate::people::{Password, PasswordHash, Patient, Territory, User};
use crate::stock::{Shortfall, StockOp};
use crate::time::Timestamp;
use std::collections::BTreeMap;
use thiserror::Error;
use uuid::Uuid;

#[cfg(test)]
use mockall::automock;

/// Why a store call failed, in terms the domain can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The database cannot be reached, or no connection came free in time: nothing happened.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A unique key is taken (the text names which).
    #[error("duplicate {0}")]
    Duplicate(String),
    /// Anything else.
    #[error("store error: {0}")]
    Other(String),
}

/// The result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A listing's rows and the total that match regardless of paging.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    /// The page's rows.
    pub rows: Vec<T>,
    /// All matching rows.
    pub total: u64,
}

/// Aggregates of one territory's orders, as a store computes them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TerritoryOrderFigures {
    /// Order count per status.
    pub by_status: BTreeMap<OrderStatus, u64>,
    /// Order count per priority.
    pub by_priority: BTreeMap<Priority, u64>,
    /// Sum of totals of orders that are not cancelled or rejected.
    pub total_amount: Money,
    /// Seconds from creation to verification, one per verified order (for the median).
    pub seconds_to_verify: Vec<i64>,
}

/// Orders, for reading; writes go through [`UnitOfWork`].
#[cfg_attr(test, automock)]
pub trait OrderRepository: Send + Sync {
    /// One order.
    fn get(&self, id: OrderId) -> StoreResult<Option<Order>>;
    /// One order by its tracking id.
    fn get_by_tracking(&self, tracking: &TrackingId) -> StoreResult<Option<Order>>;
    /// A filtered, scoped page of orders, newest first.
    fn list(&self, query: &OrderQuery) -> StoreResult<Listing<Order>>;
    /// Aggregates per territory within `scope`.
    fn figures(
        &self,
        scope: &TerritoryScope,
    ) -> StoreResult<BTreeMap<TerritoryId, TerritoryOrderFigures>>;
    /// Units held by orders in holding statuses, per product (to check `reserved_quantity`).
    fn held_by_orders(&self) -> StoreResult<BTreeMap<ProductId, i64>>;
}

/// The catalogue, for reading.
#[cfg_attr(test, automock)]
pub trait ProductRepository: Send + Sync {
    /// One product.
    fn get(&self, id: ProductId) -> StoreResult<Option<Product>>;
    /// The named products that exist, in any order.
    fn get_many(&self, ids: &[ProductId]) -> StoreResult<Vec<Product>>;
    /// A product by SKU or, failing that, exact name (case-insensitive): seed 004's `item`.
    fn find_by_sku_or_name(&self, text: &str) -> StoreResult<Option<Product>>;
    /// A page of products by id.
    fn list(&self, page: Page) -> StoreResult<Listing<Product>>;
    /// Every product (for the stock check).
    fn all(&self) -> StoreResult<Vec<Product>>;
}

/// A patient with their territory and notification preferences: what placing an order for
/// them, or telling them of a change to one, reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientContext {
    /// The patient.
    pub patient: Patient,
    /// The patient's territory (`None` only if it has gone from the store).
    pub territory: Option<Territory>,
    /// The patient's stored preferences (`None`: the defaults apply).
    pub preferences: Option<Preferences>,
}

/// What placing an order reads before it writes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementContext {
    /// The patient with their territory and preferences (`None`: no such patient).
    pub patient: Option<PatientContext>,
    /// Those of the named products that exist, in any order (none when the patient is missing).
    pub products: Vec<Product>,
}

/// A placement's reads in one: on PostgreSQL each read is a round trip, and a placement's
/// patient and products do not depend on each other.
#[cfg_attr(test, automock)]
pub trait PlacementReads: Send + Sync {
    /// The patient's context and the named products, in one read.
    fn placement_context(
        &self,
        patient: PatientId,
        products: &[ProductId],
    ) -> StoreResult<PlacementContext>;
}

/// Patients, for reading.
#[cfg_attr(test, automock)]
pub trait PatientRepository: Send + Sync {
    /// One patient.
    fn get(&self, id: PatientId) -> StoreResult<Option<Patient>>;
    /// One patient with their territory and preferences, in one read: a placement and a status
    /// change read all three, and on PostgreSQL each read is a round trip.
    fn with_context(&self, id: PatientId) -> StoreResult<Option<PatientContext>>;
    /// One patient by code.
    fn get_by_code(&self, code: &PatientCode) -> StoreResult<Option<Patient>>;
    /// A page of patients within `scope`, by code.
    fn list(&self, scope: &TerritoryScope, page: Page) -> StoreResult<Listing<Patient>>;
}

/// Users, for reading.
#[cfg_attr(test, automock)]
pub trait UserRepository: Send + Sync {
    /// One user.
    fn get(&self, id: UserId) -> StoreResult<Option<User>>;
    /// A user and their password hash, by log-in.
    fn credentials(&self, email: &Email) -> StoreResult<Option<(User, PasswordHash)>>;
    /// A page of users, by e-mail.
    fn list(&self, page: Page) -> StoreResult<Listing<User>>;
    /// Active users of `role` holding `territory`.
    fn in_territory(&self, territory: &TerritoryId, role: Role) -> StoreResult<Vec<UserId>>;
    /// Whether any user exists (first-run set-up).
    fn any(&self) -> StoreResult<bool>;
}

/// Territories, for reading.
#[cfg_attr(test, automock)]
pub trait TerritoryRepository: Send + Sync {
    /// One territory.
    fn get(&self, id: &TerritoryId) -> StoreResult<Option<Territory>>;
    /// All territories, by id.
    fn list(&self) -> StoreResult<Vec<Territory>>;
}

/// Filters of the audit listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this kind of entity.
    pub entity_type: Option<EntityType>,
    /// Only this entity.
    pub entity_id: Option<String>,
    /// Only this actor.
    pub actor: Option<UserId>,
    /// Only this territory.
    pub territory_id: Option<TerritoryId>,
}

/// The audit log, for reading; entries are appended only through [`UnitOfWork`].
#[cfg_attr(test, automock)]
pub trait AuditLog: Send + Sync {
    /// One entity's entries, oldest first.
    fn history(&self, entity_type: EntityType, entity_id: &str) -> StoreResult<Vec<AuditEntry>>;
    /// A filtered page, newest first.
    fn list(&self, filter: &AuditFilter, page: Page) -> StoreResult<Listing<AuditEntry>>;
    /// Walks the whole chain in order through [`crate::audit::ChainVerifier`]: the count of
    /// entries, or the first broken link.
    fn verify(&self) -> StoreResult<Result<usize, ChainBreak>>;
}

/// The event log, for the WebSocket tails and replay.
#[cfg_attr(test, automock)]
pub trait EventLog: Send + Sync {
    /// Up to `limit` events with `seq > after`, in order.
    fn after(&self, after: i64, limit: u32) -> StoreResult<Vec<Event>>;
    /// The highest sequence number written (0 when empty).
    fn head(&self) -> StoreResult<i64>;
    /// The highest sequence number no longer kept (0 when none was purged): every event after
    /// it, up to the head, is kept. Sequence numbers have no holes, so this is the lowest kept
    /// one less one (the head when the log is empty).
    fn purged_through(&self) -> StoreResult<i64>;
    /// Forgets up to `limit` of the oldest events, up to the newest one written before
    /// `cutoff` and never the head's, so what is kept stays one unbroken run up to the head and
    /// a log once written never empties; returns how many went. (An event's time is taken
    /// before its number, so a few of those forgotten may be younger than `cutoff` by the time
    /// a writer waited for the chain head.)
    fn purge_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<u64>;
}

/// Notifications: the recipient's inbox, preferences, and the outbox the dispatcher drains.
#[cfg_attr(test, automock)]
pub trait NotificationStore: Send + Sync {
    /// One notification.
    fn get(&self, id: NotificationId) -> StoreResult<Option<Notification>>;
    /// A page of the recipients' in-app notifications, newest first.
    fn inbox(
        &self,
        recipients: &[Recipient],
        status: Option<NotificationStatus>,
        page: Page,
    ) -> StoreResult<Listing<Notification>>;
    /// A page of outbox rows (SMS and e-mail) in `status`, newest first.
    fn outbox(&self, status: NotificationStatus, page: Page) -> StoreResult<Listing<Notification>>;
    /// Moves a notification from one status to another; false if it was not in `from`.
    fn transition(
        &self,
        id: NotificationId,
        from: &[NotificationStatus],
        to: NotificationStatus,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// The recipient's preferences, if they set any.
    fn preferences(&self, recipient: Recipient) -> StoreResult<Option<Preferences>>;
    /// Stores the recipient's preferences.
    fn save_preferences(&self, recipient: Recipient, prefs: &Preferences) -> StoreResult<()>;
    /// Takes up to `limit` due outbox rows for this dispatcher until `lease_until`: a row taken
    /// by one dispatcher is not handed to another before its lease ends.
    fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Notification>>;
    /// Marks a claimed row sent.
    fn mark_sent(&self, id: NotificationId, at: Timestamp) -> StoreResult<()>;
    /// Records a failed attempt: retry at `retry_at`, or, with `None`, failed for good.
    fn mark_attempt_failed(
        &self,
        id: NotificationId,
        attempts: u32,
        retry_at: Option<Timestamp>,
        error: &str,
    ) -> StoreResult<()>;
}

/// A stored answer to a create request with an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The client's key.
    pub key: String,
    /// Whose key (keys are per user).
    pub user_id: UserId,
    /// SHA-256 of the request body, hex: the same key with another body is a conflict.
    pub fingerprint: String,
    /// The order the first request created.
    pub order_id: OrderId,
    /// Kept until.
    pub expires_at: Timestamp,
}

/// Idempotency keys, for reading; written with the order they belong to.
#[cfg_attr(test, automock)]
pub trait IdempotencyStore: Send + Sync {
    /// The unexpired record of `user`'s `key`.
    fn find(
        &self,
        user: UserId,
        key: &str,
        now: Timestamp,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Deletes records expired at `now`; returns how many.
    fn purge_expired(&self, now: Timestamp) -> StoreResult<u64>;
}

/// Revoked tokens, shared by every instance on the database.
#[cfg_attr(test, automock)]
pub trait RevokedTokens: Send + Sync {
    /// Revokes token `jti` until it would have expired anyway.
    fn revoke(&self, jti: &str, until: Timestamp) -> StoreResult<()>;
    /// Tokens revoked at or after `since` that are still unexpired at `now` (for caches).
    fn revoked_since(
        &self,
        since: Timestamp,
        now: Timestamp,
    ) -> StoreResult<Vec<(String, Timestamp)>>;
    /// Whether `jti` is revoked.
    fn is_revoked(&self, jti: &str) -> StoreResult<bool>;
    /// Whether `jti` is revoked, if that is known without waiting on I/O (a cache that is
    /// fresh); `None` when only [`RevokedTokens::is_revoked`] can tell. Lets an async adapter
    /// answer on its executor instead of a blocking thread.
    fn is_revoked_if_known(&self, _jti: &str) -> Option<bool> {
        None
    }
    /// Forgets revocations of tokens expired at `now` (they are refused anyway); returns how many.
    fn purge_expired(&self, now: Timestamp) -> StoreResult<u64>;
}

/// A row a change writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// A new order with its lines.
    InsertOrder(Box<Order>),
    /// An order's new state, only if its version is still `expected_version`.
    UpdateOrder {
        /// The order after the change (its version already bumped).
        order: Box<Order>,
        /// The version the change was computed from.
        expected_version: i64,
    },
    /// A new product. The store assigns its id and writes it into this change's
    /// `ProductCreated` audit draft (`entity_id`) before sealing it.
    InsertProduct(NewProduct, Timestamp),
    /// A product's new details (not its stock).
    UpdateProduct(Box<Product>),
    /// Units on hand change by `delta`, only if they stay at or above the reserved units.
    AdjustStock {
        /// The product.
        product_id: ProductId,
        /// Units added or removed.
        delta: i64,
    },
    /// A new patient.
    InsertPatient(Box<Patient>),
    /// A new user.
    InsertUser(Box<User>, PasswordHash),
    /// A user's new state, and a new password hash if it changed.
    UpdateUser(Box<User>, Option<PasswordHash>),
    /// A new territory.
    InsertTerritory(Territory),
}

/// Everything one use case writes, applied atomically by [`UnitOfWork::commit`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    /// Conditional stock operations, all or none.
    pub stock: Vec<StockOp>,
    /// Rows.
    pub writes: Vec<Write>,
    /// Audit entries, sealed onto the chain in order.
    pub audit: Vec<AuditDraft>,
    /// Notifications (in-app ones already sent, the rest pending in the outbox).
    pub notifications: Vec<Notification>,
    /// Events for subscribers.
    pub events: Vec<NewEvent>,
    /// The idempotency record of a create.
    pub idempotency: Option<IdempotencyRecord>,
}

/// What a commit reports back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Committed {
    /// The id of a product the change inserted.
    pub product_id: Option<ProductId>,
    /// The sequence number of the last event written.
    pub last_event: Option<i64>,
}

/// Why a commit wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommitError {
    /// Stock operations that could not be applied; every one is listed.
    #[error("insufficient stock")]
    Shortage(Vec<Shortfall>),
    /// An adjustment would take stock below what is reserved.
    #[error("stock of product {0} would go below its reserved units")]
    BelowReserved(ProductId),
    /// An `UpdateOrder` found another version than expected: someone else changed it first.
    #[error("stale version")]
    StaleVersion,
    /// The store failed; includes duplicates of unique keys.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The atomic write boundary: a change is applied whole or not at all.
#[cfg_attr(test, automock)]
pub trait UnitOfWork: Send + Sync {
    /// Applies `change` in one transaction.
    fn commit(&self, change: Change) -> Result<Committed, CommitError>;
}

/// The time.
#[cfg_attr(test, automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> Timestamp;
}

/// Fresh identifiers and randomness.
#[cfg_attr(test, automock)]
pub trait IdGenerator: Send + Sync {
    /// A new random (v4) or time-ordered (v7) UUID.
    fn uuid(&self) -> Uuid;
    /// Random bits (tracking ids, retry jitter).
    fn random(&self) -> u64;
}

/// Password hashing (argon2id in the real adapter; slow on purpose).
#[cfg_attr(test, automock)]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password.
    fn hash(&self, password: &Password) -> Result<PasswordHash, String>;
    /// Whether `password` matches `hash`.
    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool;
    /// Spends the time of one verification without a hash, so an unknown log-in takes as long
    /// as a wrong password.
    fn waste_time(&self, password: &Password);
}

/// Where a notification goes: the recipient's contact points, read when it is sent (so a changed
/// number is used, and the outbox itself holds no PHI).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Destination {
    /// Phone, for SMS.
    pub phone: Option<crate::contact::PhoneNumber>,
    /// E-mail address.
    pub email: Option<Email>,
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SendError {
    /// The channel refused this message for good (a rejected number, no address): no retry.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The channel could not be reached or failed for now: retried with back-off.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// Delivers a notification's text on one channel (SMS gateway, SMTP, or a log in development).
#[cfg_attr(test, automock)]
pub trait Sender: Send + Sync {
    /// Sends `message` (already free of PHI) to `to` on `channel`.
    fn send(
        &self,
        channel: crate::notification::Channel,
        to: &Destination,
        message: &str,
    ) -> Result<(), SendError>;
}

/// The claims of an access token, as the domain needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The user.
    pub user_id: UserId,
    /// The role at issue time (the user record is authoritative).
    pub role: Role,
    /// Unique token id, for revocation.
    pub jti: String,
    /// Issued at.
    pub issued_at: Timestamp,
    /// Expires at.
    pub expires_at: Timestamp,
}

/// Why a token was refused; every variant answers `UNAUTHENTICATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Not a token at all.
    #[error("malformed token")]
    Malformed,
    /// Bad signature, wrong algorithm, issuer or audience.
    #[error("invalid token")]
    Invalid,
    /// Past its expiry, or not yet valid.
    #[error("expired or not yet valid token")]
    Expired,
}

/// Issuing and checking access tokens.
#[cfg_attr(test, automock)]
pub trait TokenCodec: Send + Sync {
    /// Signs a token for `claims`.
    fn issue(&self, claims: &Claims) -> Result<String, String>;
    /// Checks a token fully (signature, algorithm, expiry, not-before, issuer, audience).
    fn decode(&self, token: &str) -> Result<Claims, TokenError>;
}
