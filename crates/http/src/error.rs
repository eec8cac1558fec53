//! The one error shape of the API (SPEC §3), and the single mapping from the domain's errors.
//!
//! `{"status":"error","error":{"code":…,"message":…,"details":{…}}}` for everything: handler
//! errors, extractor errors, unknown routes, wrong methods and oversized bodies.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use ordo_domain::Error;
use serde_json::{Map, Value, json};
use std::fmt;

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Map<String, Value>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Map::new(),
            retry_after: None,
        }
    }

    /// `RATE_LIMITED`, with the seconds to wait in `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let secs = retry_after_secs.max(1);
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many requests; retry later",
        )
        .with("retry_after", json!(secs));
        e.retry_after = Some(secs);
        e
    }

    /// Adds a detail.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.details.insert(key.to_owned(), value);
        self
    }

    /// `VALIDATION_ERROR` naming one field.
    pub fn field(path: &str, problem: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "the request is invalid",
        )
        .with("fields", json!({ path: problem }))
    }

    /// `NOT_FOUND` for a route that does not exist.
    pub fn no_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route")
    }

    /// `METHOD_NOT_ALLOWED` for a route that exists.
    pub fn wrong_method() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "method not allowed on this route",
        )
    }

    /// `UNAUTHENTICATED`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authentication required",
        )
    }

    /// `INTERNAL_ERROR`, without internals; the cause goes to the log only.
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The body of the answer: `{"status":"error","error":{"code","message","details"}}`.
    pub fn body(&self) -> Value {
        json!({
            "status": "error",
            "error": { "code": self.code, "message": self.message, "details": self.details },
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = self.body();
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(body)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        use StatusCode as S;
        match e {
            Error::Validation(fields) => {
                let map: Map<String, Value> = fields
                    .iter()
                    .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                    .collect();
                Self::new(S::BAD_REQUEST, "VALIDATION_ERROR", "the request is invalid")
                    .with("fields", Value::Object(map))
            }
            Error::InsufficientStock(short) => Self::new(
                S::BAD_REQUEST,
                "INSUFFICIENT_STOCK",
                "some products have insufficient stock",
            )
            .with(
                "stock_issues",
                serde_json::to_value(short).unwrap_or_default(),
            ),
            Error::Unauthenticated => Self::unauthenticated(),
            Error::PermissionDenied(why) => Self::new(S::FORBIDDEN, "PERMISSION_DENIED", why),
            Error::TerritoryMismatch(t) => {
                let e = Self::new(
                    S::FORBIDDEN,
                    "TERRITORY_MISMATCH",
                    "territory is not one of the caller's",
                );
                match t {
                    Some(t) => e.with("territory_id", Value::String(t.as_str().to_owned())),
                    None => e,
                }
            }
            Error::OrderNotFound => Self::new(S::NOT_FOUND, "ORDER_NOT_FOUND", "order not found"),
            Error::NotFound(what) => {
                Self::new(S::NOT_FOUND, "NOT_FOUND", format!("{what} not found"))
            }
            Error::InvalidStatus { from, to, allowed } => Self::new(
                S::CONFLICT,
                "INVALID_STATUS",
                format!("cannot change status from {from} to {to}"),
            )
            .with("from", json!(from))
            .with("to", json!(to))
            .with("allowed", json!(allowed)),
            Error::Conflict(why) => Self::new(S::CONFLICT, "CONFLICT", why),
            Error::Unavailable => Self::new(
                S::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the database is unavailable; nothing was changed",
            ),
            Error::Internal(cause) => Self::internal(&cause),
        }
    }
}
