//! The catalogue: products, stock adjustments and the stock check.

use super::Ordo;
use crate::audit::{AuditAction, AuditDraft, EntityType};
use crate::auth::Actor;
use crate::catalogue::{NewProduct, Product, ProductPatch, StockAdjustment};
use crate::error::Error;
use crate::ids::{AuditId, ProductId};
use crate::order::query::Page;
use crate::ports::{Change, Listing, Write};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A product that is out of stock or under its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StockIssue {
    /// The product.
    pub product_id: ProductId,
    /// Its name.
    pub product_name: String,
    /// Units on hand.
    pub stock_quantity: i64,
    /// Units reserved.
    pub reserved_quantity: i64,
    /// Units available.
    pub available_quantity: i64,
    /// Its threshold.
    pub low_stock_threshold: i64,
}

/// A product whose reserved units differ from what its holding orders hold: a bookkeeping fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StockMismatch {
    /// The product.
    pub product_id: ProductId,
    /// Units the product says are reserved.
    pub reserved_quantity: i64,
    /// Units held by orders pending verification or verified.
    pub held_by_orders: i64,
}

/// The stock check: what is short, and whether the books agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StockHealth {
    /// Active products with no available units.
    pub out_of_stock: Vec<StockIssue>,
    /// Active products with some, but at most their threshold, available.
    pub low_stock: Vec<StockIssue>,
    /// Products whose reserved units disagree with their orders.
    pub inconsistencies: Vec<StockMismatch>,
    /// True when there is no inconsistency.
    pub consistent: bool,
    /// Products checked.
    pub products_checked: usize,
}

/// The stock check over a catalogue and the units its orders hold (pure, for any store).
pub fn stock_health(products: &[Product], held: &BTreeMap<ProductId, i64>) -> StockHealth {
    let issue = |p: &Product| StockIssue {
        product_id: p.id,
        product_name: p.name.clone(),
        stock_quantity: p.stock.on_hand(),
        reserved_quantity: p.stock.reserved(),
        available_quantity: p.stock.available(),
        low_stock_threshold: p.low_stock_threshold,
    };
    let active = products.iter().filter(|p| p.active);
    let out_of_stock = active
        .clone()
        .filter(|p| p.stock.available() <= 0)
        .map(issue)
        .collect();
    let low_stock = active
        .filter(|p| p.stock.available() > 0 && p.is_low())
        .map(issue)
        .collect();
    let inconsistencies: Vec<_> = products
        .iter()
        .filter_map(|p| {
            let h = held.get(&p.id).copied().unwrap_or(0);
            (h != p.stock.reserved()).then_some(StockMismatch {
                product_id: p.id,
                reserved_quantity: p.stock.reserved(),
                held_by_orders: h,
            })
        })
        .collect();
    StockHealth {
        consistent: inconsistencies.is_empty(),
        out_of_stock,
        low_stock,
        inconsistencies,
        products_checked: products.len(),
    }
}

impl Ordo {
    /// Adds a product (admins).
    pub fn create_product(&self, actor: &Actor, new: NewProduct) -> Result<Product, Error> {
        actor.require_admin()?;
        let now = self.ports.clock.now();
        let audit = AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            now,
            Some(actor.user_id()),
            AuditAction::ProductCreated,
            EntityType::Product,
            String::new(),
        )
        .data(json!({
            "sku": new.sku,
            "price": new.price,
            "stock_quantity": new.stock_quantity,
            "low_stock_threshold": new.low_stock_threshold,
        }));
        let committed = self.ports.uow.commit(Change {
            writes: vec![Write::InsertProduct(new, now)],
            audit: vec![audit],
            ..Change::default()
        })?;
        let id = committed
            .product_id
            .ok_or_else(|| Error::Internal("store did not report the new product id".into()))?;
        self.ports
            .products
            .get(id)?
            .ok_or(Error::NotFound("product"))
    }

    /// A page of products (everyone may read the catalogue).
    pub fn list_products(&self, page: Page) -> Result<Listing<Product>, Error> {
        Ok(self.ports.products.list(page)?)
    }

    /// One product.
    pub fn get_product(&self, id: ProductId) -> Result<Product, Error> {
        self.ports
            .products
            .get(id)?
            .ok_or(Error::NotFound("product"))
    }

    /// A product named by SKU or, failing that, by name (seed 004's `item`).
    pub fn find_product(&self, text: &str) -> Result<Product, Error> {
        self.ports
            .products
            .find_by_sku_or_name(text)?
            .ok_or(Error::NotFound("product"))
    }

    /// Changes a product's details (admins), audited.
    pub fn update_product(
        &self,
        actor: &Actor,
        id: ProductId,
        patch: ProductPatch,
    ) -> Result<Product, Error> {
        actor.require_admin()?;
        let before = self.get_product(id)?;
        let now = self.ports.clock.now();
        let after = patch.apply(before.clone(), now);
        let audit = AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            now,
            Some(actor.user_id()),
            AuditAction::ProductUpdated,
            EntityType::Product,
            id.to_string(),
        )
        .data(json!({
            "name": after.name,
            "price": {"from": before.price, "to": after.price},
            "low_stock_threshold": after.low_stock_threshold,
            "active": after.active,
        }));
        self.ports.uow.commit(Change {
            writes: vec![Write::UpdateProduct(Box::new(after))],
            audit: vec![audit],
            ..Change::default()
        })?;
        self.get_product(id)
    }

    /// Adds or writes off units on hand (admins), never below what is reserved; audited.
    pub fn adjust_stock(
        &self,
        actor: &Actor,
        id: ProductId,
        adj: StockAdjustment,
    ) -> Result<Product, Error> {
        actor.require_admin()?;
        self.get_product(id)?;
        let now = self.ports.clock.now();
        let audit = AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            now,
            Some(actor.user_id()),
            AuditAction::StockAdjusted,
            EntityType::Product,
            id.to_string(),
        )
        .notes(Some(adj.reason.as_str()))
        .data(json!({ "delta": adj.delta }));
        self.ports.uow.commit(Change {
            writes: vec![Write::AdjustStock {
                product_id: id,
                delta: adj.delta,
            }],
            audit: vec![audit],
            ..Change::default()
        })?;
        self.get_product(id)
    }

    /// The stock check (staff and admins).
    pub fn stock_check(&self, actor: &Actor) -> Result<StockHealth, Error> {
        actor.require_staff()?;
        let products = self.ports.products.all()?;
        let held = self.ports.orders.held_by_orders()?;
        Ok(stock_health(&products, &held))
    }
}
