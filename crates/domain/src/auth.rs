//! Who is asking, and what they may touch.
//!
//! Every use case receives an [`Actor`] and asks it before acting; the HTTP adapter only builds
//! the actor from a verified token and never decides access itself.

use crate::error::Error;
use crate::ids::{PatientId, TerritoryId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use thiserror::Error as ThisError;

/// What a user may do in general.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, in every territory.
    Admin,
    /// Orders, patients and notifications of their own territories.
    Staff,
    /// A patient's own log-in: only that patient's orders and notifications.
    Customer,
}

/// A role name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
#[error("must be one of admin, staff, customer")]
pub struct UnknownRole;

impl Role {
    /// The role's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Customer => "customer",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Result<Self, UnknownRole> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "customer" => Ok(Role::Customer),
            _ => Err(UnknownRole),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authenticated caller of a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    user_id: UserId,
    role: Role,
    territories: BTreeSet<TerritoryId>,
    patient_id: Option<PatientId>,
}

/// Which territories a caller's reads are limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerritoryScope {
    /// Every territory (admins).
    All,
    /// Only these.
    Only(BTreeSet<TerritoryId>),
}

impl TerritoryScope {
    /// Whether `t` is inside the scope.
    pub fn contains(&self, t: &TerritoryId) -> bool {
        match self {
            TerritoryScope::All => true,
            TerritoryScope::Only(set) => set.contains(t),
        }
    }
}

impl Actor {
    /// An actor as a verified token and the user record describe it.
    pub fn new(
        user_id: UserId,
        role: Role,
        territories: impl IntoIterator<Item = TerritoryId>,
        patient_id: Option<PatientId>,
    ) -> Self {
        Self {
            user_id,
            role,
            territories: territories.into_iter().collect(),
            patient_id,
        }
    }

    /// The user behind the request.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The territories the caller was given (admins hold all of them regardless).
    pub fn territories(&self) -> &BTreeSet<TerritoryId> {
        &self.territories
    }

    /// The patient a customer log-in belongs to.
    pub fn patient_id(&self) -> Option<PatientId> {
        self.patient_id
    }

    /// Whether the caller may act in territory `t`.
    pub fn holds(&self, t: &TerritoryId) -> bool {
        self.role == Role::Admin || self.territories.contains(t)
    }

    /// The territories the caller's reads are limited to.
    pub fn scope(&self) -> TerritoryScope {
        match self.role {
            Role::Admin => TerritoryScope::All,
            _ => TerritoryScope::Only(self.territories.clone()),
        }
    }

    /// Admins only.
    pub fn require_admin(&self) -> Result<(), Error> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(Error::PermissionDenied("only an admin may do this".into())),
        }
    }

    /// Staff and admins only.
    pub fn require_staff(&self) -> Result<(), Error> {
        match self.role {
            Role::Admin | Role::Staff => Ok(()),
            Role::Customer => Err(Error::PermissionDenied("only staff may do this".into())),
        }
    }

    /// The caller must hold territory `t`.
    pub fn require_territory(&self, t: &TerritoryId) -> Result<(), Error> {
        if self.holds(t) {
            Ok(())
        } else {
            Err(Error::TerritoryMismatch(Some(t.clone())))
        }
    }

    /// Checks the optional `Territory-Id` header: when given it must be one of the caller's.
    pub fn check_header(&self, header: Option<&TerritoryId>) -> Result<(), Error> {
        header.map_or(Ok(()), |t| self.require_territory(t))
    }

    /// The narrowest read scope from the caller's territories and an optional header.
    pub fn scope_with_header(&self, header: Option<&TerritoryId>) -> Result<TerritoryScope, Error> {
        self.check_header(header)?;
        Ok(match header {
            Some(t) => TerritoryScope::Only(BTreeSet::from([t.clone()])),
            None => self.scope(),
        })
    }
}

#[cfg(test)]
mod tests;
