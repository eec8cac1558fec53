//! Log-in throttling (SPEC §3): after too many failed log-ins for one account, or from one client
//! address, further attempts get `RATE_LIMITED` until the window passes — checked before the
//! password is hashed, so a flood of guesses cannot burn the CPU on argon2.
//!
//! Counts are kept per instance, in memory, in sliding windows. The client address is the TCP
//! peer: `X-Forwarded-For` is not trusted, because any client can set it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before old ones are swept, so a spray of addresses cannot grow memory without bound.
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
struct Window {
    max: usize,
    period: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Window {
    fn new(max: u32, period: Duration) -> Self {
        Self {
            max: max as usize,
            period,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must wait, if it is over the limit now.
    fn wait(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut hits = self
            .hits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let q = hits.get_mut(key)?;
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.period)
        {
            q.pop_front();
        }
        (q.len() >= self.max).then(|| {
            q.front()
                .map_or(self.period, |t| self.period - now.duration_since(*t))
        })
    }

    fn record(&self, key: &str, now: Instant) {
        let mut hits = self
            .hits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if hits.len() >= MAX_KEYS && !hits.contains_key(key) {
            let period = self.period;
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < period));
        }
        let q = hits.entry(key.to_owned()).or_default();
        q.push_back(now);
        while q.len() > self.max {
            q.pop_front();
        }
    }

    fn clear(&self, key: &str) {
        self.hits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

/// Failed log-ins per account and per client address.
#[derive(Debug)]
pub struct LoginThrottle {
    account: Window,
    address: Window,
}

impl LoginThrottle {
    /// `per_account` failures per 15 minutes, `per_address` per minute (SPEC: 5 and 20).
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            account: Window::new(per_account.max(1), Duration::from_secs(15 * 60)),
            address: Window::new(per_address.max(1), Duration::from_secs(60)),
        }
    }

    /// Seconds to wait before this attempt may be tried, if either limit is reached.
    pub fn retry_after(&self, account: &str, address: &str) -> Option<u64> {
        let now = Instant::now();
        let wait = self
            .account
            .wait(account, now)
            .into_iter()
            .chain(self.address.wait(address, now))
            .max()?;
        Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    }

    /// Counts a failed attempt.
    pub fn failed(&self, account: &str, address: &str) {
        let now = Instant::now();
        self.account.record(account, now);
        self.address.record(address, now);
    }

    /// A successful log-in forgives the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        self.account.clear(account);
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(5, 20)
    }
}

#[cfg(test)]
mod tests;
