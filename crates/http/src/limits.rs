//! Per-territory rate limits (SPEC §2, `ORDO_RATE_LIMITS`): requests per minute for each class
//! of request — `create`, `update`, `query`, `ws` — counted per territory, with the GCRA of the
//! `governor` crate. Over the limit: `429 RATE_LIMITED` with `Retry-After`; every limited
//! answer carries `X-RateLimit-Limit`.
//!
//! The territory of a request is its `Territory-Id` header, else the caller's only territory,
//! else `*` (admins and callers of several territories share one bucket per class). Counts are
//! per instance.

use crate::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::str::FromStr;

/// A class of request, limited separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Creating things.
    Create,
    /// Changing things.
    Update,
    /// Reading things.
    Query,
    /// Opening WebSocket subscriptions.
    Ws,
}

impl Class {
    const ALL: [Class; 4] = [Class::Create, Class::Update, Class::Query, Class::Ws];

    fn name(self) -> &'static str {
        match self {
            Class::Create => "create",
            Class::Update => "update",
            Class::Query => "query",
            Class::Ws => "ws",
        }
    }
}

/// Requests per minute per territory, for each class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits(BTreeMap<Class, NonZeroU32>);

impl Default for RateLimits {
    /// `create=100,update=200,query=500,ws=1000`.
    fn default() -> Self {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Self(BTreeMap::from([
            (Class::Create, n(100)),
            (Class::Update, n(200)),
            (Class::Query, n(500)),
            (Class::Ws, n(1000)),
        ]))
    }
}

impl FromStr for RateLimits {
    type Err = String;

    /// `create=100,update=200,query=500,ws=1000`; classes left out keep their default.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut limits = Self::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("ORDO_RATE_LIMITS: `{part}` is not class=number"))?;
            let class = Class::ALL
                .into_iter()
                .find(|c| c.name() == name.trim())
                .ok_or_else(|| {
                    format!("ORDO_RATE_LIMITS: unknown class `{name}` (create, update, query, ws)")
                })?;
            let per_minute = value
                .trim()
                .parse::<NonZeroU32>()
                .map_err(|_| format!("ORDO_RATE_LIMITS: `{value}` is not a positive number"))?;
            limits.0.insert(class, per_minute);
        }
        Ok(limits)
    }
}

/// The limiters, one per class, keyed by territory.
#[allow(missing_debug_implementations)]
pub struct Limiter {
    per_class: BTreeMap<Class, (NonZeroU32, DefaultKeyedRateLimiter<String>)>,
    clock: DefaultClock,
}

impl Limiter {
    /// Limiters for these limits.
    pub fn new(limits: &RateLimits) -> Self {
        let per_class = limits
            .0
            .iter()
            .map(|(c, n)| (*c, (*n, RateLimiter::keyed(Quota::per_minute(*n)))))
            .collect();
        Self {
            per_class,
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `class` in `territory`; `Err` when over the limit. Returns the limit
    /// for the `X-RateLimit-Limit` header.
    pub fn check(&self, class: Class, territory: &str) -> Result<u32, ApiError> {
        let Some((limit, limiter)) = self.per_class.get(&class) else {
            return Ok(u32::MAX);
        };
        match limiter.check_key(&territory.to_owned()) {
            Ok(()) => Ok(limit.get()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(ApiError::rate_limited(secs).with("limit", serde_json::json!(limit.get())))
            }
        }
    }
}

#[cfg(test)]
mod tests;
