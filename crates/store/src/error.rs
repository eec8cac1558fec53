//! Database failures in the domain's terms: a taken unique key is a duplicate naming the key; a
//! lost connection or an exhausted pool is "unavailable" (the API answers 503); anything else
//! is an error for the logs.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ordo_domain::ports::StoreError;

/// The unique keys of the schema and the name a duplicate reports, matched against the
/// constraint name (PostgreSQL) or the message (SQLite: `UNIQUE constraint failed: users.email`).
const UNIQUE_KEYS: &[(&[&str], &str)] = &[
    (&["uq_users_email", "users.email"], "email"),
    (&["uq_patients_code", "patients.code"], "code"),
    (&["uq_products_sku", "products.sku"], "sku"),
    (
        &["uq_orders_tracking_id", "orders.tracking_id"],
        "tracking_id",
    ),
    (&["idempotency_keys"], "idempotency_key"),
    (&["territories_pkey", "territories.id"], "territory_id"),
    (&["patients_pkey", "patients.id"], "patient_id"),
    (&["users_pkey", "users.id"], "user_id"),
];

fn duplicate_of(constraint: Option<&str>, message: &str) -> String {
    UNIQUE_KEYS
        .iter()
        .find(|(needles, _)| {
            needles
                .iter()
                .any(|n| constraint.is_some_and(|c| c.contains(n)) || message.contains(n))
        })
        .map_or_else(|| "key".to_owned(), |(_, what)| (*what).to_owned())
}

/// Maps a Diesel error.
pub fn from_diesel(e: DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            StoreError::Duplicate(duplicate_of(info.constraint_name(), info.message()))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | DieselError::BrokenTransactionManager => StoreError::Unavailable(e.to_string()),
        DieselError::DatabaseError(_, ref info) if is_unavailable_message(info.message()) => {
            StoreError::Unavailable(e.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// Messages that mean the database went away or is locked beyond the busy timeout.
fn is_unavailable_message(msg: &str) -> bool {
    const SIGNS: &[&str] = &[
        "database is locked",
        "unable to open database",
        "disk I/O error",
        "terminating connection",
        "server closed the connection",
        "connection refused",
        "the database system is",
        "no connection to the server",
        "could not connect",
        "lock timeout",
        "statement timeout",
    ];
    SIGNS.iter().any(|s| msg.contains(s))
}

/// The error of a write transaction: a database error, a store-level failure (no connection), or
/// a domain condition that must roll the transaction back (a shortage, a stale version).
#[derive(Debug)]
pub(crate) enum TxError {
    Diesel(DieselError),
    Store(StoreError),
    Commit(ordo_domain::ports::CommitError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Diesel(e)
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

impl TxError {
    /// As the commit port reports it.
    pub(crate) fn into_commit(self) -> ordo_domain::ports::CommitError {
        match self {
            TxError::Diesel(e) => from_diesel(e).into(),
            TxError::Store(e) => e.into(),
            TxError::Commit(c) => c,
        }
    }

    /// As any other port reports it.
    pub(crate) fn into_store(self) -> StoreError {
        match self {
            TxError::Diesel(e) => from_diesel(e),
            TxError::Store(e) => e,
            TxError::Commit(c) => StoreError::Other(c.to_string()),
        }
    }
}

/// Maps a failure to get a pooled connection: always "unavailable".
pub fn from_pool(e: diesel::r2d2::PoolError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

#[cfg(test)]
mod tests;
