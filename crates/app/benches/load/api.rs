//! The requests of the load, as a client speaks them.

use serde_json::{Value, json};

pub type Answer = Result<(u16, Value), String>;

fn read(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut res = r.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Only the status; the body is read and dropped (the cheapest a client can be).
fn status_only(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<u16, String> {
    let mut res = r.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    res.body_mut().read_to_vec().map_err(|e| e.to_string())?;
    Ok(status)
}

pub fn expect(what: &str, want: u16, got: Result<u16, String>) -> Result<(), String> {
    match got? {
        s if s == want => Ok(()),
        s => Err(format!("{what}: status {s}")),
    }
}

/// A logged-in client of one server.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub bearer: String,
}

impl Api {
    pub fn login(
        agent: &ureq::Agent,
        base: &str,
        email: &str,
        password: &str,
    ) -> Result<Self, String> {
        let (status, body) = read(
            agent
                .post(&format!("{base}/api/v1/auth/login"))
                .send_json(json!({"email": email, "password": password})),
        )?;
        let token = body["data"]["access_token"]
            .as_str()
            .ok_or_else(|| format!("login {email}: {status} {body}"))?;
        Ok(Self {
            base: base.to_owned(),
            bearer: format!("Bearer {token}"),
        })
    }

    pub fn get(&self, agent: &ureq::Agent, path: &str) -> Answer {
        read(
            agent
                .get(&format!("{}{path}", self.base))
                .header("Authorization", &self.bearer)
                .call(),
        )
    }

    pub fn get_status(&self, agent: &ureq::Agent, path: &str) -> Result<u16, String> {
        status_only(
            agent
                .get(&format!("{}{path}", self.base))
                .header("Authorization", &self.bearer)
                .call(),
        )
    }

    pub fn post(&self, agent: &ureq::Agent, path: &str, body: &Value) -> Answer {
        self.post_keyed(agent, path, body, None)
    }

    /// A POST, with an `Idempotency-Key` header when `key` is given.
    pub fn post_keyed(
        &self,
        agent: &ureq::Agent,
        path: &str,
        body: &Value,
        key: Option<&str>,
    ) -> Answer {
        let mut req = agent
            .post(&format!("{}{path}", self.base))
            .header("Authorization", &self.bearer);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        read(req.send_json(body))
    }

    pub fn put(&self, agent: &ureq::Agent, path: &str, body: &Value) -> Answer {
        read(
            agent
                .put(&format!("{}{path}", self.base))
                .header("Authorization", &self.bearer)
                .send_json(body),
        )
    }
}

/// What the load works on, read from the demo data of territory `north`.
pub struct Fixture {
    pub staff: Api,
    pub patient_id: String,
    pub product_ids: Vec<i64>,
    pub order_ids: Vec<String>,
}

impl Fixture {
    /// Logs in, tops up the stock of three products so creations never run short, and lists
    /// the orders to read.
    pub fn load(base: &str) -> Result<Self, String> {
        let agent = super::drive::agent();
        let admin = Api::login(&agent, base, "admin@ordo.demo", "demo-admin-pass")?;
        let staff = Api::login(&agent, base, "staff.north@ordo.demo", "demo-staff-pass")?;
        let (_, patients) = staff.get(&agent, "/api/v1/patients?limit=1")?;
        let patient_id = patients["data"][0]["patient_id"]
            .as_str()
            .ok_or("no demo patient")?
            .to_owned();
        let product_ids = vec![1, 2, 3];
        for id in &product_ids {
            let (status, body) = admin.post(
                &agent,
                &format!("/api/v1/products/{id}/stock-adjustments"),
                &json!({"delta": 5_000_000, "reason": "load test"}),
            )?;
            if status != 201 {
                return Err(format!("stock adjustment: {status} {body}"));
            }
        }
        let (_, orders) = staff.get(&agent, "/api/v1/orders?limit=100")?;
        let order_ids: Vec<String> = orders["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["order_id"].as_str().map(str::to_owned))
            .collect();
        if order_ids.is_empty() {
            return Err("no demo orders".into());
        }
        Ok(Self {
            staff,
            patient_id,
            product_ids,
            order_ids,
        })
    }

    /// A three-line order for the demo patient.
    pub fn order_body(&self) -> Value {
        json!({
            "patient_id": self.patient_id,
            "items": self.product_ids.iter().map(|p| json!({"product_id": p, "quantity": 1})).collect::<Vec<_>>(),
        })
    }
}

/// A GET without authentication, status only.
pub fn get_plain(agent: &ureq::Agent, url: &str) -> Result<u16, String> {
    status_only(agent.get(url).call())
}
