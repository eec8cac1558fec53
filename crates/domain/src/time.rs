//! Instants as the domain sees them.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A UTC instant with microsecond precision.
///
/// Truncated to microseconds on construction because that is what PostgreSQL's `timestamptz`
/// keeps: an instant read back from either store equals the one written, so audit hashes computed
/// before and after a round trip agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Timestamp(DateTime<Utc>);

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_rfc3339()
    }
}

impl TryFrom<String> for Timestamp {
    type Error = chrono::ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse_rfc3339(&s)
    }
}

impl Timestamp {
    /// Wraps an instant, dropping precision below a microsecond.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(6))
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    /// The instant `micros` microseconds after the Unix epoch, if representable.
    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        DateTime::from_timestamp_micros(micros).map(Self)
    }

    /// The instant `micros` microseconds after the Unix epoch, clamped to the representable
    /// range (for values read from a store, which ordo never writes out of range).
    pub fn from_unix_micros_clamped(micros: i64) -> Self {
        Self::from_unix_micros(micros).unwrap_or(Self(if micros < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        }))
    }

    /// The wrapped instant.
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// RFC 3339 with exactly six fractional digits and a `Z`: the canonical text form.
    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// Parses RFC 3339 text.
    pub fn parse_rfc3339(text: &str) -> Result<Self, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text).map(|d| Self::from_datetime(d.with_timezone(&Utc)))
    }

    /// Whole seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).num_seconds()
    }

    /// This instant plus `secs` seconds, saturating at the representable range.
    pub fn plus_seconds(self, secs: i64) -> Self {
        self.0
            .checked_add_signed(chrono::TimeDelta::seconds(secs))
            .map_or(self, Self)
    }

    /// This instant plus `ms` milliseconds, saturating at the representable range.
    pub fn plus_millis(self, ms: i64) -> Self {
        self.0
            .checked_add_signed(chrono::TimeDelta::milliseconds(ms))
            .map_or(self, Self)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests;
