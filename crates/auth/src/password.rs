//! argon2id password hashes in PHC string form.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Blocks of argon2 memory (1 KiB each) always asked for at once: above glibc's largest
/// dynamic mmap threshold (32 MiB), so the buffer is mapped for the hash and unmapped after it.
/// A 19 MiB buffer would fall under the threshold glibc raises after the first free, come from
/// the thread's arena and stay resident there (~58 MiB per hashing thread, measured).
const MAPPED_BLOCKS: usize = 33 * 1024;

/// The argon2id hash of `password` with `salt` (raw bytes) under `argon`'s parameters, into
/// `out`, in memory that goes back to the system afterwards. Only the blocks the parameters need
/// are touched, so only they become resident.
fn compute(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let need = argon.params().block_count();
    let mut blocks: Vec<Block> = Vec::with_capacity(need.max(MAPPED_BLOCKS));
    blocks.resize(need, Block::default());
    argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..])
}

/// The PHC string of a new hash of `password`.
fn phc_hash(argon: &Argon2<'_>, password: &[u8]) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let salt = Salt::from(&salt);
    let mut raw_salt = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut raw_salt).map_err(|e| e.to_string())?;
    let len = argon
        .params()
        .output_len()
        .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hash = Output::init_with(len, |out| {
        compute(argon, password, raw_salt, out).map_err(argon2::password_hash::Error::from)
    })
    .map_err(|e| e.to_string())?;
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|e| e.to_string())?,
        salt: Some(salt),
        hash: Some(hash),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (argon2id, any parameters it names),
/// compared in constant time.
fn phc_verify(password: &[u8], stored: &str) -> bool {
    let Ok(phc) = Phc::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return false;
    };
    let algorithm = Algorithm::try_from(phc.algorithm);
    let version = phc.version.map_or(Ok(Version::V0x13), Version::try_from);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, Params::try_from(&phc))
    else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let mut raw_salt = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut raw_salt) else {
        return false;
    };
    Output::init_with(expected.len(), |out| {
        compute(&argon, password, raw_salt, out).map_err(argon2::password_hash::Error::from)
    })
    // `Output`'s equality is constant-time.
    .is_ok_and(|computed| computed == expected)
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
        let decoy = phc_hash(&argon, b"decoy password for unknown accounts").unwrap_or_default();
        Self {
            argon,
            decoy,
            pool: Pool::new(),
        }
    }
}

impl PasswordHasher for Argon2idHasher {
    fn hash(&self, password: &Password) -> Result<PasswordHash, String> {
        let (argon, secret) = (self.argon.clone(), password.expose().to_owned());
        self.pool
            .run(move || phc_hash(&argon, secret.as_bytes()).map(PasswordHash::new))
            .unwrap_or_else(|| Err("password hashing stopped".into()))
            .map_err(|e| format!("password hashing failed: {e}"))
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let (secret, stored) = (password.expose().to_owned(), hash.as_str().to_owned());
        self.pool
            .run(move || phc_verify(secret.as_bytes(), &stored))
            .unwrap_or(false)
    }

    fn waste_time(&self, password: &Password) {
        let (secret, decoy) = (password.expose().to_owned(), self.decoy.clone());
        let _ = self.pool.run(move || phc_verify(secret.as_bytes(), &decoy));
    }
}

#[cfg(test)]
mod tests;
