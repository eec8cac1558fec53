//! `/metrics`: Prometheus text, recorded with the `metrics` facade and rendered by
//! `metrics-exporter-prometheus` (no listener of its own: ordo serves the text on its port).
//!
//! Requests are counted by route pattern (`/api/v1/users/{id}`, never the concrete path, so ids
//! cannot explode the label set), method and status, with a latency histogram.

use crate::routes::RoutePattern;
use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder, installed on first use (a second server in the same process, as in
/// tests, shares it).
fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .ok()
                .and_then(|b| b.install_recorder().ok())
        })
        .as_ref()
}

/// Installs the recorder; call once at start.
pub fn install() {
    let _ = handle();
}

pub(crate) async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    // Routing has run: the resource that took the request left its pattern.
    let route = res
        .request()
        .app_data::<RoutePattern>()
        .map_or("unmatched", |p| p.0);
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// A method as a label that needs no allocation; methods no route takes count together.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

async fn render() -> HttpResponse {
    let text = handle().map(PrometheusHandle::render).unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}

pub(crate) fn endpoints() -> Vec<crate::routes::Endpoint> {
    vec![
        crate::routes::Endpoint::get("/metrics", render)
            .summary("Prometheus metrics")
            .describe(
                "Requests by route pattern, method and status with latency histograms, \
                 WebSocket connections and events, notification deliveries.",
            )
            .tag("operations")
            .public()
            .media("text/plain; version=0.0.4"),
    ]
}
