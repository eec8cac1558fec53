//! SMS through Africa's Talking's messaging API: a form-encoded
//! `POST {base_url}/version1/messaging` with the account's `apiKey` header, answered by JSON
//! with one entry per recipient.
//!
//! # How answers become outcomes
//!
//! | answer | outcome |
//! | --- | --- |
//! | recipient `statusCode` 100 Processed, 101 Sent, 102 Queued | `Ok` |
//! | recipient 405 InsufficientBalance, 500 InternalServerError, 501 GatewayError, 502 RejectedByGateway | `Unavailable` (transient from our side: top up, or the gateway recovers) |
//! | recipient 401 RiskHold, 402 InvalidSenderId, 403 InvalidPhoneNumber, 404 UnsupportedNumberType, 406 UserInBlacklist, 407 CouldNotRoute, any other | `Rejected`, the reason naming the status |
//! | an empty `Recipients` list | `Rejected` with the API's `Message` |
//! | HTTP 401 or 403 (credentials refused) | `Unavailable`: the operator must fix `ORDO_AT_USERNAME`/`ORDO_AT_API_KEY`; until then messages wait and retry rather than being lost (they fail for good only once the dispatcher's attempts run out). Logged at `error`. |
//! | HTTP 408 or 429 (timeout, rate limit) | `Unavailable` |
//! | any other HTTP 4xx | `Rejected` |
//! | HTTP 3xx (redirects are not followed: a wrong base URL), 5xx, an unreadable 2xx | `Unavailable` |
//! | timeout, refused connection, DNS or TLS failure | `Unavailable` |
//!
//! A timeout after the request was written is ambiguous (the gateway may have sent the SMS); it
//! is retried, so such a message may arrive twice — the only case where it can.

use crate::{ConfigError, DEFAULT_TIMEOUT, sanitize};
use ordo_domain::notification::Channel;
use ordo_domain::ports::{Destination, SendError, Sender};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Largest answer body read from the gateway.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Where and as whom to send SMS. Its `Debug` hides the API key.
#[derive(Clone, PartialEq, Eq)]
pub struct AfricasTalkingConfig {
    /// The API's host root, such as [`Self::LIVE_BASE_URL`] or [`Self::SANDBOX_BASE_URL`]
    /// (`ORDO_AT_BASE_URL`); a trailing `/` is allowed.
    pub base_url: String,
    /// The account's user name (`ORDO_AT_USERNAME`; `sandbox` on the sandbox).
    pub username: String,
    /// The account's API key (`ORDO_AT_API_KEY`).
    pub api_key: String,
    /// A registered sender id or short code, sent as `from`; `None` uses the account's default.
    pub sender_id: Option<String>,
    /// Longest wait for one message, connecting included.
    pub timeout: Duration,
}

impl AfricasTalkingConfig {
    /// The live API.
    pub const LIVE_BASE_URL: &'static str = "https://api.africastalking.com";
    /// The sandbox API.
    pub const SANDBOX_BASE_URL: &'static str = "https://api.sandbox.africastalking.com";

    /// The live API for `username` and `api_key`, no sender id, a 10 s timeout.
    pub fn new(username: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            base_url: Self::LIVE_BASE_URL.to_owned(),
            username: username.into(),
            api_key: api_key.into(),
            sender_id: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for AfricasTalkingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfricasTalkingConfig")
            .field("base_url", &self.base_url)
            .field("username", &self.username)
            .field("api_key", &"[redacted]")
            .field("sender_id", &self.sender_id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends SMS through Africa's Talking (see the [module](self) for how answers map to outcomes).
/// Cheap to share: one HTTP agent, whose connections are reused.
pub struct AfricasTalkingSender {
    config: AfricasTalkingConfig,
    endpoint: String,
    agent: ureq::Agent,
}

impl fmt::Debug for AfricasTalkingSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfricasTalkingSender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AfricasTalkingSender {
    /// A sender for `config`: the base URL must be `http://` or `https://`, the user name and
    /// API key must not be empty, the timeout must not be zero.
    pub fn new(config: AfricasTalkingConfig) -> Result<Self, ConfigError> {
        let base = config.base_url.trim().trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://"))
            || base.len() <= "https://".len()
        {
            return Err(ConfigError(
                "the Africa's Talking base URL must start with https:// or http://".into(),
            ));
        }
        if config.username.trim().is_empty() {
            return Err(ConfigError(
                "the Africa's Talking user name is missing".into(),
            ));
        }
        if config.api_key.trim().is_empty() {
            return Err(ConfigError(
                "the Africa's Talking API key is missing".into(),
            ));
        }
        if config.timeout.is_zero() {
            return Err(ConfigError("the SMS timeout must be above zero".into()));
        }
        let endpoint = format!("{base}/version1/messaging");
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .new_agent();
        Ok(Self {
            config,
            endpoint,
            agent,
        })
    }

    /// The URL messages are posted to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn post(&self, to: &str, message: &str) -> Result<(), SendError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("username", &self.config.username),
            ("to", to),
            ("message", message),
        ];
        if let Some(from) = &self.config.sender_id {
            form.push(("from", from));
        }
        let mut response = self
            .agent
            .post(&self.endpoint)
            .header("apiKey", &self.config.api_key)
            .header("Accept", "application/json")
            .send_form(form)
            .map_err(|e| transport_error(&e, self.config.timeout))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string();
        match status {
            200..=299 => {
                let body = body.map_err(|e| transport_error(&e, self.config.timeout))?;
                judge_answer(&body)
            }
            401 | 403 => {
                tracing::error!(
                    channel = "sms",
                    provider = "africastalking",
                    http_status = status,
                    "the SMS gateway refused our credentials: check ORDO_AT_USERNAME and ORDO_AT_API_KEY"
                );
                Err(SendError::Unavailable(format!(
                    "SMS gateway refused the credentials (HTTP {status})"
                )))
            }
            408 | 429 => Err(SendError::Unavailable(http_reason(status, body.ok()))),
            400..=499 => Err(SendError::Rejected(http_reason(status, body.ok()))),
            _ => Err(SendError::Unavailable(http_reason(status, body.ok()))),
        }
    }
}

impl Sender for AfricasTalkingSender {
    fn send(&self, channel: Channel, to: &Destination, message: &str) -> Result<(), SendError> {
        let Some(phone) = &to.phone else {
            return Err(SendError::Rejected("no phone number".into()));
        };
        let outcome = self.post(phone.as_str(), message);
        match &outcome {
            Ok(()) => {}
            Err(SendError::Rejected(why)) => tracing::warn!(
                channel = channel.as_str(),
                provider = "africastalking",
                reason = why.as_str(),
                "SMS rejected"
            ),
            Err(SendError::Unavailable(why)) => tracing::warn!(
                channel = channel.as_str(),
                provider = "africastalking",
                reason = why.as_str(),
                "SMS not sent for now"
            ),
        }
        outcome
    }
}

/// The gateway's JSON answer.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(rename = "SMSMessageData")]
    data: MessageData,
}

#[derive(Debug, Deserialize)]
struct MessageData {
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "Recipients", default)]
    recipients: Vec<RecipientAnswer>,
}

/// One recipient's outcome (its `number` is not read: it is PHI).
#[derive(Debug, Deserialize)]
struct RecipientAnswer {
    #[serde(rename = "statusCode")]
    status_code: StatusCode,
    #[serde(default)]
    status: String,
    #[serde(rename = "messageId", default)]
    message_id: String,
}

/// A status code, as a number or, to be lenient, a string of one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StatusCode {
    Number(i64),
    Text(String),
}

impl StatusCode {
    fn value(&self) -> Option<i64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::Text(t) => t.trim().parse().ok(),
        }
    }
}

/// The outcome of a 2xx answer.
fn judge_answer(body: &str) -> Result<(), SendError> {
    let answer: Answer = serde_json::from_str(body).map_err(|_| {
        SendError::Unavailable(format!(
            "unreadable answer from the SMS gateway: {}",
            sanitize(body)
        ))
    })?;
    if answer.data.recipients.is_empty() {
        return Err(SendError::Rejected(format!(
            "SMS gateway sent to no one: {}",
            sanitize(&answer.data.message)
        )));
    }
    for r in &answer.data.recipients {
        let code = r.status_code.value();
        let status = sanitize(&r.status);
        match code {
            Some(100..=102) => tracing::info!(
                channel = "sms",
                provider = "africastalking",
                status_code = code,
                status = status.as_str(),
                message_id = sanitize(&r.message_id).as_str(),
                "SMS accepted by the gateway"
            ),
            Some(405 | 500..=502) => {
                return Err(SendError::Unavailable(recipient_reason(code, &status)));
            }
            _ => return Err(SendError::Rejected(recipient_reason(code, &status))),
        }
    }
    Ok(())
}

fn recipient_reason(code: Option<i64>, status: &str) -> String {
    let name = if status.is_empty() {
        code.and_then(status_name).unwrap_or("unknown status")
    } else {
        status
    };
    match code {
        Some(code) => format!("SMS gateway: {name} ({code})"),
        None => format!("SMS gateway: {name}"),
    }
}

/// Africa's Talking's name for a recipient status code.
fn status_name(code: i64) -> Option<&'static str> {
    Some(match code {
        100 => "Processed",
        101 => "Sent",
        102 => "Queued",
        401 => "RiskHold",
        402 => "InvalidSenderId",
        403 => "InvalidPhoneNumber",
        404 => "UnsupportedNumberType",
        405 => "InsufficientBalance",
        406 => "UserInBlacklist",
        407 => "CouldNotRoute",
        500 => "InternalServerError",
        501 => "GatewayError",
        502 => "RejectedByGateway",
        _ => return None,
    })
}

fn http_reason(status: u16, body: Option<String>) -> String {
    let detail = body.map(|b| sanitize(&b)).unwrap_or_default();
    if detail.is_empty() {
        format!("SMS gateway answered HTTP {status}")
    } else {
        format!("SMS gateway answered HTTP {status}: {detail}")
    }
}

/// A failure before an answer was read: always transient from our side.
fn transport_error(e: &ureq::Error, timeout: Duration) -> SendError {
    match e {
        ureq::Error::Timeout(_) => SendError::Unavailable(format!(
            "SMS gateway did not answer within {} ms",
            timeout.as_millis()
        )),
        other => SendError::Unavailable(format!(
            "SMS gateway unreachable: {}",
            sanitize(&other.to_string())
        )),
    }
}

#[cfg(test)]
mod tests;
