//! Notifications through the real binary: send, inbox, acknowledge, dismiss, preferences, outbox.

use crate::server::{Server, agent, error_code, send};
use serde_json::{Value, json};

pub(crate) fn token(s: &Server, email: &str, pw: &str) -> String {
    s.login(email, pw).1["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn req(
    s: &Server,
    t: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = format!("Bearer {t}");
    let a = agent();
    match method {
        "GET" => send(a.get(&s.url(path)).header("Authorization", &auth).call()),
        "PUT" => send(
            a.put(&s.url(path))
                .header("Authorization", &auth)
                .send_json(body.unwrap_or(json!({}))),
        ),
        _ => send(
            a.post(&s.url(path))
                .header("Authorization", &auth)
                .send_json(body.unwrap_or(json!({}))),
        ),
    }
}

#[test]
fn a_message_reaches_the_inbox_and_can_be_acknowledged_and_dismissed() {
    let (s, _) = Server::start_demo();
    let staff = token(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let cust = token(&s, "patient1@ordo.demo", "demo-patient-pass");
    let other = token(&s, "patient2@ordo.demo", "demo-patient-pass");
    let (_, me) = req(&s, &cust, "GET", "/api/v1/auth/me", None);
    let user_id = me["data"]["user_id"].as_str().unwrap().to_owned();

    let (status, sent) = req(
        &s,
        &staff,
        "POST",
        "/api/v1/notifications/send",
        Some(json!({
            "user_id": user_id, "message": "Your delivery is on its way", "territory_id": "north"
        })),
    );
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["data"]["status"], "sent");
    let id = sent["data"]["notification_id"].as_str().unwrap().to_owned();

    let (status, inbox) = req(&s, &cust, "GET", "/api/v1/notifications?status=sent", None);
    assert_eq!(status, 200, "{inbox}");
    assert!(
        inbox["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["notification_id"] == id.as_str())
    );
    let (status, body) = req(
        &s,
        &other,
        "POST",
        &format!("/api/v1/notifications/{id}/acknowledge"),
        None,
    );
    assert_eq!(
        (status, error_code(&body)),
        (404, "NOT_FOUND"),
        "not theirs"
    );
    let (status, acked) = req(
        &s,
        &cust,
        "POST",
        &format!("/api/v1/notifications/{id}/acknowledge"),
        None,
    );
    assert_eq!(
        (status, acked["data"]["status"].as_str()),
        (200, Some("acknowledged"))
    );
    assert!(acked["data"]["acknowledged_at"].is_string());
    let (status, dismissed) = req(
        &s,
        &cust,
        "POST",
        &format!("/api/v1/notifications/{id}/dismiss"),
        None,
    );
    assert_eq!(
        (status, dismissed["data"]["status"].as_str()),
        (200, Some("dismissed"))
    );
}

#[test]
fn preferences_and_the_admins_outbox() {
    let (s, _) = Server::start_demo();
    let admin = token(&s, "admin@ordo.demo", "demo-admin-pass");
    let staff = token(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let cust = token(&s, "patient1@ordo.demo", "demo-patient-pass");
    let (status, prefs) = req(&s, &cust, "GET", "/api/v1/notifications/preferences", None);
    assert_eq!(
        (status, &prefs["data"]["sms"]["order_created"]),
        (200, &json!(true)),
        "on by default"
    );
    let (status, prefs) = req(
        &s,
        &cust,
        "PUT",
        "/api/v1/notifications/preferences",
        Some(json!({"sms": {"status_change": false}})),
    );
    assert_eq!(status, 200, "{prefs}");
    assert_eq!(
        (
            prefs["data"]["sms"]["status_change"].as_bool(),
            prefs["data"]["sms"]["order_created"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let (status, again) = req(&s, &cust, "GET", "/api/v1/notifications/preferences", None);
    assert_eq!(
        (status, &again["data"]["sms"]["status_change"]),
        (200, &json!(false)),
        "kept"
    );
    let (status, bad) = req(
        &s,
        &cust,
        "PUT",
        "/api/v1/notifications/preferences",
        Some(json!({"fax": {"message": true}})),
    );
    assert_eq!((status, error_code(&bad)), (400, "VALIDATION_ERROR"));

    // The dispatcher may already have sent them: count the demo's SMS and e-mail either way.
    let mut total = 0;
    for status in ["pending", "sent"] {
        let path = format!("/api/v1/notifications/outbox?status={status}&limit=100");
        let (code, rows) = req(&s, &admin, "GET", &path, None);
        assert_eq!(code, 200, "{rows}");
        assert!(
            rows["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["channel"] != "in_app")
        );
        total += rows["meta"]["total"].as_u64().unwrap();
    }
    assert!(total > 0, "the demo's orders queued SMS and e-mail");
    let (status, body) = req(&s, &staff, "GET", "/api/v1/notifications/outbox", None);
    assert_eq!((status, error_code(&body)), (403, "PERMISSION_DENIED"));
}

#[test]
fn the_dispatcher_drains_the_outbox() {
    let (s, _) = Server::start_demo();
    let admin = token(&s, "admin@ordo.demo", "demo-admin-pass");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, pending) = req(
            &s,
            &admin,
            "GET",
            "/api/v1/notifications/outbox?status=pending",
            None,
        );
        let (_, sent) = req(
            &s,
            &admin,
            "GET",
            "/api/v1/notifications/outbox?status=sent",
            None,
        );
        if pending["meta"]["total"] == 0 && sent["meta"]["total"].as_u64().unwrap_or(0) > 0 {
            let row = &sent["data"][0];
            assert!(row["sent_at"].is_string() && row["attempts"] == 1, "{row}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "outbox not drained: {pending}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (status, ready) = req(&s, &admin, "GET", "/ready", None);
    assert_eq!(
        (status, &ready["data"]["ready"]),
        (200, &json!(true)),
        "dispatcher alive"
    );
}
