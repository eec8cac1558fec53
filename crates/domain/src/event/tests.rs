//! Tests of `event.rs`.

use super::*;
use uuid::Uuid;

#[test]
fn frames_have_the_specs_shape() {
    let e = Event {
        seq: 42,
        event: NewEvent {
            at: Timestamp::parse_rfc3339("2026-11-23T10:00:00Z").unwrap(),
            territory_id: Some(TerritoryId::parse("north").unwrap()),
            recipient: None,
            payload: EventPayload::StatusChange {
                order_id: OrderId::from_uuid(Uuid::nil()),
                tracking_id: TrackingId::from_random(0),
                previous_status: OrderStatus::PendingVerification,
                status: OrderStatus::Verified,
            },
        },
    };
    let v = serde_json::to_value(e.frame()).unwrap();
    assert_eq!(v["type"], "status_change");
    assert_eq!(v["event_id"], 42);
    assert_eq!(v["order_id"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(v["status"], "verified");
    assert_eq!(v["territory_id"], "north");
    assert_eq!(v["timestamp"], "2026-11-23T10:00:00.000000Z");
}

#[test]
fn the_event_log_keeps_events_at_least_a_day() {
    assert_eq!(EventRetention::hours(23), Err(RetentionOutOfRange(23)));
    assert_eq!(
        EventRetention::hours(u32::MAX),
        Err(RetentionOutOfRange(u32::MAX)),
        "\"for ever\" would put the cutoff out of a timestamp's range"
    );
    let longest = EventRetention::hours(EventRetention::MAXIMUM_HOURS).unwrap();
    assert_eq!(
        EventRetention::hours(24).map(EventRetention::as_hours),
        Ok(24)
    );
    assert_eq!(EventRetention::default().as_hours(), 7 * 24);
    let now = Timestamp::parse_rfc3339("2026-11-23T10:00:00Z").unwrap();
    let cutoff = EventRetention::hours(30).unwrap().cutoff(now);
    assert_eq!(
        cutoff,
        Timestamp::parse_rfc3339("2026-11-22T04:00:00Z").unwrap()
    );
    assert_eq!(
        longest.cutoff(now),
        Timestamp::parse_rfc3339("2016-11-15T10:00:00Z").unwrap()
    );
}
