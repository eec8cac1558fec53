//! The seeds' own routes and bodies, used verbatim (SPEC §10): bare answers, same rules.

use crate::server::{Server, agent, error_code, send};
use serde_json::{Value, json};

fn call(s: &Server, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let a = agent();
    match (method, body) {
        ("GET", _) => send(a.get(&s.url(path)).header("Authorization", &auth).call()),
        (_, Some(b)) => send(
            a.post(&s.url(path))
                .header("Authorization", &auth)
                .send_json(b),
        ),
        _ => unreachable!(),
    }
}

fn token(s: &Server, email: &str, pw: &str) -> String {
    s.login(email, pw).1["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn seed_004_customers_and_orders_verbatim() {
    let (s, _) = Server::start_demo();
    let admin = token(&s, "admin@ordo.demo", "demo-admin-pass");
    let staff = token(&s, "staff.north@ordo.demo", "demo-staff-pass");
    // The seed's order below names customer CUST001: register one first.
    let (status, _) = call(
        &s,
        &staff,
        "POST",
        "/api/customers/add/",
        Some(json!({
            "name": "Jane Doe", "code": "CUST001", "contact_number": "+25470000001"
        })),
    );
    assert_eq!(status, 201);
    // Seed 004's customer body, as written there.
    let (status, created) = call(
        &s,
        &staff,
        "POST",
        "/api/customers/add/",
        Some(json!({
            "name": "James Bond",
            "code": "CUST007",
            "contact_number": "+25470007007",
            "email": "JamesBond@gmail.com",
            "insurance_number": "INS123456789"
        })),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["code"], "CUST007");
    assert!(
        created.get("status").is_none(),
        "a bare answer, not the envelope"
    );
    let (status, list) = call(&s, &staff, "GET", "/api/customers/", None);
    assert_eq!(status, 200);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "CUST007")
    );

    // Seed 004's order names its item "Paracitamol" (sic); the catalogue must know that name.
    let (status, _) = call(
        &s,
        &admin,
        "POST",
        "/api/v1/products",
        Some(
            json!({"sku": "PCM-50", "name": "Paracitamol", "price": "0.10", "stock_quantity": 500}),
        ),
    );
    assert_eq!(status, 201);
    let (status, order) = call(
        &s,
        &staff,
        "POST",
        "/api/orders/add/",
        Some(json!({
            "customer_code": "CUST001",
            "item": "Paracitamol",
            "amount": 50,
            "physician_name": "drhouse"
        })),
    );
    assert_eq!(status, 201, "{order}");
    assert_eq!(
        (order["customer_code"].as_str(), order["amount"].as_u64()),
        (Some("CUST001"), Some(50))
    );
    assert_eq!(order["status"], "pending_verification");
    let (status, unknown) = call(
        &s,
        &staff,
        "POST",
        "/api/orders/add/",
        Some(
            json!({"customer_code": "CUST001", "item": "Unobtainium", "amount": 1, "physician_name": "x"}),
        ),
    );
    assert_eq!((status, error_code(&unknown)), (400, "VALIDATION_ERROR"));
    let (status, orders) = call(&s, &staff, "GET", "/api/orders/", None);
    assert_eq!(status, 200);
    assert!(
        orders
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["physician_name"] == "drhouse")
    );
}

#[test]
fn seed_000_order_and_seed_002_notification() {
    let (s, _) = Server::start_demo();
    let staff = token(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let (_, patients) = call(&s, &staff, "GET", "/api/v1/patients?limit=1", None);
    let patient = patients["data"][0]["patient_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, order) = call(
        &s,
        &staff,
        "POST",
        "/api/orders",
        Some(json!({
            "patient_id": patient,
            "items": [{"product_id": 1, "quantity": 1}],
            "territory_id": "north"
        })),
    );
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "pending_verification");
    assert!(order["order_id"].is_string());
    let (status, wrong) = call(
        &s,
        &staff,
        "POST",
        "/api/orders",
        Some(
            json!({"patient_id": patient, "items": [{"product_id": 1, "quantity": 1}], "territory_id": "coast"}),
        ),
    );
    assert_eq!((status, error_code(&wrong)), (403, "TERRITORY_MISMATCH"));

    let (_, me) = send(
        agent()
            .get(&s.url("/api/v1/auth/me"))
            .header("Authorization", &format!("Bearer {staff}"))
            .call(),
    );
    let staff_id = me["data"]["user_id"].as_str().unwrap().to_owned();
    let (status, sent) = call(
        &s,
        &staff,
        "POST",
        "/api/notifications/send",
        Some(json!({
            "user_id": staff_id,
            "message": "Please call +254700000001 about policy INS99887766",
            "territory_id": "north"
        })),
    );
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["status"], "sent");
    assert!(sent["notification_id"].is_string());
}
