//! Tests of the OpenAPI document: it is what the server mounts, nothing less and nothing more,
//! and it is whole (every reference resolves, every operation lists its errors, every example
//! reads as the handler reads it).

use super::document::TAGS;
use super::{Code, Place};
use crate::error::ApiError;
use crate::routes::{self, Endpoint};
use actix_web::http::Method;
use actix_web::test as actix_test;
use actix_web::{App, HttpResponse, web};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn doc() -> Value {
    // Exactly what is served: the text, parsed back.
    serde_json::from_str(routes::served_document()).expect("the document is JSON")
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            out.push((method.to_uppercase(), path.clone(), op));
        }
    }
    out
}

/// A concrete path for a template: `{id}` becomes `1`.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_document_is_openapi_3_1_with_a_bearer_scheme() {
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string());
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["bearer"], Value::Array(Vec::new()));
}

#[test]
fn every_mounted_route_is_documented_with_its_method_and_nothing_else_is() {
    let doc = doc();
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let mounted: BTreeSet<(String, String)> = routes::endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(documented, mounted);
    assert_eq!(
        mounted.len(),
        routes::endpoints().len(),
        "a method and path are mounted once"
    );
}

#[test]
fn the_routes_listed_in_api_md_are_all_in_the_document() {
    // The hand-written table of docs/API.md, checked against the generated document.
    let text = include_str!("../../../../docs/API.md");
    let doc = doc();
    let mut missing = Vec::new();
    let mut seen = 0;
    for cell in text.split('`') {
        let mut words = cell.split_whitespace();
        let (Some(methods), Some(path)) = (words.next(), words.next()) else {
            continue;
        };
        if !path.starts_with('/') || !methods.chars().all(|c| c.is_ascii_uppercase() || c == '/') {
            continue;
        }
        let path = path.split(['?', '[']).next().unwrap_or(path);
        let path = path.trim_end_matches('/');
        for method in methods.split('/').filter(|m| !m.is_empty()) {
            seen += 1;
            if doc["paths"][path][method.to_lowercase()].is_null() {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(seen > 40, "API.md's table was read ({seen} routes)");
    assert!(
        missing.is_empty(),
        "in API.md, not in the document: {missing:?}"
    );
}

#[actix_web::test]
async fn every_documented_operation_is_served_and_other_methods_answer_405_with_allow() {
    let app = actix_test::init_service(App::new().configure(crate::configure).default_service(
        web::to(|| async { Err::<HttpResponse, _>(ApiError::no_route()) }),
    ))
    .await;
    let doc = doc();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let uri = concrete(path);
        let declared: Vec<&str> = METHODS
            .into_iter()
            .filter(|m| item.get(*m).is_some())
            .collect();
        for method in METHODS {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            for uri in [uri.clone(), format!("{uri}/")] {
                let req = actix_test::TestRequest::default()
                    .method(m.clone())
                    .uri(&uri)
                    .to_request();
                let res = actix_test::call_service(&app, req).await;
                let status = res.status().as_u16();
                if declared.contains(&method) {
                    // Reached a handler: anything but "no such route" and "wrong method" (no
                    // app state here, so most answer 401 or 500).
                    let body = actix_test::read_body(res).await;
                    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let no_route = status == 404 && body["error"]["message"] == "no such route";
                    assert!(
                        !no_route && status != 405,
                        "{method} {uri} is documented but not served ({status})"
                    );
                } else {
                    assert_eq!(status, 405, "{method} {uri} is served but not documented");
                    let allow = res
                        .headers()
                        .get("allow")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let mut allowed: Vec<String> =
                        allow.split(", ").map(str::to_lowercase).collect();
                    allowed.sort();
                    let mut expected: Vec<String> =
                        declared.iter().map(|m| (*m).to_owned()).collect();
                    expected.sort();
                    assert_eq!(allowed, expected, "Allow of {uri}");
                }
            }
        }
    }
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                out.push(r);
            }
            o.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves_and_every_component_is_used() {
    let doc = doc();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100, "the document refers to its components");
    for r in &all {
        let pointer = r.strip_prefix('#').unwrap_or(r);
        assert!(r.starts_with("#/"), "{r} is local");
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    let used: BTreeSet<&str> = all.iter().filter_map(|r| r.rsplit('/').next()).collect();
    for name in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        assert!(
            used.contains(name.as_str()),
            "component {name} is never used"
        );
    }
}

#[test]
fn every_operation_lists_its_errors_in_the_error_shape() {
    let doc = doc();
    let by_name: BTreeMap<&str, Code> = Code::ALL.iter().map(|c| (c.name(), *c)).collect();
    for (method, path, op) in operations(&doc) {
        let here = format!("{method} {path}");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2') || s == "101"),
            "{here}: a success"
        );
        assert_eq!(
            responses["500"]["$ref"], "#/components/responses/InternalError",
            "{here}: 500"
        );
        let listed: Vec<&str> = op["x-error-codes"]
            .as_array()
            .expect("x-error-codes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut answered = Vec::new();
        for (status, response) in responses {
            if !(status.starts_with('4') || status == "503") {
                continue;
            }
            let pointer = response["$ref"].as_str().expect("a shared error answer");
            let response = doc
                .pointer(pointer.trim_start_matches('#'))
                .expect("it resolves");
            let media = &response["content"]["application/json"];
            let schema = &media["schema"]["allOf"];
            assert_eq!(
                schema[0]["$ref"], "#/components/schemas/Error",
                "{here} {status}"
            );
            let codes = schema[1]["properties"]["error"]["properties"]["code"]["enum"]
                .as_array()
                .expect("the codes of the status");
            for code in codes.iter().filter_map(Value::as_str) {
                let c = by_name
                    .get(code)
                    .unwrap_or_else(|| panic!("{here}: {code}"));
                assert_eq!(c.status().as_str(), status, "{here}: {code}");
                let example = &media["examples"][code]["value"];
                assert_eq!(example["status"], "error", "{here}: {code}");
                assert_eq!(example["error"]["code"], code, "{here}: {code}");
                assert!(example["error"]["details"].is_object(), "{here}: {code}");
                answered.push(code);
            }
        }
        answered.sort_by_key(|c| by_name.get(c).copied());
        assert_eq!(answered, listed, "{here}: x-error-codes");
        let public = op["security"] == Value::Array(Vec::new());
        let resolved = |status: &str| {
            let pointer = responses[status]["$ref"].as_str().unwrap_or_default();
            doc.pointer(pointer.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null)
        };
        if !public {
            assert!(listed.contains(&"UNAUTHENTICATED"), "{here}: 401");
            assert!(resolved("401")["headers"]["WWW-Authenticate"].is_object());
        }
        if op.get("requestBody").is_some() {
            for code in [
                "VALIDATION_ERROR",
                "PAYLOAD_TOO_LARGE",
                "UNSUPPORTED_MEDIA_TYPE",
            ] {
                assert!(listed.contains(&code), "{here}: {code}");
            }
        }
        if listed.contains(&"RATE_LIMITED") {
            assert!(resolved("429")["headers"]["Retry-After"].is_object());
        }
    }
}

#[test]
fn path_parameters_match_the_templates_and_operation_ids_are_unique() {
    let doc = doc();
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(template, declared, "{method} {path}");
        let id = op["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_owned()), "{id} twice");
        for p in op["parameters"].as_array().into_iter().flatten() {
            assert!(p["schema"].is_object(), "{method} {path}: {}", p["name"]);
            assert_ne!(p["schema"]["type"], "null", "{method} {path}");
        }
    }
}

#[test]
fn every_route_is_summarised_tagged_and_answers_something() {
    let tags: BTreeSet<&str> = TAGS.iter().map(|(t, _)| *t).collect();
    for e in routes::endpoints() {
        let d = &e.doc;
        assert!(!d.summary.is_empty(), "{e:?}: summary");
        assert!(tags.contains(d.tag), "{e:?}: tag {:?}", d.tag);
        assert!(d.answer.is_some(), "{e:?}: answer");
        for p in &d.params {
            if p.place == Place::Path {
                assert!(
                    e.path.contains(&format!("{{{}}}", p.name)),
                    "{e:?}: {}",
                    p.name
                );
            }
        }
    }
}

#[test]
fn request_examples_read_as_the_handlers_read_them() {
    let mut count = 0;
    for e in routes::endpoints() {
        let Some(body) = &e.doc.body else { continue };
        for x in &body.examples {
            count += 1;
            assert_eq!((body.reads)(&x.value), Ok(()), "{e:?}: example {}", x.name);
        }
    }
    assert!(count >= 15, "the bodies have examples ({count})");
    // And a body the handler refuses is refused here too.
    let orders: Vec<Endpoint> = routes::endpoints()
        .into_iter()
        .filter(|e| e.path == "/api/v1/orders" && e.method == Method::POST)
        .collect();
    let body = orders[0].doc.body.as_ref().expect("a body");
    assert!((body.reads)(&serde_json::json!({ "status": "shipped" })).is_err());
}

#[test]
fn seed_bodies_are_the_examples_of_their_routes() {
    let doc = doc();
    let example = |path: &str, method: &str, name: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["examples"]
            [name]["value"]
            .clone()
    };
    let create = example("/api/v1/orders", "post", "seed_001");
    assert_eq!(create["insurance_info"]["carrier"], "NHIF");
    assert_eq!(create["priority"], "urgent");
    let status = example("/api/v1/orders/{id}/status", "put", "seed_001");
    assert_eq!(status["status"], "verified");
    assert!(status["verification_data"]["coverage_details"].is_object());
    assert_eq!(
        example("/api/v1/orders", "post", "seed_003")["order_items"][0]["quantity"],
        2
    );
    assert_eq!(
        example("/api/orders/add", "post", "seed_004")["customer_code"],
        "CUST001"
    );
    assert_eq!(
        example("/api/notifications/send", "post", "seed_002")["territory_id"],
        "north"
    );
}

#[test]
fn request_and_answer_schemas_share_components_unless_they_differ() {
    let doc = doc();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    // Money is read from a string or a number, printed as a two-place string.
    assert_eq!(schemas["Money"]["type"], "string");
    assert!(schemas["MoneyInput"]["anyOf"].is_array());
    assert_eq!(
        doc.pointer("/components/schemas/RawProduct/properties/price/$ref")
            .or_else(|| doc.pointer("/components/schemas/RawProduct/properties/price/anyOf/0/$ref")),
        Some(&Value::from("#/components/schemas/MoneyInput"))
    );
    // The same on both sides: one component.
    assert!(schemas.contains_key("TerritoryId"));
    assert!(!schemas.keys().any(|k| k.starts_with("TerritoryIdInput")));
    assert!(doc.pointer("/components/x-input").is_none());
    // Answers are the serialized shapes, with the answered names.
    let order = &schemas["Order"]["properties"];
    assert!(order["order_id"].is_object() && order.get("id").is_none());
    let product = &schemas["Product"]["properties"];
    assert!(product["available_quantity"].is_object() && product.get("stock").is_none());
}

#[test]
fn codes_match_the_errors_the_server_makes() {
    use ordo_domain::Error;
    for c in Code::ALL {
        let e = c.example();
        assert_eq!((e.code(), e.status()), (c.name(), c.status()), "{c:?}");
        let body = e.body();
        assert_eq!(body["status"], "error");
        assert!(body["error"]["message"].is_string());
        assert!(body["error"]["details"].is_object());
    }
    assert_eq!(
        Code::Internal.example().body(),
        ApiError::internal(&"anything").body(),
        "the 500 example is the real one"
    );
    // Every domain error maps to a documented code with its status.
    let mapped = [
        Error::field("a", "b"),
        Error::InsufficientStock(Vec::new()),
        Error::Unauthenticated,
        Error::PermissionDenied("x".into()),
        Error::TerritoryMismatch(None),
        Error::OrderNotFound,
        Error::NotFound("user"),
        Error::InvalidStatus {
            from: ordo_domain::order::OrderStatus::Completed,
            to: ordo_domain::order::OrderStatus::Cancelled,
            allowed: Vec::new(),
        },
        Error::Conflict("x".into()),
        Error::Unavailable,
    ];
    for e in mapped {
        let api = ApiError::from(e);
        assert!(
            Code::ALL
                .iter()
                .any(|c| c.name() == api.code() && c.status() == api.status()),
            "{api}"
        );
    }
}

#[actix_web::test]
async fn the_document_and_the_page_are_served_without_a_token() {
    let app = actix_test::init_service(App::new().configure(crate::configure)).await;
    let res = actix_test::call_service(
        &app,
        actix_test::TestRequest::get()
            .uri("/api/v1/openapi.json")
            .to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = serde_json::from_slice(&actix_test::read_body(res).await).expect("JSON");
    assert_eq!(body["openapi"], "3.1.0");

    let res = actix_test::call_service(
        &app,
        actix_test::TestRequest::get()
            .uri("/api/v1/docs/")
            .to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let policy = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let page = String::from_utf8(actix_test::read_body(res).await.to_vec()).expect("UTF-8");
    assert!(page.contains("/api/v1/openapi.json"));
    for external in ["http://", "https://", "//cdn", "src=\"//"] {
        assert!(
            !page.contains(external),
            "the page loads nothing from elsewhere: {external}"
        );
    }
}

/// The crate's sources, but tests.
fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn routes_are_mounted_from_the_tables_only() {
    // What the document is generated from is all that is mounted: no module registers a route
    // of its own with actix, beside `routes::mount` and `Endpoint`.
    let mut files = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20, "the sources were read");
    let registering = [
        "web::resource(",
        "web::scope(",
        "web::method(",
        "web::get()",
        "web::post()",
        "web::put()",
        "web::patch()",
        "web::delete()",
        ".service(",
        ".route(",
    ];
    for (file, text) in &files {
        let allowed = file.ends_with("routes/mod.rs") || file.ends_with("routes/endpoint.rs");
        for pattern in registering {
            assert!(
                allowed || !text.contains(pattern),
                "{file} mounts a route itself ({pattern}): add an Endpoint to a table instead"
            );
        }
    }
}
