//! Starts `ordo serve` on port 0 with a fresh SQLite database and a known JWT secret, and stops
//! it when dropped.

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const PASSWORD: &str = "correct horse battery";

/// How to launch a server beyond the defaults of [`Server::start`].
#[derive(Debug, Clone)]
pub struct Launch {
    /// Extra environment for `ordo serve`.
    pub env: Vec<(String, String)>,
    /// Another database than a fresh SQLite file (e.g. a PostgreSQL URL).
    pub database_url: Option<String>,
    /// Create `admin@example.com` first (off for a second instance on a shared database).
    pub add_admin: bool,
    /// Keep stderr (the logs) in a file, for [`Server::logs`].
    pub capture_logs: bool,
}

impl Default for Launch {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            database_url: None,
            add_admin: true,
            capture_logs: false,
        }
    }
}

pub struct Server {
    child: Child,
    pub base: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fresh_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("ordo-blackbox-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Reads the server's stdout up to its "listening" line; returns the base URL.
fn listening(child: &mut Child, printed: &mut Vec<String>) -> String {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "ordo serve exited before listening: {printed:?}"
        );
        if let Some(base) = line.trim().strip_prefix("ordo listening on ") {
            return base.to_owned();
        }
        printed.push(line.trim_end().to_owned());
    }
}

fn ordo(dir: &std::path::Path) -> Command {
    let mut c = ordo_on(&format!("sqlite://{}", dir.join("ordo.db").display()));
    c.env("ORDO_BIND", "127.0.0.1:0");
    c
}

/// The `ordo` binary on the database at `url`, with the tests' JWT secret and quiet logs.
pub fn ordo_on(url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ordo"));
    c.env("ORDO_DATABASE_URL", url)
        .env("ORDO_JWT_SECRET", SECRET)
        .env("ORDO_LOG", "warn");
    c
}

impl Server {
    /// A server with one admin, `admin@example.com`.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// The same, with extra environment variables for `ordo serve`.
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let dir = fresh_dir();
        let status = ordo(&dir)
            .args([
                "user",
                "add",
                "--email",
                "admin@example.com",
                "--role",
                "admin",
                "--password",
                PASSWORD,
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "ordo user add failed");
        Self::serve(dir, env, &[])
    }

    /// `ordo serve --demo` on an empty database; returns the server and what it printed first.
    pub fn start_demo() -> (Self, Vec<String>) {
        let dir = fresh_dir();
        let mut printed = Vec::new();
        let server = Self::serve_collecting(dir, &["--demo"], &mut printed);
        (server, printed)
    }

    fn serve(dir: PathBuf, env: &[(&str, &str)], args: &[&str]) -> Self {
        let mut child = ordo(&dir)
            .envs(env.iter().copied())
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let base = listening(&mut child, &mut Vec::new());
        Server { child, base, dir }
    }

    fn serve_collecting(dir: PathBuf, args: &[&str], printed: &mut Vec<String>) -> Self {
        let mut child = ordo(&dir)
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let base = listening(&mut child, printed);
        Server { child, base, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `ordo serve` as `launch` describes it.
    pub fn launch(launch: &Launch) -> Self {
        let dir = fresh_dir();
        let with_db = |c: &mut Command| {
            if let Some(url) = &launch.database_url {
                c.env("ORDO_DATABASE_URL", url);
            }
        };
        if launch.add_admin {
            let mut add = ordo(&dir);
            with_db(&mut add);
            let status = add
                .args([
                    "user",
                    "add",
                    "--email",
                    "admin@example.com",
                    "--role",
                    "admin",
                ])
                .args(["--password", PASSWORD])
                .output()
                .unwrap();
            assert!(
                status.status.success(),
                "ordo user add failed ({}): {}{}",
                status.status,
                String::from_utf8_lossy(&status.stdout),
                String::from_utf8_lossy(&status.stderr)
            );
        }
        let mut serve = ordo(&dir);
        with_db(&mut serve);
        serve.envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if launch.capture_logs {
            let log = std::fs::File::create(dir.join("stderr.log")).unwrap();
            serve.stderr(log);
        }
        let mut child = serve.arg("serve").stdout(Stdio::piped()).spawn().unwrap();
        let base = listening(&mut child, &mut Vec::new());
        Server { child, base, dir }
    }

    /// What the server wrote to stderr (its logs), when launched with `capture_logs`.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// The server's process id (for its memory in `/proc`; used by `benches/ws_fanout.rs`,
    /// which includes this file).
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `host:port`, for a WebSocket client.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// SIGKILL: the process dies where it stands, as in a crash.
    #[allow(dead_code)] // used by the reliability suite, which shares this file
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM, as an orchestrator would, and waits up to `within` for the exit.
    pub fn terminate(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return Some(exit);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    pub fn login(&self, email: &str, password: &str) -> (u16, Value) {
        let body = serde_json::json!({ "email": email, "password": password });
        send(
            agent()
                .post(&self.url("/api/v1/auth/login"))
                .send_json(body),
        )
    }

    pub fn admin_token(&self) -> String {
        let (status, body) = self.login("admin@example.com", PASSWORD);
        assert_eq!(status, 200, "{body}");
        body["data"]["access_token"].as_str().unwrap().to_owned()
    }
}

/// An agent that reports 4xx and 5xx as answers, not errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and JSON body of an answer.
pub fn send(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut res = r.unwrap();
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts the API's error shape and returns the code.
pub fn error_code(body: &Value) -> &str {
    assert_eq!(body["status"], "error", "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["details"].is_object(), "{body}");
    body["error"]["code"].as_str().unwrap()
}

/// A fresh database, dropped afterwards.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    /// `None` when `ORDO_TEST_PG_URL` is not set.
    pub fn create() -> Option<Self> {
        let admin_url = std::env::var("ORDO_TEST_PG_URL").ok()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("ordo_bb_{}_{nanos}", std::process::id());
        let mut admin = PgConnection::establish(&admin_url).expect("connect to ORDO_TEST_PG_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut c);
        }
    }
}
