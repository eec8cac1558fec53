//! Log-in, log-out and `me`.

use super::{resource, success};
use crate::error::ApiError;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    password: String,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { email, password } = body.into_inner();
    let account = email.trim().to_lowercase();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let throttle = state.login_throttle.clone();
    if let Some(secs) = throttle.retry_after(&account, &address) {
        return Err(ApiError::rate_limited(secs));
    }
    let ordo = state.ordo.clone();
    let out = match blocking(move || ordo.login(&email, &password)).await {
        Ok(out) => {
            throttle.succeeded(&account);
            out
        }
        Err(e) => {
            if e.code() == "UNAUTHENTICATED" {
                throttle.failed(&account, &address);
            }
            return Err(e);
        }
    };
    Ok(success(
        StatusCode::OK,
        &json!({
            "access_token": out.access_token,
            "token_type": "Bearer",
            "expires_in": out.expires_in,
            "user": out.user,
        }),
    ))
}

async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let ordo = state.ordo.clone();
    blocking(move || ordo.logout(&caller.0)).await?;
    Ok(success(StatusCode::OK, &json!({ "revoked": true })))
}

async fn me(caller: Caller) -> HttpResponse {
    success(StatusCode::OK, &caller.0.user)
}

pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/api/v1/auth/login", |r| {
        r.route(web::post().to(login))
    }));
    out.extend(resource("/api/v1/auth/logout", |r| {
        r.route(web::post().to(logout))
    }));
    out.extend(resource("/api/v1/auth/me", |r| r.route(web::get().to(me))));
    out
}
