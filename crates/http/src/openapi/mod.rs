//! The OpenAPI 3.1 document of the API (`GET /api/v1/openapi.json`), generated from the code.
//!
//! Nothing here is written beside the routes: every route is an [`Endpoint`] of a module's table
//! (`routes::*::endpoints()`), which both mounts its handler and carries its [`Doc`]; the
//! document is built from those same tables, so a route cannot be served without being
//! described. Schemas come from the types themselves (`schemars::JsonSchema`, derived next to
//! their serde derives — in `ordo-domain` behind its `schema` feature): request bodies and query
//! strings with the *deserialize* contract, answers with the *serialize* contract. Error examples
//! are rendered by [`ApiError`] itself.
//!
//! - `document`: the generator (paths, components, security).
//! - `page.html`: the offline documentation page served at `/api/v1/docs`.
//!
//! [`Endpoint`]: crate::routes::Endpoint

mod document;

pub(crate) use document::document;

use crate::error::ApiError;
use actix_web::http::StatusCode;
use ordo_domain::Error;
use ordo_domain::auth::Role;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

/// Makes the schema of a part of a request or an answer.
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as a reference to `components/schemas` when `T` is a named type.
pub(crate) fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The schema of `T` itself, never a reference (for a query string, whose properties become
/// parameters).
pub(crate) fn inline_schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone, without a token.
    Public,
    /// Any signed-in user; the use case may narrow what they see.
    Users,
    /// Only these roles; others get `PERMISSION_DENIED`.
    Roles(&'static [Role]),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

impl Place {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Place::Path => "path",
            Place::Query => "query",
            Place::Header => "header",
        }
    }
}

/// One parameter of a route.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) name: &'static str,
    pub(crate) place: Place,
    pub(crate) required: bool,
    pub(crate) description: &'static str,
    pub(crate) schema: SchemaFn,
}

/// A named example of a request body.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    pub(crate) name: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) value: Value,
}

/// A JSON request body.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) schema: SchemaFn,
    /// Reads a value as the handler's body type would (the tests check the examples with it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) reads: fn(&Value) -> Result<(), String>,
    pub(crate) examples: Vec<Example>,
}

/// Whether `value` deserializes as a `T`.
pub(crate) fn reads_as<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), String> {
    T::deserialize(value).map(|_| ()).map_err(|e| e.to_string())
}

/// How a successful answer is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `{"status":"success","data":…}`.
    Data,
    /// `{"status":"success","data":[…],"meta":{"total","limit","offset"}}`.
    List,
    /// The value itself, as JSON (the seeds' compatibility routes, the document itself).
    Bare,
    /// Another media type (Prometheus text, the HTML page).
    Media(&'static str),
    /// A WebSocket handshake (`101 Switching Protocols`); the schema is that of the frames.
    Upgrade,
}

/// The successful answer of a route.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) shape: Shape,
    pub(crate) schema: Option<SchemaFn>,
    pub(crate) example: Option<Value>,
}

/// The documentation of one route: everything the OpenAPI operation says.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub(crate) summary: &'static str,
    pub(crate) description: &'static str,
    pub(crate) tag: &'static str,
    pub(crate) access: Access,
    /// Whether the route reads the optional `Territory-Id` header (every authenticated route
    /// but the WebSocket handshakes).
    pub(crate) territory_header: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) query: Option<SchemaFn>,
    pub(crate) body: Option<Body>,
    pub(crate) answer: Option<Answer>,
    /// The codes the route itself can give, besides those its access, parameters, body and
    /// rate limit imply (see [`Doc::codes`]).
    pub(crate) errors: Vec<Code>,
    /// Counted against a per-territory rate limit (`X-RateLimit-Limit`, `429`).
    pub(crate) limited: bool,
}

impl Default for Doc {
    fn default() -> Self {
        Self {
            summary: "",
            description: "",
            tag: "",
            access: Access::Users,
            territory_header: true,
            params: Vec::new(),
            query: None,
            body: None,
            answer: None,
            errors: Vec::new(),
            limited: false,
        }
    }
}

impl Doc {
    /// Every error code the route can answer with, in the order of [`Code::ALL`]: its own, and
    /// those implied by how it is called.
    pub(crate) fn codes(&self) -> Vec<Code> {
        let mut codes = self.errors.clone();
        if self.access != Access::Public {
            codes.push(Code::Unauthenticated);
            // Authentication reads the store (revocations, the user's active flag).
            codes.push(Code::Unavailable);
        }
        if let Access::Roles(_) = self.access {
            codes.push(Code::PermissionDenied);
        }
        if self.access != Access::Public && self.territory_header {
            // `Territory-Id`: not a territory code (400), or not one of the caller's (403).
            codes.push(Code::Validation);
            codes.push(Code::TerritoryMismatch);
        }
        if self.query.is_some() || self.params.iter().any(|p| p.place == Place::Query) {
            codes.push(Code::Validation);
        }
        if self.body.is_some() {
            codes.extend([
                Code::Validation,
                Code::PayloadTooLarge,
                Code::UnsupportedMediaType,
            ]);
        }
        if self.limited {
            codes.push(Code::RateLimited);
        }
        Code::ALL
            .into_iter()
            .filter(|c| codes.contains(c))
            .collect()
    }
}

/// An error code of the API (SPEC §3), with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Code {
    Validation,
    InsufficientStock,
    Unauthenticated,
    PermissionDenied,
    TerritoryMismatch,
    OrderNotFound,
    NotFound,
    MethodNotAllowed,
    InvalidStatus,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    Unavailable,
}

impl Code {
    /// Every code, by HTTP status.
    pub(crate) const ALL: [Code; 15] = [
        Code::Validation,
        Code::InsufficientStock,
        Code::Unauthenticated,
        Code::PermissionDenied,
        Code::TerritoryMismatch,
        Code::OrderNotFound,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::InvalidStatus,
        Code::Conflict,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::RateLimited,
        Code::Internal,
        Code::Unavailable,
    ];

    /// The code as answered, with its HTTP status and when it is given.
    pub(crate) fn meta(self) -> (&'static str, StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Code::Validation => (
                "VALIDATION_ERROR",
                S::BAD_REQUEST,
                "bad or missing fields, parameters or headers; `details.fields` names each with its problem",
            ),
            Code::InsufficientStock => (
                "INSUFFICIENT_STOCK",
                S::BAD_REQUEST,
                "not enough available stock; `details.stock_issues` lists every short line",
            ),
            Code::Unauthenticated => (
                "UNAUTHENTICATED",
                S::UNAUTHORIZED,
                "missing, malformed, expired or revoked token, or a wrong e-mail or password",
            ),
            Code::PermissionDenied => (
                "PERMISSION_DENIED",
                S::FORBIDDEN,
                "the caller's role does not allow the action",
            ),
            Code::TerritoryMismatch => (
                "TERRITORY_MISMATCH",
                S::FORBIDDEN,
                "the territory (header, body, query or resource) is not one of the caller's",
            ),
            Code::OrderNotFound => (
                "ORDER_NOT_FOUND",
                S::NOT_FOUND,
                "no such order, or one the caller may not know of",
            ),
            Code::NotFound => (
                "NOT_FOUND",
                S::NOT_FOUND,
                "no such resource (or one the caller may not know of)",
            ),
            Code::MethodNotAllowed => (
                "METHOD_NOT_ALLOWED",
                S::METHOD_NOT_ALLOWED,
                "the route exists, the method does not",
            ),
            Code::InvalidStatus => (
                "INVALID_STATUS",
                S::CONFLICT,
                "the workflow does not allow this change from the current status; `details.from`, `details.to`, `details.allowed`",
            ),
            Code::Conflict => (
                "CONFLICT",
                S::CONFLICT,
                "a unique key is taken, an idempotency key was reused with another body, or the resource changed since `If-Match`",
            ),
            Code::PayloadTooLarge => (
                "PAYLOAD_TOO_LARGE",
                S::PAYLOAD_TOO_LARGE,
                "the body is over 64 KiB",
            ),
            Code::UnsupportedMediaType => (
                "UNSUPPORTED_MEDIA_TYPE",
                S::UNSUPPORTED_MEDIA_TYPE,
                "the body is not `application/json`",
            ),
            Code::RateLimited => (
                "RATE_LIMITED",
                S::TOO_MANY_REQUESTS,
                "over a rate limit; wait `Retry-After` seconds",
            ),
            Code::Internal => (
                "INTERNAL_ERROR",
                S::INTERNAL_SERVER_ERROR,
                "a fault of the server; the message never carries internals",
            ),
            Code::Unavailable => (
                "SERVICE_UNAVAILABLE",
                S::SERVICE_UNAVAILABLE,
                "the database cannot be reached, or the server is shutting down; nothing was changed",
            ),
        }
    }

    /// The code as answered.
    pub(crate) fn name(self) -> &'static str {
        self.meta().0
    }

    /// Its HTTP status.
    pub(crate) fn status(self) -> StatusCode {
        self.meta().1
    }

    /// A representative error with this code, made by the same constructors the handlers use.
    pub(crate) fn example(self) -> ApiError {
        use actix_web::error::JsonPayloadError;
        use ordo_domain::ids::{ProductId, TerritoryId};
        use ordo_domain::order::OrderStatus;
        use ordo_domain::stock::Shortage;
        match self {
            Code::Validation => Error::field("items[0].quantity", "must be at least 1").into(),
            Code::InsufficientStock => Error::InsufficientStock(
                ProductId::new(1)
                    .into_iter()
                    .map(|product_id| Shortage {
                        product_id,
                        product_name: "Nitrile gloves (box of 100)".to_owned(),
                        requested: 5,
                        available: 2,
                        error: "insufficient stock. Available: 2, Requested: 5".to_owned(),
                    })
                    .collect(),
            )
            .into(),
            Code::Unauthenticated => ApiError::unauthenticated(),
            Code::PermissionDenied => {
                Error::PermissionDenied("only admins may do this".to_owned()).into()
            }
            Code::TerritoryMismatch => {
                Error::TerritoryMismatch(TerritoryId::parse("coast").ok()).into()
            }
            Code::OrderNotFound => Error::OrderNotFound.into(),
            Code::NotFound => Error::NotFound("patient").into(),
            Code::MethodNotAllowed => ApiError::wrong_method(),
            Code::InvalidStatus => Error::InvalidStatus {
                from: OrderStatus::Shipped,
                to: OrderStatus::Cancelled,
                allowed: vec![OrderStatus::Delivered],
            }
            .into(),
            Code::Conflict => {
                Error::Conflict("the order changed since version 2".to_owned()).into()
            }
            Code::PayloadTooLarge => crate::extract::json_error(JsonPayloadError::Overflow {
                limit: crate::BODY_LIMIT,
            }),
            Code::UnsupportedMediaType => crate::extract::json_error(JsonPayloadError::ContentType),
            Code::RateLimited => ApiError::rate_limited(12).with("limit", json!(100)),
            // Not `ApiError::internal`, which logs: building the document is no fault.
            Code::Internal => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "internal error",
            ),
            Code::Unavailable => Error::Unavailable.into(),
        }
    }
}

#[cfg(test)]
mod tests;
