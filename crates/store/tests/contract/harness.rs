//! A fresh database per test: a SQLite file in a temporary directory, or a PostgreSQL database
//! created for the test (when `ORDO_TEST_PG_URL` is set) and dropped afterwards.

use ordo_domain::people::{Password, PasswordHash};
use ordo_domain::ports::{Claims, Clock, IdGenerator, PasswordHasher, TokenCodec, TokenError};
use ordo_domain::time::Timestamp;
use ordo_domain::usecases::{Ordo, Ports, Settings};
use ordo_store::{DatabaseUrl, Store, StoreOptions};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A database for one test; dropping it removes the database.
pub struct TestDb {
    pub store: Store,
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    PgDatabase {
        admin_url: String,
        name: String,
    },
    /// Another handle on a database some other `TestDb` owns.
    Nothing,
}

impl TestDb {
    /// The SQLite file; only for a `TestDb` made by `sqlite*`.
    pub fn sqlite_path(&self) -> &std::path::Path {
        let DatabaseUrl::Sqlite(path) = &self.url else {
            unreachable!("not a SQLite database")
        };
        path
    }

    /// A second store on `owner`'s database (another instance); `owner` cleans up.
    pub fn sharing(store: Store, owner: &TestDb) -> TestDb {
        TestDb {
            store,
            url: owner.url.clone(),
            cleanup: Cleanup::Nothing,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                use diesel::{Connection, RunQueryDsl};
                if let Ok(mut c) = diesel::PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c);
                }
            }
            Cleanup::Nothing => {}
        }
    }
}

pub fn options() -> StoreOptions {
    StoreOptions {
        pool_size: 8,
        timeout: Duration::from_secs(10),
    }
}

pub fn sqlite() -> TestDb {
    sqlite_with(options())
}

pub fn sqlite_with(opts: StoreOptions) -> TestDb {
    sqlite_in(sqlite_dir(), opts)
}

/// A fresh directory for a test's SQLite file, `ordo.db`.
pub fn sqlite_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ordo-store-test-{}", Uuid::new_v4().simple()))
}

/// The store on `dir/ordo.db`, which may already exist; the directory goes with the `TestDb`.
pub fn sqlite_in(dir: std::path::PathBuf, opts: StoreOptions) -> TestDb {
    let url = DatabaseUrl::Sqlite(dir.join("ordo.db"));
    let store = Store::open(&url, opts).expect("open sqlite");
    TestDb {
        store,
        url,
        cleanup: Cleanup::File(dir),
    }
}

/// A fresh PostgreSQL database, or `None` when `ORDO_TEST_PG_URL` is not set.
pub fn postgres() -> Option<TestDb> {
    postgres_with(options())
}

pub fn postgres_with(opts: StoreOptions) -> Option<TestDb> {
    use diesel::{Connection, RunQueryDsl};
    let admin_url = std::env::var("ORDO_TEST_PG_URL").ok()?;
    let name = format!("ordo_test_{}", Uuid::new_v4().simple());
    let mut admin =
        diesel::PgConnection::establish(&admin_url).expect("connect to ORDO_TEST_PG_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = DatabaseUrl::Postgres(format!("{base}/{name}"));
    let store = Store::open(&url, opts).expect("open postgres");
    Some(TestDb {
        store,
        url,
        cleanup: Cleanup::PgDatabase { admin_url, name },
    })
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Timestamp::from_unix_micros_clamped(micros)
    }
}

pub struct RandomIds;
impl IdGenerator for RandomIds {
    // Time-ordered, as the binary's (`ordo-app`'s `system.rs`).
    fn uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
    fn random(&self) -> u64 {
        let (hi, _) = Uuid::new_v4().as_u64_pair();
        hi
    }
}

/// The store's tests are about the store: passwords are "hashed" by prefixing, which is enough
/// to check that the hash column round-trips.
pub struct PlainHasher;
impl PasswordHasher for PlainHasher {
    fn hash(&self, p: &Password) -> Result<PasswordHash, String> {
        Ok(PasswordHash::new(format!("plain${}", p.expose())))
    }
    fn verify(&self, p: &Password, h: &PasswordHash) -> bool {
        h.as_str() == format!("plain${}", p.expose())
    }
    fn waste_time(&self, _: &Password) {}
}

pub struct NoTokens;
impl TokenCodec for NoTokens {
    fn issue(&self, c: &Claims) -> Result<String, String> {
        Ok(c.jti.clone())
    }
    fn decode(&self, _: &str) -> Result<Claims, TokenError> {
        Err(TokenError::Invalid)
    }
}

/// The use cases over this store.
pub fn ordo(db: &TestDb) -> Ordo {
    let p = db.store.ports();
    Ordo::new(
        Ports {
            orders: p.orders,
            products: p.products,
            patients: p.patients,
            placement: p.placement,
            users: p.users,
            territories: p.territories,
            audit: p.audit,
            events: p.events,
            notifications: p.notifications,
            idempotency: p.idempotency,
            revoked: p.revoked,
            uow: p.uow,
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
            hasher: Arc::new(PlainHasher),
            tokens: Arc::new(NoTokens),
        },
        Settings::default(),
    )
}

/// Runs each named test function against SQLite, and against PostgreSQL when configured.
#[macro_export]
macro_rules! contract {
    ($($name:ident),+ $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { super::$name(&$crate::harness::sqlite()); })+
        }
        mod on_postgres {
            $(#[test] fn $name() {
                match $crate::harness::postgres() {
                    Some(db) => super::$name(&db),
                    None => eprintln!("ORDO_TEST_PG_URL not set: PostgreSQL contract test skipped"),
                }
            })+
        }
    };
}
