//! Orders through the real binary, on the demo data: the workflow, scoping, idempotency and the
//! seeds' body shapes.

use crate::server::{Server, agent, error_code, send};
use serde_json::{Value, json};

struct Client<'a> {
    s: &'a Server,
    token: String,
}

impl<'a> Client<'a> {
    fn login(s: &'a Server, email: &str, password: &str) -> Self {
        let (status, body) = s.login(email, password);
        assert_eq!(status, 200, "{body}");
        Self {
            s,
            token: body["data"]["access_token"].as_str().unwrap().to_owned(),
        }
    }
    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }
    fn get(&self, path: &str) -> (u16, Value) {
        send(
            agent()
                .get(&self.s.url(path))
                .header("Authorization", &self.auth())
                .call(),
        )
    }
    fn post(&self, path: &str, body: Value, key: Option<&str>) -> (u16, Value) {
        let mut req = agent()
            .post(&self.s.url(path))
            .header("Authorization", &self.auth());
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        send(req.send_json(body))
    }
    fn put(&self, path: &str, body: Value) -> (u16, Value) {
        send(
            agent()
                .put(&self.s.url(path))
                .header("Authorization", &self.auth())
                .send_json(body),
        )
    }
    fn delete(&self, path: &str) -> (u16, Value) {
        send(
            agent()
                .delete(&self.s.url(path))
                .header("Authorization", &self.auth())
                .call(),
        )
    }
}

fn first_patient(c: &Client) -> String {
    let (status, body) = c.get("/api/v1/patients?limit=1");
    assert_eq!(status, 200, "{body}");
    body["data"][0]["patient_id"].as_str().unwrap().to_owned()
}

#[test]
fn an_order_through_the_workflow_with_its_history() {
    let (s, _) = Server::start_demo();
    let staff = Client::login(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let patient = first_patient(&staff);
    // Seed 001's create body, with items.
    let body = json!({
        "patient_id": patient,
        "provider_id": "PRV-7",
        "insurance_info": {"carrier": "Acme", "policy_number": "POL-123456", "group_number": "G1"},
        "service_type": "home oxygen",
        "priority": "urgent",
        "items": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}]
    });
    let (status, created) = staff.post("/api/v1/orders", body, None);
    assert_eq!(status, 201, "{created}");
    let order = &created["data"];
    assert_eq!(order["status"], "pending_verification");
    assert_eq!(
        order["total_amount"], "33.75",
        "12.50 × 2 + 8.75, priced from the catalogue"
    );
    assert!(order["tracking_id"].as_str().unwrap().starts_with("ORD-"));
    let id = order["order_id"].as_str().unwrap().to_owned();

    // Seed 001's status update body.
    let (status, updated) = staff.put(
        &format!("/api/v1/orders/{id}/status"),
        json!({"status": "verified", "notes": "called the insurer", "verification_data": {"verified_by": "nurse", "verification_method": "phone", "coverage_details": {}}}),
    );
    assert_eq!(status, 200, "{updated}");
    for k in ["order_id", "status", "updated_at", "audit_id"] {
        assert!(updated["data"].get(k).is_some(), "{k} missing: {updated}");
    }
    let (status, bad) = staff.put(
        &format!("/api/v1/orders/{id}/status"),
        json!({"status": "pending_verification"}),
    );
    assert_eq!((status, error_code(&bad)), (409, "INVALID_STATUS"));
    assert_eq!(
        bad["error"]["details"]["allowed"],
        json!(["shipped", "completed", "cancelled"])
    );
    let (status, history) = staff.get(&format!("/api/v1/orders/{id}/history"));
    assert_eq!(
        (status, history["data"].as_array().unwrap().len()),
        (200, 2)
    );
    assert!(
        !history.to_string().contains("POL-123456"),
        "no insurance number in the audit trail"
    );
    let (status, stats) = staff.get(&format!("/api/v1/orders/{id}/statistics"));
    assert_eq!(
        (status, stats["data"]["line_count"].as_u64()),
        (200, Some(2))
    );
    let (status, _) = staff.get("/api/v1/orders/stats");
    assert_eq!(status, 200);
    let (status, check) = staff.get("/api/v1/orders/health/stock-check");
    assert_eq!((status, &check["data"]["consistent"]), (200, &json!(true)));
    let (status, cancel) = staff.delete(&format!("/api/v1/orders/{id}"));
    assert_eq!(
        (status, error_code(&cancel)),
        (409, "INVALID_STATUS"),
        "only pending orders are deleted"
    );
}

#[test]
fn scoping_idempotency_and_seed_003_shapes() {
    let (s, _) = Server::start_demo();
    let north = Client::login(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let coast = Client::login(&s, "staff.coast@ordo.demo", "demo-staff-pass");
    let patient = first_patient(&north);
    let body = json!({"patient_id": patient, "items": [{"product_id": 3, "quantity": 1}]});
    let (status, first) = north.post("/api/v1/orders", body.clone(), Some("key-1"));
    assert_eq!(status, 201, "{first}");
    let (status, again) = north.post("/api/v1/orders", body.clone(), Some("key-1"));
    assert_eq!(
        (status, &again["data"]["order_id"]),
        (201, &first["data"]["order_id"]),
        "a retry replays"
    );
    let (status, other) = north.post(
        "/api/v1/orders",
        json!({"patient_id": patient, "items": [{"product_id": 3, "quantity": 2}]}),
        Some("key-1"),
    );
    assert_eq!((status, error_code(&other)), (409, "CONFLICT"));

    let id = first["data"]["order_id"].as_str().unwrap();
    let (status, body) = coast.get(&format!("/api/v1/orders/{id}"));
    assert_eq!((status, error_code(&body)), (403, "TERRITORY_MISMATCH"));
    let (status, body) = north.get("/api/v1/orders/00000000-0000-0000-0000-000000000000");
    assert_eq!((status, error_code(&body)), (404, "ORDER_NOT_FOUND"));

    // Seed 003: order_items and flat shipping fields.
    let seed3 = json!({
        "patient_id": patient,
        "shipping_address_line1": "123 Main St", "shipping_city": "New York", "shipping_state": "NY",
        "shipping_postal_code": "10001", "shipping_country": "USA",
        "order_items": [{"product_id": 1, "quantity": 2}, {"product_id": 3, "quantity": 1}]
    });
    let (status, created) = north.post("/api/v1/orders", seed3, None);
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["shipping_address"]["city"], "New York");
    let (status, listed) = north.get("/api/v1/orders?status=pending&limit=2&skip=0");
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["meta"]["limit"], 2);
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "pending_verification")
    );

    let (status, short) = north.post(
        "/api/v1/orders",
        json!({"patient_id": patient, "items": [{"product_id": 19, "quantity": 50}]}),
        None,
    );
    assert_eq!((status, error_code(&short)), (400, "INSUFFICIENT_STOCK"));
    assert_eq!(
        short["error"]["details"]["stock_issues"][0]["requested"],
        50
    );
    let (status, typo) = north.post(
        "/api/v1/orders",
        json!({"patient_id": patient, "items": [], "total_amount": "1.00"}),
        None,
    );
    assert_eq!(
        (status, error_code(&typo)),
        (400, "VALIDATION_ERROR"),
        "clients cannot set totals"
    );
}

#[test]
fn the_catalogue_and_the_audit_log() {
    let (s, _) = Server::start_demo();
    let admin = Client::login(&s, "admin@ordo.demo", "demo-admin-pass");
    let staff = Client::login(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let (status, created) = admin.post(
        "/api/v1/products",
        json!({"sku": "tst-1", "name": "Test swabs", "price": "1.25", "stock_quantity": 10}),
        None,
    );
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["product_id"].as_u64().unwrap();
    assert_eq!(
        (
            created["data"]["sku"].as_str(),
            created["data"]["price"].as_str()
        ),
        (Some("TST-1"), Some("1.25"))
    );
    let (status, body) = staff.post(
        "/api/v1/products",
        json!({"sku": "x", "name": "x", "price": "1"}),
        None,
    );
    assert_eq!((status, error_code(&body)), (403, "PERMISSION_DENIED"));
    let (status, adjusted) = admin.post(
        &format!("/api/v1/products/{id}/stock-adjustments"),
        json!({"delta": -4, "reason": "damaged"}),
        None,
    );
    assert_eq!(
        (status, adjusted["data"]["stock_quantity"].as_i64()),
        (201, Some(6))
    );
    let (status, listed) = staff.get("/api/v1/products?limit=5");
    assert_eq!((status, listed["meta"]["total"].as_u64()), (200, Some(21)));
    let (status, trail) = admin.get(&format!("/api/v1/audit?entity_type=product&entity_id={id}"));
    assert_eq!(status, 200, "{trail}");
    let actions: Vec<_> = trail["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        ["stock_adjusted", "product_created"],
        "newest first"
    );
    let (status, body) = staff.get("/api/v1/audit");
    assert_eq!((status, error_code(&body)), (403, "PERMISSION_DENIED"));
}

/// Who sees what: admin, staff of the order's territory and of another, the order's customer and
/// another customer, over the order and patient routes.
#[test]
fn the_scoping_matrix() {
    let (s, _) = Server::start_demo();
    let admin = Client::login(&s, "admin@ordo.demo", "demo-admin-pass");
    let north = Client::login(&s, "staff.north@ordo.demo", "demo-staff-pass");
    let coast = Client::login(&s, "staff.coast@ordo.demo", "demo-staff-pass");
    let cust_a = Client::login(&s, "patient1@ordo.demo", "demo-patient-pass");
    let cust_b = Client::login(&s, "patient2@ordo.demo", "demo-patient-pass");
    let (_, me) = cust_a.get("/api/v1/auth/me");
    let patient_a = me["data"]["patient_id"].as_str().unwrap().to_owned();
    let (status, created) = north.post(
        "/api/v1/orders",
        json!({"patient_id": patient_a, "items": [{"product_id": 4, "quantity": 1}]}),
        None,
    );
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["order_id"].as_str().unwrap().to_owned();

    let expect = |c: &Client, path: &str, want: u16, code: Option<&str>| {
        let (status, body) = c.get(path);
        assert_eq!(status, want, "{path}: {body}");
        if let Some(code) = code {
            assert_eq!(error_code(&body), code, "{path}");
        }
    };
    for path in [
        format!("/api/v1/orders/{id}"),
        format!("/api/v1/orders/{id}/history"),
        format!("/api/v1/orders/{id}/statistics"),
    ] {
        expect(&admin, &path, 200, None);
        expect(&north, &path, 200, None);
        expect(&coast, &path, 403, Some("TERRITORY_MISMATCH"));
        expect(&cust_a, &path, 200, None);
        expect(&cust_b, &path, 404, Some("ORDER_NOT_FOUND"));
    }
    let patient_path = format!("/api/v1/patients/{patient_a}");
    expect(&admin, &patient_path, 200, None);
    expect(&north, &patient_path, 200, None);
    expect(&coast, &patient_path, 403, Some("TERRITORY_MISMATCH"));
    expect(&cust_a, &patient_path, 200, None);
    expect(&cust_b, &patient_path, 404, Some("NOT_FOUND"));
    expect(
        &cust_a,
        "/api/v1/orders/stats",
        403,
        Some("PERMISSION_DENIED"),
    );

    let (_, mine) = cust_a.get("/api/v1/orders");
    assert!(
        mine["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["patient_id"] == patient_a.as_str())
    );
    let (_, coast_list) = coast.get("/api/v1/orders?limit=100");
    assert!(
        coast_list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["territory_id"] == "coast")
    );

    let verify = json!({"status": "verified"});
    let (status, body) = coast.put(&format!("/api/v1/orders/{id}/status"), verify.clone());
    assert_eq!((status, error_code(&body)), (403, "TERRITORY_MISMATCH"));
    let (status, body) = cust_a.put(&format!("/api/v1/orders/{id}/status"), verify.clone());
    assert_eq!((status, error_code(&body)), (403, "PERMISSION_DENIED"));
    let (status, body) = cust_b.delete(&format!("/api/v1/orders/{id}"));
    assert_eq!((status, error_code(&body)), (404, "ORDER_NOT_FOUND"));

    let (status, own) = cust_a.post(
        "/api/v1/orders",
        json!({"items": [{"product_id": 4, "quantity": 1}]}),
        None,
    );
    assert_eq!(
        (status, own["data"]["patient_id"].as_str()),
        (201, Some(patient_a.as_str())),
        "a customer orders for their own patient"
    );
    let (_, me_b) = cust_b.get("/api/v1/auth/me");
    let patient_b = me_b["data"]["patient_id"].as_str().unwrap();
    let (status, body) = cust_a.post(
        "/api/v1/orders",
        json!({"patient_id": patient_b, "items": [{"product_id": 4, "quantity": 1}]}),
        None,
    );
    assert_eq!((status, error_code(&body)), (403, "PERMISSION_DENIED"));
    let (status, cancelled) = cust_a.delete(&format!("/api/v1/orders/{id}"));
    assert_eq!(
        (status, cancelled["data"]["status"].as_str()),
        (200, Some("cancelled")),
        "a customer cancels their own pending order"
    );
}

/// The workflow through the API, with the product's stock after each step (SPEC §5).
#[test]
fn the_workflow_moves_stock_as_the_table_says() {
    let (s, _) = Server::start_demo();
    let admin = Client::login(&s, "admin@ordo.demo", "demo-admin-pass");
    let (_, p) = admin.post(
        "/api/v1/products",
        json!({"sku": "WF-1", "name": "Workflow probe", "price": "2.00", "stock_quantity": 10}),
        None,
    );
    let product = p["data"]["product_id"].as_u64().unwrap();
    let stock = || {
        let (_, body) = admin.get(&format!("/api/v1/products/{product}"));
        (
            body["data"]["stock_quantity"].as_i64().unwrap(),
            body["data"]["reserved_quantity"].as_i64().unwrap(),
        )
    };
    let (_, patients) = admin.get("/api/v1/patients?limit=1");
    let patient = patients["data"][0]["patient_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, created) = admin.post(
        "/api/v1/orders",
        json!({"patient_id": patient, "items": [{"product_id": product, "quantity": 4}]}),
        None,
    );
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["order_id"].as_str().unwrap().to_owned();
    assert_eq!(stock(), (10, 4), "placed: reserved");
    let steps = [
        ("rejected", (10, 0)),
        ("pending", (10, 4)),
        ("confirmed", (10, 4)),
        ("shipped", (6, 0)),
        ("delivered", (6, 0)),
        ("completed", (6, 0)),
    ];
    for (to, want) in steps {
        let (status, body) = admin.put(
            &format!("/api/v1/orders/{id}/status"),
            json!({"status": to}),
        );
        assert_eq!(status, 200, "{to}: {body}");
        assert_eq!(stock(), want, "after {to}");
    }
    let (status, body) = admin.put(
        &format!("/api/v1/orders/{id}/status"),
        json!({"status": "cancelled"}),
    );
    assert_eq!(
        (status, error_code(&body)),
        (409, "INVALID_STATUS"),
        "completed is terminal"
    );
    assert_eq!(body["error"]["details"]["allowed"], json!([]));
}

#[test]
fn seed_003s_python_usage_flow_verbatim() {
    let (s, _) = Server::start_demo();
    // "Creating an Order (Python)": a customer's body, as the seed writes it (no patient: the
    // customer's own), posted to the seed's URL with its trailing slash.
    let customer = Client::login(&s, "patient1@ordo.demo", "demo-patient-pass");
    let order_data = json!({
        "shipping_address_line1": "123 Main St",
        "shipping_city": "New York",
        "shipping_state": "NY",
        "shipping_postal_code": "10001",
        "shipping_country": "USA",
        "order_items": [
            {"product_id": 1, "quantity": 2},
            {"product_id": 3, "quantity": 1}
        ]
    });
    let (status, created) = customer.post("/api/v1/orders/", order_data, None);
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["order_id"].as_str().unwrap().to_owned();

    // "Admin Order Management (Python)": the seed's status names, `pending` and `confirmed`.
    let admin = Client::login(&s, "admin@ordo.demo", "demo-admin-pass");
    let (status, pending) = admin.get("/api/v1/orders/?status=pending&limit=100");
    assert_eq!(status, 200, "{pending}");
    assert!(
        pending["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["order_id"] == id.as_str()),
        "the new order is pending: {pending}"
    );
    let (status, updated) = admin.put(
        &format!("/api/v1/orders/{id}/status"),
        json!({"status": "confirmed"}),
    );
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated["data"]["status"], "verified",
        "answers use ordo's names"
    );
}
