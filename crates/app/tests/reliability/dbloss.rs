//! Database loss: PostgreSQL goes away under load, and comes back.

use crate::client::{Client, NO_LIMITS};
use crate::proxy::Proxy;
use crate::server::{Launch, PgDatabase, Server, error_code};
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The database URL through the proxy: same user and database, the proxy's port.
fn through(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth, hostpath) = rest.rsplit_once('@').map_or(("", rest), |(a, h)| (a, h));
    let path = hostpath.split_once('/').map_or("", |(_, p)| p);
    let at = if auth.is_empty() {
        String::new()
    } else {
        format!("{auth}@")
    };
    format!("{scheme}://{at}127.0.0.1:{port}/{path}")
}

fn target(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let hostpath = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = hostpath.split('/').next().unwrap();
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

#[test]
fn a_lost_database_answers_503_in_time_loses_nothing_and_recovers_by_itself() {
    let Some(db) = PgDatabase::create() else {
        eprintln!("ORDO_TEST_PG_URL not set: database-loss test skipped");
        return;
    };
    let proxy = Proxy::start(target(&db.url));
    let s = Server::launch(&Launch {
        env: vec![("ORDO_RATE_LIMITS".into(), NO_LIMITS.into())],
        database_url: Some(through(&db.url, proxy.port)),
        add_admin: true,
        capture_logs: false,
    });
    let admin = Client::admin(&s);
    let (product, patient) = admin.world(1_000_000);

    let acknowledged = Mutex::new(BTreeSet::new());
    let (running, down) = (AtomicBool::new(true), AtomicBool::new(false));
    let slowest_503 = Mutex::new(Duration::ZERO);
    let odd = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while running.load(Ordering::SeqCst) {
                    let started = Instant::now();
                    let (status, body) = admin.order(product, &patient, 1);
                    match status {
                        201 => {
                            let id = body["data"]["order_id"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().insert(id);
                        }
                        503 => {
                            assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
                            let mut slowest = slowest_503.lock().unwrap();
                            *slowest = (*slowest).max(started.elapsed());
                        }
                        // While the database is away, a request may also fail its log-in check.
                        _ if down.load(Ordering::SeqCst) => odd.lock().unwrap().push(status),
                        _ => panic!("{status}: {body}"),
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(800));
        down.store(true, Ordering::SeqCst);
        proxy.cut();
        std::thread::sleep(Duration::from_secs(3));
        let (status, body) = admin.call("GET", "/ready", None);
        assert_eq!((status, error_code(&body)), (503, "SERVICE_UNAVAILABLE"));
        proxy.restore();
        down.store(false, Ordering::SeqCst);
        // Service resumes by itself: no restart, within a few seconds.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if admin.order(product, &patient, 1).0 == 201 {
                break;
            }
            assert!(Instant::now() < deadline, "service did not resume");
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_millis(500));
        running.store(false, Ordering::SeqCst);
    });
    let slowest = *slowest_503.lock().unwrap();
    assert!(slowest < Duration::from_secs(12), "a 503 took {slowest:?}");
    let odd = odd.into_inner().unwrap();
    assert!(odd.iter().all(|s| *s == 401 || *s == 503), "{odd:?}");

    let acknowledged = acknowledged.into_inner().unwrap();
    let stored = admin.stored_orders_keep(&acknowledged);
    for id in &stored {
        let (_, order) = admin.call("GET", &format!("/api/v1/orders/{id}"), None);
        assert_eq!(
            order["data"]["items"].as_array().map(Vec::len),
            Some(1),
            "no half-written order"
        );
    }
    let (on_hand, reserved) = admin.stock(product).unwrap();
    assert_eq!(
        (on_hand, reserved),
        (1_000_000, stored.len() as i64),
        "stock matches the orders"
    );
}
