//! Tests of `order/query.rs`.

use super::*;

#[test]
fn paging_defaults_and_caps() {
    assert_eq!(Page::default().limit(), 20);
    assert_eq!(Page::new(Some(1000), None).limit(), 100);
    assert_eq!(Page::new(Some(0), Some(5)).limit(), 1);
    let (_, page) = OrderFilter::parse(RawOrderQuery {
        skip: Some("10".into()),
        limit: Some("10".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!((page.limit(), page.offset()), (10, 10));
}

#[test]
fn dates_cover_whole_days_inclusive() {
    let (f, _) = OrderFilter::parse(RawOrderQuery {
        start_date: Some("2026-11-01".into()),
        end_date: Some("2026-11-01".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        f.created_from.unwrap().to_rfc3339(),
        "2026-11-01T00:00:00.000000Z"
    );
    assert_eq!(
        f.created_to.unwrap().to_rfc3339(),
        "2026-11-01T23:59:59.999999Z"
    );
}

#[test]
fn every_bad_parameter_is_named_and_aliases_work() {
    let e = OrderFilter::parse(RawOrderQuery {
        status: Some("lost".into()),
        min_amount: Some("1.234".into()),
        start_date: Some("yesterday".into()),
        limit: Some("-1".into()),
        ..Default::default()
    })
    .unwrap_err();
    for p in ["status", "min_amount", "start_date", "limit"] {
        assert!(e.get(p).is_some(), "{p}");
    }
    let (f, _) = OrderFilter::parse(RawOrderQuery {
        status: Some("confirmed".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(f.status, Some(OrderStatus::Verified));
}

#[test]
fn ranges_must_be_ordered() {
    let e = OrderFilter::parse(RawOrderQuery {
        min_amount: Some("10".into()),
        max_amount: Some("5".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.get("max_amount").is_some());
}
