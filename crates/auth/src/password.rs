//! argon2id password hashes in PHC string form.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use ordo_domain::people::{Password, PasswordHash};
use ordo_domain::ports::PasswordHasher;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// At most this many hashes run at once (one per core): each takes 19 MiB and a core for tens
/// of milliseconds, so more at once only adds memory — which the allocator keeps per thread —
/// and makes every log-in slower. A flood of log-ins queues here instead.
#[derive(Debug)]
struct Gate {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    fn new() -> Arc<Self> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(Self {
            free: Mutex::new(cores),
            freed: Condvar::new(),
        })
    }

    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        drop(free);
        let out = f();
        *self.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.freed.notify_one();
        out
    }
}

/// argon2id with OWASP's recommended parameters.
#[derive(Debug, Clone)]
pub struct Argon2idHasher {
    argon: Argon2<'static>,
    /// A hash of nothing in particular, verified against when a log-in names no account, so that
    /// an unknown e-mail costs as much time as a wrong password.
    decoy: String,
    gate: Arc<Gate>,
}

impl Argon2idHasher {
    /// OWASP (2023): m = 19 MiB, t = 2, p = 1.
    pub fn owasp() -> Self {
        Self::with_params(19 * 1024, 2, 1)
    }

    /// Custom cost (tests use a cheap one; production uses [`Argon2idHasher::owasp`]).
    pub fn with_params(memory_kib: u32, passes: u32, lanes: u32) -> Self {
        let params =
            Params::new(memory_kib, passes, lanes, None).unwrap_or_else(|_| Params::default());
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let decoy = argon
            .hash_password(b"decoy password for unknown accounts", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        Self {
            argon,
            decoy,
            gate: Gate::new(),
        }
    }
}

impl PasswordHasher for Argon2idHasher {
    fn hash(&self, password: &Password) -> Result<PasswordHash, String> {
        let salt = SaltString::generate(&mut OsRng);
        self.gate.run(|| {
            self.argon
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|h| PasswordHash::new(h.to_string()))
                .map_err(|e| format!("password hashing failed: {e}"))
        })
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        Phc::new(hash.as_str())
            .map(|phc| {
                self.gate.run(|| {
                    self.argon
                        .verify_password(password.expose().as_bytes(), &phc)
                        .is_ok()
                })
            })
            .unwrap_or(false)
    }

    fn waste_time(&self, password: &Password) {
        if let Ok(phc) = Phc::new(&self.decoy) {
            let _ = self.gate.run(|| {
                self.argon
                    .verify_password(password.expose().as_bytes(), &phc)
            });
        }
    }
}

#[cfg(test)]
mod tests;
