//! Why a WebSocket session ends, and the close frame each reason sends (docs/OPERATIONS.md lists
//! them for operators, docs/API.md for clients).

use actix_ws::{CloseCode, CloseReason};

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The client sent a close frame: answered with 1000.
    ClientClosed,
    /// The connection is gone: no frame can be sent.
    Gone,
    /// The server is shutting down: 1001, reconnect elsewhere or later.
    Shutdown,
    /// The client read too slowly: its buffer filled, or one write waited for the idle timeout
    /// (1008).
    TooSlow,
    /// The client sent more messages than the territory's `ws` budget allows: 1008.
    RateLimited,
    /// The token expired or was revoked, the user deactivated, or the scope changed: 1008.
    SessionEnded,
    /// Nothing heard from the client (not even a pong) for the idle timeout: 1001.
    Idle,
    /// The client broke the protocol (a frame over the size limit, bad UTF-8): 1002.
    Protocol,
    /// The event log could not be read for a replay: 1011, reconnect with `since`.
    Unavailable,
    /// The events a replay was to send next were purged while it ran: 1011. Reconnecting with
    /// the same `since` gets a 400; the client reloads through the REST API.
    Purged,
}

impl Ending {
    /// The close frame, if one can still be sent.
    pub(crate) fn frame(self) -> Option<CloseReason> {
        let (code, text) = match self {
            Ending::Gone => return None,
            Ending::ClientClosed => (CloseCode::Normal, "bye"),
            Ending::Shutdown => (CloseCode::Away, "server shutting down"),
            Ending::TooSlow => (CloseCode::Policy, "too slow: buffer full"),
            Ending::RateLimited => (CloseCode::Policy, "rate limited"),
            Ending::SessionEnded => (CloseCode::Policy, "session ended: sign in again"),
            Ending::Idle => (CloseCode::Away, "idle timeout"),
            Ending::Protocol => (CloseCode::Protocol, "protocol error"),
            Ending::Unavailable => (CloseCode::Error, "event log unavailable"),
            Ending::Purged => (CloseCode::Error, "events purged during the replay"),
        };
        Some(CloseReason {
            code,
            description: Some(text.to_owned()),
        })
    }

    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Ending::ClientClosed => "client_closed",
            Ending::Gone => "gone",
            Ending::Shutdown => "shutdown",
            Ending::TooSlow => "too_slow",
            Ending::RateLimited => "rate_limited",
            Ending::SessionEnded => "session_ended",
            Ending::Idle => "idle",
            Ending::Protocol => "protocol",
            Ending::Unavailable => "unavailable",
            Ending::Purged => "purged",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both are 1011 (reconnect), but an operator and a client can tell a purge from an outage.
    #[test]
    fn a_purge_under_a_replay_closes_with_its_own_reason() {
        let purged = Ending::Purged.frame().unwrap();
        let down = Ending::Unavailable.frame().unwrap();
        assert_eq!(
            (purged.code, down.code),
            (CloseCode::Error, CloseCode::Error)
        );
        assert_eq!(
            purged.description.as_deref(),
            Some("events purged during the replay")
        );
        assert_ne!(purged.description, down.description);
        assert_ne!(Ending::Purged.label(), Ending::Unavailable.label());
    }
}
