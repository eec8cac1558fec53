//! The value types of an order: priority, bounded text, insurance, shipping address and
//! verification details.
//!
//! Each composite value has a `Raw…` twin holding the JSON as it arrives (every field an
//! optional string, unknown fields refused) and a `parse(raw, path, errors)` that records every
//! bad field under its JSON path (`shipping_address.city`) in a [`FieldErrors`], so that one
//! response names all of a request's problems. Deserialising a value (for instance from a
//! store's JSON column) goes through the same parser.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// How urgent an order is; urgent and emergency orders alert the territory's staff at once.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// The default.
    #[default]
    Normal,
    /// Sooner than normal.
    Urgent,
    /// At once.
    Emergency,
}

/// A priority name that is not one of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be one of normal, urgent, emergency")]
pub struct UnknownPriority;

impl Priority {
    /// Every priority, least pressing first (for filters, statistics and docs).
    pub const ALL: [Priority; 3] = [Priority::Normal, Priority::Urgent, Priority::Emergency];

    /// Parses a priority name in any case, ignoring surrounding spaces (`"URGENT"`).
    pub fn parse(s: &str) -> Result<Self, UnknownPriority> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or(UnknownPriority)
    }

    /// The name used in JSON and in the database: `normal`, `urgent` or `emergency`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Urgent => "urgent",
            Priority::Emergency => "emergency",
        }
    }

    /// Urgent or emergency: the territory's staff are told at once.
    pub const fn is_pressing(self) -> bool {
        matches!(self, Priority::Urgent | Priority::Emergency)
    }
}

impl FromStr for Priority {
    type Err = UnknownPriority;
    fn from_str(s: &str) -> Result<Self, UnknownPriority> {
        Self::parse(s)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text was refused; the messages suit an API field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TextError {
    /// Empty, or only white space.
    #[error("must not be empty")]
    Empty,
    /// Longer than the field allows (the limit, in characters).
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// Holds a control character (one-line text allows none; long text allows `\n` and `\t`).
    #[error("must not contain control characters")]
    Control,
}

/// Trims `s` and checks it: not empty unless `allow_empty`, at most `max` characters, and no
/// control characters except `\n` and `\t` when `multiline`.
fn parse_text(
    s: &str,
    max: usize,
    allow_empty: bool,
    multiline: bool,
) -> Result<String, TextError> {
    let s = s.trim();
    if s.is_empty() && !allow_empty {
        return Err(TextError::Empty);
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\t'));
    if !s.chars().all(allowed) {
        return Err(TextError::Control);
    }
    Ok(s.to_owned())
}

/// A one-line text of 1–200 characters, trimmed, without control characters: names, codes,
/// reasons. In JSON, a string (read through [`ShortText::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShortText(String);

impl ShortText {
    /// Longest accepted, in characters.
    pub const MAX: usize = 200;

    /// Parses a one-line text, trimmed.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        parse_text(s, Self::MAX, false, false).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ShortText {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}

impl From<ShortText> for String {
    fn from(t: ShortText) -> String {
        t.0
    }
}

/// A free text of 0–2,000 characters, trimmed; line breaks and tabs are allowed, other control
/// characters are not. In JSON, a string (read through [`LongText::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LongText(String);

impl LongText {
    /// Longest accepted, in characters.
    pub const MAX: usize = 2000;

    /// Parses a free text, trimmed; it may be empty.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        parse_text(s, Self::MAX, true, true).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<String> for LongText {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}

impl From<LongText> for String {
    fn from(t: LongText) -> String {
        t.0
    }
}

/// Free-text notes of an order or of a status change (up to 2,000 characters). They may hold
/// PHI, so whatever copies them into a notification or log redacts them first.
pub type Notes = LongText;

/// `path.field`, or `field` alone at the top level.
fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Parses one one-line text field of a composite value, recording its problem under
/// `path.field`. A required field that is absent "is required"; one that is blank "must not be
/// empty". An optional field that is absent or blank is `Some(None)`. `None` means bad.
fn text_field(
    errors: &mut FieldErrors,
    path: &str,
    field: &str,
    raw: Option<String>,
    required: bool,
    max: usize,
) -> Option<Option<String>> {
    let path = join(path, field);
    match raw {
        None if required => {
            errors.add(path, "is required");
            None
        }
        Some(s) if s.trim().is_empty() && !required => Some(None),
        None => Some(None),
        Some(s) => errors
            .check(path, parse_text(&s, max, false, false))
            .map(Some),
    }
}

/// Insurance details as they arrive in JSON.
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawInsurance {
    /// The insurer.
    pub carrier: Option<String>,
    /// The patient's policy number.
    pub policy_number: Option<String>,
    /// The group (employer plan) number.
    pub group_number: Option<String>,
}

/// A patient's insurance on an order: carrier (1–200 characters), policy number (1–64) and an
/// optional group number (1–64).
///
/// Policy and group numbers are PHI: `Debug` hides them. Serialised as
/// `{carrier, policy_number, group_number}` (group `null` when absent), for authorised callers.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "RawInsurance")]
pub struct InsuranceInfo {
    carrier: String,
    policy_number: String,
    group_number: Option<String>,
}

impl InsuranceInfo {
    /// Longest carrier name, in characters.
    pub const MAX_CARRIER: usize = 200;
    /// Longest policy or group number, in characters.
    pub const MAX_NUMBER: usize = 64;

    /// Parses insurance details, recording each bad field under `path`
    /// (`insurance_info.carrier: is required`); `None` when any is bad.
    pub fn parse(raw: RawInsurance, path: &str, errors: &mut FieldErrors) -> Option<Self> {
        let carrier = text_field(
            errors,
            path,
            "carrier",
            raw.carrier,
            true,
            Self::MAX_CARRIER,
        );
        let policy = text_field(
            errors,
            path,
            "policy_number",
            raw.policy_number,
            true,
            Self::MAX_NUMBER,
        );
        let group = text_field(
            errors,
            path,
            "group_number",
            raw.group_number,
            false,
            Self::MAX_NUMBER,
        );
        Some(Self {
            carrier: carrier??,
            policy_number: policy??,
            group_number: group?,
        })
    }

    /// The insurer.
    pub fn carrier(&self) -> &str {
        &self.carrier
    }

    /// The policy number (PHI).
    pub fn policy_number(&self) -> &str {
        &self.policy_number
    }

    /// The group number, if given (PHI).
    pub fn group_number(&self) -> Option<&str> {
        self.group_number.as_deref()
    }
}

impl fmt::Debug for InsuranceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsuranceInfo")
            .field("carrier", &self.carrier)
            .field("policy_number", &Redacted)
            .field(
                "group_number",
                &self.group_number.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

/// Stands in for a PHI value in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl TryFrom<RawInsurance> for InsuranceInfo {
    type Error = FieldErrors;
    fn try_from(raw: RawInsurance) -> Result<Self, FieldErrors> {
        parse_alone(|e| Self::parse(raw, "", e))
    }
}

/// Runs a `parse(raw, "", errors)` on its own, as a `Result`.
fn parse_alone<T>(parse: impl FnOnce(&mut FieldErrors) -> Option<T>) -> Result<T, FieldErrors> {
    let mut errors = FieldErrors::new();
    match parse(&mut errors) {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(errors),
    }
}

/// A shipping address as it arrives in JSON.
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawAddress {
    /// Street and number.
    pub line1: Option<String>,
    /// Flat, building, c/o.
    pub line2: Option<String>,
    /// City or town.
    pub city: Option<String>,
    /// State, county or region.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<String>,
}

/// Where to ship an order: line1 (1–200 characters), an optional line2 (1–200), city, state and
/// country (1–100 each) and postal code (1–20). Serialised with all six keys, `line2` `null`
/// when absent, so the shape is stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "RawAddress")]
pub struct ShippingAddress {
    line1: String,
    line2: Option<String>,
    city: String,
    state: String,
    postal_code: String,
    country: String,
}

impl ShippingAddress {
    /// Longest address line, in characters.
    pub const MAX_LINE: usize = 200;
    /// Longest city, state or country, in characters.
    pub const MAX_PLACE: usize = 100;
    /// Longest postal code, in characters.
    pub const MAX_POSTAL_CODE: usize = 20;

    /// Parses an address, recording each bad field under `path`
    /// (`shipping_address.city: must not be empty`); `None` when any is bad.
    pub fn parse(raw: RawAddress, path: &str, errors: &mut FieldErrors) -> Option<Self> {
        let line1 = text_field(errors, path, "line1", raw.line1, true, Self::MAX_LINE);
        let line2 = text_field(errors, path, "line2", raw.line2, false, Self::MAX_LINE);
        let city = text_field(errors, path, "city", raw.city, true, Self::MAX_PLACE);
        let state = text_field(errors, path, "state", raw.state, true, Self::MAX_PLACE);
        let postal_code = text_field(
            errors,
            path,
            "postal_code",
            raw.postal_code,
            true,
            Self::MAX_POSTAL_CODE,
        );
        let country = text_field(errors, path, "country", raw.country, true, Self::MAX_PLACE);
        Some(Self {
            line1: line1??,
            line2: line2?,
            city: city??,
            state: state??,
            postal_code: postal_code??,
            country: country??,
        })
    }

    /// Street and number.
    pub fn line1(&self) -> &str {
        &self.line1
    }

    /// The second line, if any.
    pub fn line2(&self) -> Option<&str> {
        self.line2.as_deref()
    }

    /// City or town.
    pub fn city(&self) -> &str {
        &self.city
    }

    /// State, county or region.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Postal code.
    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }

    /// Country.
    pub fn country(&self) -> &str {
        &self.country
    }
}

impl TryFrom<RawAddress> for ShippingAddress {
    type Error = FieldErrors;
    fn try_from(raw: RawAddress) -> Result<Self, FieldErrors> {
        parse_alone(|e| Self::parse(raw, "", e))
    }
}

/// Verification details as they arrive in JSON (with a status change to `verified`).
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawVerification {
    /// Who verified the insurance.
    pub verified_by: Option<String>,
    /// How (phone, portal, …).
    pub verification_method: Option<String>,
    /// What the insurer covers: a JSON object.
    pub coverage_details: Option<serde_json::Value>,
}

/// How an order's insurance was verified: who (1–200 characters), how (1–100) and what is
/// covered (a JSON object of at most 8 KiB serialised, `{}` when not given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "RawVerification")]
pub struct VerificationData {
    verified_by: String,
    verification_method: String,
    coverage_details: serde_json::Value,
}

impl VerificationData {
    /// Longest `verified_by`, in characters.
    pub const MAX_VERIFIED_BY: usize = 200;
    /// Longest `verification_method`, in characters.
    pub const MAX_METHOD: usize = 100;
    /// Largest accepted `coverage_details`, serialised, in bytes.
    pub const MAX_COVERAGE_BYTES: usize = 8 * 1024;

    /// Parses verification details, recording each bad field under `path`
    /// (`verification_data.coverage_details: must be an object`); `None` when any is bad.
    pub fn parse(raw: RawVerification, path: &str, errors: &mut FieldErrors) -> Option<Self> {
        let by = text_field(
            errors,
            path,
            "verified_by",
            raw.verified_by,
            true,
            Self::MAX_VERIFIED_BY,
        );
        let method = text_field(
            errors,
            path,
            "verification_method",
            raw.verification_method,
            true,
            Self::MAX_METHOD,
        );
        let coverage = match raw.coverage_details {
            None => Some(serde_json::Value::Object(serde_json::Map::new())),
            Some(v @ serde_json::Value::Object(_)) => {
                if v.to_string().len() <= Self::MAX_COVERAGE_BYTES {
                    Some(v)
                } else {
                    errors.add(join(path, "coverage_details"), "must be at most 8192 bytes");
                    None
                }
            }
            Some(_) => {
                errors.add(join(path, "coverage_details"), "must be an object");
                None
            }
        };
        Some(Self {
            verified_by: by??,
            verification_method: method??,
            coverage_details: coverage?,
        })
    }

    /// Who verified.
    pub fn verified_by(&self) -> &str {
        &self.verified_by
    }

    /// How it was verified.
    pub fn method(&self) -> &str {
        &self.verification_method
    }

    /// What is covered: always a JSON object.
    pub fn coverage_details(&self) -> &serde_json::Value {
        &self.coverage_details
    }
}

impl TryFrom<RawVerification> for VerificationData {
    type Error = FieldErrors;
    fn try_from(raw: RawVerification) -> Result<Self, FieldErrors> {
        parse_alone(|e| Self::parse(raw, "", e))
    }
}

#[cfg(test)]
mod tests;
