//! What can go wrong in a use case, in the domain's words. Only `ordo-http` knows which HTTP
//! status and error code each variant becomes.

use crate::ids::TerritoryId;
use crate::order::status::OrderStatus;
use crate::stock::Shortage;
use crate::validation::FieldErrors;
use thiserror::Error as ThisError;

/// The error of every use case.
#[derive(Debug, Clone, PartialEq, ThisError)]
pub enum Error {
    /// The request is malformed; every bad field is named.
    #[error("invalid request: {0}")]
    Validation(FieldErrors),
    /// Not enough available stock; every short line is named.
    #[error("insufficient stock for {} line(s)", .0.len())]
    InsufficientStock(Vec<Shortage>),
    /// No valid identity: bad credentials, or a token that is missing, expired or revoked.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller's role does not allow the action.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// The territory named (or the resource's) is not one of the caller's.
    #[error("territory is not one of the caller's")]
    TerritoryMismatch(Option<TerritoryId>),
    /// The order does not exist, or the caller (a customer) may not know it exists.
    #[error("order not found")]
    OrderNotFound,
    /// Another resource does not exist or is not visible to the caller.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The workflow has no transition from the current status to the requested one.
    #[error("cannot change status from {from} to {to}")]
    InvalidStatus {
        /// The status the order is in.
        from: OrderStatus,
        /// The status asked for.
        to: OrderStatus,
        /// The statuses that may follow `from`.
        allowed: Vec<OrderStatus>,
    },
    /// A unique key is taken, an idempotency key was reused with another body, or the resource
    /// changed since the version the caller named.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store cannot be reached; nothing was changed.
    #[error("service unavailable")]
    Unavailable,
    /// A bug or an unexpected state; the text is for logs, never for clients.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A validation error about one field.
    pub fn field(path: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Validation(FieldErrors::single(path, problem))
    }
}

impl From<FieldErrors> for Error {
    fn from(e: FieldErrors) -> Self {
        Error::Validation(e)
    }
}
