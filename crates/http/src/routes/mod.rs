//! The routes, one module per resource. Each path accepts a trailing slash.

mod audit;
mod auth;
mod compat;
mod notifications;
mod ops;
mod orders;
mod patients;
mod people;
mod products;

use crate::error::ApiError;
use actix_web::{HttpResponse, web};
use ordo_domain::order::query::Page;
use ordo_domain::ports::Listing;
use ordo_domain::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `{"status":"success","data":…}`.
pub(crate) fn success<T: Serialize>(status: actix_web::http::StatusCode, data: &T) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "status": "success", "data": data }))
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
        "meta": { "total": total, "limit": limit, "offset": offset },
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    limit: Option<String>,
    offset: Option<String>,
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

async fn wrong_method() -> Result<HttpResponse, ApiError> {
    Err(ApiError::wrong_method())
}

/// A resource at `path` and `path/`, answering 405 in the error shape for other methods.
pub(crate) fn resource(
    path: &str,
    routes: impl Fn(actix_web::Resource) -> actix_web::Resource,
) -> [actix_web::Resource; 2] {
    let make = |p: String| routes(web::resource(p)).default_service(web::to(wrong_method));
    [make(path.to_owned()), make(format!("{path}/"))]
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for r in ops::resources()
        .into_iter()
        .chain(crate::metrics::resources())
        .chain(auth::resources())
        .chain(people::resources())
        .chain(orders::resources())
        .chain(patients::resources())
        .chain(products::resources())
        .chain(audit::resources())
        .chain(compat::resources())
        .chain(notifications::resources())
        .chain(crate::ws::resources())
    {
        cfg.service(r);
    }
}
