//! argon2id password hashes in PHC string form.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use ordo_domain::people::{Password, PasswordHash};
use ordo_domain::ports::PasswordHasher;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

/// The threads that hash, one per core. A hash takes 19 MiB and a core for tens of
/// milliseconds: more at once only makes every log-in slower, and the allocator keeps each
/// thread's 19 MiB once it has hashed — on a few dedicated threads that is bounded, on the
/// runtime's hundreds of blocking threads it is not. A flood of log-ins queues here instead.
struct Pool {
    jobs: mpsc::Sender<Job>,
    workers: usize,
}

type Job = Box<dyn FnOnce() + Send>;

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers)
            .finish()
    }
}

impl Pool {
    fn new() -> Arc<Self> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..cores)
            .filter(|_| {
                let queue = Arc::clone(&queue);
                std::thread::Builder::new()
                    .name("ordo-argon2".into())
                    .spawn(move || {
                        loop {
                            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                            match next {
                                Ok(job) => job(),
                                // Every hasher is gone.
                                Err(_) => break,
                            }
                        }
                    })
                    .is_ok()
            })
            .count();
        Arc::new(Self { jobs, workers })
    }

    /// Runs `f` on a hashing thread and waits for it (inline if no thread could start).
    fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        if self.workers == 0 {
            return Some(f());
        }
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .ok()?;
        rx.recv().ok()
    }
}

/// argon2id with OWASP's recommended parameters.
#[derive(Debug, Clone)]
pub struct Argon2idHasher {
    argon: Argon2<'static>,
    /// A hash of nothing in particular, verified against when a log-in names no account, so that
    /// an unknown e-mail costs as much time as a wrong password.
    decoy: String,
    pool: Arc<Pool>,
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
            pool: Pool::new(),
        }
    }
}

impl PasswordHasher for Argon2idHasher {
    fn hash(&self, password: &Password) -> Result<PasswordHash, String> {
        let salt = SaltString::generate(&mut OsRng);
        let (argon, secret) = (self.argon.clone(), password.expose().to_owned());
        self.pool
            .run(move || {
                argon
                    .hash_password(secret.as_bytes(), &salt)
                    .map(|h| PasswordHash::new(h.to_string()))
                    .map_err(|e| format!("password hashing failed: {e}"))
            })
            .unwrap_or_else(|| Err("password hashing stopped".into()))
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let (argon, secret, stored) = (
            self.argon.clone(),
            password.expose().to_owned(),
            hash.as_str().to_owned(),
        );
        self.pool
            .run(move || {
                Phc::new(&stored)
                    .map(|phc| argon.verify_password(secret.as_bytes(), &phc).is_ok())
                    .unwrap_or(false)
            })
            .unwrap_or(false)
    }

    fn waste_time(&self, password: &Password) {
        let (argon, secret, decoy) = (
            self.argon.clone(),
            password.expose().to_owned(),
            self.decoy.clone(),
        );
        let _ = self.pool.run(move || {
            if let Ok(phc) = Phc::new(&decoy) {
                let _ = argon.verify_password(secret.as_bytes(), &phc);
            }
        });
    }
}

#[cfg(test)]
mod tests;
