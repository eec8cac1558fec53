//! The routes, one module per resource. Each path accepts a trailing slash.
//!
//! Every module's `endpoints()` is a table of [`Endpoint`]s: the handler and the documentation of
//! each route in one value. [`configure`] mounts those tables and nothing else, and the OpenAPI
//! document (`crate::openapi`) is generated from the same tables.

mod audit;
mod auth;
mod compat;
mod docs;
mod endpoint;
mod notifications;
mod ops;
mod orders;
mod patients;
mod people;
mod products;
pub(crate) mod realtime;

#[cfg(test)]
pub(crate) use docs::document_text as served_document;
pub(crate) use endpoint::{Endpoint, tagged};

use crate::error::ApiError;
use actix_web::{HttpResponse, web};
use ordo_domain::order::query::Page;
use ordo_domain::ports::Listing;
use ordo_domain::validation::FieldErrors;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `{"status":"success","data":…}`.
pub(crate) fn success<T: Serialize>(status: actix_web::http::StatusCode, data: &T) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "status": "success", "data": data }))
}

/// The `meta` of a list.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ListMeta {
    /// Rows matching, over all pages.
    total: u64,
    /// Page size used (the default, or the `limit` asked for, capped).
    limit: u64,
    /// Rows skipped.
    offset: u64,
}

/// `{"status":"success","data":[…],"meta":{"total":N,"limit":L,"offset":O}}`.
pub(crate) fn list_response<T: Serialize>(
    rows: &[T],
    total: u64,
    limit: u64,
    offset: u64,
) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "status": "success",
        "data": rows,
        "meta": ListMeta { total, limit, offset },
    }))
}

/// A page of a listing, answered with its `meta`.
pub(crate) struct Listed<T>(pub Listing<T>, pub Page);

impl<T: Serialize> From<Listed<T>> for HttpResponse {
    fn from(Listed(listing, page): Listed<T>) -> Self {
        list_response(
            &listing.rows,
            listing.total,
            u64::from(page.limit()),
            page.offset(),
        )
    }
}

/// Paging parameters: `limit`, and `offset` or its alias `skip`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    /// Page size: default 20, at most 100.
    limit: Option<String>,
    /// Rows to skip (default 0).
    offset: Option<String>,
    /// Alias of `offset` (the e-commerce seed's name).
    skip: Option<String>,
}

impl PageQuery {
    pub(crate) fn page(self) -> Result<Page, ApiError> {
        let mut e = FieldErrors::new();
        let page = Page::parse(
            self.limit.as_deref(),
            self.offset.as_deref().or(self.skip.as_deref()),
            &mut e,
        );
        match page {
            Some(p) if e.is_empty() => Ok(p),
            _ => Err(ordo_domain::Error::Validation(e).into()),
        }
    }
}

/// Counts a request of `class` against its territory's budget (the `Territory-Id` header, else
/// the caller's only territory, else `*`); returns the limit for `X-RateLimit-Limit`.
pub(crate) fn limit(
    state: &crate::AppState,
    caller: &crate::Caller,
    class: crate::limits::Class,
) -> Result<u32, ApiError> {
    let held = caller.0.actor.territories();
    let key = match caller.territory_header() {
        Some(h) => h.as_str().to_owned(),
        None if held.len() == 1 => held
            .iter()
            .next()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        None => "*".to_owned(),
    };
    state.limiter.check(class, &key)
}

/// Adds `X-RateLimit-Limit` to an answer.
pub(crate) fn limited(mut res: HttpResponse, limit: u32) -> HttpResponse {
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&limit.to_string()) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-ratelimit-limit"),
            v,
        );
    }
    res
}

/// `405 METHOD_NOT_ALLOWED` in the error shape, with the `Allow` header HTTP requires.
fn wrong_method(allow: &str) -> HttpResponse {
    use actix_web::ResponseError;
    let mut res = ApiError::wrong_method().error_response();
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(allow) {
        res.headers_mut().insert(actix_web::http::header::ALLOW, v);
    }
    res
}

/// The pattern of the resource that routed a request (`/api/v1/orders/{id}`, for its twin with
/// a trailing slash too), for the metrics: read from the request after routing, where asking
/// actix for the pattern (`match_pattern`) matches the path against every resource again — 3%
/// of the server's CPU in a get-order profile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoutePattern(pub(crate) &'static str);

/// A resource at `path` and `path/` with the routes of `endpoints` (all of that path), answering
/// 405 for other methods.
fn resource(path: &'static str, endpoints: &[&Endpoint]) -> [actix_web::Resource; 2] {
    let allow: Vec<&str> = endpoints.iter().map(|e| e.method.as_str()).collect();
    let allow = allow.join(", ");
    let make = |p: String| {
        let allow = allow.clone();
        endpoints
            .iter()
            .fold(web::resource(p).app_data(RoutePattern(path)), |r, e| {
                r.route(e.route())
            })
            .default_service(web::to(move || {
                let res = wrong_method(&allow);
                async move { res }
            }))
    };
    [make(path.to_owned()), make(format!("{path}/"))]
}

/// Every route, in the order they are matched (fixed segments before `{id}` within a module).
pub(crate) fn endpoints() -> Vec<Endpoint> {
    ops::endpoints()
        .into_iter()
        .chain(crate::metrics::endpoints())
        .chain(docs::endpoints())
        .chain(auth::endpoints())
        .chain(people::endpoints())
        .chain(orders::endpoints())
        .chain(patients::endpoints())
        .chain(products::endpoints())
        .chain(audit::endpoints())
        .chain(compat::endpoints())
        .chain(notifications::endpoints())
        .chain(crate::ws::endpoints())
        .collect()
}

/// Mounts `endpoints`: one resource per path (and its trailing-slash twin), in the order of
/// first appearance, each with the routes of its methods.
pub(crate) fn mount(cfg: &mut web::ServiceConfig, endpoints: &[Endpoint]) {
    let mut paths: Vec<&'static str> = Vec::new();
    for e in endpoints {
        if !paths.contains(&e.path) {
            paths.push(e.path);
        }
    }
    for path in paths {
        let here: Vec<&Endpoint> = endpoints.iter().filter(|e| e.path == path).collect();
        for r in resource(path, &here) {
            cfg.service(r);
        }
    }
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    mount(cfg, &endpoints());
}
