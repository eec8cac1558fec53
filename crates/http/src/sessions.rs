//! Sessions kept for a moment, so that a client's burst of requests authenticates once.
//!
//! Authenticating reads the user and their territories; a kept session skips those reads for
//! [`SessionCache::ttl`] but is still checked on every request for expiry and revocation
//! (`Ordo::revalidate`), so a log-out takes effect at once. A change to the user through this
//! instance (role, territories, deactivation) drops their kept sessions at once; through another
//! instance it reaches kept sessions within the TTL (2 s in `ordo serve`, the same bound as
//! log-outs on other instances: docs/OPERATIONS.md).

use ordo_domain::usecases::Session;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The most sessions kept; past it, stale ones go, and if none is stale, all do.
const MAX_KEPT: usize = 4096;

/// Recently authenticated sessions by token.
#[derive(Debug)]
pub struct SessionCache {
    kept: Mutex<HashMap<String, (Instant, Session)>>,
    ttl: Duration,
}

impl SessionCache {
    /// Keeps sessions for `ttl`; `Duration::ZERO` keeps none.
    pub fn new(ttl: Duration) -> Self {
        Self {
            kept: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// How long a session is kept.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The session kept for `token`, if it was authenticated less than the TTL ago.
    pub(crate) fn get(&self, token: &str) -> Option<Session> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(token)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, s)| s.clone())
    }

    /// Drops every kept session of `user`, whose record just changed.
    pub(crate) fn forget_user(&self, user: ordo_domain::ids::UserId) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|_, (_, s)| s.user.id != user);
    }

    /// Keeps `session`, just authenticated with `token`.
    pub(crate) fn put(&self, token: String, session: Session) {
        if self.ttl.is_zero() {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_KEPT {
            kept.retain(|_, (at, _)| at.elapsed() < self.ttl);
            if kept.len() >= MAX_KEPT {
                kept.clear();
            }
        }
        kept.insert(token, (Instant::now(), session));
    }
}

#[cfg(test)]
mod tests;
