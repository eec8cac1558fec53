//! Extractors: the authenticated caller, and JSON bodies whose errors take the API's shape.

use crate::error::ApiError;
use crate::{AppState, blocking};
use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use ordo_domain::ids::TerritoryId;
use ordo_domain::usecases::Session;
use std::future::Future;
use std::pin::Pin;

/// The authenticated caller of a request: a bearer token checked fully (signature, algorithm,
/// expiry, issuer, audience, revocation, and a user who is still active), and the optional
/// `Territory-Id` header, which must name one of the caller's territories.
#[derive(Debug, Clone)]
pub struct Caller(pub Session, pub Option<TerritoryId>);

impl Caller {
    /// The `Territory-Id` header, checked against the caller's territories.
    pub fn territory_header(&self) -> Option<&TerritoryId> {
        self.1.as_ref()
    }
}

/// The `Territory-Id` header, parsed: absent, or a territory code.
fn territory_header(req: &HttpRequest) -> Result<Option<TerritoryId>, ApiError> {
    let Some(value) = req.headers().get("territory-id") else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::field("Territory-Id", "must be a territory code"))?;
    TerritoryId::parse(text)
        .map(Some)
        .map_err(|e| ApiError::field("Territory-Id", &e.to_string()))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = territory_header(req);
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::unauthenticated());
            };
            let session = match state.sessions.get(&token) {
                // Kept a moment ago: only expiry and revocation need checking again, from
                // memory when the revocations are fresh (no hop to the blocking pool).
                Some(kept) => {
                    match state.ordo.revalidate_if_known(&kept) {
                        Some(checked) => checked?,
                        None => {
                            let ordo = state.ordo.clone();
                            let check = kept.clone();
                            blocking(move || ordo.revalidate(&check)).await?;
                        }
                    }
                    kept
                }
                None => {
                    let ordo = state.ordo.clone();
                    let (session, token) =
                        blocking(move || ordo.authenticate(&token).map(|s| (s, token))).await?;
                    state.sessions.put(token, session.clone());
                    session
                }
            };
            let header = header?;
            // The rule is the domain's: admins hold every territory, others only theirs.
            session
                .actor
                .check_header(header.as_ref())
                .map_err(ApiError::from)?;
            Ok(Caller(session, header))
        })
    }
}

/// Query strings: every failure in the error shape, naming the parameter when serde can.
pub(crate) fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::field("query", &err.to_string()).into())
}

/// Path segments: a malformed segment means no such resource.
pub(crate) fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req| ApiError::no_route().into())
}

/// JSON bodies: limited to 64 KiB, `application/json` only, and every failure in the error shape.
pub(crate) fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(crate::BODY_LIMIT)
        .content_type_required(true)
        .error_handler(|err, _req| json_error(err).into())
}

pub(crate) fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "the body must be application/json",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the body is over 64 KiB",
            )
        }
        JsonPayloadError::Deserialize(e) => ApiError::field("body", &e.to_string()),
        other => ApiError::field("body", &other.to_string()),
    }
}
