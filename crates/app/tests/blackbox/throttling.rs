//! Log-in throttling: 429 with `Retry-After` before argon2 runs, per account and per address.

use crate::server::{PASSWORD, Server, error_code};

#[test]
fn five_failures_lock_the_account_even_for_the_right_password() {
    let s = Server::start();
    for _ in 0..5 {
        assert_eq!(s.login("admin@example.com", "wrong password").0, 401);
    }
    let (status, body) = s.login("Admin@Example.com", PASSWORD);
    assert_eq!((status, error_code(&body)), (429, "RATE_LIMITED"));
    let wait = body["error"]["details"]["retry_after"].as_u64().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
}

#[test]
fn an_address_is_limited_across_accounts_with_retry_after() {
    let s = Server::start_with(&[("ORDO_LOGIN_FAILURES_PER_ADDRESS", "3")]);
    for i in 0..3 {
        assert_eq!(s.login(&format!("nobody{i}@example.com"), "x").0, 401);
    }
    let res = crate::server::agent()
        .post(&s.url("/api/v1/auth/login"))
        .send_json(serde_json::json!({"email": "admin@example.com", "password": PASSWORD}))
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[test]
fn per_territory_limits_answer_429_with_headers() {
    let s = Server::start_with(&[("ORDO_RATE_LIMITS", "query=3,create=2")]);
    let admin = s.admin_token();
    let list = |territory: Option<&str>| {
        let mut req = crate::server::agent()
            .get(&s.url("/api/v1/territories"))
            .header("Authorization", &format!("Bearer {admin}"));
        if let Some(t) = territory {
            req = req.header("Territory-Id", t);
        }
        req.call().unwrap()
    };
    for _ in 0..3 {
        let res = list(Some("north"));
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("x-ratelimit-limit").unwrap(), "3");
    }
    let mut over = list(Some("north"));
    assert_eq!(over.status().as_u16(), 429);
    assert!(over.headers().get("retry-after").is_some());
    let body: serde_json::Value =
        serde_json::from_str(&over.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert_eq!(
        list(Some("south")).status().as_u16(),
        200,
        "another territory has its own budget"
    );
}
