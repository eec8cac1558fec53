//! A small client for the suite: JSON over HTTP with a bearer token.

use crate::server::{Server, agent, send};
use serde_json::{Value, json};

pub const NO_LIMITS: &str = "create=100000000,update=100000000,query=100000000,ws=100000000";

#[derive(Clone)]
pub struct Client {
    pub base: String,
    bearer: String,
}

impl Client {
    pub fn admin(s: &Server) -> Self {
        Self {
            base: s.base.clone(),
            bearer: format!("Bearer {}", s.admin_token()),
        }
    }

    /// The same log-in against another instance (instances share the JWT secret).
    pub fn on(&self, s: &Server) -> Self {
        Self {
            base: s.base.clone(),
            bearer: self.bearer.clone(),
        }
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let a = agent();
        match method {
            "GET" => send(a.get(&url).header("Authorization", &self.bearer).call()),
            "DELETE" => send(a.delete(&url).header("Authorization", &self.bearer).call()),
            "PUT" => send(
                a.put(&url)
                    .header("Authorization", &self.bearer)
                    .send_json(body.unwrap_or(json!({}))),
            ),
            _ => send(
                a.post(&url)
                    .header("Authorization", &self.bearer)
                    .send_json(body.unwrap_or(json!({}))),
            ),
        }
    }

    /// Territory `north`, one product with `stock` units, one patient; returns (product id,
    /// patient id).
    pub fn world(&self, stock: i64) -> (i64, String) {
        let created = |path: &str, body: Value| {
            let (status, body) = self.call("POST", path, Some(body));
            assert_eq!(status, 201, "{path}: {body}");
            body["data"].clone()
        };
        created(
            "/api/v1/territories",
            json!({"territory_id": "north", "name": "North"}),
        );
        let product = created(
            "/api/v1/products",
            json!({"sku": "LAST-50", "name": "Concentrator", "price": "99.00", "stock_quantity": stock}),
        );
        let patient = created(
            "/api/v1/patients",
            json!({"code": "REL01", "name": "Test Patient", "contact_number": "+254700000001", "territory_id": "north"}),
        );
        (
            product["product_id"].as_i64().unwrap(),
            patient["patient_id"].as_str().unwrap().to_owned(),
        )
    }

    pub fn order(&self, product: i64, patient: &str, quantity: i64) -> (u16, Value) {
        self.call(
            "POST",
            "/api/v1/orders",
            Some(json!({"patient_id": patient, "items": [{"product_id": product, "quantity": quantity}]})),
        )
    }

    /// The same, `None` when no answer came (the server died under the request).
    pub fn try_order(&self, product: i64, patient: &str, quantity: i64) -> Option<(u16, Value)> {
        let body = json!({"patient_id": patient, "items": [{"product_id": product, "quantity": quantity}]});
        let mut res = agent()
            .post(&format!("{}/api/v1/orders", self.base))
            .header("Authorization", &self.bearer)
            .send_json(body)
            .ok()?;
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().ok()?;
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// (on hand, reserved) of a product.
    pub fn stock(&self, product: i64) -> Option<(i64, i64)> {
        let (status, body) = self.call("GET", &format!("/api/v1/products/{product}"), None);
        (status == 200).then(|| {
            (
                body["data"]["stock_quantity"].as_i64().unwrap(),
                body["data"]["reserved_quantity"].as_i64().unwrap(),
            )
        })
    }

    /// The ids of every stored order, asserting that each `acknowledged` one is among them.
    pub fn stored_orders_keep(
        &self,
        acknowledged: &std::collections::BTreeSet<String>,
    ) -> std::collections::BTreeSet<String> {
        let stored: std::collections::BTreeSet<String> = self
            .all_orders()
            .iter()
            .map(|o| o["order_id"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            acknowledged.is_subset(&stored),
            "an acknowledged order was lost"
        );
        stored
    }

    /// Every order id, through the listing's pages.
    pub fn all_orders(&self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let path = format!("/api/v1/orders?limit=100&offset={}", out.len());
            let (status, body) = self.call("GET", &path, None);
            assert_eq!(status, 200, "{body}");
            let page = body["data"].as_array().cloned().unwrap_or_default();
            if page.is_empty() {
                return out;
            }
            out.extend(page);
        }
    }
}
