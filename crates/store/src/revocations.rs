//! Token revocation without a database round trip per request.
//!
//! [`CachedRevocations`] wraps the store's [`RevokedTokens`] and answers `is_revoked` from memory,
//! refreshing from the database at most every `max_staleness` (with the tokens revoked since the
//! last refresh). A log-out on this instance is seen here at once; on another instance sharing
//! the database, within `max_staleness`. Memory holds only revoked tokens not yet expired.

use ordo_domain::ports::{RevokedTokens, StoreResult};
use ordo_domain::time::Timestamp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Revocations overlap between refreshes by this much, so a revocation committed while a
/// refresh ran is not missed.
const OVERLAP_SECS: i64 = 5;

#[derive(Debug)]
struct Known {
    /// Revoked token ids and when they expire.
    jtis: HashMap<String, Timestamp>,
    /// When the database was last read, and the `revoked_at` it was read from.
    synced: Option<(Instant, Timestamp)>,
}

/// A read-through cache of revoked tokens with bounded staleness.
#[allow(missing_debug_implementations)]
pub struct CachedRevocations {
    inner: Arc<dyn RevokedTokens>,
    max_staleness: Duration,
    known: Mutex<Known>,
}

impl CachedRevocations {
    /// Caches `inner`; other instances' revocations are seen within `max_staleness`.
    pub fn new(inner: Arc<dyn RevokedTokens>, max_staleness: Duration) -> Self {
        Self {
            inner,
            max_staleness,
            known: Mutex::new(Known {
                jtis: HashMap::new(),
                synced: None,
            }),
        }
    }

    /// Whether `known` was read from the database less than `max_staleness` ago.
    fn is_fresh(&self, known: &Known) -> bool {
        known
            .synced
            .is_some_and(|(at, _)| at.elapsed() < self.max_staleness)
    }

    fn refresh_if_stale(&self, known: &mut Known) -> StoreResult<()> {
        if self.is_fresh(known) {
            return Ok(());
        }
        let now_instant = Instant::now();
        let now = crate::now();
        let since = known.synced.map_or_else(
            || Timestamp::from_unix_micros_clamped(0),
            |(_, from)| from.plus_seconds(-OVERLAP_SECS),
        );
        for (jti, expires) in self.inner.revoked_since(since, now)? {
            known.jtis.insert(jti, expires);
        }
        known.jtis.retain(|_, expires| *expires > now);
        known.synced = Some((now_instant, now));
        Ok(())
    }
}

impl RevokedTokens for CachedRevocations {
    fn revoke(&self, jti: &str, until: Timestamp) -> StoreResult<()> {
        self.inner.revoke(jti, until)?;
        let mut known = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        known.jtis.insert(jti.to_owned(), until);
        Ok(())
    }

    fn revoked_since(
        &self,
        since: Timestamp,
        now: Timestamp,
    ) -> StoreResult<Vec<(String, Timestamp)>> {
        self.inner.revoked_since(since, now)
    }

    fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        self.inner.purge_expired(now)
    }

    fn is_revoked_if_known(&self, jti: &str) -> Option<bool> {
        let known = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.is_fresh(&known).then(|| known.jtis.contains_key(jti))
    }

    fn is_revoked(&self, jti: &str) -> StoreResult<bool> {
        let mut known = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.refresh_if_stale(&mut known)?;
        Ok(known.jtis.contains_key(jti))
    }
}
