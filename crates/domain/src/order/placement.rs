//! Placing an order: the request as it arrives, parsed into an [`OrderRequest`] that names every
//! bad field at once; duplicate lines merged; lines priced from the catalogue; the territory
//! resolved.

use super::OrderLine;
use super::values::{
    InsuranceInfo, LongText, Priority, RawAddress, RawInsurance, ShippingAddress, ShortText,
};
use crate::catalogue::Product;
use crate::error::Error;
use crate::ids::{PatientId, ProductId, TerritoryId};
use crate::money::{Money, Quantity};
use crate::validation::FieldErrors;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most lines an order may have after duplicates are merged.
pub const MAX_LINES: usize = 100;

/// One requested line, as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawOrderLine {
    /// The product.
    pub product_id: Option<i64>,
    /// Units.
    pub quantity: Option<i64>,
}

/// An order request as it arrives, before anything is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawOrder {
    /// Whose order; a customer may leave it out.
    pub patient_id: Option<String>,
    /// Where; else the `Territory-Id` header, else the patient's.
    pub territory_id: Option<String>,
    /// The provider.
    pub provider_id: Option<String>,
    /// The prescribing physician.
    pub physician_name: Option<String>,
    /// A service rather than goods.
    pub service_type: Option<String>,
    /// `normal`, `urgent` or `emergency`.
    pub priority: Option<String>,
    /// Insurance.
    pub insurance_info: Option<RawInsurance>,
    /// Lines.
    pub items: Option<Vec<RawOrderLine>>,
    /// Where to ship.
    pub shipping_address: Option<RawAddress>,
    /// Free text.
    pub notes: Option<String>,
}

/// A requested line after parsing; `index` is its position in the request, for error paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestedLine {
    /// Position of the (first) line in the request.
    pub index: usize,
    /// The product.
    pub product_id: ProductId,
    /// Units, duplicates merged.
    pub quantity: Quantity,
}

/// A well-formed order request; the catalogue and the caller are checked later.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    /// Whose order, if named.
    pub patient_id: Option<PatientId>,
    /// The body's territory, if named.
    pub territory_id: Option<TerritoryId>,
    /// The provider.
    pub provider_id: Option<ShortText>,
    /// The prescribing physician.
    pub physician_name: Option<ShortText>,
    /// A service rather than goods.
    pub service_type: Option<ShortText>,
    /// How urgent.
    pub priority: Priority,
    /// Insurance.
    pub insurance_info: Option<InsuranceInfo>,
    /// Lines, one per product.
    pub lines: Vec<RequestedLine>,
    /// Where to ship.
    pub shipping_address: Option<ShippingAddress>,
    /// Free text.
    pub notes: Option<LongText>,
}

impl OrderRequest {
    /// Parses a raw request, reporting every bad field.
    pub fn parse(raw: RawOrder) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let patient_id = e.check_opt("patient_id", raw.patient_id.as_deref().map(str::parse));
        let territory_id = e.check_opt(
            "territory_id",
            raw.territory_id.as_deref().map(TerritoryId::parse),
        );
        let provider_id = e.check_opt(
            "provider_id",
            raw.provider_id.as_deref().map(ShortText::parse),
        );
        let physician_name = e.check_opt(
            "physician_name",
            raw.physician_name.as_deref().map(ShortText::parse),
        );
        let service_type = e.check_opt(
            "service_type",
            raw.service_type.as_deref().map(ShortText::parse),
        );
        let priority = e
            .check_opt("priority", raw.priority.as_deref().map(Priority::parse))
            .map(Option::unwrap_or_default);
        let insurance_info = raw
            .insurance_info
            .map(|r| InsuranceInfo::parse(r, "insurance_info", &mut e));
        let shipping_address = raw
            .shipping_address
            .map(|r| ShippingAddress::parse(r, "shipping_address", &mut e));
        let notes = e.check_opt("notes", raw.notes.as_deref().map(LongText::parse));
        let lines = parse_lines(raw.items.unwrap_or_default(), &mut e);

        if lines.as_ref().is_some_and(Vec::is_empty)
            && raw
                .service_type
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
        {
            e.add("items", "at least one item, or a service_type, is required");
        }
        match (
            patient_id,
            territory_id,
            provider_id,
            physician_name,
            service_type,
            priority,
            insurance_info,
            shipping_address,
            notes,
            lines,
        ) {
            (
                Some(patient_id),
                Some(territory_id),
                Some(provider_id),
                Some(physician_name),
                Some(service_type),
                Some(priority),
                insurance_info,
                shipping_address,
                Some(notes),
                Some(lines),
            ) if e.is_empty() => Ok(Self {
                patient_id,
                territory_id,
                provider_id,
                physician_name,
                service_type,
                priority,
                insurance_info: insurance_info.flatten(),
                shipping_address: shipping_address.flatten(),
                notes,
                lines,
            }),
            _ => Err(e),
        }
    }
}

/// Parses the lines, merging duplicate products into the first line that names them.
fn parse_lines(raw: Vec<RawOrderLine>, e: &mut FieldErrors) -> Option<Vec<RequestedLine>> {
    let mut merged: Vec<RequestedLine> = Vec::new();
    let mut ok = true;
    for (index, line) in raw.into_iter().enumerate() {
        let product = match line.product_id {
            None => {
                e.add(format!("items[{index}].product_id"), "is required");
                None
            }
            Some(id) => e.check(format!("items[{index}].product_id"), ProductId::new(id)),
        };
        let quantity = match line.quantity {
            None => {
                e.add(format!("items[{index}].quantity"), "is required");
                None
            }
            Some(q) => e.check(format!("items[{index}].quantity"), Quantity::new(q)),
        };
        let (Some(product_id), Some(quantity)) = (product, quantity) else {
            ok = false;
            continue;
        };
        match merged.iter_mut().find(|l| l.product_id == product_id) {
            Some(first) => match first.quantity.checked_add(quantity) {
                Ok(sum) => first.quantity = sum,
                Err(err) => {
                    e.add(
                        format!("items[{}].quantity", first.index),
                        format!("merged with items[{index}]: {err}"),
                    );
                    ok = false;
                }
            },
            None => merged.push(RequestedLine {
                index,
                product_id,
                quantity,
            }),
        }
    }
    if merged.len() > MAX_LINES {
        e.add(
            "items",
            format!("at most {MAX_LINES} distinct products per order"),
        );
        ok = false;
    }
    ok.then_some(merged)
}

/// Prices the lines from the catalogue: unknown or inactive products are field errors on their
/// line; prices never come from the client. Returns the lines and their total.
pub fn price_lines(
    lines: &[RequestedLine],
    catalogue: &BTreeMap<ProductId, Product>,
) -> Result<(Vec<OrderLine>, Money), FieldErrors> {
    let mut e = FieldErrors::new();
    let mut priced = Vec::with_capacity(lines.len());
    let mut total = Money::ZERO;
    for line in lines {
        let path = format!("items[{}].product_id", line.index);
        let Some(product) = catalogue.get(&line.product_id).filter(|p| p.active) else {
            e.add(path, "unknown or inactive product");
            continue;
        };
        let Ok(subtotal) = product.price.checked_mul_qty(line.quantity) else {
            e.add(
                format!("items[{}].quantity", line.index),
                "the line's amount is too large",
            );
            continue;
        };
        match total.checked_add(subtotal) {
            Ok(t) => total = t,
            Err(_) => e.add("items", "the order's total is too large"),
        }
        priced.push(OrderLine {
            product_id: product.id,
            product_name: product.name.clone(),
            quantity: line.quantity,
            unit_price: product.price,
            subtotal,
        });
    }
    e.finish(|| (priced, total))
}

/// The order's territory: the body's, else the header's, else the patient's. A body and header
/// that differ, or a patient of another territory, is a mismatch.
pub fn resolve_territory(
    body: Option<&TerritoryId>,
    header: Option<&TerritoryId>,
    patient_territory: &TerritoryId,
) -> Result<TerritoryId, Error> {
    if let (Some(b), Some(h)) = (body, header) {
        if b != h {
            return Err(Error::TerritoryMismatch(Some(b.clone())));
        }
    }
    let chosen = body.or(header).unwrap_or(patient_territory);
    if chosen != patient_territory {
        return Err(Error::TerritoryMismatch(Some(chosen.clone())));
    }
    Ok(chosen.clone())
}

#[cfg(test)]
mod tests;
