//! Crash: `kill -9` under load, then a restart on the same database.

use crate::client::{Client, NO_LIMITS};
use crate::server::{Launch, Server};
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[test]
fn after_kill_9_under_load_every_acknowledged_order_exists_whole_and_nothing_else() {
    let dir = std::env::temp_dir().join(format!("ordo-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("ordo.db").display());
    let first = Launch {
        env: vec![("ORDO_RATE_LIMITS".into(), NO_LIMITS.into())],
        database_url: Some(url.clone()),
        add_admin: true,
        capture_logs: false,
    };
    let s = Server::launch(&first);
    let admin = Client::admin(&s);
    let (product, patient) = admin.world(1_000_000);

    const CLIENTS: usize = 8;
    let acknowledged = Mutex::new(BTreeSet::new());
    let running = AtomicBool::new(true);
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                while running.load(Ordering::SeqCst) {
                    let Some((status, body)) = admin.try_order(product, &patient, 2) else {
                        break; // the server died under this request: no answer, no promise
                    };
                    match status {
                        201 => {
                            let id = body["data"]["order_id"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().insert(id);
                        }
                        _ => panic!("{status}: {body}"),
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(1500));
        // SIGKILL, mid-load: no shutdown, no flush.
        let mut doomed = s;
        doomed.kill();
        running.store(false, Ordering::SeqCst);
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(
        acknowledged.len() > 10,
        "the load ran: {}",
        acknowledged.len()
    );

    let s = Server::launch(&Launch {
        add_admin: false,
        ..first
    });
    let admin = Client::admin(&s);
    let stored = admin.stored_orders_keep(&acknowledged);
    // At most one unacknowledged order per client: the one in flight when the server died.
    assert!(
        stored.len() <= acknowledged.len() + CLIENTS,
        "{} stored, {} acknowledged",
        stored.len(),
        acknowledged.len()
    );
    for id in &stored {
        let (status, order) = admin.call("GET", &format!("/api/v1/orders/{id}"), None);
        assert_eq!(status, 200, "{order}");
        assert_eq!(
            order["data"]["items"].as_array().map(Vec::len),
            Some(1),
            "lines"
        );
        let (_, history) = admin.call("GET", &format!("/api/v1/orders/{id}/history"), None);
        assert_eq!(
            history["data"].as_array().map(Vec::len),
            Some(1),
            "one audit entry: {history}"
        );
    }
    // Stock reconciles: every stored order holds its 2 units, nothing else is held.
    let (on_hand, reserved) = admin.stock(product).unwrap();
    assert_eq!((on_hand, reserved), (1_000_000, 2 * stored.len() as i64));
    // The SMS of each order is in the outbox (sent, or still due): none lost.
    let (_, outbox) = admin.call(
        "GET",
        "/api/v1/notifications/outbox?status=sent&limit=1",
        None,
    );
    let (_, pending) = admin.call(
        "GET",
        "/api/v1/notifications/outbox?status=pending&limit=1",
        None,
    );
    let total =
        outbox["meta"]["total"].as_u64().unwrap() + pending["meta"]["total"].as_u64().unwrap();
    assert_eq!(total, stored.len() as u64, "one SMS per stored order");
    drop(s);

    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args(["audit", "verify"])
        .env("ORDO_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "ordo audit verify: {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
