//! The documentation of the WebSocket routes (SPEC §8). `crate::ws` owns their handlers and puts
//! them in its own table (`ws::endpoints`) through these functions, so they are mounted and
//! documented like every other route.

use super::Endpoint;
use crate::openapi::Code;
use ordo_domain::event::Frame;

const SINCE: &str = "Replay every event after this `event_id` that the caller may see, then go \
                     live, with no gap and no duplicate. May not be ahead of the log (`400`).";

const TOKEN: &str = "The bearer token, for browsers, which cannot set headers on a WebSocket \
                     (never logged). The `Authorization` header wins when both are given.";

const HANDSHAKE: &str = "A `GET` with `Upgrade: websocket` (any other request is a `400`). \
                         A refused upgrade is answered before the handshake, in the error shape. \
                         Close codes: `1000` answer to the client's close; `1001` shutting down \
                         or idle for 60 s; `1002` a frame over 4 KiB; `1008` too slow (256 \
                         events queued), rate limited, or session ended (token expired or \
                         revoked, user deactivated, territory taken away); `1011` the event log \
                         could not be read. Reconnect with `since`.";

/// `GET /ws/orders?territory=T[&since=N]`.
pub(crate) fn orders(e: Endpoint) -> Endpoint {
    e.summary("Stream a territory's order events (WebSocket)")
        .describe(HANDSHAKE)
        .tag("realtime")
        .no_territory_header()
        .query_param::<String>(
            "territory",
            "The territory to follow (required): staff must hold it; admins name any that \
             exists; customers are refused (they follow their orders through \
             `/ws/notifications`).",
        )
        .query_param::<String>("since", SINCE)
        .query_param::<String>("token", TOKEN)
        .upgrade::<Frame<'static>>()
        .errors(&[Code::TerritoryMismatch, Code::NotFound, Code::Unavailable])
        .limited()
}

/// `GET /ws/notifications[?since=N]`.
pub(crate) fn notifications(e: Endpoint) -> Endpoint {
    e.summary("Stream the caller's in-app notifications (WebSocket)")
        .describe(HANDSHAKE)
        .tag("realtime")
        .no_territory_header()
        .query_param::<String>("since", SINCE)
        .query_param::<String>("token", TOKEN)
        .upgrade::<Frame<'static>>()
        .errors(&[Code::Unavailable])
        .limited()
}
