//! `/metrics`: Prometheus text, recorded with the `metrics` facade and rendered by
//! `metrics-exporter-prometheus` (no listener of its own: ordo serves the text on its port).
//!
//! Requests are counted by route pattern (`/api/v1/users/{id}`, never the concrete path, so ids
//! cannot explode the label set), method and status, with a latency histogram.

use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
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
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let res = next.call(req).await?;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
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
