//! Starts `ordo serve` on port 0 with a fresh SQLite database and a known JWT secret, and stops
//! it when dropped.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const PASSWORD: &str = "correct horse battery";

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

fn ordo(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ordo"));
    c.env(
        "ORDO_DATABASE_URL",
        format!("sqlite://{}", dir.join("ordo.db").display()),
    )
    .env("ORDO_JWT_SECRET", SECRET)
    .env("ORDO_BIND", "127.0.0.1:0")
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
        let dir = std::env::temp_dir()
            .join(format!("ordo-blackbox-{}", std::process::id()))
            .join(format!(
                "{:?}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
        std::fs::create_dir_all(&dir).unwrap();
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
        let mut child = ordo(&dir)
            .envs(env.iter().copied())
            .arg("serve")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("ordo listening on ")
            .expect("listening line")
            .to_owned();
        Server { child, base, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
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
