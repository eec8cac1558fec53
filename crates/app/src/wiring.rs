//! Wiring: the adapters plugged into the domain's ports.

use crate::config::Config;
use crate::system::{SystemClock, TimeOrderedIds};
use ordo_auth::{Argon2idHasher, JwtCodec};
use ordo_domain::usecases::{Ordo, Ports, Settings};
use ordo_store::{CachedRevocations, Store, StoreOptions};
use std::sync::Arc;
use std::time::Duration;

/// Issuer and audience of ordo's tokens.
pub const ISSUER: &str = "ordo";
/// The audience: the API.
pub const AUDIENCE: &str = "ordo-api";

/// The longest a log-out on another instance takes to reach this one.
pub const REVOCATION_STALENESS: Duration = Duration::from_secs(2);

/// Opens the store (running migrations) and builds the use cases over it.
pub fn build(config: &Config) -> Result<(Store, Ordo), String> {
    let store = Store::open(
        &config.database,
        StoreOptions {
            pool_size: config.pool_size,
            timeout: Duration::from_secs(5),
        },
    )
    .map_err(|e| e.to_string())?;
    let p = store.ports();
    let ports = Ports {
        orders: p.orders,
        products: p.products,
        patients: p.patients,
        placement: p.placement,
        users: p.users,
        territories: p.territories,
        audit: p.audit,
        events: p.events,
        notifications: p.notifications,
        idempotency: p.idempotency,
        // Logged-out tokens are checked in memory; other instances' log-outs arrive within
        // REVOCATION_STALENESS (docs/OPERATIONS.md).
        revoked: Arc::new(CachedRevocations::new(p.revoked, REVOCATION_STALENESS)),
        uow: p.uow,
        clock: Arc::new(SystemClock),
        ids: Arc::new(TimeOrderedIds),
        hasher: Arc::new(Argon2idHasher::owasp()),
        tokens: Arc::new(JwtCodec::new(&config.jwt_secret, ISSUER, AUDIENCE)),
    };
    let settings = Settings {
        token_ttl_secs: config.token_ttl_secs,
        email_enabled: config.email_enabled,
        event_retention: config.event_retention,
        ..Settings::default()
    };
    Ok((store, Ordo::new(ports, settings)))
}

/// Starts the WebSocket fan-out and plugs the store's wake-ups into it (this instance's commits;
/// other instances' through PostgreSQL notifications). Keep the watch for as long as serving.
pub fn realtime(
    store: &Store,
    ordo: &Ordo,
    settings: ordo_http::ws::WsSettings,
) -> Result<(ordo_http::ws::Hub, ordo_store::EventWatch), String> {
    let hub = ordo_http::ws::Hub::start(ordo.clone(), settings)?;
    let watch = store
        .on_new_events(hub.waker())
        .map_err(|e| e.to_string())?;
    Ok((hub, watch))
}
