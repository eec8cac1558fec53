//! Identifiers. Each kind of id is its own type, so an order id can never be passed where a
//! patient id is meant; each textual id is parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;
use uuid::Uuid;

/// Why a textual id was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// Not a UUID in any of its usual text forms.
    #[error("must be a UUID")]
    NotUuid,
    /// A product id must be a positive integer.
    #[error("must be a positive integer")]
    NotPositive,
    /// Outside the allowed length.
    #[error("must be {min} to {max} characters")]
    Length {
        /// Shortest allowed.
        min: usize,
        /// Longest allowed.
        max: usize,
    },
    /// A character outside the allowed set.
    #[error("may only contain {allowed}")]
    Charset {
        /// What is allowed, in words.
        allowed: &'static str,
    },
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID made by an [`IdGenerator`](crate::ports::IdGenerator) or read from a store.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| IdError::NotUuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// An order.
    OrderId
);
uuid_id!(
    /// A patient (the seeds' "customer").
    PatientId
);
uuid_id!(
    /// A user who can log in.
    UserId
);
uuid_id!(
    /// A notification.
    NotificationId
);
uuid_id!(
    /// An audit entry.
    AuditId
);

/// A catalogue product: a positive integer, as in the e-commerce seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct ProductId(i64);

impl ProductId {
    /// A product id, refusing zero and negatives.
    pub fn new(id: i64) -> Result<Self, IdError> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(IdError::NotPositive)
        }
    }
    /// The number inside.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl FromStr for ProductId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| IdError::NotPositive)
            .and_then(Self::new)
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn check_code(
    s: &str,
    min: usize,
    max: usize,
    ok: impl Fn(char) -> bool,
    allowed: &'static str,
) -> Result<(), IdError> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(IdError::Length { min, max });
    }
    if !s.chars().all(ok) {
        return Err(IdError::Charset { allowed });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A territory: a short code such as `north` or `KE-NBO` (letters, digits, `-` and `_`,
    /// 1–32 characters). Compared exactly as written.
    TerritoryId
);

impl TerritoryId {
    /// Parses a territory code.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        check_code(
            s,
            1,
            32,
            |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
            "letters, digits, '-' and '_'",
        )?;
        Ok(Self(s.to_owned()))
    }
}

string_id!(
    /// A patient's human code, unique, such as `CUST007` (letters, digits, `-` and `_`,
    /// 1–32 characters), kept upper-case.
    PatientCode
);

impl PatientCode {
    /// Parses a patient code, upper-casing it so `cust007` and `CUST007` are one patient.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        check_code(
            s,
            1,
            32,
            |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
            "letters, digits, '-' and '_'",
        )?;
        Ok(Self(s.to_ascii_uppercase()))
    }
}

string_id!(
    /// The human-friendly, unique id of an order: `ORD-` and ten characters of Crockford's
    /// base-32 alphabet (no I, L, O or U, so it reads aloud without ambiguity), e.g. `ORD-7K3F9Q2MZX`.
    TrackingId
);

/// Crockford's base-32 alphabet, used for tracking ids.
pub const TRACKING_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl TrackingId {
    /// Length of the random part.
    pub const RANDOM_LEN: usize = 10;

    /// Parses a tracking id, accepting lower case.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_uppercase();
        let Some(rest) = s.strip_prefix("ORD-") else {
            return Err(IdError::Charset {
                allowed: "'ORD-' followed by ten base-32 characters",
            });
        };
        if rest.len() != Self::RANDOM_LEN || !rest.bytes().all(|b| TRACKING_ALPHABET.contains(&b)) {
            return Err(IdError::Charset {
                allowed: "'ORD-' followed by ten base-32 characters",
            });
        }
        Ok(Self(s))
    }

    /// Builds a tracking id from random bits (the low 50 are used): the id generator's job is
    /// only to supply randomness, the format stays here.
    pub fn from_random(bits: u64) -> Self {
        let mut s = String::with_capacity(4 + Self::RANDOM_LEN);
        s.push_str("ORD-");
        for i in (0..Self::RANDOM_LEN).rev() {
            let idx = ((bits >> (i * 5)) & 0x1f) as usize;
            s.push(char::from(TRACKING_ALPHABET[idx]));
        }
        Self(s)
    }
}

#[cfg(test)]
mod tests;
