//! Keep-alive, idle timeout, the end of a signed-in session, and graceful shutdown.

use super::client::*;
use std::time::Duration;
use tungstenite::protocol::frame::coding::CloseCode;

#[test]
fn silent_clients_are_closed_and_answering_ones_kept_by_ping_pong() {
    let w = World::with(&[("ORDO_WS_PING_SECS", "1"), ("ORDO_WS_IDLE_SECS", "3")]);
    let silent = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let mut answering = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    // Reading answers the server's pings (tungstenite sends the pongs): well past the idle
    // timeout, the connection is still open.
    assert!(matches!(
        read(&mut answering, Duration::from_millis(4500)),
        Got::TimedOut
    ));
    w.flip(1);
    assert_eq!(
        next_event(&mut answering, Duration::from_secs(1))["status"],
        "rejected"
    );

    // The silent one was pinged, then closed with 1001 and the connection ended.
    let frames = raw_frames_until_eof(silent, Duration::from_secs(10));
    assert!(
        frames.iter().any(|(op, _)| *op == 0x9),
        "pinged: {frames:?}"
    );
    let (op, payload) = frames.last().expect("frames");
    assert_eq!(*op, 0x8, "the last frame closes: {frames:?}");
    assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1001);
    assert_eq!(&payload[2..], b"idle timeout");
}

#[test]
fn logging_out_ends_the_stream() {
    let w = World::with(&[("ORDO_WS_RECHECK_SECS", "1")]);
    let staff = login(&w.s, "staff.north@example.com");
    let mut ws = open(&w.s, "/ws/orders?territory=north", Some(&staff));
    let (status, body) = api(
        &w.s,
        &staff,
        "POST",
        "/api/v1/auth/logout",
        Some(serde_json::json!({})),
    );
    assert_eq!(status, 200, "{body}");
    let (_, close) = until_close(&mut ws, Duration::from_secs(10));
    assert_eq!(close.expect("a close frame").code, CloseCode::Policy);
}

#[test]
fn shutdown_sends_close_frames() {
    let mut w = World::new();
    let mut orders = open(&w.s, "/ws/orders?territory=north", Some(&w.admin));
    let mut inbox = open(&w.s, "/ws/notifications", Some(&w.admin));
    let exit = w.s.terminate(Duration::from_secs(20));
    assert!(
        exit.is_some_and(|e| e.success()),
        "exited cleanly: {exit:?}"
    );
    for ws in [&mut orders, &mut inbox] {
        let (_, close) = until_close(ws, Duration::from_secs(5));
        let close = close.expect("a close frame");
        assert_eq!(close.code, CloseCode::Away, "{close:?}");
    }
}
