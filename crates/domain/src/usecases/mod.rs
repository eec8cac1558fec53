//! The use cases: every operation of ordo, enforcing roles and territory scoping over the ports,
//! so that no adapter re-implements a rule.
//!
//! [`Ordo`] holds the ports; its methods are grouped by resource in the submodules. All are
//! synchronous: the HTTP adapter runs them on its blocking pool.

mod access;
mod audit;
mod auth;
mod catalogue;
mod dispatch;
mod notifications;
mod order_reads;
mod orders;
mod patients;
mod people;
mod realtime;
mod stats;

pub use auth::{LoginOutcome, Session};
pub use catalogue::{StockHealth, StockIssue, StockMismatch, stock_health};
pub use dispatch::{DispatchReport, EVENT_PURGE_BATCH, EVENT_PURGE_BATCHES, Lease};
pub use notifications::{RawSendMessage, SendMessage};
pub use orders::{IdempotencyKey, PlaceOrder, PlaceOutcome, StatusChange, StatusChanged};
pub use realtime::{Audience, ReplayPage, Stream, Subscription};
pub use stats::{OrderStatistics, OrderStats, TerritoryStats};

use crate::error::Error;
use crate::ports::{
    AuditLog, Clock, CommitError, EventLog, IdGenerator, IdempotencyStore, NotificationStore,
    OrderRepository, PasswordHasher, PatientRepository, PlacementReads, ProductRepository,
    RevokedTokens, StoreError, TerritoryRepository, TokenCodec, UnitOfWork, UserRepository,
};
use std::sync::Arc;

/// Every port the use cases need. Cheap to clone.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Ports {
    /// Orders.
    pub orders: Arc<dyn OrderRepository>,
    /// Catalogue.
    pub products: Arc<dyn ProductRepository>,
    /// Patients.
    pub patients: Arc<dyn PatientRepository>,
    /// A placement's reads, in one.
    pub placement: Arc<dyn PlacementReads>,
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Territories.
    pub territories: Arc<dyn TerritoryRepository>,
    /// Audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Event log.
    pub events: Arc<dyn EventLog>,
    /// Notifications and outbox.
    pub notifications: Arc<dyn NotificationStore>,
    /// Idempotency keys.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Revoked tokens.
    pub revoked: Arc<dyn RevokedTokens>,
    /// Atomic writes.
    pub uow: Arc<dyn UnitOfWork>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Ids and randomness.
    pub ids: Arc<dyn IdGenerator>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Access tokens.
    pub tokens: Arc<dyn TokenCodec>,
}

/// Settings of the use cases that an operator may tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Access-token lifetime in seconds (`ORDO_TOKEN_TTL_SECS`).
    pub token_ttl_secs: i64,
    /// How long idempotency keys are kept, in seconds (24 h).
    pub idempotency_ttl_secs: i64,
    /// How many times a status change is retried when it loses a race it could still win.
    pub max_transition_retries: u32,
    /// Whether e-mail can be sent at all (`ORDO_SMTP_URL` set): when it cannot, no e-mail is
    /// put in the outbox, rather than rows that could only fail.
    pub email_enabled: bool,
    /// How long events are kept for `since` replays (`ORDO_EVENT_RETENTION_HOURS`).
    pub event_retention: crate::event::EventRetention,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_ttl_secs: 3600,
            idempotency_ttl_secs: 24 * 3600,
            max_transition_retries: 3,
            email_enabled: true,
            event_retention: crate::event::EventRetention::DEFAULT,
        }
    }
}

/// The application: the use cases over a set of ports.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Ordo {
    ports: Ports,
    settings: Settings,
}

impl Ordo {
    /// The use cases over `ports`.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self { ports, settings }
    }

    /// The ports, for adapters that need one directly (the dispatcher, the WebSocket tail).
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    fn new_uuid(&self) -> uuid::Uuid {
        self.ports.ids.uuid()
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Error::Unavailable,
            StoreError::Duplicate(what) => Error::Conflict(format!("{what} is already taken")),
            StoreError::Other(msg) => Error::Internal(msg),
        }
    }
}

impl From<CommitError> for Error {
    fn from(e: CommitError) -> Self {
        match e {
            CommitError::Store(s) => s.into(),
            CommitError::StaleVersion => {
                Error::Conflict("the resource changed; reload and retry".into())
            }
            CommitError::BelowReserved(p) => Error::field(
                "delta",
                format!("stock of product {p} cannot go below its reserved units"),
            ),
            CommitError::Shortage(_) => Error::Internal("unexpected stock shortage".into()),
        }
    }
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
