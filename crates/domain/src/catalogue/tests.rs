//! Tests of `catalogue.rs`.

use super::*;

#[test]
fn new_product_reports_every_bad_field() {
    let e = NewProduct::parse(RawProduct {
        sku: Some("bad sku".into()),
        stock_quantity: Some(-1),
        ..Default::default()
    })
    .unwrap_err();
    for path in ["sku", "name", "price", "stock_quantity"] {
        assert!(e.get(path).is_some(), "{path}");
    }
}

#[test]
fn adjustments_need_a_non_zero_delta_and_a_reason() {
    let e = StockAdjustment::parse(RawStockAdjustment {
        delta: Some(0),
        reason: None,
    })
    .unwrap_err();
    assert_eq!(e.len(), 2);
    let ok = StockAdjustment::parse(RawStockAdjustment {
        delta: Some(-3),
        reason: Some("damaged".into()),
    });
    assert_eq!(ok.unwrap().delta, -3);
}

#[test]
fn adjustments_beyond_a_billion_units_are_refused_down_to_the_extremes() {
    for delta in [
        i64::MIN,
        i64::MIN + 1,
        -1_000_000_001,
        1_000_000_001,
        i64::MAX,
    ] {
        let e = StockAdjustment::parse(RawStockAdjustment {
            delta: Some(delta),
            reason: Some("stocktake".into()),
        })
        .unwrap_err();
        assert!(e.get("delta").is_some(), "{delta}");
    }
    for delta in [-1_000_000_000, 1_000_000_000] {
        let ok = StockAdjustment::parse(RawStockAdjustment {
            delta: Some(delta),
            reason: Some("stocktake".into()),
        });
        assert_eq!(ok.map(|a| a.delta), Ok(delta));
    }
}

#[test]
fn product_json_shows_stock_fields() {
    let at = Timestamp::from_unix_micros(0).unwrap();
    let p = Product {
        id: ProductId::new(1).unwrap(),
        sku: Sku::parse("gl-100").unwrap(),
        name: "Gloves".into(),
        price: Money::parse("12.50").unwrap(),
        stock: StockLevel::new(10, 3).unwrap(),
        low_stock_threshold: 7,
        active: true,
        created_at: at,
        updated_at: at,
    };
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["product_id"], 1);
    assert_eq!(v["sku"], "GL-100");
    assert_eq!(v["price"], "12.50");
    assert_eq!(v["stock_quantity"], 10);
    assert_eq!(v["reserved_quantity"], 3);
    assert_eq!(v["available_quantity"], 7);
    assert!(p.is_low());
}
