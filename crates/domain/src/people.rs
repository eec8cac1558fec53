//! Patients, users and territories.

use crate::auth::Role;
use crate::contact::{Email, PhoneNumber};
use crate::ids::{PatientCode, PatientId, TerritoryId, UserId};
use crate::order::values::ShortText;
use crate::phi::Phi;
use crate::time::Timestamp;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A territory: `{territory_id, name, active}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Territory {
    /// Short code.
    #[serde(rename = "territory_id")]
    pub id: TerritoryId,
    /// Name for people.
    pub name: String,
    /// Inactive territories take no new orders.
    pub active: bool,
}

/// A territory to add, as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawTerritory {
    /// Short code.
    pub territory_id: Option<String>,
    /// Name.
    pub name: Option<String>,
}

impl Territory {
    /// Parses a new territory, reporting every bad field.
    pub fn parse(raw: RawTerritory) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let id = e.require(
            "territory_id",
            raw.territory_id.as_deref().map(TerritoryId::parse),
        );
        let name = e.require("name", raw.name.as_deref().map(ShortText::parse));
        match (id, name) {
            (Some(id), Some(name)) => Ok(Self {
                id,
                name: name.as_str().to_owned(),
                active: true,
            }),
            _ => Err(e),
        }
    }
}

/// A patient (the seeds' "customer"). Name, contact number, email and insurance number are PHI:
/// they are wrapped so that no `{:?}` can print them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Patient {
    /// Its id.
    #[serde(rename = "patient_id")]
    pub id: PatientId,
    /// Unique human code, e.g. `CUST007`.
    pub code: PatientCode,
    /// Full name (PHI).
    pub name: Phi<String>,
    /// Phone in E.164 (PHI).
    pub contact_number: Phi<PhoneNumber>,
    /// E-mail (PHI).
    pub email: Option<Phi<Email>>,
    /// Insurance number (PHI).
    pub insurance_number: Option<Phi<String>>,
    /// Where the patient is served.
    pub territory_id: TerritoryId,
    /// When registered.
    pub created_at: Timestamp,
}

/// A patient to register, as it arrives (the seed's customer body plus `territory_id`).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawPatient {
    /// Unique code.
    pub code: Option<String>,
    /// Full name.
    pub name: Option<String>,
    /// Phone, E.164.
    pub contact_number: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Insurance number.
    pub insurance_number: Option<String>,
    /// Territory; else the header's, else the caller's only one.
    pub territory_id: Option<String>,
}

/// A patient to register, parsed; the territory is resolved by the use case.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPatient {
    /// Unique code.
    pub code: PatientCode,
    /// Full name.
    pub name: Phi<String>,
    /// Phone.
    pub contact_number: Phi<PhoneNumber>,
    /// E-mail.
    pub email: Option<Phi<Email>>,
    /// Insurance number.
    pub insurance_number: Option<Phi<String>>,
    /// Territory named in the body.
    pub territory_id: Option<TerritoryId>,
}

impl NewPatient {
    /// Parses a registration, reporting every bad field.
    pub fn parse(raw: RawPatient) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let code = e.require("code", raw.code.as_deref().map(PatientCode::parse));
        let name = e.require("name", raw.name.as_deref().map(ShortText::parse));
        let phone = e.require(
            "contact_number",
            raw.contact_number.as_deref().map(PhoneNumber::parse),
        );
        let email = e.check_opt(
            "email",
            raw.email
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(Email::parse),
        );
        let insurance = e.check_opt(
            "insurance_number",
            raw.insurance_number
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(ShortText::parse),
        );
        let territory = e.check_opt(
            "territory_id",
            raw.territory_id.as_deref().map(TerritoryId::parse),
        );
        match (code, name, phone, email, insurance, territory) {
            (
                Some(code),
                Some(name),
                Some(phone),
                Some(email),
                Some(insurance),
                Some(territory_id),
            ) => Ok(Self {
                code,
                name: Phi::new(name.as_str().to_owned()),
                contact_number: Phi::new(phone),
                email: email.map(Phi::new),
                insurance_number: insurance.map(|i| Phi::new(i.as_str().to_owned())),
                territory_id,
            }),
            _ => Err(e),
        }
    }
}

/// A password in clear, only ever on its way to the hasher. 8–128 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Shortest accepted password.
    pub const MIN: usize = 8;
    /// Longest accepted password (argon2 would take more, but a bound keeps hashing cheap).
    pub const MAX: usize = 128;

    /// Accepts a new password of a sensible length.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let n = s.chars().count();
        if n < Self::MIN {
            Err("must be at least 8 characters")
        } else if n > Self::MAX {
            Err("must be at most 128 characters")
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    /// A password offered at log-in: never rejected for its form, so a login cannot tell which
    /// rule a stored password broke; bounded so argon2 is not fed megabytes.
    pub fn offered(s: &str) -> Option<Self> {
        (s.len() <= 4 * Self::MAX).then(|| Self(s.to_owned()))
    }

    /// The clear text, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A password hash in PHC string form, as the hasher made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string from the hasher or the store.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }
    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// A user who can log in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct User {
    /// Its id.
    #[serde(rename = "user_id")]
    pub id: UserId,
    /// Log-in, unique regardless of case.
    pub email: Email,
    /// What they may do.
    pub role: Role,
    /// Where they may do it (admins: everywhere regardless).
    pub territories: Vec<TerritoryId>,
    /// A customer's patient.
    pub patient_id: Option<PatientId>,
    /// Phone for SMS notifications.
    pub phone: Option<PhoneNumber>,
    /// Inactive users cannot log in and their tokens stop working.
    pub active: bool,
    /// When created.
    pub created_at: Timestamp,
}

/// A user to create, as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    /// Log-in.
    pub email: Option<String>,
    /// Password in clear.
    pub password: Option<String>,
    /// `admin`, `staff` or `customer`.
    pub role: Option<String>,
    /// Territories.
    pub territories: Option<Vec<String>>,
    /// A customer's patient.
    pub patient_id: Option<String>,
    /// Phone for SMS.
    pub phone: Option<String>,
}

/// A user to create, parsed: a customer names a patient, staff name at least one territory.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// Log-in.
    pub email: Email,
    /// Password, to be hashed.
    pub password: Password,
    /// Role.
    pub role: Role,
    /// Territories.
    pub territories: Vec<TerritoryId>,
    /// A customer's patient.
    pub patient_id: Option<PatientId>,
    /// Phone.
    pub phone: Option<PhoneNumber>,
}

fn parse_territories(e: &mut FieldErrors, raw: Option<Vec<String>>) -> Option<Vec<TerritoryId>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, t) in raw.unwrap_or_default().iter().enumerate() {
        match e.check(format!("territories[{i}]"), TerritoryId::parse(t)) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => ok = false,
        }
    }
    ok.then_some(out)
}

impl NewUser {
    /// Parses a new user, reporting every bad field.
    pub fn parse(raw: RawUser) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let email = e.require("email", raw.email.as_deref().map(Email::parse));
        let password = e.require("password", raw.password.as_deref().map(Password::parse));
        let role = e.require("role", raw.role.as_deref().map(Role::parse));
        let territories = parse_territories(&mut e, raw.territories);
        let patient_id = e.check_opt(
            "patient_id",
            raw.patient_id.as_deref().map(str::parse::<PatientId>),
        );
        let phone = e.check_opt("phone", raw.phone.as_deref().map(PhoneNumber::parse));
        if role == Some(Role::Customer) && patient_id == Some(None) {
            e.add("patient_id", "is required for a customer");
        }
        if role == Some(Role::Staff) && territories.as_ref().is_some_and(Vec::is_empty) {
            e.add("territories", "staff need at least one territory");
        }
        if role.is_some_and(|r| r != Role::Customer) && patient_id.is_some_and(|p| p.is_some()) {
            e.add("patient_id", "only a customer has a patient");
        }
        match (email, password, role, territories, patient_id, phone) {
            (
                Some(email),
                Some(password),
                Some(role),
                Some(territories),
                Some(patient_id),
                Some(phone),
            ) if e.is_empty() => Ok(Self {
                email,
                password,
                role,
                territories,
                patient_id,
                phone,
            }),
            _ => Err(e),
        }
    }
}

/// Changes to a user, as they arrive.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawUserPatch {
    /// New role.
    pub role: Option<String>,
    /// New territories (replacing the old).
    pub territories: Option<Vec<String>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// New password.
    pub password: Option<String>,
    /// New phone.
    pub phone: Option<String>,
}

/// Changes to a user, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPatch {
    /// New role.
    pub role: Option<Role>,
    /// New territories.
    pub territories: Option<Vec<TerritoryId>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// New password.
    pub password: Option<Password>,
    /// New phone.
    pub phone: Option<PhoneNumber>,
}

impl UserPatch {
    /// Parses a patch, reporting every bad field.
    pub fn parse(raw: RawUserPatch) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let role = e.check_opt("role", raw.role.as_deref().map(Role::parse));
        let territories = match raw.territories {
            None => Some(None),
            Some(ts) => parse_territories(&mut e, Some(ts)).map(Some),
        };
        let password = e.check_opt("password", raw.password.as_deref().map(Password::parse));
        let phone = e.check_opt("phone", raw.phone.as_deref().map(PhoneNumber::parse));
        match (role, territories, password, phone) {
            (Some(role), Some(territories), Some(password), Some(phone)) if e.is_empty() => {
                Ok(Self {
                    role,
                    territories,
                    active: raw.active,
                    password,
                    phone,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
