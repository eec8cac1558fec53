//! `ordo-store`: every persistence port of `ordo-domain`, on SQLite (embedded, bundled into the
//! binary) or PostgreSQL, chosen at start by the database URL.
//!
//! One codebase for both: the queries in `imp/` are compiled twice, once against each backend's
//! schema (`schema/pg.rs`, `schema/sqlite.rs`), so PostgreSQL keeps its proper types (uuid,
//! timestamptz, jsonb) while no query is written twice. Only what truly differs — transaction
//! start, row locking, the outbox claim — lives in `backend/pg.rs` and `backend/sqlite.rs`.
//! See `docs/decisions/0001-one-store-two-backends.md`.

mod backend;
mod error;
mod fixed;
mod revocations;
mod schema;
mod types;
mod wake;

pub use backend::{pg, sqlite};
pub use revocations::CachedRevocations;
pub use wake::{EventWatch, LISTEN_POLL, Wake};

use diesel::Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use ordo_domain::ports::{
    AuditLog, EventLog, IdempotencyStore, NotificationStore, OrderRepository, PatientRepository,
    PlacementReads, ProductRepository, RevokedTokens, StoreError, StoreResult, TerritoryRepository,
    UnitOfWork, UserRepository,
};
use ordo_domain::time::Timestamp;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: `sqlite://./data/ordo.db` (relative) or `sqlite:///var/x.db` (absolute).
    Sqlite(PathBuf),
    /// A PostgreSQL URL, as libpq takes it.
    Postgres(String),
}

/// Why the store could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    /// The URL is neither `sqlite://…` nor `postgres://…`.
    #[error("ORDO_DATABASE_URL must start with sqlite:// or postgres://")]
    BadUrl,
    /// The SQLite file's directory could not be created.
    #[error("cannot create the database directory: {0}")]
    Directory(std::io::Error),
    /// The database could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(String),
    /// The pool could not be built.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, OpenError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(OpenError::BadUrl);
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err(OpenError::BadUrl)
    }

    /// The backend's name, for logs (never the URL, which may hold a password).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// Tuning of the store.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// Pooled connections (PostgreSQL), or reader connections beside the one writer (SQLite).
    pub pool_size: u32,
    /// The longest wait for a connection or a lock before answering "unavailable".
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Runs pending migrations; returns how many ran.
pub fn migrate(url: &DatabaseUrl) -> Result<usize, OpenError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = sqlite_connection(path)?;
            sqlite::enable_wal(&mut conn).map_err(|e| OpenError::Connect(e.to_string()))?;
            run(&mut conn, SQLITE_MIGRATIONS)
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = diesel::PgConnection::establish(url)
                .map_err(|e| OpenError::Connect(e.to_string()))?;
            run(&mut conn, PG_MIGRATIONS)
        }
    }
}

fn sqlite_connection(path: &std::path::Path) -> Result<diesel::SqliteConnection, OpenError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(OpenError::Directory)?;
    }
    diesel::SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| OpenError::Connect(e.to_string()))
}

fn run<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<usize, OpenError>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|done| done.len())
        .map_err(|e| OpenError::Migrate(e.to_string()))
}

/// An open database, on either backend.
#[derive(Debug, Clone)]
pub enum Store {
    /// SQLite.
    Sqlite(Arc<sqlite::Db>),
    /// PostgreSQL.
    Postgres(Arc<pg::Db>),
}

/// Every persistence port, as the use cases take them.
#[allow(missing_debug_implementations)]
#[derive(Clone)]
pub struct StorePorts {
    /// Orders.
    pub orders: Arc<dyn OrderRepository>,
    /// Catalogue.
    pub products: Arc<dyn ProductRepository>,
    /// Patients.
    pub patients: Arc<dyn PatientRepository>,
    /// A placement's reads, in one.
    pub placement: Arc<dyn PlacementReads>,
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Territories.
    pub territories: Arc<dyn TerritoryRepository>,
    /// Audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Event log.
    pub events: Arc<dyn EventLog>,
    /// Notifications and outbox.
    pub notifications: Arc<dyn NotificationStore>,
    /// Idempotency keys.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Revoked tokens.
    pub revoked: Arc<dyn RevokedTokens>,
    /// Atomic writes.
    pub uow: Arc<dyn UnitOfWork>,
}

fn ports_of<D>(db: &Arc<D>) -> StorePorts
where
    D: OrderRepository
        + ProductRepository
        + PatientRepository
        + PlacementReads
        + UserRepository
        + TerritoryRepository
        + AuditLog
        + EventLog
        + NotificationStore
        + IdempotencyStore
        + RevokedTokens
        + UnitOfWork
        + 'static,
{
    StorePorts {
        orders: db.clone(),
        products: db.clone(),
        patients: db.clone(),
        placement: db.clone(),
        users: db.clone(),
        territories: db.clone(),
        audit: db.clone(),
        events: db.clone(),
        notifications: db.clone(),
        idempotency: db.clone(),
        revoked: db.clone(),
        uow: db.clone(),
    }
}

impl Store {
    /// Runs pending migrations, then opens the pools.
    pub fn open(url: &DatabaseUrl, opts: StoreOptions) -> Result<Self, OpenError> {
        migrate(url)?;
        Ok(match url {
            DatabaseUrl::Sqlite(path) => Store::Sqlite(Arc::new(sqlite::Db::open(
                &path.to_string_lossy(),
                opts.pool_size,
                opts.timeout,
            )?)),
            DatabaseUrl::Postgres(url) => {
                Store::Postgres(Arc::new(pg::Db::open(url, opts.pool_size, opts.timeout)?))
            }
        })
    }

    /// The ports, for the use cases.
    pub fn ports(&self) -> StorePorts {
        match self {
            Store::Sqlite(db) => ports_of(db),
            Store::Postgres(db) => ports_of(db),
        }
    }

    /// Before the process exits: on PostgreSQL, opens no more connections and waits out the
    /// pool's attempts under way, which an exit would otherwise crash (`backend/pg/connector.rs`).
    /// Also done when the last handle drops; SQLite needs nothing.
    pub fn close(&self) {
        if let Store::Postgres(db) = self {
            db.close();
        }
    }

    /// Whether a migration embedded in this binary is not applied to the database (for
    /// `/ready`), asked on one of the pool's connections: a probe every few seconds opens no
    /// connection of its own.
    pub fn migrations_pending(&self) -> StoreResult<bool> {
        // Diesel's migration errors are boxed errors; a lost connection still maps to
        // "unavailable" through the pool.
        let pending = |e| diesel::result::Error::QueryBuilderError(e);
        match self {
            Store::Sqlite(db) => {
                db.read(|c| c.has_pending_migration(SQLITE_MIGRATIONS).map_err(pending))
            }
            Store::Postgres(db) => {
                db.read(|c| c.has_pending_migration(PG_MIGRATIONS).map_err(pending))
            }
        }
    }

    /// A round trip to the database (for `/ready`).
    pub fn ping(&self) -> StoreResult<()> {
        self.ports().events.head().map(|_| ())
    }

    /// Calls `wake` whenever the event log may have grown: after each write this process
    /// commits, and on PostgreSQL also when any process commits events (`LISTEN`, polled every
    /// [`LISTEN_POLL`]). Set once per store; keep the returned watch for as long as wake-ups
    /// are wanted. See `wake.rs`.
    pub fn on_new_events(&self, wake: Wake) -> Result<EventWatch, OpenError> {
        let set = match self {
            Store::Sqlite(db) => db.on_commit.set(wake.clone()),
            Store::Postgres(db) => db.on_commit.set(wake.clone()),
        };
        if !set {
            return Err(OpenError::Store(StoreError::Other(
                "the event wake-up is already set".into(),
            )));
        }
        match self {
            Store::Sqlite(_) => Ok(EventWatch::local_only()),
            Store::Postgres(db) => wake::listen(db.url.clone(), wake)
                .map(EventWatch::with_listener)
                .map_err(|e| OpenError::Connect(format!("cannot start the event listener: {e}"))),
        }
    }
}

/// The wall clock, for bookkeeping columns the domain does not decide (when a token was revoked).
pub(crate) fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp::from_unix_micros_clamped(micros)
}
