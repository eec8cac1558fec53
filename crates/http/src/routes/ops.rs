//! Operations: liveness and readiness.

use super::{Endpoint, success, tagged};
use crate::AppState;
use crate::error::ApiError;
use crate::openapi::Code;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use schemars::JsonSchema;
use serde::Serialize;

/// `GET /health`.
#[derive(Debug, Serialize, JsonSchema)]
struct Health {
    /// Always true: the process answers.
    healthy: bool,
}

/// `GET /ready`.
#[derive(Debug, Serialize, JsonSchema)]
struct Ready {
    /// Always true in a `200`; a `503` says why not.
    ready: bool,
}

async fn health() -> HttpResponse {
    success(StatusCode::OK, &Health { healthy: true })
}

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let probe = state.ready.clone();
    match web::block(move || probe()).await {
        Ok(Ok(())) => Ok(success(StatusCode::OK, &Ready { ready: true })),
        Ok(Err(why)) => {
            tracing::warn!(reason = %why, "not ready");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "not ready",
            ))
        }
        Err(e) => Err(ApiError::internal(&e)),
    }
}

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "operations",
        vec![
            Endpoint::get("/health", health)
                .summary("Liveness: the process answers")
                .public()
                .ok::<Health>(),
            Endpoint::get("/ready", ready)
                .summary("Readiness: database reachable, migrations applied, dispatcher alive")
                .public()
                .ok::<Ready>()
                .errors(&[Code::Unavailable]),
        ],
    )
}
