//! Log-in, log-out and `me`.

use super::{Endpoint, success, tagged};
use crate::error::ApiError;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use ordo_domain::people::User;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A log-in.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    /// The account's e-mail (any case).
    email: String,
    /// Its password.
    password: String,
}

/// A signed-in session.
#[derive(Serialize, JsonSchema)]
struct LoggedIn {
    /// The bearer token for `Authorization: Bearer …`.
    access_token: String,
    /// Always `Bearer`.
    #[schemars(extend("const" = "Bearer"))]
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: i64,
    /// Who signed in.
    user: User,
}

/// The token of a log-out.
#[derive(Serialize, JsonSchema)]
struct Revoked {
    /// Always true: the token is refused from now on, by every instance.
    revoked: bool,
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
        &LoggedIn {
            access_token: out.access_token,
            token_type: "Bearer",
            expires_in: out.expires_in,
            user: out.user,
        },
    ))
}

async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let ordo = state.ordo.clone();
    blocking(move || ordo.logout(&caller.0)).await?;
    Ok(success(StatusCode::OK, &Revoked { revoked: true }))
}

async fn me(caller: Caller) -> HttpResponse {
    success(StatusCode::OK, &caller.0.user)
}

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "auth",
        vec![
            Endpoint::post("/api/v1/auth/login", login)
                .summary("Log in: a bearer token for an e-mail and password")
                .describe(
                    "A wrong e-mail and a wrong password answer alike. After 5 failures for one \
                     account in 15 minutes, or 20 from one address in a minute, `429` until the \
                     window passes.",
                )
                .public()
                .body::<Login>()
                .example(
                    "demo_admin",
                    "The demo data set's admin",
                    json!({ "email": "admin@ordo.demo", "password": "demo-admin-pass" }),
                )
                .ok::<LoggedIn>()
                .errors(&[Code::Unauthenticated, Code::RateLimited, Code::Unavailable]),
            Endpoint::post("/api/v1/auth/logout", logout)
                .summary("Log out: the token is refused from now on, by every instance")
                .ok::<Revoked>(),
            Endpoint::get("/api/v1/auth/me", me)
                .summary("The caller's user record")
                .ok::<User>(),
        ],
    )
}
