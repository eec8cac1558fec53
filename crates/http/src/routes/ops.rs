//! Operations: liveness and readiness.

use super::{resource, success};
use crate::AppState;
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

async fn health() -> HttpResponse {
    success(StatusCode::OK, &json!({ "healthy": true }))
}

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let probe = state.ready.clone();
    match web::block(move || probe()).await {
        Ok(Ok(())) => Ok(success(StatusCode::OK, &json!({ "ready": true }))),
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

pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/health", |r| r.route(web::get().to(health))));
    out.extend(resource("/ready", |r| r.route(web::get().to(ready))));
    out
}
