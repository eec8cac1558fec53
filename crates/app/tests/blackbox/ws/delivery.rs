//! What subscribers receive: the SPEC's frames, promptly, only from their territory or inbox, and
//! never for a change that rolled back; and what is refused before the handshake.

use super::client::*;
use crate::server::{Launch, Server, error_code};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);
const PATIENT_NAME: &str = "Ada Lovelace";

#[test]
fn a_status_change_arrives_within_a_second_in_the_specs_shape_without_phi() {
    let w = World::new();
    let staff = login(&w.s, "staff.north@example.com");
    // Header for one subscriber, the browser's `token` query parameter for the other.
    let mut by_header = open(&w.s, "/ws/orders?territory=north", Some(&staff));
    let mut by_query = open(
        &w.s,
        &format!("/ws/orders/?territory=north&token={}", w.admin),
        None,
    );

    let (status, body) = w.set_status(&w.order, "verified");
    assert_eq!(status, 200, "{body}");
    let answered = Instant::now();
    for ws in [&mut by_header, &mut by_query] {
        let frame = next_event(ws, SECOND);
        assert!(
            answered.elapsed() < SECOND,
            "arrived {:?} after the answer",
            answered.elapsed()
        );
        assert_eq!(frame["type"], "status_change");
        assert_eq!(frame["order_id"], w.order.as_str());
        assert_eq!(frame["status"], "verified");
        assert_eq!(frame["previous_status"], "pending_verification");
        assert_eq!(frame["territory_id"], "north");
        assert!(frame["event_id"].as_i64().is_some_and(|n| n > 0), "{frame}");
        assert!(
            frame["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "{frame}"
        );
        let keys: BTreeSet<&str> = frame
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "type",
                "event_id",
                "order_id",
                "tracking_id",
                "status",
                "previous_status",
                "territory_id",
                "timestamp"
            ]),
            "ids, statuses and the territory only: no PHI"
        );
        assert!(!frame.to_string().contains(PATIENT_NAME));
    }

    let created = w.place("north", 1);
    let frame = next_event(&mut by_header, SECOND);
    assert_eq!(frame["type"], "order_created");
    assert_eq!(frame["order_id"], created.as_str());
    assert_eq!(frame["status"], "pending_verification");
}

#[test]
fn a_subscriber_arriving_after_unwatched_changes_is_sent_only_what_follows() {
    // A queue of 4: were the tail to hand the new subscriber the 12 changes made while nobody
    // watched, the queue would overflow and the stream close as too slow.
    let w = World::with(&[("ORDO_WS_BUFFER", "4")]);
    for _ in 0..12 {
        w.place("north", 1);
    }
    // At once: the tail's periodic catch-up must not be what saves the queue.
    let mut ws = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let created = w.place("north", 1);
    let frame = next_event(&mut ws, SECOND);
    assert_eq!(frame["type"], "order_created", "{frame}");
    assert_eq!(
        frame["order_id"],
        created.as_str(),
        "the first event live is the change made after subscribing"
    );
}

#[test]
fn a_since_subscriber_after_unwatched_changes_gets_each_event_once() {
    // The same queue of 4, on the `since` path: the stream registers after its replay, and
    // the tail must go on from there, not from where it was before the 12 unwatched changes.
    let w = World::with(&[("ORDO_WS_BUFFER", "4")]);
    for _ in 0..12 {
        w.place("north", 1);
    }
    let mut ws = open(&w.s, "/ws/orders?territory=north&since=0", Some(&w.admin));
    let created = w.place("north", 1);
    let got = ids_through(&mut ws, &created, SECOND);
    assert!(got.len() > 12, "the replay sent the 12 changes: {got:?}");
    assert!(
        got.windows(2).all(|p| p[0] < p[1]),
        "in order, none twice: {got:?}"
    );
    let mut reference = open(&w.s, "/ws/orders?territory=north&since=0", Some(&w.admin));
    assert_eq!(
        got,
        ids_through(&mut reference, &created, SECOND),
        "none missed"
    );
}

#[test]
fn a_subscriber_of_another_territory_gets_nothing_and_replays_only_its_own() {
    let w = World::new();
    let south = login(&w.s, "staff.south@example.com");
    let mut ws = open(&w.s, "/ws/orders?territory=south", Some(&south));
    w.flip(3);
    w.place("north", 1);
    // A south event after the north ones: if any north event had been sent, it would come first.
    let marker = w.place("south", 1);
    let first = next_event(&mut ws, SECOND);
    assert_eq!(
        (first["type"].as_str(), first["order_id"].as_str()),
        (Some("order_created"), Some(marker.as_str()))
    );

    // The whole log from the start, filtered to south: that one order.
    let mut replay = open(&w.s, "/ws/orders?territory=south&since=0", Some(&south));
    let again = next_event(&mut replay, SECOND);
    assert_eq!(again, first);
    let later = w.place("south", 1);
    assert_eq!(next_event(&mut replay, SECOND)["order_id"], later.as_str());
}

#[test]
fn a_change_that_rolled_back_is_never_published() {
    let w = World::new();
    let mut ws = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    // Of 10 masks, reject an order of 6 (releasing them), let another order take 5, then try to
    // put the first back in verification: its stock cannot be reserved again, and the whole
    // change rolls back in the store.
    let masks = w.product_with("MSK-1", 10);
    let big = w.place_of("north", masks, 6);
    assert_eq!(next_event(&mut ws, SECOND)["order_id"], big.as_str());
    assert_eq!(w.set_status(&big, "rejected").0, 200);
    assert_eq!(next_event(&mut ws, SECOND)["status"], "rejected");
    let other = w.place_of("north", masks, 5);
    assert_eq!(next_event(&mut ws, SECOND)["order_id"], other.as_str());
    let (status, body) = w.set_status(&big, "pending_verification");
    assert_eq!(
        (status, error_code(&body)),
        (400, "INSUFFICIENT_STOCK"),
        "{body}"
    );
    // The next change that commits is the next frame.
    assert_eq!(w.set_status(&other, "verified").0, 200);
    let next = next_event(&mut ws, SECOND);
    assert_eq!(
        (next["order_id"].as_str(), next["status"].as_str()),
        (Some(other.as_str()), Some("verified"))
    );
}

#[test]
fn notifications_stream_to_their_recipient_only() {
    let w = World::new();
    let north = login(&w.s, "staff.north@example.com");
    let south = login(&w.s, "staff.south@example.com");
    let (_, me) = api(&w.s, &north, "GET", "/api/v1/auth/me", None);
    let north_id = me["data"]["user_id"].as_str().unwrap().to_owned();
    let (_, me) = api(&w.s, &south, "GET", "/api/v1/auth/me", None);
    let south_id = me["data"]["user_id"].as_str().unwrap().to_owned();
    let mut north_ws = open(&w.s, "/ws/notifications", Some(&north));
    let mut south_ws = open(&w.s, "/ws/notifications", Some(&south));

    let send = |to: &str, territory: &str, text: &str| {
        let body = json!({"user_id": to, "message": text, "territory_id": territory});
        let (st, b) = api(
            &w.s,
            &w.admin,
            "POST",
            "/api/v1/notifications/send",
            Some(body),
        );
        assert_eq!(st, 201, "{b}");
        b["data"]["notification_id"].as_str().unwrap().to_owned()
    };
    let for_north = send(&north_id, "north", "restock the gloves");
    let frame = next_event(&mut north_ws, SECOND);
    assert_eq!(frame["type"], "notification");
    assert_eq!(frame["notification_id"], for_north.as_str());
    assert_eq!(frame["message"], "restock the gloves");

    let for_south = send(&south_id, "south", "marker");
    let first = next_event(&mut south_ws, SECOND);
    assert_eq!(
        first["notification_id"],
        for_south.as_str(),
        "north's notification never reached south"
    );
}

#[test]
fn refused_upgrades_answer_before_the_handshake_in_the_error_shape() {
    let w = World::new();
    let south = login(&w.s, "staff.south@example.com");
    let cases: Vec<(String, Option<&str>, u16, &str)> = vec![
        (
            "/ws/orders?territory=north".into(),
            None,
            401,
            "UNAUTHENTICATED",
        ),
        (
            "/ws/orders?territory=north&token=not-a-token".into(),
            None,
            401,
            "UNAUTHENTICATED",
        ),
        (
            "/ws/notifications".into(),
            Some("not-a-token"),
            401,
            "UNAUTHENTICATED",
        ),
        (
            "/ws/orders?territory=north".into(),
            Some(south.as_str()),
            403,
            "TERRITORY_MISMATCH",
        ),
        (
            format!("/ws/orders?territory=north&token={south}"),
            None,
            403,
            "TERRITORY_MISMATCH",
        ),
        (
            "/ws/orders".into(),
            Some(w.admin.as_str()),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/ws/orders?territory=north&since=-3".into(),
            Some(w.admin.as_str()),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/ws/orders?territory=north&since=999999".into(),
            Some(w.admin.as_str()),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/ws/orders?territory=north&colour=red".into(),
            Some(w.admin.as_str()),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/ws/orders?territory=atlantis".into(),
            Some(w.admin.as_str()),
            404,
            "NOT_FOUND",
        ),
    ];
    for (path, bearer, status, code) in cases {
        let (got, body) = refused(&w.s, &path, bearer);
        assert_eq!((got, error_code(&body)), (status, code), "{path}: {body}");
    }

    // A customer holds no territory: their own orders reach them as notifications.
    let body = json!({"email": "ada@example.com", "password": crate::server::PASSWORD, "role": "customer", "patient_id": w.patient_north, "territories": ["north"]});
    let (st, b) = api(&w.s, &w.admin, "POST", "/api/v1/users", Some(body));
    assert_eq!(st, 201, "{b}");
    let customer = login(&w.s, "ada@example.com");
    let (got, body) = refused(&w.s, "/ws/orders?territory=north", Some(&customer));
    assert_eq!((got, error_code(&body)), (403, "TERRITORY_MISMATCH"));
    open(&w.s, "/ws/notifications", Some(&customer));

    // Not an upgrade at all.
    let (got, body) = api(&w.s, &w.admin, "GET", "/ws/orders?territory=north", None);
    assert_eq!(
        (got, error_code(&body)),
        (400, "VALIDATION_ERROR"),
        "{body}"
    );
}

#[test]
fn the_ws_budget_counts_upgrades_per_territory() {
    let mut launch = Launch::default();
    launch.env.push(("ORDO_RATE_LIMITS".into(), "ws=2".into()));
    let w = World::on(Server::launch(&launch));
    let _a = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let _b = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let (status, body) = refused(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    assert_eq!((status, error_code(&body)), (429, "RATE_LIMITED"), "{body}");
    let _c = open(&w.s, "/ws/orders?territory=south", Some(&w.admin));
}

#[test]
fn the_token_never_reaches_the_logs() {
    let mut launch = Launch {
        capture_logs: true,
        ..Launch::default()
    };
    launch.env.push(("ORDO_LOG".into(), "debug".into()));
    launch
        .env
        .push(("ORDO_RATE_LIMITS".into(), NO_LIMITS.into()));
    let w = World::on(Server::launch(&launch));
    let bogus = "bogus-token-that-must-not-be-logged";
    let (status, _) = refused(
        &w.s,
        &format!("/ws/orders?territory=north&token={bogus}"),
        None,
    );
    assert_eq!(status, 401);
    let mut ws = open(
        &w.s,
        &format!("/ws/orders?territory=north&token={}", w.admin),
        None,
    );
    w.flip(1);
    next_event(&mut ws, SECOND);
    drop(ws);
    let logs = w.s.logs();
    assert!(
        logs.contains("/ws/orders"),
        "the requests were logged: {logs}"
    );
    assert!(!logs.contains(bogus), "a refused token was logged");
    assert!(!logs.contains(&w.admin), "an accepted token was logged");
    assert!(!logs.contains("token="), "a query string was logged");
}
