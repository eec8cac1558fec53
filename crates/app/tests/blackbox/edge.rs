//! The edge: one error shape for everything, request ids, health and readiness.

use crate::server::{Server, agent, error_code, send};

#[test]
fn every_failure_has_the_error_shape() {
    let s = Server::start();
    let (status, body) = send(agent().get(&s.url("/no/such/route")).call());
    assert_eq!((status, error_code(&body)), (404, "NOT_FOUND"));

    let (status, body) = send(agent().delete(&s.url("/api/v1/auth/login")).call());
    assert_eq!((status, error_code(&body)), (405, "METHOD_NOT_ALLOWED"));

    let (status, body) = send(
        agent()
            .post(&s.url("/api/v1/auth/login"))
            .content_type("text/plain")
            .send("{}"),
    );
    assert_eq!((status, error_code(&body)), (415, "UNSUPPORTED_MEDIA_TYPE"));

    let (status, body) = send(
        agent()
            .post(&s.url("/api/v1/auth/login"))
            .content_type("application/json")
            .send("{\"email\":"),
    );
    assert_eq!((status, error_code(&body)), (400, "VALIDATION_ERROR"));

    let (status, body) = send(
        agent()
            .post(&s.url("/api/v1/auth/login"))
            .content_type("application/json")
            .send(r#"{"email":"a@b.co","password":"x","role":"admin"}"#),
    );
    assert_eq!(
        (status, error_code(&body)),
        (400, "VALIDATION_ERROR"),
        "unknown fields are refused"
    );

    let big = format!("{{\"email\":\"{}\"}}", "a".repeat(70 * 1024));
    let (status, body) = send(
        agent()
            .post(&s.url("/api/v1/auth/login"))
            .content_type("application/json")
            .send(&big),
    );
    assert_eq!((status, error_code(&body)), (413, "PAYLOAD_TOO_LARGE"));
}

#[test]
fn trailing_slashes_request_ids_health_and_readiness() {
    let s = Server::start();
    let res = agent().get(&s.url("/health/")).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let id = res
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(id.len() >= 16);
    let res = agent()
        .get(&s.url("/health"))
        .header("X-Request-Id", "abc-123")
        .call()
        .unwrap();
    assert_eq!(
        res.headers().get("x-request-id").unwrap(),
        "abc-123",
        "a sane incoming id is kept"
    );
    let (status, body) = send(agent().get(&s.url("/ready")).call());
    assert_eq!(
        (status, &body["data"]["ready"]),
        (200, &serde_json::json!(true))
    );
}

#[test]
fn metrics_count_requests_by_route_pattern() {
    let s = Server::start();
    let admin = s.admin_token();
    let _ = agent()
        .get(&s.url("/api/v1/users/00000000-0000-0000-0000-000000000001"))
        .header("Authorization", &format!("Bearer {admin}"))
        .call();
    // A path no route takes counts under one label, whatever the path.
    let _ = agent().get(&s.url("/api/v1/nowhere/12345")).call();
    let mut res = agent().get(&s.url("/metrics")).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let text = res.body_mut().read_to_string().unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(
        text.contains(r#"route="/api/v1/users/{id}""#),
        "patterns, not concrete ids: {text}"
    );
    assert!(!text.contains("00000000-0000-0000-0000-000000000001"));
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(!text.contains("nowhere"), "{text}");
    assert!(text.contains(r#"method="GET""#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"));
}
