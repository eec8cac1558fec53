//! Orders: what one is, how one is placed, and the workflow it moves through.

pub mod placement;
pub mod query;
pub mod status;
pub mod values;

use crate::ids::{OrderId, PatientId, ProductId, TerritoryId, TrackingId, UserId};
use crate::money::{Money, Quantity};
use crate::time::Timestamp;
use serde::Serialize;
pub use status::OrderStatus;
pub use values::{InsuranceInfo, Priority, ShippingAddress, VerificationData};

/// One line of an order, priced from the catalogue when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderLine {
    /// The product.
    pub product_id: ProductId,
    /// Its name when the order was placed.
    pub product_name: String,
    /// Units.
    pub quantity: Quantity,
    /// Catalogue price per unit when the order was placed.
    pub unit_price: Money,
    /// `quantity × unit_price`.
    pub subtotal: Money,
}

/// An order, as stored and as answered (its JSON id is `order_id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Order {
    /// Its id.
    #[serde(rename = "order_id")]
    pub id: OrderId,
    /// Human-friendly unique reference, the only order detail an SMS carries.
    pub tracking_id: TrackingId,
    /// Whose order it is.
    pub patient_id: PatientId,
    /// Where it is handled.
    pub territory_id: TerritoryId,
    /// The user who placed it.
    pub created_by: UserId,
    /// The provider, if named.
    pub provider_id: Option<String>,
    /// The prescribing physician, if named.
    pub physician_name: Option<String>,
    /// A service rather than (or besides) goods.
    pub service_type: Option<String>,
    /// How urgent.
    pub priority: Priority,
    /// The patient's insurance, if given.
    pub insurance_info: Option<InsuranceInfo>,
    /// The lines.
    pub items: Vec<OrderLine>,
    /// Where to ship, if anywhere.
    pub shipping_address: Option<ShippingAddress>,
    /// Sum of the lines' subtotals.
    pub total_amount: Money,
    /// Where it is in the workflow.
    pub status: OrderStatus,
    /// Free-text notes of the latest change.
    pub notes: Option<String>,
    /// How insurance was verified.
    pub verification_data: Option<VerificationData>,
    /// Bumped by every change; the `If-Match` value.
    pub version: i64,
    /// When placed.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl Order {
    /// Total units over all lines.
    pub fn units(&self) -> u64 {
        self.items.iter().map(|l| u64::from(l.quantity.get())).sum()
    }
}
