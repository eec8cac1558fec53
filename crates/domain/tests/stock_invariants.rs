//! Property tests over the public rules: random sequences of placements, transitions and
//! adjustments keep the stock invariants of SPEC §5 and never leave the workflow's table.

// Test fixtures: a bad literal here is a bug in the test, and a panic is the right report.
#![allow(clippy::unwrap_used)]

use ordo_domain::ids::ProductId;
use ordo_domain::money::{Money, Quantity};
use ordo_domain::order::OrderLine;
use ordo_domain::order::status::{self, OrderStatus};
use ordo_domain::stock::{self, StockLevel, StockOp};
use proptest::prelude::*;
use std::collections::BTreeMap;

const PRODUCTS: i64 = 3;

#[derive(Debug, Clone)]
enum Step {
    Place(Vec<(i64, i64)>),
    Move(usize, usize),
    Adjust(i64, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop::collection::vec((1..=PRODUCTS, 1..=6i64), 1..=3).prop_map(Step::Place),
        6 => (0..40usize, 0..OrderStatus::ALL.len()).prop_map(|(o, s)| Step::Move(o, s)),
        1 => (1..=PRODUCTS, -5..=8i64).prop_map(|(p, d)| Step::Adjust(p, d)),
    ]
}

struct World {
    levels: BTreeMap<ProductId, StockLevel>,
    orders: Vec<(OrderStatus, Vec<OrderLine>)>,
    initial: BTreeMap<ProductId, i64>,
    adjusted: BTreeMap<ProductId, i64>,
}

/// Statuses whose units have left the warehouse (SPEC §5: consumed on `shipped`, or on
/// `completed` straight from `verified`).
fn has_left(s: OrderStatus) -> bool {
    matches!(
        s,
        OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Completed
    )
}

fn pid(n: i64) -> ProductId {
    ProductId::new(n).unwrap()
}

fn line(p: i64, q: i64) -> OrderLine {
    OrderLine {
        product_id: pid(p),
        product_name: format!("product {p}"),
        quantity: Quantity::new(q).unwrap(),
        unit_price: Money::ZERO,
        subtotal: Money::ZERO,
    }
}

impl World {
    fn new(stock: &[i64]) -> Self {
        let levels = stock
            .iter()
            .enumerate()
            .map(|(i, &s)| (pid(i as i64 + 1), StockLevel::new(s, 0).unwrap()))
            .collect::<BTreeMap<_, _>>();
        let initial = levels.iter().map(|(p, l)| (*p, l.on_hand())).collect();
        Self {
            levels,
            orders: Vec::new(),
            initial,
            adjusted: BTreeMap::new(),
        }
    }

    fn apply(&mut self, step: &Step) {
        match step {
            Step::Place(raw) => {
                // Placement merges duplicate products, as the parser does.
                let mut merged: BTreeMap<i64, i64> = BTreeMap::new();
                for (p, q) in raw {
                    *merged.entry(*p).or_insert(0) += q;
                }
                let lines: Vec<_> = merged.into_iter().map(|(p, q)| line(p, q)).collect();
                let ops = stock::ops_for(status::StockEffect::Reserve, &lines);
                let before = self.levels.clone();
                match stock::apply_all(&mut self.levels, &ops) {
                    Ok(()) => self.orders.push((OrderStatus::PendingVerification, lines)),
                    Err(short) => {
                        assert!(!short.is_empty());
                        assert_eq!(self.levels, before, "a refused placement changed stock");
                    }
                }
            }
            Step::Move(o, s) => {
                let Some((from, lines)) = self.orders.get(*o).cloned() else {
                    return;
                };
                let to = OrderStatus::ALL[*s];
                let Some(t) = status::transition(from, to) else {
                    assert!(!status::allowed_from(from).contains(&to));
                    return;
                };
                let ops: Vec<StockOp> = stock::ops_for(t.stock, &lines);
                if stock::apply_all(&mut self.levels, &ops).is_ok() {
                    self.orders[*o].0 = to;
                } else {
                    assert_eq!(
                        t.stock,
                        status::StockEffect::Reserve,
                        "only re-reservation may fail"
                    );
                }
            }
            Step::Adjust(p, d) => {
                let level = self.levels[&pid(*p)];
                if let Ok(next) = level.adjust(*d) {
                    self.levels.insert(pid(*p), next);
                    *self.adjusted.entry(pid(*p)).or_insert(0) += d;
                }
            }
        }
    }

    fn check(&self) {
        for (p, level) in &self.levels {
            assert!(
                0 <= level.reserved() && level.reserved() <= level.on_hand(),
                "{p}: {level:?}"
            );
            let units_where = |keep: fn(OrderStatus) -> bool| -> i64 {
                self.orders
                    .iter()
                    .filter(|(s, _)| keep(*s))
                    .flat_map(|(_, lines)| lines.iter())
                    .filter(|l| l.product_id == *p)
                    .map(|l| i64::from(l.quantity.get()))
                    .sum()
            };
            let held = units_where(OrderStatus::holds_stock);
            assert_eq!(
                level.reserved(),
                held,
                "{p}: reserved differs from what orders hold"
            );
            let consumed = units_where(has_left);
            let adjusted = self.adjusted.get(p).copied().unwrap_or(0);
            assert_eq!(
                level.on_hand() + consumed,
                self.initial[p] + adjusted,
                "{p}: units lost"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn stock_invariants_hold_for_any_sequence(
        stock in prop::collection::vec(0..=20i64, PRODUCTS as usize),
        steps in prop::collection::vec(step(), 1..80),
    ) {
        let mut world = World::new(&stock);
        for s in &steps {
            world.apply(s);
            world.check();
        }
    }
}

/// Every (from, to) pair: the table either has the move, or the API's `allowed` list omits it.
#[test]
fn every_pair_is_either_allowed_or_refused() {
    for from in OrderStatus::ALL {
        for to in OrderStatus::ALL {
            let allowed = status::allowed_from(from).contains(&to);
            assert_eq!(
                status::transition(from, to).is_some(),
                allowed,
                "{from} -> {to}"
            );
        }
    }
}
