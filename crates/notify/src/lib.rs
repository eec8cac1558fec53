//! `ordo-notify`: the senders behind the outbox — SMS by Africa's Talking's HTTP messaging API
//! and e-mail by SMTP (issue 7), and the `log` sender for development, here now.
//!
//! Senders only deliver what the domain decided to send, already free of PHI; none of them logs
//! a message body, a name, a phone number or an address.

use ordo_domain::notification::Channel;
use ordo_domain::ports::{Destination, SendError, Sender};

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

#[cfg(test)]
mod tests;
