//! E-mail over SMTP, with `lettre`'s blocking transport: one connection per message (no pool),
//! plain text, a fixed subject free of PHI.
//!
//! The server comes from a URL (`ORDO_SMTP_URL`), as [`lettre::SmtpTransport::from_url`] reads it:
//!
//! | URL | connection |
//! | --- | --- |
//! | `smtp://127.0.0.1:2525` | plain, no TLS (local sinks; port 587 when none is given) |
//! | `smtp://host:587?tls=required` | STARTTLS, required |
//! | `smtps://host:465` | TLS from the start (465 when no port is given) |
//! | `smtps://user:pass@host` | with credentials (percent-encode special characters) |
//!
//! # How answers become outcomes
//!
//! | answer | outcome |
//! | --- | --- |
//! | the message accepted (250 after the data) | `Ok` |
//! | a permanent 5xx reply (550 mailbox unavailable, 553 bad address, 554 …) | `Rejected`, naming the code |
//! | 530, 534, 535, 538 (authentication required or refused) | `Unavailable`: the operator must fix the credentials, and messages wait meanwhile; logged at `error` |
//! | a transient 4xx reply (421, 450, 451, 452 …) | `Unavailable` |
//! | timeout, refused connection, TLS failure, an unreadable reply | `Unavailable` |
//!
//! Reasons carry the reply code only, never the server's text, which often repeats the address.

use crate::{ConfigError, DEFAULT_TIMEOUT, sanitize};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{Address, SmtpTransport, Transport};
use ordo_domain::notification::Channel;
use ordo_domain::ports::{Destination, SendError, Sender};
use std::fmt;
use std::time::Duration;

/// Where and as whom to send e-mail. Its `Debug` hides the password of the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The server, as `smtp://`, `smtp://…?tls=required` or `smtps://` URL (`ORDO_SMTP_URL`);
    /// credentials may be given as the URL's user information.
    pub url: String,
    /// The sender, `ordo@example.com` or `Ordo <ordo@example.com>` (`ORDO_EMAIL_FROM`).
    pub from: String,
    /// The subject of every message: keep it free of PHI.
    pub subject: String,
    /// Longest wait for connecting and for each reply of the server.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// The subject used unless configured otherwise.
    pub const DEFAULT_SUBJECT: &'static str = "Your order update";

    /// `url` and `from`, the default subject and a 10 s timeout.
    pub fn new(url: impl Into<String>, from: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            from: from.into(),
            subject: Self::DEFAULT_SUBJECT.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &redact_url(&self.url))
            .field("from", &self.from)
            .field("subject", &self.subject)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL with the password of its user information, if any, replaced by `[redacted]`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:[redacted]@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Sends e-mail over SMTP (see the [module](self) for how answers map to outcomes).
pub struct SmtpSender {
    transport: SmtpTransport,
    from: Mailbox,
    subject: String,
    timeout: Duration,
    url: String,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("url", &redact_url(&self.url))
            .field("from", &self.from.to_string())
            .field("subject", &self.subject)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// A sender for `config`: the URL must be one `lettre` reads (above), `from` a mailbox, the
    /// subject one line, the timeout above zero. Nothing is connected yet.
    pub fn new(config: SmtpConfig) -> Result<Self, ConfigError> {
        let from: Mailbox = config.from.trim().parse().map_err(|_| {
            ConfigError("the e-mail sender (ORDO_EMAIL_FROM) is not an e-mail address".into())
        })?;
        if config.subject.contains(['\r', '\n']) {
            return Err(ConfigError("the e-mail subject must be one line".into()));
        }
        if config.timeout.is_zero() {
            return Err(ConfigError("the e-mail timeout must be above zero".into()));
        }
        let transport = SmtpTransport::from_url(config.url.trim())
            .map_err(|e| {
                ConfigError(format!(
                    "the SMTP URL (ORDO_SMTP_URL) is not usable: {}",
                    sanitize(&e.to_string())
                ))
            })?
            .timeout(Some(config.timeout))
            .build();
        Ok(Self {
            transport,
            from,
            subject: config.subject,
            timeout: config.timeout,
            url: config.url,
        })
    }

    fn deliver(&self, to: Address, message: &str) -> Result<(), SendError> {
        let email = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(self.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(message.to_owned())
            .map_err(|e| SendError::Rejected(format!("e-mail could not be built: {e}")))?;
        match self.transport.send(&email) {
            Ok(response) => {
                let code = response.code().to_string();
                let reply = response.first_line().map(sanitize).unwrap_or_default();
                tracing::info!(
                    channel = "email",
                    provider = "smtp",
                    status_code = code.as_str(),
                    reply = reply.as_str(),
                    "e-mail accepted by the server"
                );
                Ok(())
            }
            Err(e) => Err(smtp_error(&e, self.timeout)),
        }
    }
}

impl Sender for SmtpSender {
    fn send(&self, channel: Channel, to: &Destination, message: &str) -> Result<(), SendError> {
        let Some(email) = &to.email else {
            return Err(SendError::Rejected("no e-mail address".into()));
        };
        let outcome = match email.as_str().parse::<Address>() {
            Ok(address) => self.deliver(address, message),
            Err(_) => Err(SendError::Rejected(
                "the e-mail address is not one SMTP can carry".into(),
            )),
        };
        match &outcome {
            Ok(()) => {}
            Err(SendError::Rejected(why)) => tracing::warn!(
                channel = channel.as_str(),
                provider = "smtp",
                reason = why.as_str(),
                "e-mail rejected"
            ),
            Err(SendError::Unavailable(why)) => tracing::warn!(
                channel = channel.as_str(),
                provider = "smtp",
                reason = why.as_str(),
                "e-mail not sent for now"
            ),
        }
        outcome
    }
}

/// The outcome of a failed send; only reply codes, never the server's text, go into it.
fn smtp_error(e: &lettre::transport::smtp::Error, timeout: Duration) -> SendError {
    if let Some(code) = e.status() {
        let code = code.to_string();
        if e.is_permanent() {
            if matches!(code.as_str(), "530" | "534" | "535" | "538") {
                tracing::error!(
                    channel = "email",
                    provider = "smtp",
                    status_code = code.as_str(),
                    "the SMTP server refused our credentials: check ORDO_SMTP_URL"
                );
                SendError::Unavailable(format!("SMTP server refused the credentials ({code})"))
            } else {
                SendError::Rejected(format!("SMTP server refused the message ({code})"))
            }
        } else {
            SendError::Unavailable(format!("SMTP server deferred the message ({code})"))
        }
    } else if e.is_timeout() {
        SendError::Unavailable(format!(
            "SMTP server did not answer within {} ms",
            timeout.as_millis()
        ))
    } else if e.is_response() {
        SendError::Unavailable("unreadable reply from the SMTP server".into())
    } else {
        SendError::Unavailable(format!(
            "SMTP server unreachable: {}",
            sanitize(&e.to_string())
        ))
    }
}

#[cfg(test)]
mod tests;
