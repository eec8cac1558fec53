//! Several `ordo serve` processes on one PostgreSQL database deliver each other's events (run
//! when `ORDO_TEST_PG_URL` is set).

use super::client::*;
use crate::server::{Launch, PgDatabase, Server};
use std::time::{Duration, Instant};

fn instance(db: &PgDatabase, add_admin: bool) -> Server {
    Server::launch(&Launch {
        env: vec![("ORDO_RATE_LIMITS".into(), NO_LIMITS.into())],
        database_url: Some(db.url.clone()),
        add_admin,
        capture_logs: false,
    })
}

#[test]
fn two_instances_on_one_postgres_database_deliver_each_others_events() {
    let Some(db) = PgDatabase::create() else {
        eprintln!("ORDO_TEST_PG_URL not set: the two-instance test is skipped");
        return;
    };
    let w = World::on(instance(&db, true));
    let b = instance(&db, false);
    let admin_on_b = b.admin_token();
    let mut on_a = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let mut on_b = open(&b, "/ws/orders?territory=north", Some(&admin_on_b));

    // A change through A reaches B's subscriber (and A's).
    let (status, body) = w.set_status(&w.order, "verified");
    assert_eq!(status, 200, "{body}");
    let answered = Instant::now();
    let e = next_event(&mut on_b, Duration::from_secs(1));
    assert!(answered.elapsed() < Duration::from_secs(1));
    assert_eq!(
        (e["order_id"].as_str(), e["status"].as_str()),
        (Some(w.order.as_str()), Some("verified"))
    );
    assert_eq!(next_event(&mut on_a, Duration::from_secs(1)), e);

    // And a change through B reaches A's.
    let path = format!("/api/v1/orders/{}/status", w.order);
    let (status, body) = api(
        &b,
        &admin_on_b,
        "PUT",
        &path,
        Some(serde_json::json!({"status": "shipped"})),
    );
    assert_eq!(status, 200, "{body}");
    let answered = Instant::now();
    let e = next_event(&mut on_a, Duration::from_secs(1));
    assert!(answered.elapsed() < Duration::from_secs(1));
    assert_eq!(e["status"], "shipped");
    assert_eq!(next_event(&mut on_b, Duration::from_secs(1)), e);
    drop((on_a, on_b, w, b));
}
