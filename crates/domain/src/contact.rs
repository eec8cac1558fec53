//! Contact details: e-mail addresses and phone numbers.
//!
//! Both are PHI for patients, so neither type prints its value through `Debug` and neither has
//! a `Display`: code reaches the text only through `as_str()`, on purpose. The error messages
//! never repeat the value either.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why a contact detail was refused; the messages suit an API field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ContactError {
    /// An e-mail address longer than [`Email::MAX_LEN`] characters.
    #[error("must be at most 254 characters")]
    EmailTooLong,
    /// Not of the form `local@domain` with exactly one `@`.
    #[error("must be an e-mail address, e.g. name@example.com")]
    EmailForm,
    /// The part before the `@` is empty, longer than 64 characters, or holds spaces or control
    /// characters.
    #[error("must have 1 to 64 characters before the @, without spaces")]
    EmailLocalPart,
    /// The part after the `@` is not a domain such as `example.com`.
    #[error("must have a domain such as example.com after the @")]
    EmailDomain,
    /// Not an E.164 phone number.
    #[error("must be in E.164 form, e.g. +254700000000")]
    Phone,
}

/// An e-mail address, trimmed and lower-cased so that uniqueness ignores case: a user's log-in
/// and a patient's contact address. PHI for patients: its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Longest address accepted, in characters.
    pub const MAX_LEN: usize = 254;
    /// Longest part before the `@`, in characters.
    pub const MAX_LOCAL_LEN: usize = 64;

    /// Parses an address: at most 254 characters; exactly one `@`; before it 1–64 characters
    /// without spaces or control characters; after it a domain of at least two dot-separated
    /// labels, each of ASCII letters, digits and hyphens (1–63 of them), not starting or
    /// ending with a hyphen. Surrounding spaces are dropped and the whole is lower-cased.
    pub fn parse(text: &str) -> Result<Self, ContactError> {
        let text = text.trim().to_lowercase();
        if text.chars().count() > Self::MAX_LEN {
            return Err(ContactError::EmailTooLong);
        }
        let (local, domain) = match text.split_once('@') {
            Some((l, d)) if !d.contains('@') => (l, d),
            _ => return Err(ContactError::EmailForm),
        };
        let local_len = local.chars().count();
        if local_len == 0
            || local_len > Self::MAX_LOCAL_LEN
            || local.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ContactError::EmailLocalPart);
        }
        let mut labels = domain.split('.');
        let enough_labels = domain.contains('.');
        if !enough_labels || !labels.all(valid_label) {
            return Err(ContactError::EmailDomain);
        }
        Ok(Self(text))
    }

    /// The address, lower-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One label of a domain name: 1–63 ASCII letters, digits and hyphens, no hyphen at either end.
fn valid_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email([redacted])")
    }
}

impl TryFrom<String> for Email {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A phone number in E.164 form (SPEC §6): `+` and 8–15 digits, the first not 0. Checked for
/// form only, not against a carrier's numbering plan. PHI for patients: its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Fewest digits after the `+`.
    pub const MIN_DIGITS: usize = 8;
    /// Most digits after the `+` (E.164's limit).
    pub const MAX_DIGITS: usize = 15;

    /// Parses and normalises a phone number: surrounding white space, and spaces, dashes, dots
    /// and parentheses anywhere, are dropped (`"+254 700-000 007"` becomes `"+254700000007"`);
    /// what is left must be `+` and 8–15 digits, the first not 0.
    pub fn parse(text: &str) -> Result<Self, ContactError> {
        let compact: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').ok_or(ContactError::Phone)?;
        let ok = (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(compact))
        } else {
            Err(ContactError::Phone)
        }
    }

    /// The number: `+` and digits, nothing else.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber([redacted])")
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests;
