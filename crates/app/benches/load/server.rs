//! Starts `ordo serve --demo` on a free port with a fresh database, and reads its CPU time and
//! memory from `/proc` while it runs.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `ordo serve`; killed when dropped.
pub struct Served {
    child: Child,
    pub base: String,
    dir: PathBuf,
}

/// Where the server keeps its data.
#[derive(Clone, Debug)]
pub enum Db {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// This PostgreSQL database (already created and empty, or shared with another instance).
    Postgres(String),
}

/// The server binary: this build's, or `ORDO_LOAD_BIN` (another build, for alternated
/// before/after runs in one hour).
fn binary() -> String {
    std::env::var("ORDO_LOAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ordo").to_owned())
}

impl Served {
    /// Starts `ordo serve --demo` (demo data loaded if the database is empty); rate limits are
    /// lifted, since the load would otherwise measure the limiter.
    pub fn start(db: &Db) -> Self {
        Self::start_with(db, true)
    }

    /// The same; `demo` false starts an empty server (for its idle memory).
    pub fn start_with(db: &Db, demo: bool) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "ordo-load-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = match db {
            Db::Sqlite => format!("sqlite://{}", dir.join("ordo.db").display()),
            Db::Postgres(url) => url.clone(),
        };
        let mut child = Command::new(binary())
            .arg("serve")
            .args(demo.then_some("--demo"))
            .env("ORDO_DATABASE_URL", url)
            .env("ORDO_BIND", "127.0.0.1:0")
            .env(
                "ORDO_JWT_SECRET",
                "load-test-secret-at-least-32-bytes-long!",
            )
            .env("ORDO_LOG", "warn")
            .env(
                "ORDO_RATE_LIMITS",
                "create=100000000,update=100000000,query=100000000,ws=100000000",
            )
            .env("ORDO_LOGIN_FAILURES_PER_ADDRESS", "1000000")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ordo serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let base = loop {
            let mut line = String::new();
            assert!(
                out.read_line(&mut line).expect("read") > 0,
                "ordo serve exited before listening"
            );
            if let Some(b) = line.trim().strip_prefix("ordo listening on ") {
                break b.to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        Self { child, base, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resident memory now, KiB.
    pub fn rss_kib(&self) -> u64 {
        crate::procfs::status_kib(&self.child.id().to_string(), "VmRSS:")
    }

    /// Peak resident memory since start, KiB.
    pub fn peak_kib(&self) -> u64 {
        crate::procfs::status_kib(&self.child.id().to_string(), "VmHWM:")
    }

    /// CPU time used so far (user + system), in clock ticks (1/100 s on Linux).
    pub fn cpu_ticks(&self) -> u64 {
        crate::procfs::cpu_ticks(&self.child.id().to_string())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PostgreSQL database made for one run, dropped with it (each run's data would otherwise
/// stay on the database server: a full benchmark leaves some 50 MB).
pub struct FreshPg {
    pub url: String,
    admin: String,
    name: String,
}

impl Drop for FreshPg {
    fn drop(&mut self) {
        let drop_it = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = Command::new("psql")
            .args([self.admin.as_str(), "-q", "-c", drop_it.as_str()])
            .stdout(Stdio::null())
            .status();
    }
}

/// A fresh, empty PostgreSQL database next to the one `base_url` names (created with `psql`).
pub fn fresh_pg(base_url: &str) -> Option<FreshPg> {
    let name = format!("ordo_load_{}", uuid::Uuid::new_v4().simple());
    let ok = Command::new("psql")
        .args([base_url, "-q", "-c", &format!("CREATE DATABASE {name}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let (head, _) = base_url.rsplit_once('/')?;
    ok.then(|| FreshPg {
        url: format!("{head}/{name}"),
        admin: base_url.to_owned(),
        name,
    })
}
