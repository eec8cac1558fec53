//! `ordo-notify`: the senders behind the outbox — SMS by Africa's Talking's HTTP messaging API
//! ([`AfricasTalkingSender`]), e-mail by SMTP ([`SmtpSender`]), the `log` sender for development
//! ([`LogSender`]), and [`ChannelSenders`], which hands each channel to its sender.
//!
//! Senders only deliver what the domain decided to send, already free of PHI; none of them logs
//! a message body, a name, a phone number or an address, and none puts one in the reason of a
//! [`SendError`] (reasons are stored with the notification). All are synchronous and block the
//! dispatcher's thread for at most their configured timeout.
//!
//! With the `testing` feature, [`testing`] has loopback fakes of the Africa's Talking API and of
//! an SMTP server, for tests here and black-box tests of the binary.

use ordo_domain::notification::Channel;
use ordo_domain::ports::{Destination, SendError, Sender};
use std::fmt;
use std::time::Duration;

pub mod africastalking;
pub mod smtp;
#[cfg(feature = "testing")]
pub mod testing;

pub use africastalking::{AfricasTalkingConfig, AfricasTalkingSender};
pub use smtp::{SmtpConfig, SmtpSender};

/// How long a sender waits on the network for one message unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A sender's configuration was refused; the text never repeats a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification configuration: {0}")]
pub struct ConfigError(pub String);

/// The development sender: "delivers" by writing one log line per message, with the channel and
/// the body's length only (never the body or the address).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSender;

impl Sender for LogSender {
    fn send(&self, channel: Channel, _to: &Destination, message: &str) -> Result<(), SendError> {
        tracing::info!(
            channel = channel.as_str(),
            chars = message.chars().count(),
            "log sender: delivered"
        );
        Ok(())
    }
}

/// One sender per channel, itself a [`Sender`] that dispatches on the channel: what the
/// dispatcher is given.
///
/// - [`Channel::Sms`] goes to the SMS sender ([`LogSender`] or [`AfricasTalkingSender`]).
/// - [`Channel::Email`] goes to the e-mail sender; with none configured (no `ORDO_SMTP_URL`) it
///   is [`SendError::Rejected`] with "e-mail is not configured", so the row fails at once rather
///   than retrying for ever. (Better still, the domain should not enqueue e-mail then.)
/// - [`Channel::InApp`] is `Ok(())` without doing anything: an in-app notification is delivered
///   by being stored (it is written as sent, and pushed over WebSocket), so the outbox never
///   holds one; should one reach a sender, there is nothing more to do.
pub struct ChannelSenders {
    sms: Box<dyn Sender>,
    email: Option<Box<dyn Sender>>,
}

impl ChannelSenders {
    /// Routes SMS to `sms` and e-mail to `email` (`None`: e-mail off).
    pub fn new(sms: Box<dyn Sender>, email: Option<Box<dyn Sender>>) -> Self {
        Self { sms, email }
    }

    /// Whether an e-mail sender is configured.
    pub fn email_enabled(&self) -> bool {
        self.email.is_some()
    }
}

impl fmt::Debug for ChannelSenders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelSenders")
            .field("email_enabled", &self.email_enabled())
            .finish_non_exhaustive()
    }
}

impl Sender for ChannelSenders {
    fn send(&self, channel: Channel, to: &Destination, message: &str) -> Result<(), SendError> {
        match channel {
            Channel::InApp => Ok(()),
            Channel::Sms => self.sms.send(channel, to, message),
            Channel::Email => match &self.email {
                Some(email) => email.send(channel, to, message),
                None => Err(SendError::Rejected("e-mail is not configured".into())),
            },
        }
    }
}

/// Text from a remote server made fit for a log line or a stored reason: white space collapsed,
/// runs of five or more digits (a phone number, say) replaced by `#`, addresses (anything with
/// an `@`) replaced by `[address]`, and cut to 160 characters.
pub(crate) fn sanitize(text: &str) -> String {
    const MAX: usize = 160;
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.contains('@') {
            out.push_str("[address]");
            continue;
        }
        let mut digits = String::new();
        for c in word.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else {
                flush_digits(&mut out, &mut digits);
                out.push(c);
            }
        }
        flush_digits(&mut out, &mut digits);
    }
    if out.chars().count() > MAX {
        out = out.chars().take(MAX).collect();
        out.push('…');
    }
    out
}

fn flush_digits(out: &mut String, digits: &mut String) {
    if digits.len() >= 5 {
        out.push('#');
    } else {
        out.push_str(digits);
    }
    digits.clear();
}

#[cfg(test)]
mod tests;
