//! Order statistics: one order's figures, and aggregates per territory.

use super::Ordo;
use crate::audit::{AuditEntry, EntityType};
use crate::auth::Actor;
use crate::error::Error;
use crate::ids::{OrderId, TerritoryId};
use crate::money::Money;
use crate::order::{Order, OrderStatus, Priority};
use crate::ports::TerritoryOrderFigures;
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// Figures of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderStatistics {
    /// The order.
    pub order_id: OrderId,
    /// Its status.
    pub status: OrderStatus,
    /// Number of lines.
    pub line_count: usize,
    /// Units over all lines.
    pub total_units: u64,
    /// Its total.
    pub total_amount: Money,
    /// Seconds since it was placed.
    pub age_seconds: i64,
    /// Seconds spent in each status it has been in (the current one up to now).
    pub seconds_in_status: BTreeMap<OrderStatus, i64>,
    /// Number of status changes.
    pub status_changes: usize,
}

/// Aggregates of one territory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TerritoryStats {
    /// Orders.
    pub order_count: u64,
    /// Orders per status.
    pub by_status: BTreeMap<OrderStatus, u64>,
    /// Orders per priority.
    pub by_priority: BTreeMap<Priority, u64>,
    /// Sum of totals of orders that are not cancelled or rejected.
    pub total_amount: Money,
    /// Median seconds from placement to verification, if any order was verified.
    pub median_seconds_to_verify: Option<i64>,
}

/// Aggregates over the caller's territories.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderStats {
    /// All territories together.
    pub overall: TerritoryStats,
    /// Each territory.
    pub territories: BTreeMap<TerritoryId, TerritoryStats>,
}

/// Time spent in each status, from the order's audit trail (oldest first) up to `now`.
pub fn seconds_in_status(
    order: &Order,
    history: &[AuditEntry],
    now: Timestamp,
) -> BTreeMap<OrderStatus, i64> {
    let mut out = BTreeMap::new();
    let mut current = (OrderStatus::PendingVerification, order.created_at);
    for entry in history {
        let Some(to) = entry.draft.to_status else {
            continue;
        };
        if entry.draft.from_status.is_none() {
            current = (to, entry.draft.at);
            continue;
        }
        *out.entry(current.0).or_insert(0) += entry.draft.at.seconds_since(current.1).max(0);
        current = (to, entry.draft.at);
    }
    *out.entry(current.0).or_insert(0) += now.seconds_since(current.1).max(0);
    out
}

fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2
    } else {
        values[mid]
    })
}

fn territory_stats(mut f: TerritoryOrderFigures) -> TerritoryStats {
    TerritoryStats {
        order_count: f.by_status.values().sum(),
        median_seconds_to_verify: median(&mut f.seconds_to_verify),
        by_status: f.by_status,
        by_priority: f.by_priority,
        total_amount: f.total_amount,
    }
}

/// Folds the territories' figures into one.
fn merge(all: &BTreeMap<TerritoryId, TerritoryOrderFigures>) -> TerritoryOrderFigures {
    let mut out = TerritoryOrderFigures::default();
    for f in all.values() {
        for (s, n) in &f.by_status {
            *out.by_status.entry(*s).or_insert(0) += n;
        }
        for (p, n) in &f.by_priority {
            *out.by_priority.entry(*p).or_insert(0) += n;
        }
        out.total_amount = out
            .total_amount
            .checked_add(f.total_amount)
            .unwrap_or(out.total_amount);
        out.seconds_to_verify
            .extend_from_slice(&f.seconds_to_verify);
    }
    out
}

impl Ordo {
    /// Figures of one order the caller may see.
    pub fn order_statistics(&self, actor: &Actor, id: OrderId) -> Result<OrderStatistics, Error> {
        let order = self.visible_order(actor, id)?;
        let history = self
            .ports
            .audit
            .history(EntityType::Order, &order.id.to_string())?;
        let now = self.ports.clock.now();
        Ok(OrderStatistics {
            order_id: order.id,
            status: order.status,
            line_count: order.items.len(),
            total_units: order.units(),
            total_amount: order.total_amount,
            age_seconds: now.seconds_since(order.created_at).max(0),
            seconds_in_status: seconds_in_status(&order, &history, now),
            status_changes: history
                .iter()
                .filter(|e| e.draft.from_status.is_some())
                .count(),
        })
    }

    /// Aggregates over the caller's territories (staff and admins), narrowed by the header.
    pub fn order_stats(
        &self,
        actor: &Actor,
        header: Option<&TerritoryId>,
    ) -> Result<OrderStats, Error> {
        actor.require_staff()?;
        let scope = actor.scope_with_header(header)?;
        let figures = self.ports.orders.figures(&scope)?;
        let overall = territory_stats(merge(&figures));
        let territories = figures
            .into_iter()
            .map(|(t, f)| (t, territory_stats(f)))
            .collect();
        Ok(OrderStats {
            overall,
            territories,
        })
    }
}

#[cfg(test)]
mod tests;
