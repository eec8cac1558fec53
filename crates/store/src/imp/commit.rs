// The unit of work: one change, one transaction. Included into each backend module.
//
// Lock order, the same in every transaction so two never wait on each other: the order row
// (conditional update), then product rows in ascending id, then the chain head (taken by the
// update that claims the chain's numbers, in each backend's `rows_stock_and_chain`). On
// PostgreSQL a change's new rows go in with the claim, in the same statement, whose foreign key
// checks run at its end: they lock (`FOR KEY SHARE`) the patient, territory and user rows while
// the head is held. No change updates those rows' keys or deletes them, so none locks
// them more strongly; a change that ever does must not then claim the head, or it could deadlock
// with a placement.
//
// A new order's lines are checked after the stock update: each line's foreign key check locks
// its product row (PostgreSQL's `FOR KEY SHARE`). Taken before the update, by many placements at
// once, those locks pile up on the same few rows as multixacts, which every later reader and
// updater of the row must unpack (they cost a sixth of PostgreSQL's time under 8 clients:
// docs/PERFORMANCE.md). Taken after it, the row is this transaction's already and the check adds
// no shared (multixact) lock. On SQLite the lines go in after the update; on PostgreSQL they go
// in before it, in the same statement, whose foreign key checks all run at its end.

use super::rows::*;
use super::{Conn, Db, rows_stock_and_chain, schema};
use crate::backend::WriteShape;
use crate::error::TxError;
use crate::types::{DbTime, DbUuid};
use diesel::prelude::*;
use ordo_domain::audit::AuditAction;
use ordo_domain::ports::{Change, CommitError, Committed, UnitOfWork, Write};
use ordo_domain::stock::{Shortfall, StockOp};

impl UnitOfWork for Db {
    fn commit(&self, change: Change) -> Result<Committed, CommitError> {
        // A placement, a status change, or a change with no rows at all (a message, an audited
        // read): nothing precedes `rows_stock_and_chain`, which makes one statement on
        // PostgreSQL.
        let shape = if goes_in_one_statement(&change) { WriteShape::OneStatement } else { WriteShape::Transaction };
        self.write_as(shape, |conn| apply(conn, change)).map_err(TxError::into_commit)
    }
}

/// Whether `apply` writes `change` with `rows_stock_and_chain` alone: its rows are new orders
/// and order updates, which go in with its idempotency key and its other new rows.
fn goes_in_one_statement(change: &Change) -> bool {
    change.writes.iter().all(|w| matches!(w, Write::InsertOrder(_) | Write::UpdateOrder { .. }))
}

fn apply(conn: &mut Conn, mut change: Change) -> Result<Committed, TxError> {
    let mut committed = Committed::default();
    let mut fresh = NewRows::default();
    // Rows first. An order update is made by `rows_stock_and_chain`, before any other row of
    // the change: one that lost a race fails there, before anything else is done.
    for write in std::mem::take(&mut change.writes) {
        match apply_write(conn, write)? {
            Applied::Row => {}
            Applied::Product(id) => committed.product_id = Some(id),
            Applied::Order(order, items) => {
                fresh.orders.push(*order);
                fresh.lines.extend(items);
            }
            Applied::Update(order, expected_version) => fresh.updates.push((*order, expected_version)),
        }
    }
    if let Some(rec) = &change.idempotency {
        // A key past its 24 h is free again, even before the purge has run.
        let now = change.audit.first().map_or(rec.expires_at, |a| a.at);
        let row = IdempotencyRow {
            user_id: DbUuid(rec.user_id.as_uuid()),
            key: rec.key.clone(),
            fingerprint: rec.fingerprint.clone(),
            order_id: DbUuid(rec.order_id.as_uuid()),
            expires_at: DbTime::of(rec.expires_at),
        };
        fresh.idempotency = Some((row, DbTime::of(now)));
    }
    fresh.notifications = change.notifications.iter().map(NotificationRow::of).collect();
    if let Some(id) = committed.product_id {
        for d in change.audit.iter_mut().filter(|d| d.action == AuditAction::ProductCreated) {
            d.entity_id = id.to_string();
        }
    }
    // Stock late, followed only by the chain (and on SQLite the new order's lines: see the top of
    // this file): product rows stay locked only for the rest of the transaction, which
    // concurrent orders for the same products wait on.
    let mut ops = change.stock;
    ops.sort_by_key(|op| op.product_id);
    let chain = Chain { audit: change.audit, events: change.events };
    committed.last_event = rows_stock_and_chain(conn, fresh, &ops, chain)?;
    Ok(committed)
}

/// What a change appends to the chain: audit drafts to seal, events to number.
pub(crate) struct Chain {
    pub audit: Vec<ordo_domain::audit::AuditDraft>,
    pub events: Vec<ordo_domain::event::NewEvent>,
}

impl Chain {
    pub(crate) fn is_empty(&self) -> bool {
        self.audit.is_empty() && self.events.is_empty()
    }
}

/// The shortfalls of the operations at `positions` of `ops`, given what each has available.
pub(crate) fn shortfalls(ops: &[StockOp], positions: impl IntoIterator<Item = (usize, i64)>) -> CommitError {
    let short = positions
        .into_iter()
        .filter_map(|(at, available)| {
            let op = ops.get(at)?;
            Some(Shortfall { product_id: op.product_id, requested: op.quantity, available })
        })
        .collect();
    CommitError::Shortage(short)
}

/// What `apply_write` did, and what it left to do.
enum Applied {
    Row,
    /// A product inserted, with its new id.
    Product(ordo_domain::ids::ProductId),
    /// An order, to go in with the change's other new rows, and its lines (after the stock
    /// update).
    Order(Box<OrderRow>, Vec<ItemRow>),
    /// An order to update on the version it was computed from, first of the change's rows.
    Update(Box<OrderRow>, i64),
}

/// Writes one row.
fn apply_write(conn: &mut Conn, write: Write) -> Result<Applied, TxError> {
    match write {
        Write::InsertOrder(order) => {
            return Ok(Applied::Order(
                Box::new(OrderRow::of(&order)),
                OrderRow::items_of(&order),
            ));
        }
        Write::UpdateOrder { order, expected_version } => {
            return Ok(Applied::Update(Box::new(OrderRow::of(&order)), expected_version));
        }
        Write::InsertProduct(new, at) => {
            use schema::products::dsl as p;
            let id: i64 = diesel::insert_into(p::products)
                .values(NewProductRow {
                    sku: new.sku.as_str().to_owned(),
                    name: new.name.as_str().to_owned(),
                    price_minor: new.price.minor(),
                    stock_quantity: new.stock_quantity,
                    reserved_quantity: 0,
                    low_stock_threshold: new.low_stock_threshold,
                    active: true,
                    created_at: DbTime::of(at),
                    updated_at: DbTime::of(at),
                })
                .returning(p::id)
                .get_result(conn)?;
            let id = ordo_domain::ids::ProductId::new(id)
                .map_err(|e| ordo_domain::ports::StoreError::Other(e.to_string()))?;
            return Ok(Applied::Product(id));
        }
        Write::UpdateProduct(product) => {
            use schema::products::dsl as p;
            diesel::update(p::products.filter(p::id.eq(product.id.get())))
                .set((
                    p::name.eq(&product.name),
                    p::price_minor.eq(product.price.minor()),
                    p::low_stock_threshold.eq(product.low_stock_threshold),
                    p::active.eq(product.active),
                    p::updated_at.eq(DbTime::of(product.updated_at)),
                ))
                .execute(conn)?;
        }
        Write::AdjustStock { product_id, delta } => {
            use schema::products::dsl as p;
            let n = diesel::update(
                p::products
                    .filter(p::id.eq(product_id.get()))
                    .filter((p::stock_quantity + delta).ge(p::reserved_quantity)),
            )
            .set(p::stock_quantity.eq(p::stock_quantity + delta))
            .execute(conn)?;
            if n == 0 {
                return Err(TxError::Commit(CommitError::BelowReserved(product_id)));
            }
        }
        Write::InsertPatient(patient) => {
            use schema::patients::dsl as p;
            diesel::insert_into(p::patients).values(PatientRow::of(&patient)).execute(conn)?;
        }
        Write::InsertUser(user, hash) => {
            use schema::users::dsl as u;
            diesel::insert_into(u::users).values(UserRow::of(&user, hash.as_str())).execute(conn)?;
            replace_territories(conn, &user)?;
        }
        Write::UpdateUser(user, hash) => {
            use schema::users::dsl as u;
            let target = u::users.filter(u::id.eq(DbUuid(user.id.as_uuid())));
            diesel::update(target)
                .set((
                    u::role.eq(user.role.as_str()),
                    u::patient_id.eq(user.patient_id.map(|p| DbUuid(p.as_uuid()))),
                    u::phone.eq(user.phone.as_ref().map(|p| p.as_str().to_owned())),
                    u::active.eq(user.active),
                ))
                .execute(conn)?;
            if let Some(hash) = hash {
                diesel::update(target).set(u::password_hash.eq(hash.as_str())).execute(conn)?;
            }
            replace_territories(conn, &user)?;
        }
        Write::InsertTerritory(t) => {
            use schema::territories::dsl as tt;
            diesel::insert_into(tt::territories).values(TerritoryRow::of(&t)).execute(conn)?;
        }
    }
    Ok(Applied::Row)
}

fn replace_territories(conn: &mut Conn, user: &ordo_domain::people::User) -> QueryResult<()> {
    use schema::user_territories::dsl as ut;
    let id = DbUuid(user.id.as_uuid());
    diesel::delete(ut::user_territories.filter(ut::user_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = user
        .territories
        .iter()
        .map(|t| (ut::user_id.eq(id), ut::territory_id.eq(t.as_str().to_owned())))
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(ut::user_territories).values(rows).execute(conn)?;
    }
    Ok(())
}
