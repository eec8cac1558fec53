//! Tests of `time.rs`.

use super::*;

#[test]
fn truncates_to_microseconds_and_round_trips() {
    let t = Timestamp::parse_rfc3339("2026-11-23T10:00:00.123456789Z").unwrap();
    assert_eq!(t.to_rfc3339(), "2026-11-23T10:00:00.123456Z");
    assert_eq!(Timestamp::from_unix_micros(t.unix_micros()), Some(t));
}

#[test]
fn json_is_the_canonical_text() {
    let t = Timestamp::parse_rfc3339("2026-11-23T12:00:00+02:00").unwrap();
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        "\"2026-11-23T10:00:00.000000Z\""
    );
    assert_eq!(
        serde_json::from_str::<Timestamp>("\"2026-11-23T10:00:00Z\"").unwrap(),
        t
    );
}

#[test]
fn arithmetic() {
    let t = Timestamp::parse_rfc3339("2026-11-23T10:00:00Z").unwrap();
    assert_eq!(t.plus_seconds(90).seconds_since(t), 90);
    assert_eq!(t.plus_millis(1500).seconds_since(t), 1);
}
