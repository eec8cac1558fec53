//! The API's own description, from outside: `GET /api/v1/openapi.json` without a token, the
//! offline documentation page, and a document whose security says what the server does.

use crate::server::{Server, agent, error_code, send};
use serde_json::Value;

fn document(s: &Server) -> Value {
    let mut res = agent().get(&s.url("/api/v1/openapi.json")).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
fn the_document_is_served_without_a_token() {
    let s = Server::start();
    let doc = document(&s);
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/api/v1/orders", "post"),
        ("/api/v1/orders/{id}/status", "put"),
        ("/api/orders", "post"),
        ("/ws/orders", "get"),
        ("/api/v1/openapi.json", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    assert!(doc["paths"]["/ws/orders"]["get"]["responses"]["101"].is_object());
    let (status, _) = send(agent().get(&s.url("/api/v1/openapi.json/")).call());
    assert_eq!(status, 200, "a trailing slash too");
}

#[test]
fn the_docs_page_works_offline() {
    let s = Server::start();
    let mut res = agent().get(&s.url("/api/v1/docs")).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("text/html"));
    let policy = header("content-security-policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let page = res.body_mut().read_to_string().unwrap();
    assert!(
        page.contains("/api/v1/openapi.json"),
        "it renders the document"
    );
    let lower = page.to_lowercase();
    for external in [
        "http://",
        "https://",
        "src=\"//",
        "href=\"//",
        "url(//",
        "@import",
    ] {
        assert!(
            !lower.contains(external),
            "the page references nothing outside this server: {external}"
        );
    }
}

/// Every operation the document does not mark public refuses a request without a token with
/// `401` in the error shape; the public ones answer without one.
#[test]
fn the_document_says_which_routes_need_a_token() {
    let s = Server::start();
    let doc = document(&s);
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "00000000-0000-4000-8000-000000000001"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in item.as_object().unwrap() {
            let public = op["security"] == Value::Array(Vec::new());
            let with_body = matches!(method.as_str(), "post" | "put" | "patch");
            let request = ureq::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(s.url(&uri))
                .header("content-type", "application/json")
                .body(if with_body {
                    b"{}".to_vec()
                } else {
                    Vec::new()
                })
                .unwrap();
            let (status, body) = send(agent().run(request));
            if public {
                if method == "get" {
                    assert_eq!(status, 200, "{method} {path} is public");
                }
            } else {
                assert_eq!(status, 401, "{method} {path} needs a token: {body}");
                assert_eq!(error_code(&body), "UNAUTHENTICATED");
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked} operations");
}
