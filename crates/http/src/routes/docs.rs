//! The API's own description: `GET /api/v1/openapi.json` (generated from the route tables, once
//! per process) and `GET /api/v1/docs`, a page that renders it with no asset from elsewhere.

use super::{Endpoint, tagged};
use actix_web::HttpResponse;
use actix_web::http::header;
use std::sync::OnceLock;

/// The page: plain HTML with inline style and script, which fetches the document from this
/// server. Nothing is loaded from another origin (the `Content-Security-Policy` says so too).
const PAGE: &str = include_str!("../openapi/page.html");

/// What the page may load: its own inline style and script, and the document from this origin.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
                           style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
                           base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The document as served: the route tables do not change while the process runs.
pub(crate) fn document_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| crate::openapi::document(&super::endpoints()).to_string())
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_text())
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .body(PAGE)
}

/// The document describes itself as any JSON object: its own schema is OpenAPI 3.1's.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
#[schemars(description = "An OpenAPI 3.1 document.")]
struct OpenApiDocument(serde_json::Map<String, serde_json::Value>);

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "operations",
        vec![
            Endpoint::get("/api/v1/openapi.json", openapi)
                .summary("This document: OpenAPI 3.1 of every route, generated from the code")
                .public()
                .bare::<OpenApiDocument>(200),
            Endpoint::get("/api/v1/docs", page)
                .summary("A page that renders this document (works offline)")
                .public()
                .media("text/html; charset=utf-8"),
        ],
    )
}
