//! Oversell: 200 concurrent clients over two instances race for the last 50 units.

use crate::client::{Client, NO_LIMITS};
use crate::server::{Launch, PgDatabase, Server};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const UNITS: i64 = 50;
const CLIENTS: usize = 200;

/// Two instances on one database: PostgreSQL when `ORDO_TEST_PG_URL` is set, else one SQLite
/// file shared by both processes.
fn two_instances(pg: Option<&PgDatabase>, dir: &std::path::Path) -> (Server, Server) {
    let url = match pg {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}", dir.join("ordo.db").display()),
    };
    let launch = |add_admin| {
        Server::launch(&Launch {
            env: vec![("ORDO_RATE_LIMITS".into(), NO_LIMITS.into())],
            database_url: Some(url.clone()),
            add_admin,
            capture_logs: false,
        })
    };
    let a = launch(true);
    (a, launch(false))
}

#[test]
fn two_hundred_clients_over_two_instances_sell_exactly_the_last_fifty_units() {
    let pg = PgDatabase::create();
    let dir = std::env::temp_dir().join(format!("ordo-oversell-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = two_instances(pg.as_ref(), &dir);
    let admin = Client::admin(&a);
    let (product, patient) = admin.world(UNITS);
    let clients = [admin.clone(), admin.on(&b)];

    let (sold, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let racing = AtomicBool::new(true);
    let mut seen_bad = Vec::new();
    std::thread::scope(|s| {
        // A watcher reads the stock all through the race: it never leaves 0 <= reserved <= on hand.
        let watcher = s.spawn(|| {
            let mut bad = Vec::new();
            while racing.load(Ordering::SeqCst) {
                if let Some((on_hand, reserved)) = clients[1].stock(product) {
                    if !(0 <= reserved && reserved <= on_hand) {
                        bad.push((on_hand, reserved));
                    }
                }
            }
            bad
        });
        let racers: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (c, sold, refused) = (&clients[i % 2], &sold, &refused);
                let patient = patient.as_str();
                s.spawn(move || match c.order(product, patient, 1) {
                    (201, _) => sold.fetch_add(1, Ordering::SeqCst),
                    (400, body) if body["error"]["code"] == "INSUFFICIENT_STOCK" => {
                        refused.fetch_add(1, Ordering::SeqCst)
                    }
                    (status, body) => panic!("unexpected answer {status}: {body}"),
                })
            })
            .collect();
        let answers: Vec<_> = racers.into_iter().map(|r| r.join()).collect();
        // Stop the watcher before any racer's failure is raised, or the scope never ends.
        racing.store(false, Ordering::SeqCst);
        seen_bad = watcher.join().unwrap();
        for a in answers {
            a.unwrap();
        }
    });
    assert!(seen_bad.is_empty(), "stock left its bounds: {seen_bad:?}");
    assert_eq!(
        sold.load(Ordering::SeqCst),
        UNITS as usize,
        "exactly the last 50 sold"
    );
    assert_eq!(refused.load(Ordering::SeqCst), CLIENTS - UNITS as usize);
    assert_eq!(
        admin.stock(product),
        Some((UNITS, UNITS)),
        "all 50 reserved"
    );

    // Ship 20 (consumed), cancel 10 (released), leave 20 held: stock reconciles.
    let orders = admin.all_orders();
    assert_eq!(orders.len(), UNITS as usize);
    for (i, o) in orders.iter().enumerate() {
        let id = o["order_id"].as_str().unwrap();
        let c = &clients[i % 2];
        if i < 20 {
            for next in ["verified", "shipped"] {
                let (status, body) = c.call(
                    "PUT",
                    &format!("/api/v1/orders/{id}/status"),
                    Some(json!({"status": next})),
                );
                assert_eq!(status, 200, "{body}");
            }
        } else if i < 30 {
            let (status, body) = c.call("DELETE", &format!("/api/v1/orders/{id}"), None);
            assert_eq!(status, 200, "{body}");
        }
    }
    // on hand + consumed = initial + adjustments (none); reserved = units of held orders.
    assert_eq!(admin.stock(product), Some((UNITS - 20, 20)));
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}
