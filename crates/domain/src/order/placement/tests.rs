//! Tests of `order/placement.rs`.

use super::*;

fn line(p: i64, q: i64) -> RawOrderLine {
    RawOrderLine {
        product_id: Some(p),
        quantity: Some(q),
    }
}

#[test]
fn duplicate_lines_merge_into_the_first() {
    let raw = RawOrder {
        items: Some(vec![line(1, 2), line(2, 1), line(1, 3)]),
        ..Default::default()
    };
    let req = OrderRequest::parse(raw).unwrap();
    assert_eq!(req.lines.len(), 2);
    assert_eq!((req.lines[0].index, req.lines[0].quantity.get()), (0, 5));
}

#[test]
fn merged_quantity_over_the_limit_is_refused() {
    let raw = RawOrder {
        items: Some(vec![line(1, 6000), line(1, 6000)]),
        ..Default::default()
    };
    let e = OrderRequest::parse(raw).unwrap_err();
    assert!(e.get("items[0].quantity").is_some());
}

#[test]
fn every_bad_field_is_reported() {
    let raw = RawOrder {
        patient_id: Some("nope".into()),
        priority: Some("asap".into()),
        items: Some(vec![line(0, 1), line(2, 0), RawOrderLine::default()]),
        ..Default::default()
    };
    let e = OrderRequest::parse(raw).unwrap_err();
    for path in [
        "patient_id",
        "priority",
        "items[0].product_id",
        "items[1].quantity",
        "items[2].product_id",
        "items[2].quantity",
    ] {
        assert!(e.get(path).is_some(), "{path} missing from {e}");
    }
}

#[test]
fn needs_an_item_or_a_service() {
    let e = OrderRequest::parse(RawOrder::default()).unwrap_err();
    assert!(e.get("items").is_some());
    let ok = OrderRequest::parse(RawOrder {
        service_type: Some("home oxygen".into()),
        ..Default::default()
    });
    assert!(ok.unwrap().lines.is_empty());
}

#[test]
fn at_most_a_hundred_distinct_lines() {
    let raw = RawOrder {
        items: Some((1..=101).map(|p| line(p, 1)).collect()),
        ..Default::default()
    };
    assert!(OrderRequest::parse(raw).unwrap_err().get("items").is_some());
    let raw = RawOrder {
        items: Some((1..=100).map(|p| line(p, 1)).collect()),
        ..Default::default()
    };
    assert!(OrderRequest::parse(raw).is_ok());
}

#[test]
fn territory_resolution() {
    let n = TerritoryId::parse("north").unwrap();
    let s = TerritoryId::parse("south").unwrap();
    assert_eq!(resolve_territory(None, None, &n), Ok(n.clone()));
    assert_eq!(resolve_territory(Some(&n), Some(&n), &n), Ok(n.clone()));
    assert!(matches!(
        resolve_territory(Some(&n), Some(&s), &n),
        Err(Error::TerritoryMismatch(_))
    ));
    assert!(matches!(
        resolve_territory(None, Some(&s), &n),
        Err(Error::TerritoryMismatch(_))
    ));
}
