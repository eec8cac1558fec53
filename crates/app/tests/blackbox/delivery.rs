//! Notification delivery through the real binary to a fake Africa's Talking API and an SMTP sink,
//! both real servers on loopback: what leaves, on which channel, how often, and what never does.

use crate::notifications::{req, token};
use crate::server::{Launch, PASSWORD, Server};
use ordo_notify::testing::{AtReply, FakeAfricasTalking, FakeSmtp, RecordedRequest};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const API_KEY: &str = "atsk_test_key_0123456789";
const PHONE: &str = "+254711000111";
const EMAIL: &str = "jane.wanjiku@example.org";
const NAME: &str = "Jane Wanjiku";
const INSURANCE: &str = "NHIF-99887766";
const CUSTOMER: &str = "jane@example.com";

/// A server whose SMS goes to `at` and e-mail to `smtp`, retrying fast (3 attempts, 50 ms).
fn launch(at: &FakeAfricasTalking, smtp: &FakeSmtp, extra: &[(&str, &str)]) -> Launch {
    let mut env: Vec<(String, String)> = [
        ("ORDO_SMS_PROVIDER", "africastalking".to_owned()),
        ("ORDO_AT_USERNAME", "sandbox".to_owned()),
        ("ORDO_AT_API_KEY", API_KEY.to_owned()),
        ("ORDO_AT_BASE_URL", at.base_url()),
        ("ORDO_SMTP_URL", smtp.url()),
        ("ORDO_EMAIL_FROM", "ordo@example.com".to_owned()),
        ("ORDO_NOTIFY_MAX_ATTEMPTS", "3".to_owned()),
        ("ORDO_NOTIFY_BACKOFF_MS", "50".to_owned()),
        ("ORDO_NOTIFY_TIMEOUT_MS", "1000".to_owned()),
        ("ORDO_NOTIFY_LEASE_SECS", "3".to_owned()),
        ("ORDO_LOG", "debug".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Launch {
        env,
        capture_logs: true,
        ..Launch::default()
    }
}

/// Territory `north`, one product, patient Jane (phone, e-mail, insurance) and her customer
/// log-in; returns the admin's token and Jane's patient id.
fn world(s: &Server) -> (String, String) {
    let admin = s.admin_token();
    let created = |path: &str, body: Value| {
        let (status, body) = req(s, &admin, "POST", path, Some(body));
        assert_eq!(status, 201, "{path}: {body}");
        body["data"].clone()
    };
    created(
        "/api/v1/territories",
        json!({"territory_id": "north", "name": "North"}),
    );
    created(
        "/api/v1/products",
        json!({"sku": "OXY-1", "name": "Oxygen", "price": "10.00", "stock_quantity": 1000}),
    );
    let patient = created(
        "/api/v1/patients",
        json!({"code": "JANE01", "name": NAME, "contact_number": PHONE, "email": EMAIL,
               "insurance_number": INSURANCE, "territory_id": "north"}),
    );
    let patient_id = patient["patient_id"].as_str().unwrap().to_owned();
    created(
        "/api/v1/users",
        json!({"email": CUSTOMER, "password": PASSWORD, "role": "customer", "patient_id": patient_id}),
    );
    (admin, patient_id)
}

/// Places an order for the patient; returns its tracking id and id.
fn order(s: &Server, admin: &str, patient_id: &str) -> (String, String) {
    let body = json!({"patient_id": patient_id, "territory_id": "north",
                      "items": [{"product_id": 1, "quantity": 1}]});
    let (status, created) = req(s, admin, "POST", "/api/v1/orders", Some(body));
    assert_eq!(status, 201, "{created}");
    let o = &created["data"];
    (
        o["tracking_id"].as_str().unwrap().to_owned(),
        o["order_id"].as_str().unwrap().to_owned(),
    )
}

/// Waits until the outbox has no pending row; returns the rows in `status`.
fn settled(s: &Server, admin: &str, status: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, pending) = req(
            s,
            admin,
            "GET",
            "/api/v1/notifications/outbox?status=pending&limit=100",
            None,
        );
        if pending["meta"]["total"] == 0 {
            let path = format!("/api/v1/notifications/outbox?status={status}&limit=100");
            let (_, rows) = req(s, admin, "GET", &path, None);
            return rows["data"].as_array().cloned().unwrap_or_default();
        }
        assert!(Instant::now() < deadline, "outbox never settled: {pending}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn sms_text(r: &RecordedRequest) -> String {
    r.form("message").unwrap_or_default().to_owned()
}

#[test]
fn a_new_order_is_texted_and_emailed_to_the_patient_without_phi() {
    let (at, smtp) = (FakeAfricasTalking::start(), FakeSmtp::start());
    let s = Server::launch(&launch(&at, &smtp, &[]));
    let (admin, patient) = world(&s);
    let (tracking, _) = order(&s, &admin, &patient);

    let sms = at.wait_for_requests(1, Duration::from_secs(10));
    let r = &sms[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/version1/messaging")
    );
    assert_eq!(r.header("apiKey"), Some(API_KEY));
    assert_eq!(r.form("username"), Some("sandbox"));
    assert_eq!(r.form("to"), Some(PHONE));
    let text = sms_text(r);
    assert!(text.contains(&tracking), "{text}");
    for phi in [NAME, INSURANCE, EMAIL] {
        assert!(!text.contains(phi), "PHI in the SMS: {text}");
    }

    let mail = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mail[0].rcpt_to, vec![EMAIL.to_owned()]);
    let body = mail[0].text();
    assert!(body.contains(&tracking), "{body}");
    for phi in [NAME, INSURANCE, PHONE] {
        assert!(!body.contains(phi), "PHI in the e-mail: {body}");
    }
    let sent = settled(&s, &admin, "sent");
    assert_eq!(sent.len(), 2, "one SMS and one e-mail: {sent:?}");
    assert!(sent.iter().all(|n| n["attempts"] == 1), "{sent:?}");
}

#[test]
fn opting_out_of_sms_stops_sms_but_not_email() {
    let (at, smtp) = (FakeAfricasTalking::start(), FakeSmtp::start());
    let s = Server::launch(&launch(&at, &smtp, &[]));
    let (admin, patient) = world(&s);
    let jane = token(&s, CUSTOMER, PASSWORD);
    let (status, prefs) = req(
        &s,
        &jane,
        "PUT",
        "/api/v1/notifications/preferences",
        Some(json!({"sms": {"order_created": false, "status_change": false}})),
    );
    assert_eq!(status, 200, "{prefs}");
    let (tracking, id) = order(&s, &admin, &patient);
    let (status, moved) = req(
        &s,
        &admin,
        "PUT",
        &format!("/api/v1/orders/{id}/status"),
        Some(json!({"status": "verified"})),
    );
    assert_eq!(status, 200, "{moved}");

    let mail = smtp.wait_for_messages(2, Duration::from_secs(10));
    assert!(mail.iter().all(|m| m.text().contains(&tracking)));
    let sent = settled(&s, &admin, "sent");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().all(|n| n["channel"] == "email"), "{sent:?}");
    assert!(at.requests().is_empty(), "an SMS left after the opt-out");
}

#[test]
fn a_gateway_failing_twice_gets_a_third_attempt_that_succeeds() {
    let (at, smtp) = (FakeAfricasTalking::start(), FakeSmtp::start());
    at.push_all([
        AtReply::http(500, "Internal Server Error"),
        AtReply::recipient(502, "RejectedByGateway"),
    ]);
    let s = Server::launch(&launch(&at, &smtp, &[]));
    let (admin, patient) = world(&s);
    order(&s, &admin, &patient);

    let sent = settled(&s, &admin, "sent");
    let sms: Vec<_> = sent.iter().filter(|n| n["channel"] == "sms").collect();
    assert_eq!(sms.len(), 1, "{sent:?}");
    assert_eq!(sms[0]["attempts"], 3, "{sent:?}");
    assert_eq!(at.requests().len(), 3, "two failures and one success");
}

#[test]
fn a_gateway_that_always_fails_ends_in_failed_and_an_admin_can_retry() {
    let (at, smtp) = (FakeAfricasTalking::start(), FakeSmtp::start());
    at.set_default(AtReply::http(503, "Service Unavailable"));
    let s = Server::launch(&launch(&at, &smtp, &[]));
    let (admin, patient) = world(&s);
    order(&s, &admin, &patient);

    let failed = settled(&s, &admin, "failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["channel"], "sms");
    assert_eq!(failed[0]["attempts"], 3, "ORDO_NOTIFY_MAX_ATTEMPTS");
    assert_eq!(at.requests().len(), 3);

    // The gateway is back; the admin queues the row again and it goes.
    at.set_default(AtReply::sent());
    let id = failed[0]["notification_id"].as_str().unwrap();
    let path = format!("/api/v1/notifications/outbox/{id}/retry");
    let (status, body) = req(&s, &admin, "POST", &path, None);
    assert_eq!(status, 200, "{body}");
    at.wait_for_requests(4, Duration::from_secs(10));
    assert!(settled(&s, &admin, "failed").is_empty());
}

#[test]
fn free_text_leaves_redacted_and_no_log_line_carries_phi() {
    let (at, smtp) = (FakeAfricasTalking::start(), FakeSmtp::start());
    let s = Server::launch(&launch(&at, &smtp, &[]));
    let (admin, patient) = world(&s);
    let (_, id) = order(&s, &admin, &patient);
    for next in ["verified", "shipped"] {
        let path = format!("/api/v1/orders/{id}/status");
        let (status, body) = req(&s, &admin, "PUT", &path, Some(json!({"status": next})));
        assert_eq!(status, 200, "{body}");
    }
    let jane = token(&s, CUSTOMER, PASSWORD);
    let (_, me) = req(&s, &jane, "GET", "/api/v1/auth/me", None);
    let user_id = me["data"]["user_id"].as_str().unwrap();
    let secret_text =
        format!("Call {PHONE} or write to {EMAIL}; policy {INSURANCE}, SSN 123-45-6789.");
    let (status, body) = req(
        &s,
        &admin,
        "POST",
        "/api/v1/notifications/send",
        Some(json!({"user_id": user_id, "message": secret_text, "territory_id": "north"})),
    );
    assert_eq!(status, 201, "{body}");

    // The customer's log-in address gets the message by e-mail, redacted.
    let deadline = Instant::now() + Duration::from_secs(10);
    let note = loop {
        let found = smtp
            .messages()
            .into_iter()
            .find(|m| m.rcpt_to == vec![CUSTOMER.to_owned()]);
        if let Some(m) = found {
            break m.text();
        }
        assert!(Instant::now() < deadline, "the message never arrived");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(note.starts_with("Call "), "{note}");
    for phi in [PHONE, EMAIL, INSURANCE, "123-45-6789"] {
        assert!(!note.contains(phi), "{phi} left in: {note}");
    }
    settled(&s, &admin, "sent");

    let logs = s.logs();
    assert!(
        logs.contains("outbox step"),
        "the scenario was logged: {logs}"
    );
    for phi in [NAME, PHONE, EMAIL, INSURANCE, "123-45-6789", "Call "] {
        assert!(!logs.contains(phi), "{phi} in the logs");
    }
}

#[test]
fn after_kill_9_with_a_full_outbox_every_sms_is_delivered_once() {
    let (at, smtp) = (FakeAfricasTalking::start(), FakeSmtp::start());
    // The first send hangs: the server dies while the gateway has neither accepted nor refused.
    at.push(AtReply::NoAnswer);
    let dir = std::env::temp_dir().join(format!(
        "ordo-kill9-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("ordo.db").display());
    let first = Launch {
        database_url: Some(db.clone()),
        ..launch(&at, &smtp, &[])
    };
    let s = Server::launch(&first);
    let (admin, patient) = world(&s);
    let tracking: Vec<String> = (0..20).map(|_| order(&s, &admin, &patient).0).collect();
    at.wait_for_requests(1, Duration::from_secs(10));
    drop(s); // SIGKILL: no shutdown, no flush, whatever the dispatcher was doing.

    let again = Launch {
        add_admin: false,
        ..first
    };
    let s = Server::launch(&again);
    let admin = s.admin_token();
    let sent = settled(&s, &admin, "sent");
    assert_eq!(
        sent.iter().filter(|n| n["channel"] == "sms").count(),
        20,
        "{sent:?}"
    );
    // Requests after the hung one were all answered: each order's SMS among them exactly once.
    let answered: Vec<String> = at.requests().iter().skip(1).map(sms_text).collect();
    for t in &tracking {
        let n = answered.iter().filter(|m| m.contains(t.as_str())).count();
        assert_eq!(n, 1, "{t} delivered {n} times");
    }
    assert_eq!(answered.len(), 20, "nothing else was sent");
    let _ = std::fs::remove_dir_all(&dir);
}
