//! A real WebSocket client (tungstenite) against the real binary, and a small world to watch:
//! territories north and south, a product, a patient in each, an order in north.

use crate::server::{Launch, Server, agent, send};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

pub type Ws = WebSocket<TcpStream>;

/// Limits high enough that no test but the rate-limit one meets them.
pub const NO_LIMITS: &str = "create=1000000,update=1000000,query=1000000,ws=1000000";

/// Calls the API; `(status, body)`.
pub fn api(s: &Server, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = s.url(path);
    let auth = format!("Bearer {token}");
    let a = agent();
    send(match (method, body) {
        ("GET", _) => a.get(&url).header("Authorization", &auth).call(),
        ("POST", Some(b)) => a.post(&url).header("Authorization", &auth).send_json(b),
        ("PUT", Some(b)) => a.put(&url).header("Authorization", &auth).send_json(b),
        (m, _) => panic!("unsupported {m}"),
    })
}

pub fn login(s: &Server, email: &str) -> String {
    let (status, body) = s.login(email, crate::server::PASSWORD);
    assert_eq!(status, 200, "{body}");
    body["data"]["access_token"].as_str().unwrap().to_owned()
}

pub struct World {
    pub s: Server,
    pub admin: String,
    pub product: i64,
    pub patient_north: String,
    pub patient_south: String,
    /// An order in north, pending verification.
    pub order: String,
}

impl World {
    pub fn new() -> Self {
        Self::with(&[])
    }

    /// A world on a server with `env` added to the unlimited rate limits.
    pub fn with(env: &[(&str, &str)]) -> Self {
        let mut launch = Launch::default();
        launch
            .env
            .push(("ORDO_RATE_LIMITS".into(), NO_LIMITS.into()));
        launch
            .env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Self::on(Server::launch(&launch))
    }

    /// Populates a running server whose database has only the admin.
    pub fn on(s: Server) -> Self {
        let admin = s.admin_token();
        for (id, name) in [("north", "North"), ("south", "South")] {
            let body = json!({"territory_id": id, "name": name});
            let (st, b) = api(&s, &admin, "POST", "/api/v1/territories", Some(body));
            assert_eq!(st, 201, "{b}");
        }
        let product =
            json!({"sku": "GLV-1", "name": "Gloves", "price": "1.00", "stock_quantity": 1_000_000});
        let (st, b) = api(&s, &admin, "POST", "/api/v1/products", Some(product));
        assert_eq!(st, 201, "{b}");
        let product = b["data"]["product_id"].as_i64().unwrap();
        let mut patients = Vec::new();
        for (i, t) in ["north", "south"].iter().enumerate() {
            let body = json!({"code": format!("P00{i}"), "name": "Ada Lovelace", "contact_number": format!("+25470000000{i}"), "insurance_number": "INS-99887766", "territory_id": t});
            let (st, b) = api(&s, &admin, "POST", "/api/v1/patients", Some(body));
            assert_eq!(st, 201, "{b}");
            patients.push(b["data"]["patient_id"].as_str().unwrap().to_owned());
        }
        for (email, role, territories) in [
            ("staff.north@example.com", "staff", json!(["north"])),
            ("staff.south@example.com", "staff", json!(["south"])),
        ] {
            let body = json!({"email": email, "password": crate::server::PASSWORD, "role": role, "territories": territories});
            let (st, b) = api(&s, &admin, "POST", "/api/v1/users", Some(body));
            assert_eq!(st, 201, "{b}");
        }
        let mut w = World {
            s,
            admin,
            product,
            patient_north: patients[0].clone(),
            patient_south: patients[1].clone(),
            order: String::new(),
        };
        w.order = w.place("north", 1);
        w
    }

    /// Places an order of `quantity` gloves for the territory's patient; returns its id.
    pub fn place(&self, territory: &str, quantity: i64) -> String {
        self.place_of(territory, self.product, quantity)
    }

    /// A new product with `units` on hand; returns its id.
    pub fn product_with(&self, sku: &str, units: i64) -> i64 {
        let body = json!({"sku": sku, "name": sku, "price": "2.00", "stock_quantity": units});
        let (st, b) = api(&self.s, &self.admin, "POST", "/api/v1/products", Some(body));
        assert_eq!(st, 201, "{b}");
        b["data"]["product_id"].as_i64().unwrap()
    }

    /// Places an order of `quantity` of `product` for the territory's patient; returns its id.
    pub fn place_of(&self, territory: &str, product: i64, quantity: i64) -> String {
        let patient = if territory == "north" {
            &self.patient_north
        } else {
            &self.patient_south
        };
        let body = json!({"patient_id": patient, "items": [{"product_id": product, "quantity": quantity}]});
        let (st, b) = api(&self.s, &self.admin, "POST", "/api/v1/orders", Some(body));
        assert_eq!(st, 201, "{b}");
        b["data"]["order_id"].as_str().unwrap().to_owned()
    }

    /// Moves `order` to `status`; returns the answer.
    pub fn set_status(&self, order: &str, status: &str) -> (u16, Value) {
        let path = format!("/api/v1/orders/{order}/status");
        api(
            &self.s,
            &self.admin,
            "PUT",
            &path,
            Some(json!({"status": status})),
        )
    }

    /// `n` committed status changes of the world's order (rejected and back, over and over).
    pub fn flip(&self, n: usize) {
        self.flip_order(&self.order, n);
    }

    /// `n` committed status changes of a pending `order` (rejected and back).
    pub fn flip_order(&self, order: &str, n: usize) {
        for i in 0..n {
            let to = if i % 2 == 0 {
                "rejected"
            } else {
                "pending_verification"
            };
            let (st, b) = self.set_status(order, to);
            assert_eq!(st, 200, "{b}");
        }
    }
}

fn request(
    s: &Server,
    path: &str,
    bearer: Option<&str>,
) -> tungstenite::handshake::client::Request {
    let mut req = format!("ws://{}{path}", s.addr())
        .into_client_request()
        .unwrap();
    if let Some(t) = bearer {
        req.headers_mut()
            .insert("Authorization", format!("Bearer {t}").parse().unwrap());
    }
    req
}

/// Opens a WebSocket on an already connected socket; panics if refused.
pub fn open_on(stream: TcpStream, s: &Server, path: &str, bearer: Option<&str>) -> Ws {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    match tungstenite::client::client(request(s, path, bearer), stream) {
        Ok((ws, _)) => ws,
        Err(e) => panic!("handshake of {path} refused: {e}"),
    }
}

/// Opens a WebSocket; panics if refused.
pub fn open(s: &Server, path: &str, bearer: Option<&str>) -> Ws {
    open_on(TcpStream::connect(s.addr()).unwrap(), s, path, bearer)
}

/// Sends an upgrade request that must be refused; returns its status and JSON body.
pub fn refused(s: &Server, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut stream = TcpStream::connect(s.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n",
        s.addr()
    )
    .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    // Head, then exactly Content-Length bytes of body (the connection may stay open).
    let (head, body_start) = loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before answering");
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&raw[..i]).into_owned(), i + 4);
        }
    };
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert_ne!(status, 101, "the upgrade was accepted: {head}");
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().unwrap())
        })
        .expect("a Content-Length");
    while raw.len() < body_start + length {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed inside the body");
        raw.extend_from_slice(&buf[..n]);
    }
    let body = serde_json::from_slice(&raw[body_start..body_start + length]).unwrap();
    (status, body)
}

/// What reading a socket gave.
#[derive(Debug)]
pub enum Got {
    Event(Value),
    Closed(Option<CloseFrame>),
    TimedOut,
}

/// The next event frame within `within` (pings are answered by tungstenite and skipped).
pub fn read(ws: &mut Ws, within: Duration) -> Got {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Got::TimedOut;
        }
        ws.get_mut().set_read_timeout(Some(left)).unwrap();
        match ws.read() {
            Ok(Message::Text(t)) => return Got::Event(serde_json::from_str(t.as_str()).unwrap()),
            Ok(Message::Close(frame)) => return Got::Closed(frame),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Got::Closed(None);
            }
            Err(e) => panic!("read failed: {e}"),
        }
    }
}

/// The next event, which must come within `within`.
pub fn next_event(ws: &mut Ws, within: Duration) -> Value {
    match read(ws, within) {
        Got::Event(v) => v,
        other => panic!("expected an event within {within:?}, got {other:?}"),
    }
}

/// Reads until the server's close frame (or the end of the connection); returns the events
/// before it and the close frame.
pub fn until_close(ws: &mut Ws, within: Duration) -> (Vec<Value>, Option<CloseFrame>) {
    let deadline = Instant::now() + within;
    let mut events = Vec::new();
    loop {
        match read(ws, deadline.saturating_duration_since(Instant::now())) {
            Got::Event(v) => events.push(v),
            Got::Closed(frame) => return (events, frame),
            Got::TimedOut => panic!("not closed within {within:?}; got {} events", events.len()),
        }
    }
}

/// The `event_id` of an event frame.
pub fn id(v: &Value) -> i64 {
    v["event_id"].as_i64().unwrap()
}

/// Reads events up to and including the `order_created` of `order`, each within `within`;
/// returns their ids.
pub fn ids_through(ws: &mut Ws, order: &str, within: Duration) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let e = next_event(ws, within);
        ids.push(id(&e));
        if e["type"] == "order_created" && e["order_id"] == order {
            return ids;
        }
    }
}

/// A metric's value from `/metrics`, summed over the label sets that contain `label`.
pub fn metric(s: &Server, name: &str, label: &str) -> f64 {
    let mut res = agent().get(&s.url("/metrics")).call().unwrap();
    let text = res.body_mut().read_to_string().unwrap();
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Reads a socket whose client never answered anything, without letting tungstenite write its
/// automatic pongs (which would fail on a socket the server has closed): the server's frames as
/// `(opcode, payload)` until the connection ends.
pub fn raw_frames_until_eof(ws: Ws, within: Duration) -> Vec<(u8, Vec<u8>)> {
    let mut stream = ws.into_inner();
    stream.set_read_timeout(Some(within)).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let mut frames = Vec::new();
    let mut at = 0;
    while at + 2 <= raw.len() {
        let opcode = raw[at] & 0x0f;
        let (len, head) = match raw[at + 1] & 0x7f {
            126 => (
                usize::from(u16::from_be_bytes([raw[at + 2], raw[at + 3]])),
                4,
            ),
            127 => panic!("no frame of ours is that large"),
            n => (usize::from(n), 2),
        };
        frames.push((opcode, raw[at + head..at + head + len].to_vec()));
        at += head + len;
    }
    frames
}
