//! Users and territories: who may do what, through the real binary.

use crate::server::{PASSWORD, Server, agent, error_code, send};
use serde_json::{Value, json};

fn with(token: &str) -> String {
    format!("Bearer {token}")
}

fn post(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(
        agent()
            .post(&s.url(path))
            .header("Authorization", &with(token))
            .send_json(body),
    )
}

fn get(s: &Server, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = agent().get(&s.url(path));
    if let Some(t) = token {
        req = req.header("Authorization", &with(t));
    }
    send(req.call())
}

#[test]
fn the_role_matrix_over_users_and_territories() {
    let s = Server::start();
    let admin = s.admin_token();
    let (status, body) = post(
        &s,
        &admin,
        "/api/v1/territories",
        json!({"territory_id": "north", "name": "North"}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, staff_user) = post(
        &s,
        &admin,
        "/api/v1/users",
        json!({"email": "staff@example.com", "password": PASSWORD, "role": "staff", "territories": ["north"]}),
    );
    assert_eq!(status, 201, "{staff_user}");
    let staff_id = staff_user["data"]["user_id"].as_str().unwrap().to_owned();
    let (_, login) = s.login("staff@example.com", PASSWORD);
    let staff = login["data"]["access_token"].as_str().unwrap().to_owned();

    // (who, method, path, expected status, expected code)
    let denied = [
        (
            post(
                &s,
                &staff,
                "/api/v1/users",
                json!({"email": "x@example.com", "password": PASSWORD, "role": "admin"}),
            ),
            403,
        ),
        (get(&s, Some(&staff), "/api/v1/users"), 403),
        (
            post(
                &s,
                &staff,
                "/api/v1/territories",
                json!({"territory_id": "south", "name": "South"}),
            ),
            403,
        ),
        (get(&s, None, "/api/v1/users"), 401),
        (get(&s, None, "/api/v1/territories"), 401),
    ];
    for (i, ((status, body), want)) in denied.into_iter().enumerate() {
        assert_eq!(status, want, "case {i}: {body}");
        let code = error_code(&body);
        assert_eq!(
            code,
            if want == 401 {
                "UNAUTHENTICATED"
            } else {
                "PERMISSION_DENIED"
            },
            "case {i}"
        );
    }

    let (status, list) = get(&s, Some(&staff), "/api/v1/territories/");
    assert_eq!((status, list["meta"]["total"].as_u64()), (200, Some(1)));
    let (status, own) = get(&s, Some(&staff), &format!("/api/v1/users/{staff_id}"));
    assert_eq!(
        (status, own["data"]["email"].as_str()),
        (200, Some("staff@example.com")),
        "a user reads themself"
    );
    let (status, users) = get(&s, Some(&admin), "/api/v1/users?limit=1");
    assert_eq!(status, 200, "{users}");
    assert_eq!(
        (
            users["meta"]["total"].as_u64(),
            users["meta"]["limit"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let (status, body) = get(&s, Some(&admin), "/api/v1/users/not-a-uuid");
    assert_eq!((status, error_code(&body)), (404, "NOT_FOUND"));

    // Deactivation: the staff member's token stops working at once.
    let res = agent()
        .patch(&s.url(&format!("/api/v1/users/{staff_id}")))
        .header("Authorization", &with(&admin))
        .send_json(json!({"active": false}));
    let (status, body) = send(res);
    assert_eq!((status, &body["data"]["active"]), (200, &json!(false)));
    let (status, body) = get(&s, Some(&staff), "/api/v1/territories");
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));
    assert_eq!(
        s.login("staff@example.com", PASSWORD).0,
        401,
        "and they cannot log in"
    );
}

#[test]
fn bad_bodies_name_every_field() {
    let s = Server::start();
    let admin = s.admin_token();
    let (status, body) = post(
        &s,
        &admin,
        "/api/v1/users",
        json!({"email": "nope", "password": "short", "role": "root"}),
    );
    assert_eq!((status, error_code(&body)), (400, "VALIDATION_ERROR"));
    let fields = body["error"]["details"]["fields"].as_object().unwrap();
    for f in ["email", "password", "role"] {
        assert!(fields.contains_key(f), "{f} missing from {fields:?}");
    }
    let (status, body) = post(
        &s,
        &admin,
        "/api/v1/users",
        json!({"email": "a@example.com", "status": "x"}),
    );
    assert_eq!(
        (status, error_code(&body)),
        (400, "VALIDATION_ERROR"),
        "unknown fields are refused"
    );
    let (status, body) = post(
        &s,
        &admin,
        "/api/v1/territories",
        json!({"territory_id": "north", "name": "N"}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        &s,
        &admin,
        "/api/v1/territories",
        json!({"territory_id": "north", "name": "N"}),
    );
    assert_eq!((status, error_code(&body)), (409, "CONFLICT"));
}

#[test]
fn the_territory_id_header_must_be_the_callers() {
    let s = Server::start();
    let admin = s.admin_token();
    for t in ["north", "south"] {
        post(
            &s,
            &admin,
            "/api/v1/territories",
            json!({"territory_id": t, "name": t}),
        );
    }
    post(
        &s,
        &admin,
        "/api/v1/users",
        json!({"email": "staff@example.com", "password": PASSWORD, "role": "staff", "territories": ["north"]}),
    );
    let (_, login) = s.login("staff@example.com", PASSWORD);
    let staff = login["data"]["access_token"].as_str().unwrap().to_owned();
    let call = |token: &str, header: &str| {
        send(
            agent()
                .get(&s.url("/api/v1/territories"))
                .header("Authorization", &with(token))
                .header("Territory-Id", header)
                .call(),
        )
    };
    assert_eq!(call(&staff, "north").0, 200);
    let (status, body) = call(&staff, "south");
    assert_eq!((status, error_code(&body)), (403, "TERRITORY_MISMATCH"));
    assert_eq!(body["error"]["details"]["territory_id"], "south");
    assert_eq!(call(&admin, "south").0, 200, "admins hold every territory");
    let (status, body) = call(&staff, "not a code!");
    assert_eq!((status, error_code(&body)), (400, "VALIDATION_ERROR"));
    assert!(body["error"]["details"]["fields"]["Territory-Id"].is_string());
}
