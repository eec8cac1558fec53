//! Tests of `stock.rs`.

use super::*;
use crate::money::Money;
use std::collections::BTreeMap;

fn q(n: i64) -> Quantity {
    Quantity::new(n).unwrap()
}
fn p(n: i64) -> ProductId {
    ProductId::new(n).unwrap()
}

#[test]
fn levels_refuse_to_leave_their_range() {
    assert!(StockLevel::new(5, 6).is_err());
    assert!(StockLevel::new(5, -1).is_err());
    let l = StockLevel::new(5, 0).unwrap();
    assert_eq!(l.reserve(q(5)).unwrap().available(), 0);
    assert_eq!(
        l.reserve(q(6)),
        Err(StockError::Insufficient {
            available: 5,
            requested: 6
        })
    );
    assert!(l.release(q(1)).is_err());
    let held = l.reserve(q(3)).unwrap();
    assert_eq!(held.consume(q(3)).unwrap(), StockLevel::new(2, 0).unwrap());
    assert_eq!(held.release(q(3)).unwrap(), l);
    assert_eq!(
        held.adjust(-3),
        Err(StockError::BelowReserved { reserved: 3 })
    );
    assert_eq!(held.adjust(-2).unwrap().available(), 0);
    assert_eq!(held.adjust(-1).unwrap().on_hand(), 4);
    assert!(
        l.adjust(i64::MAX).is_err(),
        "overflow is refused, not wrapped"
    );
}

#[test]
fn apply_all_is_all_or_nothing_and_names_every_short_line() {
    let mut levels = BTreeMap::from([
        (p(1), StockLevel::new(2, 0).unwrap()),
        (p(2), StockLevel::new(9, 0).unwrap()),
        (p(3), StockLevel::new(1, 1).unwrap()),
    ]);
    let before = levels.clone();
    let ops = [p(1), p(2), p(3)]
        .into_iter()
        .map(|id| StockOp {
            product_id: id,
            quantity: q(3),
            kind: StockOpKind::Reserve,
        })
        .collect::<Vec<_>>();
    let short = apply_all(&mut levels, &ops).unwrap_err();
    assert_eq!(
        short.iter().map(|s| s.product_id).collect::<Vec<_>>(),
        vec![p(1), p(3)]
    );
    assert_eq!(short[1].available, 0);
    assert_eq!(levels, before);
    apply_all(&mut levels, &ops[1..2]).unwrap();
    assert_eq!(levels[&p(2)].available(), 6);
}

#[test]
fn shortage_report_uses_the_seed_shape_and_names() {
    let line = OrderLine {
        product_id: p(1),
        product_name: "Premium Widget".into(),
        quantity: q(5),
        unit_price: Money::ZERO,
        subtotal: Money::ZERO,
    };
    let report = shortage_report(
        &[Shortfall {
            product_id: p(1),
            requested: q(5),
            available: 2,
        }],
        &[line],
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{
            "product_id": 1, "product_name": "Premium Widget", "requested": 5, "available": 2,
            "error": "Insufficient stock. Available: 2, Requested: 5"
        }])
    );
}

#[test]
fn ops_follow_the_effect() {
    let line = OrderLine {
        product_id: p(7),
        product_name: "x".into(),
        quantity: q(2),
        unit_price: Money::ZERO,
        subtotal: Money::ZERO,
    };
    assert!(ops_for(StockEffect::None, std::slice::from_ref(&line)).is_empty());
    assert_eq!(
        ops_for(StockEffect::Consume, &[line])[0].kind,
        StockOpKind::Consume
    );
}
