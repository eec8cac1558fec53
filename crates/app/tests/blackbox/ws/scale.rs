//! Many subscribers, and one that cannot keep up.

use super::client::*;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tungstenite::protocol::frame::coding::CloseCode;

#[test]
fn a_thousand_concurrent_subscribers_all_receive_one_event() {
    // 1,000 sockets here and 1,000 in the server, which inherits this limit.
    let limit = rlimit::increase_nofile_limit(4096).unwrap();
    assert!(
        limit >= 2200,
        "need about 2,200 open files, the hard limit allows {limit}"
    );
    let w = World::new();
    let mut clients: Vec<Ws> = (0..1000)
        .map(|_| open(&w.s, "/ws/orders?territory=north", Some(&w.admin)))
        .collect();
    let (status, body) = w.set_status(&w.order, "verified");
    assert_eq!(status, 200, "{body}");
    for (i, ws) in clients.iter_mut().enumerate() {
        let e = next_event(ws, Duration::from_secs(10));
        assert_eq!(
            (e["order_id"].as_str(), e["status"].as_str()),
            (Some(w.order.as_str()), Some("verified")),
            "subscriber {i}"
        );
    }
}

#[test]
fn a_stalled_client_is_closed_while_the_others_keep_up() {
    let w = World::with(&[("ORDO_WS_BUFFER", "64")]);
    // A client that never reads, with a small receive window, so that the kernel holds little
    // for it and the server's bounded buffers are what fills.
    let addr: SocketAddr = w.s.addr().parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut stalled = open_on(
        TcpStream::from(socket),
        &w.s,
        "/ws/orders?territory=north",
        Some(&w.admin),
    );

    let mut healthy = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let reader = std::thread::spawn(move || {
        let mut ids = Vec::new();
        loop {
            let e = next_event(&mut healthy, Duration::from_secs(10));
            ids.push(id(&e));
            if e["type"] == "order_created" {
                return ids;
            }
        }
    });

    // Changes until the server lets the stalled client go: a bounded number, or the buffers
    // are not bounded.
    let mut changes = 0;
    while metric(&w.s, "ws_closed_total", "too_slow") < 1.0 {
        assert!(changes < 10_000, "the stalled client was never closed");
        w.flip(50);
        changes += 50;
    }
    w.place("north", 1);
    let healthy_ids = reader.join().unwrap();
    assert_eq!(
        healthy_ids.len(),
        changes + 1,
        "the healthy client got every event"
    );

    // The stalled client, reading at last: a gap-free prefix of the events, then 1008.
    let (events, close) = until_close(&mut stalled, Duration::from_secs(30));
    let ids: Vec<i64> = events.iter().map(id).collect();
    eprintln!(
        "the stalled client had {} of {changes} events buffered when closed",
        ids.len()
    );
    assert!(
        ids.len() < changes,
        "{} of {changes} events were buffered for it",
        ids.len()
    );
    assert_eq!(ids, healthy_ids[..ids.len()], "what it got has no gap");
    let close = close.expect("a close frame");
    assert_eq!(close.code, CloseCode::Policy, "{close:?}");
}
