//! The routes, one module per resource. Each path accepts a trailing slash.

mod auth;
mod ops;

use crate::error::ApiError;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

/// `{"status":"success","data":…}`.
pub(crate) fn success<T: Serialize>(status: actix_web::http::StatusCode, data: &T) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "status": "success", "data": data }))
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
    for r in ops::resources().into_iter().chain(auth::resources()) {
        cfg.service(r);
    }
}
