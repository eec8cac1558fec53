//! The domain's small system ports: the wall clock and fresh ids.

use ordo_domain::ports::{Clock, IdGenerator};
use ordo_domain::time::Timestamp;
use uuid::Uuid;

/// The system clock, in UTC.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Timestamp::from_unix_micros_clamped(micros)
    }
}

/// Random (v4) UUIDs and random bits from the operating system's generator.
#[derive(Debug, Clone, Copy)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn uuid(&self) -> Uuid {
        Uuid::new_v4()
    }

    fn random(&self) -> u64 {
        Uuid::new_v4().as_u64_pair().0
    }
}
