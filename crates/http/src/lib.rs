//! `ordo-http`: the actix-web REST API and the actix-ws WebSocket front end (`ws`).
//!
//! It owns the HTTP edge only: requests become domain value types here, use cases run on actix's
//! blocking pool (Diesel and argon2 never run on the executor), and `ordo_domain::Error` maps
//! once to the API's error shape ([`error::ApiError`]). It decides no rule of its own.

pub mod error;
mod extract;
pub mod limits;
pub mod metrics;
mod openapi;
mod panics;
mod request_id;
mod routes;
mod sessions;
mod throttle;
pub mod ws;

pub use throttle::LoginThrottle;

pub use extract::Caller;
pub use sessions::SessionCache;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use error::ApiError;
use ordo_domain::usecases::Ordo;
use std::net::TcpListener;
use std::sync::Arc;

/// Largest accepted request body (SPEC §3).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Whether the service can take traffic: database reachable, migrations applied.
pub type ReadinessProbe = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct AppState {
    /// The use cases.
    pub ordo: Ordo,
    /// The readiness check behind `/ready`.
    pub ready: ReadinessProbe,
    /// Failed log-ins per account and address.
    pub login_throttle: Arc<LoginThrottle>,
    /// Per-territory request limits.
    pub limiter: Arc<limits::Limiter>,
    /// The WebSocket fan-out of this instance.
    pub hub: ws::Hub,
    /// Sessions authenticated in the last moment.
    pub sessions: Arc<SessionCache>,
}

/// Runs a use case on actix's blocking pool: Diesel and argon2 never block the executor.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ordo_domain::Error> + Send + 'static,
    T: Send + 'static,
{
    match web::block(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

/// Mounts every route and the error handlers on an app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extract::json_config())
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .configure(routes::configure);
}

/// The server, listening on `listener` until it is stopped.
pub fn server(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    metrics::install();
    // On SIGINT or SIGTERM the WebSockets get their close frame first; then actix stops
    // gracefully (SPEC §11).
    let shutdown = ws::shutdown_on_signal(state.hub.clone());
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(panics::middleware))
            .wrap(actix_web::middleware::from_fn(metrics::middleware))
            .wrap(actix_web::middleware::from_fn(request_id::middleware))
            .configure(configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::no_route())
            }))
    })
    .on_connect(ws::limit_unsent)
    .listen(listener)?
    .shutdown_signal(shutdown)
    .shutdown_timeout(10)
    .run();
    Ok(server)
}
