//! The catalogue: products, their prices and their stock.

use crate::ids::ProductId;
use crate::money::Money;
use crate::order::values::ShortText;
use crate::stock::StockLevel;
use crate::time::Timestamp;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A stock-keeping unit: 1–64 letters, digits, `-`, `_` or `.`, kept upper-case and unique.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

/// A SKU that is not one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be 1 to 64 letters, digits, '-', '_' or '.'")]
pub struct InvalidSku;

impl Sku {
    /// Parses a SKU, upper-casing it.
    pub fn parse(s: &str) -> Result<Self, InvalidSku> {
        let s = s.trim();
        let ok = (1..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(InvalidSku)
        }
    }
    /// The SKU as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = InvalidSku;
    fn try_from(s: String) -> Result<Self, InvalidSku> {
        Self::parse(&s)
    }
}

impl From<Sku> for String {
    fn from(s: Sku) -> String {
        s.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A product of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Product {
    /// Its id.
    #[serde(rename = "product_id")]
    pub id: ProductId,
    /// Unique SKU.
    pub sku: Sku,
    /// Name shown on orders.
    pub name: String,
    /// Current price per unit.
    pub price: Money,
    /// On hand and reserved.
    #[serde(flatten, with = "stock_fields")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::StockFields"))]
    pub stock: StockLevel,
    /// At or below this many available units the product counts as low on stock.
    pub low_stock_threshold: i64,
    /// Inactive products cannot be ordered.
    pub active: bool,
    /// When added.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

mod stock_fields {
    use crate::stock::StockLevel;
    use serde::Serializer;
    use serde::ser::SerializeMap;

    pub fn serialize<S: Serializer>(level: &StockLevel, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("stock_quantity", &level.on_hand())?;
        map.serialize_entry("reserved_quantity", &level.reserved())?;
        map.serialize_entry("available_quantity", &level.available())?;
        map.end()
    }
}

impl Product {
    /// Whether available stock is at or below the threshold.
    pub fn is_low(&self) -> bool {
        self.stock.available() <= self.low_stock_threshold
    }
}

/// A product to add, as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawProduct {
    /// SKU.
    pub sku: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Price, `"12.50"`.
    pub price: Option<Money>,
    /// Units on hand.
    pub stock_quantity: Option<i64>,
    /// Low-stock threshold (default 10).
    pub low_stock_threshold: Option<i64>,
}

/// A product to add, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    /// SKU.
    pub sku: Sku,
    /// Name.
    pub name: ShortText,
    /// Price.
    pub price: Money,
    /// Units on hand.
    pub stock_quantity: i64,
    /// Low-stock threshold.
    pub low_stock_threshold: i64,
}

/// Default low-stock threshold.
pub const DEFAULT_LOW_STOCK_THRESHOLD: i64 = 10;

fn non_negative(v: i64) -> Result<i64, &'static str> {
    if v >= 0 {
        Ok(v)
    } else {
        Err("must not be negative")
    }
}

impl NewProduct {
    /// Parses a new product, reporting every bad field.
    pub fn parse(raw: RawProduct) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let sku = e.require("sku", raw.sku.as_deref().map(Sku::parse));
        let name = e.require("name", raw.name.as_deref().map(ShortText::parse));
        let price = match raw.price {
            Some(p) => Some(p),
            None => {
                e.add("price", "is required");
                None
            }
        };
        let stock = e.check(
            "stock_quantity",
            non_negative(raw.stock_quantity.unwrap_or(0)),
        );
        let threshold = e.check(
            "low_stock_threshold",
            non_negative(
                raw.low_stock_threshold
                    .unwrap_or(DEFAULT_LOW_STOCK_THRESHOLD),
            ),
        );
        match (sku, name, price, stock, threshold) {
            (
                Some(sku),
                Some(name),
                Some(price),
                Some(stock_quantity),
                Some(low_stock_threshold),
            ) => Ok(Self {
                sku,
                name,
                price,
                stock_quantity,
                low_stock_threshold,
            }),
            _ => Err(e),
        }
    }
}

/// Changes to a product's details (stock changes go through adjustments), as they arrive.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawProductPatch {
    /// New name.
    pub name: Option<String>,
    /// New price.
    pub price: Option<Money>,
    /// New threshold.
    pub low_stock_threshold: Option<i64>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// Changes to a product's details, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductPatch {
    /// New name.
    pub name: Option<ShortText>,
    /// New price.
    pub price: Option<Money>,
    /// New threshold.
    pub low_stock_threshold: Option<i64>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

impl ProductPatch {
    /// Parses a patch, reporting every bad field.
    pub fn parse(raw: RawProductPatch) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check_opt("name", raw.name.as_deref().map(ShortText::parse));
        let threshold = e.check_opt(
            "low_stock_threshold",
            raw.low_stock_threshold.map(non_negative),
        );
        match (name, threshold) {
            (Some(name), Some(low_stock_threshold)) if e.is_empty() => Ok(Self {
                name,
                price: raw.price,
                low_stock_threshold,
                active: raw.active,
            }),
            _ => Err(e),
        }
    }

    /// The product with this patch applied.
    pub fn apply(&self, mut product: Product, at: Timestamp) -> Product {
        if let Some(name) = &self.name {
            product.name = name.as_str().to_owned();
        }
        if let Some(price) = self.price {
            product.price = price;
        }
        if let Some(t) = self.low_stock_threshold {
            product.low_stock_threshold = t;
        }
        if let Some(a) = self.active {
            product.active = a;
        }
        product.updated_at = at;
        product
    }
}

/// A stock adjustment as it arrives: `{delta, reason}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawStockAdjustment {
    /// Units added (positive) or written off (negative).
    pub delta: Option<i64>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// A stock adjustment, parsed: a non-zero delta and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAdjustment {
    /// Units added or removed; never zero.
    pub delta: i64,
    /// Why.
    pub reason: ShortText,
}

impl StockAdjustment {
    /// Parses an adjustment, reporting every bad field.
    pub fn parse(raw: RawStockAdjustment) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let delta = match raw.delta {
            None => {
                e.add("delta", "is required");
                None
            }
            Some(0) => {
                e.add("delta", "must not be zero");
                None
            }
            // `unsigned_abs`: `i64::MIN.abs()` overflows (found by fuzzing the API).
            Some(d) if d.unsigned_abs() > 1_000_000_000 => {
                e.add("delta", "must be between -1000000000 and 1000000000");
                None
            }
            Some(d) => Some(d),
        };
        let reason = e.require("reason", raw.reason.as_deref().map(ShortText::parse));
        match (delta, reason) {
            (Some(delta), Some(reason)) => Ok(Self { delta, reason }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
