//! Configuration from the environment, parsed once into a typed value at start. Errors name the
//! variable; the JWT secret is never printed.

use ordo_auth::JwtSecret;
use ordo_store::DatabaseUrl;
use std::path::{Path, PathBuf};

/// Everything `ordo serve` needs to know.
#[derive(Debug)]
pub struct Config {
    pub database: DatabaseUrl,
    pub bind: String,
    pub jwt_secret: JwtSecret,
    pub token_ttl_secs: i64,
    pub pool_size: u32,
    /// Failed log-ins per account in 15 minutes before `RATE_LIMITED` (SPEC: 5).
    pub login_failures_per_account: u32,
    /// Failed log-ins per client address in a minute before `RATE_LIMITED` (SPEC: 20).
    pub login_failures_per_address: u32,
    /// Delivery attempts before an outbox row fails (`ORDO_NOTIFY_MAX_ATTEMPTS`, default 8).
    pub notify_max_attempts: u32,
    /// First retry delay in ms, doubling with jitter (`ORDO_NOTIFY_BACKOFF_MS`, default 1000).
    pub notify_backoff_ms: u64,
    /// Requests per minute per territory and class (`ORDO_RATE_LIMITS`).
    pub rate_limits: ordo_http::limits::RateLimits,
    /// WebSocket tuning (`ORDO_WS_BUFFER`, `ORDO_WS_PING_SECS`, `ORDO_WS_IDLE_SECS`,
    /// `ORDO_WS_RECHECK_SECS`).
    pub ws: ordo_http::ws::WsSettings,
    /// Whether e-mail is on (`ORDO_SMTP_URL` set); the senders themselves are in `senders.rs`.
    pub email_enabled: bool,
    /// How long events are kept for `since` replays (`ORDO_EVENT_RETENTION_HOURS`, default a
    /// week, 24 hours to ten years).
    pub event_retention: ordo_domain::event::EventRetention,
}

/// One variable, blank meaning unset.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A numeric variable, or `default` when unset.
pub(crate) fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a positive number")),
    }
}

/// Where generated files live: beside the SQLite database, or `./data` for PostgreSQL.
pub fn data_dir(db: &DatabaseUrl) -> PathBuf {
    match db {
        DatabaseUrl::Sqlite(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        DatabaseUrl::Postgres(_) => PathBuf::from("./data"),
    }
}

/// The JWT secret: `ORDO_JWT_SECRET` when set (at least 32 bytes), else, for development, one
/// generated once and kept in the data directory, with a warning.
fn jwt_secret(db: &DatabaseUrl) -> Result<JwtSecret, String> {
    if let Some(s) = var("ORDO_JWT_SECRET") {
        return JwtSecret::new(s.into_bytes()).map_err(|e| e.to_string());
    }
    let dir = data_dir(db);
    let path = dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read(&path) {
        return JwtSecret::new(existing).map_err(|e| format!("{}: {e}", path.display()));
    }
    let fresh: Vec<u8> = (0..2)
        .flat_map(|_| uuid::Uuid::new_v4().simple().to_string().into_bytes())
        .collect();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(&path, &fresh).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::warn!(path = %path.display(), "ORDO_JWT_SECRET is not set: using a generated development secret");
    JwtSecret::new(fresh).map_err(|e| e.to_string())
}

impl Config {
    /// Reads the environment.
    pub fn from_env(database: DatabaseUrl) -> Result<Self, String> {
        Ok(Self {
            jwt_secret: jwt_secret(&database)?,
            database,
            bind: var("ORDO_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            token_ttl_secs: number("ORDO_TOKEN_TTL_SECS", 3600)?,
            pool_size: number("ORDO_DB_POOL_SIZE", 8)?,
            login_failures_per_account: number("ORDO_LOGIN_FAILURES_PER_ACCOUNT", 5)?,
            login_failures_per_address: number("ORDO_LOGIN_FAILURES_PER_ADDRESS", 20)?,
            notify_max_attempts: number("ORDO_NOTIFY_MAX_ATTEMPTS", 8)?,
            notify_backoff_ms: number("ORDO_NOTIFY_BACKOFF_MS", 1000)?,
            rate_limits: var("ORDO_RATE_LIMITS")
                .map_or_else(|| Ok(Default::default()), |v| v.parse())?,
            ws: ws_settings()?,
            email_enabled: var("ORDO_SMTP_URL").is_some(),
            event_retention: event_retention()?,
        })
    }
}

/// `ORDO_EVENT_RETENTION_HOURS`: refused below SPEC §8's 24 hours and above ten years.
fn event_retention() -> Result<ordo_domain::event::EventRetention, String> {
    use ordo_domain::event::EventRetention;
    let hours = number(
        "ORDO_EVENT_RETENTION_HOURS",
        EventRetention::DEFAULT.as_hours(),
    )?;
    EventRetention::hours(hours).map_err(|e| format!("ORDO_EVENT_RETENTION_HOURS: {e}"))
}

/// WebSocket tuning: events queued per connection, ping period, idle timeout, re-check period.
fn ws_settings() -> Result<ordo_http::ws::WsSettings, String> {
    let d = ordo_http::ws::WsSettings::default();
    let ping = number("ORDO_WS_PING_SECS", d.ping_every.as_secs())?;
    let idle = number("ORDO_WS_IDLE_SECS", d.idle_timeout.as_secs())?;
    if ping == 0 || idle <= ping {
        return Err("ORDO_WS_PING_SECS must be at least 1 and below ORDO_WS_IDLE_SECS".into());
    }
    let recheck = number("ORDO_WS_RECHECK_SECS", d.recheck_every.as_secs())?;
    let buffer: usize = number("ORDO_WS_BUFFER", d.buffer)?;
    if buffer == 0 || recheck == 0 {
        return Err("ORDO_WS_BUFFER and ORDO_WS_RECHECK_SECS must be positive numbers".into());
    }
    Ok(ordo_http::ws::WsSettings {
        buffer,
        ping_every: std::time::Duration::from_secs(ping),
        idle_timeout: std::time::Duration::from_secs(idle),
        recheck_every: std::time::Duration::from_secs(recheck),
        ..d
    })
}
