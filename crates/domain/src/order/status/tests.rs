//! Tests of `order/status.rs`.

use super::*;

#[test]
fn names_round_trip_and_aliases_parse() {
    for s in OrderStatus::ALL {
        assert_eq!(OrderStatus::parse(s.as_str()), Ok(s));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.as_str()));
    }
    assert_eq!(OrderStatus::parse("pending"), Ok(PendingVerification));
    assert_eq!(OrderStatus::parse("Confirmed"), Ok(Verified));
    assert_eq!(OrderStatus::parse("lost"), Err(UnknownStatus));
}

#[test]
fn the_table_is_the_specs_graph() {
    assert_eq!(
        allowed_from(PendingVerification),
        vec![Verified, Rejected, Cancelled]
    );
    assert_eq!(allowed_from(Rejected), vec![PendingVerification, Cancelled]);
    assert_eq!(allowed_from(Verified), vec![Shipped, Completed, Cancelled]);
    assert_eq!(allowed_from(Shipped), vec![Delivered]);
    assert_eq!(allowed_from(Delivered), vec![Completed]);
    assert!(Completed.is_terminal());
    assert!(Cancelled.is_terminal());
    assert!(!Delivered.is_terminal());
}

#[test]
fn no_duplicate_or_self_transition() {
    for (i, a) in TRANSITIONS.iter().enumerate() {
        assert_ne!(a.from, a.to);
        for b in &TRANSITIONS[i + 1..] {
            assert!(!(a.from == b.from && a.to == b.to), "{a:?} twice");
        }
    }
}

/// Every effect keeps "stock is held exactly while pending or verified".
#[test]
fn stock_effects_follow_from_holding_statuses() {
    for t in TRANSITIONS {
        let expected = match (t.from.holds_stock(), t.to.holds_stock()) {
            (true, true) | (false, false) => StockEffect::None,
            (false, true) => StockEffect::Reserve,
            (true, false) if matches!(t.to, Shipped | Completed) => StockEffect::Consume,
            (true, false) => StockEffect::Release,
        };
        assert_eq!(t.stock, expected, "{} -> {}", t.from, t.to);
    }
}

#[test]
fn markdown_lists_every_transition() {
    let md = markdown_table();
    assert_eq!(md.lines().count(), 2 + TRANSITIONS.len());
    assert!(md.contains("| `verified` | `shipped` | staff, admin | consume |"));
}

/// docs/WORKFLOW.md shows this very table.
#[test]
fn the_docs_show_the_table() {
    let doc = include_str!("../../../../../docs/WORKFLOW.md");
    assert!(
        doc.contains(&markdown_table()),
        "docs/WORKFLOW.md is stale:\n{}",
        markdown_table()
    );
}
