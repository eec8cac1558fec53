//! The notification senders chosen by the environment (SPEC §2): SMS by `ORDO_SMS_PROVIDER`
//! (`log`, the default, or `africastalking` with `ORDO_AT_USERNAME`, `ORDO_AT_API_KEY` and
//! `ORDO_AT_BASE_URL`), e-mail by SMTP when `ORDO_SMTP_URL` is set (with `ORDO_EMAIL_FROM`).
//! `ORDO_NOTIFY_TIMEOUT_MS` (default 10000) bounds each send; `ORDO_NOTIFY_LEASE_SECS`
//! (default 60, at least twice the timeout) is how long a dispatcher holds the rows it claimed.
//! Errors name the variable, never its value: the API key and the SMTP password stay out of logs.

use crate::config::{number, var};
use ordo_domain::ports::Sender;
use ordo_domain::usecases::Lease;
use ordo_notify::{
    AfricasTalkingConfig, AfricasTalkingSender, ChannelSenders, LogSender, SmtpConfig, SmtpSender,
};
use std::time::Duration;

fn required(name: &str, because: &str) -> Result<String, String> {
    var(name).ok_or_else(|| format!("{name} must be set {because}"))
}

/// A positive number of `name`, or `default`.
fn positive(name: &str, default: u64) -> Result<u64, String> {
    match number(name, default)? {
        0 => Err(format!("{name} must be a positive number")),
        n => Ok(n),
    }
}

/// The SMS sender `ORDO_SMS_PROVIDER` names.
fn sms(timeout: Duration) -> Result<Box<dyn Sender>, String> {
    match var("ORDO_SMS_PROVIDER").as_deref().map(str::trim) {
        None | Some("log") => Ok(Box::new(LogSender)),
        Some("africastalking") => {
            let because = "when ORDO_SMS_PROVIDER=africastalking";
            let mut config = AfricasTalkingConfig::new(
                required("ORDO_AT_USERNAME", because)?,
                required("ORDO_AT_API_KEY", because)?,
            );
            if let Some(base) = var("ORDO_AT_BASE_URL") {
                config.base_url = base;
            }
            config.sender_id = var("ORDO_AT_SENDER_ID");
            config.timeout = timeout;
            AfricasTalkingSender::new(config)
                .map(|s| Box::new(s) as Box<dyn Sender>)
                .map_err(|e| e.to_string())
        }
        Some(_) => Err("ORDO_SMS_PROVIDER must be `log` or `africastalking`".into()),
    }
}

/// The e-mail sender, when `ORDO_SMTP_URL` is set.
fn email(timeout: Duration) -> Result<Option<Box<dyn Sender>>, String> {
    let Some(url) = var("ORDO_SMTP_URL") else {
        return Ok(None);
    };
    let from = required("ORDO_EMAIL_FROM", "when ORDO_SMTP_URL is set")?;
    let mut config = SmtpConfig::new(url, from);
    config.timeout = timeout;
    SmtpSender::new(config)
        .map(|s| Some(Box::new(s) as Box<dyn Sender>))
        .map_err(|e| e.to_string())
}

/// What the outbox dispatcher is given.
pub struct Delivery {
    /// Every channel's sender.
    pub senders: ChannelSenders,
    /// How long claimed rows are held, and the longest a send may take.
    pub lease: Lease,
}

/// Reads the senders and the lease from the environment.
pub fn from_env() -> Result<Delivery, String> {
    let timeout_ms = positive("ORDO_NOTIFY_TIMEOUT_MS", 10_000)?;
    let lease_secs = positive("ORDO_NOTIFY_LEASE_SECS", 60)?;
    let per_send_secs = timeout_ms.div_ceil(1000);
    if lease_secs < 2 * per_send_secs {
        return Err(
            "ORDO_NOTIFY_LEASE_SECS must be at least twice ORDO_NOTIFY_TIMEOUT_MS (in seconds)"
                .into(),
        );
    }
    let timeout = Duration::from_millis(timeout_ms);
    let secs = |n: u64| i64::try_from(n).map_err(|_| "ORDO_NOTIFY_LEASE_SECS is too large");
    Ok(Delivery {
        senders: ChannelSenders::new(sms(timeout)?, email(timeout)?),
        lease: Lease {
            secs: secs(lease_secs)?,
            per_send_secs: secs(per_send_secs)?,
        },
    })
}
