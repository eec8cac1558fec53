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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
mod tests;
