//! Builds the OpenAPI 3.1 document from the route tables.
//!
//! Two schema generators run side by side: one with the *deserialize* contract for what clients
//! send (bodies, query strings, path segments, headers), one with the *serialize* contract for
//! what the server answers. A type whose two schemas are the same gets one component; one whose
//! schemas differ (money is read from a string or a number, printed as a string) gets its
//! answer's under its name and its request's under `<Name>Input`.

use super::{Access, Answer, Code, Doc, Param, Place, SchemaFn, Shape};
use crate::routes::{Endpoint, ListMeta};
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Where the components are referenced.
const COMPONENTS: &str = "#/components/schemas/";
/// Where the request side's generator points its references until they are merged.
const INPUT_PATH: &str = "/components/x-input";
const INPUT: &str = "#/components/x-input/";

/// The groups of routes, in the order the document lists them.
pub(crate) const TAGS: &[(&str, &str)] = &[
    ("auth", "Log-in, log-out and the caller (SPEC §6)."),
    (
        "orders",
        "Orders, their workflow, history and statistics (SPEC §5).",
    ),
    ("patients", "Patients, the seeds' customers (SPEC §6)."),
    (
        "catalogue",
        "Products and their stock, with audited adjustments (SPEC §6).",
    ),
    ("people", "Users and territories (SPEC §4, §6)."),
    (
        "notifications",
        "Messages, the inbox, preferences and the outbox (SPEC §9).",
    ),
    ("audit", "The append-only audit log (SPEC §7)."),
    (
        "realtime",
        "WebSocket streams (SPEC §8): a `GET` with `Upgrade: websocket`; refused upgrades answer \
         in the error shape before the handshake.",
    ),
    (
        "compatibility",
        "The seeds' own routes in their bare shapes (SPEC §10); errors keep the error shape.",
    ),
    (
        "operations",
        "Liveness, readiness, metrics and this document (SPEC §11).",
    ),
];

const DESCRIPTION: &str = "\
The order-management API of ordo, generated from the code that serves it.

- JSON over HTTP; every path also answers with a trailing slash.
- Success: `{\"status\":\"success\",\"data\":…}`; lists add `\"meta\":{\"total\",\"limit\",\"offset\"}`; \
creation answers `201`. The compatibility routes answer the seeds' bare shapes.
- Every error, also for unknown routes (`404 NOT_FOUND`) and methods a path does not have \
(`405 METHOD_NOT_ALLOWED`), is `{\"status\":\"error\",\"error\":{\"code\",\"message\",\"details\"}}`; \
`details` is always an object. Each operation lists the codes it can answer with.
- `Authorization: Bearer <token>` (from `POST /api/v1/auth/login`) on every route not marked public.
- `Territory-Id` (optional): one of the caller's territories (admins hold all); it scopes creation \
and listing.
- Unknown fields in a body and unknown query parameters are refused (`VALIDATION_ERROR`).
- Every answer carries `X-Request-Id`; rate-limited routes carry `X-RateLimit-Limit`.";

fn generator(definitions_path: &'static str, serialize: bool) -> SchemaGenerator {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = definitions_path.into();
        s.meta_schema = None;
    });
    let settings = if serialize {
        settings.for_serialize()
    } else {
        settings.for_deserialize()
    };
    settings.into_generator()
}

/// The OpenAPI document of these routes.
pub(crate) fn document(endpoints: &[Endpoint]) -> Value {
    let mut input = generator(INPUT_PATH, false);
    let mut output = generator("/components/schemas", true);
    let mut paths = Map::new();
    let mut errors = Map::new();
    errors.insert(
        response_name(&[Code::Internal]),
        error_response(&[Code::Internal]),
    );
    for e in endpoints {
        let item = paths
            .entry(e.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(
                e.method.as_str().to_ascii_lowercase(),
                operation(e, &mut input, &mut output, &mut errors),
            );
        }
    }
    output.subschema_for::<ListMeta>();
    let mut schemas = output.take_definitions(true);
    schemas.insert("Error".to_owned(), error_schema());
    let renames = merge(&mut schemas, input.take_definitions(true));

    let tags: Vec<Value> = TAGS
        .iter()
        .map(|(name, description)| json!({ "name": name, "description": description }))
        .collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ordo",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
            "license": { "name": "MIT", "identifier": "MIT" },
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": errors,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The `access_token` of `POST /api/v1/auth/login`. WebSocket \
                                    handshakes also take it as the `token` query parameter.",
                },
            },
        },
        "security": [{ "bearer": [] }],
    });
    rewrite_refs(&mut doc, &renames);
    doc
}

/// `getApiV1OrdersByIdStatus` for `GET /api/v1/orders/{id}/status`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for segment in path.split(['/', '-', '_', '.']).filter(|s| !s.is_empty()) {
        let (prefix, word) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(var) => ("By", var),
            None => ("", segment),
        };
        id.push_str(prefix);
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.extend(first.to_uppercase());
            id.push_str(chars.as_str());
        }
    }
    id
}

fn who(access: Access) -> (String, Vec<&'static str>) {
    match access {
        Access::Public => ("anyone, without a token".to_owned(), Vec::new()),
        Access::Users => (
            "any signed-in user (admin, staff, customer), within their scope".to_owned(),
            vec!["admin", "staff", "customer"],
        ),
        Access::Roles(roles) => {
            let names: Vec<&'static str> = roles.iter().map(|r| r.as_str()).collect();
            (names.join(", "), names)
        }
    }
}

fn operation(
    e: &Endpoint,
    input: &mut SchemaGenerator,
    output: &mut SchemaGenerator,
    errors: &mut Map<String, Value>,
) -> Value {
    let d = &e.doc;
    let (who, roles) = who(d.access);
    let description = if d.description.is_empty() {
        format!("**Who:** {who}.")
    } else {
        format!("{}\n\n**Who:** {who}.", d.description)
    };
    let codes = d.codes();
    let mut op = json!({
        "operationId": operation_id(e.method.as_str(), e.path),
        "summary": d.summary,
        "description": description,
        "tags": [d.tag],
        "x-roles": roles,
        "x-error-codes": codes.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "parameters": parameters(d, input),
        "responses": responses(d, &codes, output, errors),
    });
    if let Some(body) = &d.body {
        let mut media = json!({ "schema": (body.schema)(input) });
        if !body.examples.is_empty() {
            let examples: Map<String, Value> = body
                .examples
                .iter()
                .map(|x| {
                    (
                        x.name.to_owned(),
                        json!({ "summary": x.summary, "value": x.value }),
                    )
                })
                .collect();
            media["examples"] = Value::Object(examples);
        }
        op["requestBody"] = json!({
            "required": true,
            "content": { "application/json": media },
        });
    }
    if d.access == Access::Public {
        op["security"] = json!([]);
    }
    op
}

/// A parameter's schema: a query string or header has no `null`.
fn without_null(mut schema: Value) -> Value {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            schema["type"] = only;
        }
    }
    schema
}

fn parameters(d: &Doc, input: &mut SchemaGenerator) -> Vec<Value> {
    let param = |p: &Param, schema: Value| {
        json!({
            "name": p.name,
            "in": p.place.as_str(),
            "required": p.required,
            "description": p.description,
            "schema": without_null(schema),
        })
    };
    let mut out: Vec<Value> = d
        .params
        .iter()
        .filter(|p| p.place == Place::Path)
        .map(|p| param(p, (p.schema)(input).to_value()))
        .collect();
    if let Some(query) = d.query {
        let schema = query(input).to_value();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if let Some(props) = schema["properties"].as_object() {
            for (name, prop) in props {
                let mut prop = prop.clone();
                let description = prop
                    .as_object_mut()
                    .and_then(|o| o.remove("description"))
                    .unwrap_or(Value::String(String::new()));
                out.push(json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(name.as_str()),
                    "description": description,
                    "schema": without_null(prop),
                }));
            }
        }
    }
    out.extend(
        d.params
            .iter()
            .filter(|p| p.place != Place::Path)
            .map(|p| param(p, (p.schema)(input).to_value())),
    );
    if d.access != Access::Public && d.territory_header {
        out.push(json!({
            "name": "Territory-Id",
            "in": "header",
            "required": false,
            "description": "One of the caller's territories (admins hold all): scopes creation \
                            and listing. Not a territory code: `400 VALIDATION_ERROR`; not the \
                            caller's: `403 TERRITORY_MISMATCH`.",
            "schema": without_null(schema_value::<ordo_domain::ids::TerritoryId>(input)),
        }));
    }
    out
}

fn schema_value<T: schemars::JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

/// `ValidationErrorOrInsufficientStock` for those two codes.
fn response_name(codes: &[Code]) -> String {
    let pascal = |name: &str| {
        name.split('_')
            .map(|w| {
                let mut cs = w.chars();
                cs.next()
                    .map(|f| f.to_string() + &cs.as_str().to_ascii_lowercase())
                    .unwrap_or_default()
            })
            .collect::<String>()
    };
    codes
        .iter()
        .map(|c| pascal(c.name()))
        .collect::<Vec<_>>()
        .join("Or")
}

/// The answers of an operation; its error answers are shared in `components/responses`, one per
/// set of codes of one status.
fn responses(
    d: &Doc,
    codes: &[Code],
    output: &mut SchemaGenerator,
    errors: &mut Map<String, Value>,
) -> Value {
    let mut out = Map::new();
    if let Some(answer) = &d.answer {
        out.insert(
            answer.status.to_string(),
            success(answer, d.limited, output),
        );
    }
    let mut by_status: BTreeMap<u16, Vec<Code>> = BTreeMap::new();
    for c in codes {
        by_status.entry(c.status().as_u16()).or_default().push(*c);
    }
    let mut by_status = by_status.into_iter().collect::<Vec<_>>();
    by_status.push((500, vec![Code::Internal]));
    for (status, codes) in by_status {
        let name = response_name(&codes);
        if !errors.contains_key(&name) {
            errors.insert(name.clone(), error_response(&codes));
        }
        out.insert(
            status.to_string(),
            json!({ "$ref": format!("#/components/responses/{name}") }),
        );
    }
    Value::Object(out)
}

fn header(description: &str, schema: Value) -> Value {
    json!({ "description": description, "required": true, "schema": schema })
}

fn success(answer: &Answer, limited: bool, output: &mut SchemaGenerator) -> Value {
    let schema = answer.schema.map(|f: SchemaFn| f(output).to_value());
    let mut headers = Map::new();
    headers.insert(
        "X-Request-Id".to_owned(),
        header(
            "The request's id, also in the server's logs.",
            json!({ "type": "string" }),
        ),
    );
    if limited {
        headers.insert(
            "X-RateLimit-Limit".to_owned(),
            header(
                "Requests per minute allowed for this class of request in the territory.",
                json!({ "type": "integer", "minimum": 1 }),
            ),
        );
    }
    let body = match (answer.shape, schema) {
        (Shape::Data, Some(data)) => Some(json!({
            "type": "object",
            "required": ["status", "data"],
            "additionalProperties": false,
            "properties": { "status": { "const": "success" }, "data": data },
        })),
        (Shape::List, Some(item)) => Some(json!({
            "type": "object",
            "required": ["status", "data", "meta"],
            "additionalProperties": false,
            "properties": {
                "status": { "const": "success" },
                "data": { "type": "array", "items": item },
                "meta": schema_value::<ListMeta>(output),
            },
        })),
        (Shape::Bare, Some(schema)) => Some(schema),
        _ => None,
    };
    match (answer.shape, body) {
        (Shape::Upgrade, _) => json!({
            "description": "Switching Protocols: the connection is now a WebSocket. The server \
                            sends one JSON text frame per event (`x-frames`), pings every 20 s, \
                            and takes no data frames.",
            "headers": headers,
            "x-frames": answer.schema.map(|f: SchemaFn| f(output).to_value()),
        }),
        (Shape::Media(content_type), _) => json!({
            "description": "OK",
            "headers": headers,
            "content": { (content_type): { "schema": { "type": "string" } } },
        }),
        (_, body) => {
            let mut media = json!({ "schema": body.unwrap_or(json!({})) });
            if let Some(example) = &answer.example {
                media["example"] = example.clone();
            }
            json!({
                "description": if answer.status == 201 { "Created" } else { "OK" },
                "headers": headers,
                "content": { "application/json": media },
            })
        }
    }
}

/// The error shape, with any code.
fn error_schema() -> Value {
    json!({
        "description": "The one error shape of the API (SPEC §3).",
        "type": "object",
        "required": ["status", "error"],
        "additionalProperties": false,
        "properties": {
            "status": { "const": "error" },
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "additionalProperties": false,
                "properties": {
                    "code": {
                        "type": "string",
                        "enum": Code::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(),
                    },
                    "message": { "type": "string", "description": "For people; never internals." },
                    "details": {
                        "type": "object",
                        "description": "`{}` when there is nothing to add; `fields` (field path → \
                                        problem) for `VALIDATION_ERROR`, `stock_issues` for \
                                        `INSUFFICIENT_STOCK`, `from`/`to`/`allowed` for \
                                        `INVALID_STATUS`, `retry_after` for `RATE_LIMITED`.",
                    },
                },
            },
        },
    })
}

/// The answer for these codes, all of one HTTP status.
fn error_response(codes: &[Code]) -> Value {
    let names: Vec<&str> = codes.iter().map(|c| c.name()).collect();
    let description = codes
        .iter()
        .map(|c| format!("`{}`: {}.", c.name(), c.meta().2))
        .collect::<Vec<_>>()
        .join("\n\n");
    let examples: Map<String, Value> = codes
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                json!({ "summary": c.meta().2, "value": c.example().body() }),
            )
        })
        .collect();
    let mut headers = Map::new();
    if codes.contains(&Code::Unauthenticated) {
        headers.insert(
            "WWW-Authenticate".to_owned(),
            header("`Bearer`.", json!({ "type": "string" })),
        );
    }
    if codes.contains(&Code::RateLimited) {
        headers.insert(
            "Retry-After".to_owned(),
            header(
                "Seconds to wait before trying again.",
                json!({ "type": "integer", "minimum": 1 }),
            ),
        );
    }
    let mut response = json!({
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        { "$ref": format!("{COMPONENTS}Error") },
                        { "properties": { "error": { "properties": { "code": { "enum": names } } } } },
                    ],
                },
                "examples": examples,
            },
        },
    });
    if !headers.is_empty() {
        response["headers"] = Value::Object(headers);
    }
    response
}

/// The names a schema refers to through `prefix`.
fn refs_to<'a>(value: &'a Value, prefix: &str, out: &mut BTreeSet<&'a str>) {
    match value {
        Value::Object(o) => {
            if let Some(name) = o
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(prefix))
            {
                out.insert(name);
            }
            o.values().for_each(|v| refs_to(v, prefix, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs_to(v, prefix, out)),
        _ => {}
    }
}

/// Points the request side's references at `components/schemas`.
fn rewrite_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get_mut("$ref") {
                if let Some(name) = r.strip_prefix(INPUT) {
                    let target = renames.get(name).map_or(name, String::as_str);
                    *r = format!("{COMPONENTS}{target}");
                }
            }
            o.values_mut().for_each(|v| rewrite_refs(v, renames));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

/// Adds the request side's definitions to the answer side's: one component where a type's two
/// schemas agree (also in what they refer to), `<Name>Input` where they do not. Returns the
/// component name of each request-side definition.
fn merge(schemas: &mut Map<String, Value>, input: Map<String, Value>) -> BTreeMap<String, String> {
    let same_names: BTreeMap<String, String> =
        input.keys().map(|k| (k.clone(), k.clone())).collect();
    let as_answer = |v: &Value| {
        let mut v = v.clone();
        rewrite_refs(&mut v, &same_names);
        v
    };
    let mut differ: BTreeSet<String> = input
        .iter()
        .filter(|(name, value)| schemas.get(name.as_str()) != Some(&as_answer(value)))
        .map(|(name, _)| name.clone())
        .collect();
    // A schema that refers to one that differs differs too.
    loop {
        let more: Vec<String> = input
            .iter()
            .filter(|(name, value)| {
                let mut names = BTreeSet::new();
                refs_to(value, INPUT, &mut names);
                !differ.contains(name.as_str()) && names.iter().any(|n| differ.contains(*n))
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        differ.extend(more);
    }
    let mut renames = BTreeMap::new();
    for (name, value) in input {
        if !differ.contains(&name) {
            renames.insert(name.clone(), name);
            continue;
        }
        let mut target = name.clone();
        if schemas.contains_key(&target) {
            target = format!("{name}Input");
            let mut n = 2;
            while schemas.contains_key(&target) {
                target = format!("{name}Input{n}");
                n += 1;
            }
        }
        schemas.insert(target.clone(), value);
        renames.insert(name, target);
    }
    renames
}
