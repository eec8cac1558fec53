//! The WebSocket front end (SPEC §8): `GET /ws/orders?territory=T` and `GET /ws/notifications`,
//! both with an optional `since=N`.
//!
//! The handshake is refused before the upgrade, in the API's error shape, when the token or the
//! request is wrong: 401 without a valid token (from the `Authorization` header or, for browsers,
//! the `token` query parameter — which no log line carries: request logs name the path only),
//! 403 for a territory the caller may not follow, 400 for a bad `since` or a request that is not
//! an upgrade, 429 over the territory's `ws` budget. The rules are the domain's
//! (`ordo_domain::usecases::realtime`); this module carries frames.
//!
//! - `hub`: one tail of the event log per instance, fanning out to bounded per-session queues.
//! - `session`: one connection — replay, then live, keep-alive, limits.
//! - `close`: why a session ends and the close frame that says so.

mod close;
mod hub;
mod session;

pub use hub::{Hub, HubClosed};

use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, blocking};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use ordo_domain::auth::Actor;
use ordo_domain::usecases::Subscription;
use serde::Deserialize;
use std::time::Duration;

/// The largest frame a client may send (the streams take no input; pings and pongs are small).
const MAX_CLIENT_FRAME: usize = 4 * 1024;

/// Tuning of the WebSocket streams; see docs/decisions/0004-real-time.md for the reasons.
#[derive(Debug, Clone)]
pub struct WsSettings {
    /// Events queued per connection before a client that cannot keep up is closed (1008).
    pub buffer: usize,
    /// How often the server pings.
    pub ping_every: Duration,
    /// A client heard from (any frame, a pong included) less recently than this is closed.
    pub idle_timeout: Duration,
    /// How often a session checks its token and scope again (log-out, deactivation, territory).
    pub recheck_every: Duration,
    /// How often the tail reads the log without being woken (a lost wake-up only delays).
    pub catch_up_every: Duration,
    /// Events read per replay query.
    pub replay_page: u32,
    /// How long a close frame may take to leave before the connection is dropped.
    pub close_grace: Duration,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            buffer: 256,
            ping_every: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            recheck_every: Duration::from_secs(30),
            catch_up_every: Duration::from_secs(1),
            replay_page: 500,
            close_grace: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrdersQuery {
    territory: Option<String>,
    since: Option<String>,
    token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationsQuery {
    since: Option<String>,
    token: Option<String>,
}

/// The bearer token: the `Authorization` header, else the `token` query parameter.
fn token_of(req: &HttpRequest, from_query: Option<String>) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    header
        .or(from_query)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::unauthenticated)
}

async fn orders(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<OrdersQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let OrdersQuery {
        territory,
        since,
        token,
    } = query.into_inner();
    let token = token_of(&req, token)?;
    let ordo = state.ordo.clone();
    let auth = token.clone();
    let sub = blocking(move || {
        let session = ordo.authenticate(&auth)?;
        ordo.subscribe_orders(&session.actor, territory.as_deref(), since.as_deref())
    })
    .await?;
    let rate_key = match sub.stream() {
        ordo_domain::usecases::Stream::Orders(t) => t.as_str().to_owned(),
        ordo_domain::usecases::Stream::Notifications => "*".to_owned(),
    };
    upgrade(&req, body, &state, sub, token, rate_key, "orders")
}

async fn notifications(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<NotificationsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let NotificationsQuery { since, token } = query.into_inner();
    let token = token_of(&req, token)?;
    let ordo = state.ordo.clone();
    let auth = token.clone();
    let (sub, rate_key) = blocking(move || {
        let session = ordo.authenticate(&auth)?;
        let sub = ordo.subscribe_notifications(&session.actor, since.as_deref())?;
        Ok((sub, rate_key_of(&session.actor)))
    })
    .await?;
    upgrade(&req, body, &state, sub, token, rate_key, "notifications")
}

/// As for requests: the caller's only territory, else one shared bucket.
fn rate_key_of(actor: &Actor) -> String {
    let held = actor.territories();
    match (held.len(), held.iter().next()) {
        (1, Some(t)) => t.as_str().to_owned(),
        _ => "*".to_owned(),
    }
}

/// Counts the upgrade against the territory's `ws` budget, answers the handshake, and starts the
/// session.
fn upgrade(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
    sub: Subscription,
    token: String,
    rate_key: String,
    kind: &'static str,
) -> Result<HttpResponse, ApiError> {
    let limit = state.limiter.check(Class::Ws, &rate_key)?;
    let (response, session, stream) = actix_ws::handle(req, body).map_err(|_| {
        ApiError::field(
            "Upgrade",
            "this route speaks WebSocket: send a GET with Upgrade: websocket",
        )
    })?;
    // Live only: register before the handshake is answered, so every event committed after the
    // client sees the upgrade reaches it. With `since`, the session registers after replaying.
    let subscriber = match sub.since() {
        None => Some(
            state
                .hub
                .subscribe(sub.audiences(), sub.start())
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "SERVICE_UNAVAILABLE",
                        "the server is shutting down",
                    )
                })?,
        ),
        Some(_) => None,
    };
    actix_web::rt::spawn(session::run(session::Conn {
        session,
        stream: stream.max_frame_size(MAX_CLIENT_FRAME),
        ordo: state.ordo.clone(),
        hub: state.hub.clone(),
        limiter: state.limiter.clone(),
        rate_key,
        sub,
        token,
        subscriber,
        kind,
    }));
    Ok(crate::routes::limited(response, limit))
}

/// The two routes, mounted and documented (`routes::realtime`) from this table.
pub(crate) fn endpoints() -> Vec<crate::routes::Endpoint> {
    use crate::routes::{Endpoint, realtime};
    vec![
        realtime::orders(Endpoint::get("/ws/orders", orders)),
        realtime::notifications(Endpoint::get("/ws/notifications", notifications)),
    ]
}

/// Unsent bytes the kernel may hold for one connection before the socket stops taking more.
///
/// Without it Linux grows a socket's send buffer up to `net.ipv4.tcp_wmem` (4 MiB by default)
/// for a client that does not read, so megabytes would pile up in the kernel before the
/// per-connection queue filled and the client was closed. `TCP_NOTSENT_LOWAT` caps the part not
/// yet sent, not the part in flight, so throughput to a client that reads is unaffected.
const UNSENT_LIMIT: u32 = 32 * 1024;

/// For `HttpServer::on_connect`: caps the unsent bytes of every accepted connection.
pub(crate) fn limit_unsent(conn: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Err(e) = socket2::SockRef::from(tcp).set_tcp_notsent_lowat(UNSENT_LIMIT) {
            tracing::debug!(error = %e, "TCP_NOTSENT_LOWAT not set");
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let _ = (tcp, UNSENT_LIMIT);
    }
}

/// Resolves on SIGINT or SIGTERM, after telling every session to close with 1001: actix then
/// stops gracefully, waiting for the connections to finish.
pub(crate) async fn shutdown_on_signal(hub: Hub) {
    wait_for_signal().await;
    tracing::info!("shutting down: closing WebSocket sessions");
    hub.shutdown();
}

#[cfg(unix)]
async fn wait_for_signal() {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = actix_web::rt::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server");
            let _ = actix_web::rt::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = actix_web::rt::signal::ctrl_c().await;
}
