//! Stock rules: what a placement or transition holds, lets go or consumes, and how a shortage is
//! reported.
//!
//! A product has units on hand and units reserved by orders; `available = on_hand - reserved`.
//! Always `0 <= reserved <= on_hand`. [`StockLevel`] cannot leave that range: every operation that
//! would is refused, which is the same condition a store puts in its conditional `UPDATE`.

use crate::ids::ProductId;
use crate::money::Quantity;
use crate::order::OrderLine;
use crate::order::status::StockEffect;
use serde::Serialize;
use thiserror::Error;

/// Units on hand and reserved for one product; `0 <= reserved <= on_hand` always holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StockLevel {
    on_hand: i64,
    reserved: i64,
}

/// Why a stock operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum StockError {
    /// Fewer units available than asked for.
    #[error("insufficient stock. Available: {available}, Requested: {requested}")]
    Insufficient {
        /// Units available.
        available: i64,
        /// Units asked for.
        requested: i64,
    },
    /// Releasing or consuming more than is reserved: a bookkeeping bug, never a user error.
    #[error("cannot release {requested} units: only {reserved} reserved")]
    NotReserved {
        /// Units reserved.
        reserved: i64,
        /// Units asked for.
        requested: i64,
    },
    /// An adjustment would leave fewer units on hand than are reserved, or a negative count.
    #[error("stock cannot go below the {reserved} reserved units")]
    BelowReserved {
        /// Units reserved.
        reserved: i64,
    },
}

impl StockLevel {
    /// A level, if `0 <= reserved <= on_hand`.
    pub fn new(on_hand: i64, reserved: i64) -> Result<Self, StockError> {
        if reserved < 0 || on_hand < reserved {
            return Err(StockError::BelowReserved { reserved });
        }
        Ok(Self { on_hand, reserved })
    }

    /// Units on hand (not yet shipped).
    pub fn on_hand(self) -> i64 {
        self.on_hand
    }

    /// Units held by orders.
    pub fn reserved(self) -> i64 {
        self.reserved
    }

    /// Units that a new order may still reserve.
    pub fn available(self) -> i64 {
        self.on_hand - self.reserved
    }

    /// Holds `q` units for an order.
    pub fn reserve(self, q: Quantity) -> Result<Self, StockError> {
        let q = i64::from(q.get());
        if self.available() < q {
            return Err(StockError::Insufficient {
                available: self.available(),
                requested: q,
            });
        }
        Ok(Self {
            reserved: self.reserved + q,
            ..self
        })
    }

    /// Lets `q` held units go.
    pub fn release(self, q: Quantity) -> Result<Self, StockError> {
        let q = i64::from(q.get());
        if self.reserved < q {
            return Err(StockError::NotReserved {
                reserved: self.reserved,
                requested: q,
            });
        }
        Ok(Self {
            reserved: self.reserved - q,
            ..self
        })
    }

    /// `q` held units leave the warehouse.
    pub fn consume(self, q: Quantity) -> Result<Self, StockError> {
        let q = i64::from(q.get());
        if self.reserved < q {
            return Err(StockError::NotReserved {
                reserved: self.reserved,
                requested: q,
            });
        }
        Ok(Self {
            on_hand: self.on_hand - q,
            reserved: self.reserved - q,
        })
    }

    /// Adds (or, negative, removes) units on hand, never below what is reserved.
    pub fn adjust(self, delta: i64) -> Result<Self, StockError> {
        match self.on_hand.checked_add(delta) {
            Some(on_hand) if on_hand >= self.reserved => Ok(Self { on_hand, ..self }),
            _ => Err(StockError::BelowReserved {
                reserved: self.reserved,
            }),
        }
    }

    /// Applies one operation of a change.
    pub fn apply(self, kind: StockOpKind, q: Quantity) -> Result<Self, StockError> {
        match kind {
            StockOpKind::Reserve => self.reserve(q),
            StockOpKind::Release => self.release(q),
            StockOpKind::Consume => self.consume(q),
        }
    }
}

/// The three things an order does to a product's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockOpKind {
    /// `reserved += q`, only if `on_hand - reserved >= q`.
    Reserve,
    /// `reserved -= q`.
    Release,
    /// `on_hand -= q; reserved -= q`.
    Consume,
}

/// One stock operation of a change, applied by the store as a conditional update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockOp {
    /// The product.
    pub product_id: ProductId,
    /// The units.
    pub quantity: Quantity,
    /// What happens to them.
    pub kind: StockOpKind,
}

/// The stock operations a transition's effect means for an order's lines.
pub fn ops_for(effect: StockEffect, lines: &[OrderLine]) -> Vec<StockOp> {
    let kind = match effect {
        StockEffect::None => return Vec::new(),
        StockEffect::Reserve => StockOpKind::Reserve,
        StockEffect::Release => StockOpKind::Release,
        StockEffect::Consume => StockOpKind::Consume,
    };
    lines
        .iter()
        .map(|l| StockOp {
            product_id: l.product_id,
            quantity: l.quantity,
            kind,
        })
        .collect()
}

/// A line a store could not reserve, as the store sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    /// The product.
    pub product_id: ProductId,
    /// Units asked for.
    pub requested: Quantity,
    /// Units available when the store looked.
    pub available: i64,
}

/// One short line of an `INSUFFICIENT_STOCK` answer, in the e-commerce seed's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortage {
    /// The product.
    pub product_id: ProductId,
    /// Its name.
    pub product_name: String,
    /// Units asked for.
    pub requested: u32,
    /// Units available.
    pub available: i64,
    /// A sentence for people.
    pub error: String,
}

/// Names every short line for the client, in the order of the request's lines.
pub fn shortage_report(shortfalls: &[Shortfall], lines: &[OrderLine]) -> Vec<Shortage> {
    lines
        .iter()
        .filter_map(|line| {
            let s = shortfalls
                .iter()
                .find(|s| s.product_id == line.product_id)?;
            Some(Shortage {
                product_id: s.product_id,
                product_name: line.product_name.clone(),
                requested: s.requested.get(),
                available: s.available.max(0),
                error: format!(
                    "Insufficient stock. Available: {}, Requested: {}",
                    s.available.max(0),
                    s.requested.get()
                ),
            })
        })
        .collect()
}

/// What a store must do with a change's stock operations: the reference semantics, applied to
/// in-memory levels. All-or-nothing: on any shortfall the levels are unchanged and every short
/// line is reported, not only the first.
pub fn apply_all(
    levels: &mut std::collections::BTreeMap<ProductId, StockLevel>,
    ops: &[StockOp],
) -> Result<(), Vec<Shortfall>> {
    let mut next = levels.clone();
    let mut short = Vec::new();
    for op in ops {
        let Some(level) = next.get(&op.product_id).copied() else {
            short.push(Shortfall {
                product_id: op.product_id,
                requested: op.quantity,
                available: 0,
            });
            continue;
        };
        match level.apply(op.kind, op.quantity) {
            Ok(l) => {
                next.insert(op.product_id, l);
            }
            Err(_) => short.push(Shortfall {
                product_id: op.product_id,
                requested: op.quantity,
                available: level.available(),
            }),
        }
    }
    if short.is_empty() {
        *levels = next;
        Ok(())
    } else {
        Err(short)
    }
}

#[cfg(test)]
mod tests {
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
}
