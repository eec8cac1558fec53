//! The order workflow, as data.
//!
//! [`TRANSITIONS`] is the one table of which status may follow which, who may make the move and
//! what it does to stock. The API's `details.allowed`, the docs and the exhaustive tests all read
//! it; adding a status is a compile error in every `match` below until the table says what it does.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; insurance not yet checked. Holds stock.
    PendingVerification,
    /// Insurance checked and accepted. Holds stock.
    Verified,
    /// Insurance refused; may be resubmitted. Holds no stock.
    Rejected,
    /// Left the warehouse; its stock is consumed.
    Shipped,
    /// Received by the patient.
    Delivered,
    /// Done. Terminal.
    Completed,
    /// Called off. Terminal.
    Cancelled,
}

/// A status name that is neither ordo's nor one of the seeds' aliases.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "unknown status; one of pending_verification, verified, rejected, shipped, delivered, completed, cancelled"
)]
pub struct UnknownStatus;

impl OrderStatus {
    /// Every status, in workflow order.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::PendingVerification,
        OrderStatus::Verified,
        OrderStatus::Rejected,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// The canonical name, used in every answer.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingVerification => "pending_verification",
            OrderStatus::Verified => "verified",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a status name, also accepting seed 003's aliases `pending` (for
    /// `pending_verification`) and `confirmed` (for `verified`), in any case.
    pub fn parse(name: &str) -> Result<Self, UnknownStatus> {
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "pending" => return Ok(OrderStatus::PendingVerification),
            "confirmed" => return Ok(OrderStatus::Verified),
            _ => {}
        }
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or(UnknownStatus)
    }

    /// Whether an order in this status holds reserved stock.
    pub const fn holds_stock(self) -> bool {
        matches!(
            self,
            OrderStatus::PendingVerification | OrderStatus::Verified
        )
    }

    /// Whether nothing can follow this status.
    pub fn is_terminal(self) -> bool {
        allowed_from(self).is_empty()
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        Self::parse(s)
    }
}

/// What a transition does to the stock of the order's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockEffect {
    /// Nothing.
    None,
    /// Hold the lines' quantities again (`reserved += q`); may fail for want of stock.
    Reserve,
    /// Let the held quantities go (`reserved -= q`).
    Release,
    /// The units leave: `stock -= q` and `reserved -= q`.
    Consume,
}

/// Who, besides staff and admins of the order's territory, may make a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Movers {
    /// Staff and admins only.
    Staff,
    /// Staff, admins, and the customer whose order it is.
    StaffOrOwner,
}

/// One allowed move of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// Status before.
    pub from: OrderStatus,
    /// Status after.
    pub to: OrderStatus,
    /// Who may make it.
    pub movers: Movers,
    /// What it does to stock.
    pub stock: StockEffect,
}

const fn t(from: OrderStatus, to: OrderStatus, movers: Movers, stock: StockEffect) -> Transition {
    Transition {
        from,
        to,
        movers,
        stock,
    }
}

use Movers::{Staff, StaffOrOwner};
use OrderStatus::{
    Cancelled, Completed, Delivered, PendingVerification, Rejected, Shipped, Verified,
};

/// The workflow (SPEC §5): the verification seed's flow extended with the e-commerce seed's
/// fulfilment. Stock is held while pending or verified, so leaving that pair releases or consumes
/// it and coming back from `rejected` reserves it again.
pub const TRANSITIONS: &[Transition] = &[
    t(PendingVerification, Verified, Staff, StockEffect::None),
    t(PendingVerification, Rejected, Staff, StockEffect::Release),
    t(
        PendingVerification,
        Cancelled,
        StaffOrOwner,
        StockEffect::Release,
    ),
    t(Rejected, PendingVerification, Staff, StockEffect::Reserve),
    t(Rejected, Cancelled, Staff, StockEffect::None),
    t(Verified, Shipped, Staff, StockEffect::Consume),
    t(Verified, Completed, Staff, StockEffect::Consume),
    t(Verified, Cancelled, Staff, StockEffect::Release),
    t(Shipped, Delivered, Staff, StockEffect::None),
    t(Delivered, Completed, Staff, StockEffect::None),
];

/// The transition from `from` to `to`, if the workflow has one.
pub fn transition(from: OrderStatus, to: OrderStatus) -> Option<&'static Transition> {
    TRANSITIONS.iter().find(|t| t.from == from && t.to == to)
}

/// The statuses that may follow `from`, in table order (the API's `details.allowed`).
pub fn allowed_from(from: OrderStatus) -> Vec<OrderStatus> {
    TRANSITIONS
        .iter()
        .filter(|t| t.from == from)
        .map(|t| t.to)
        .collect()
}

/// The workflow as a Markdown table, for the docs (generated, so it cannot drift from the code).
pub fn markdown_table() -> String {
    let mut out = String::from("| from | to | who | stock |\n|---|---|---|---|\n");
    for t in TRANSITIONS {
        let who = match t.movers {
            Staff => "staff, admin",
            StaffOrOwner => "staff, admin, owning customer",
        };
        let stock = match t.stock {
            StockEffect::None => "none",
            StockEffect::Reserve => "reserve",
            StockEffect::Release => "release",
            StockEffect::Consume => "consume",
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {who} | {stock} |\n",
            t.from, t.to
        ));
    }
    out
}

#[cfg(test)]
mod tests;
