// The unit of work: one change, one transaction. Included into each backend module.
//
// Lock order, the same in every transaction so two never wait on each other: the order row
// (conditional update), then product rows in ascending id, then the chain head (taken by the
// update that claims the chain's numbers, in each backend's `rows_stock_and_claim`). On
// PostgreSQL a new order's and its notifications' rows go in after the claim, in the same
// statement, so their foreign key checks lock (`FOR KEY SHARE`) the patient, territory and user
// rows while the head is held. No change updates those rows' keys or deletes them, so none locks
// them more strongly; a change that ever does must not then claim the head, or it could deadlock
// with a placement.
//
// A new order's lines go in after the stock update, although nothing else locks them: each line's
// foreign key check locks its product row (PostgreSQL's `FOR KEY SHARE`). Taken before the
// update, by many placements at once, those locks pile up on the same few rows as multixacts,
// which every later reader and updater of the row must unpack (they cost a sixth of PostgreSQL's
// time under 8 clients: docs/PERFORMANCE.md). Taken after it, the row is this transaction's
// already and the check adds no shared (multixact) lock.

use super::rows::*;
use super::{Conn, Db, append_tail, rows_stock_and_claim, schema};
use crate::error::TxError;
use crate::types::{DbTime, DbUuid};
use diesel::prelude::*;
use ordo_domain::audit::{AuditAction, seal};
use ordo_domain::ports::{Change, CommitError, Committed, UnitOfWork, Write};
use ordo_domain::stock::{Shortfall, StockOp};

impl UnitOfWork for Db {
    fn commit(&self, change: Change) -> Result<Committed, CommitError> {
        self.write(|conn| apply(conn, change)).map_err(TxError::into_commit)
    }
}

fn apply(conn: &mut Conn, mut change: Change) -> Result<Committed, TxError> {
    let mut committed = Committed::default();
    let mut fresh = NewRows::default();
    // Rows first: an order update that lost a race fails here, before anything else is done.
    for write in std::mem::take(&mut change.writes) {
        match apply_write(conn, write)? {
            Applied::Row => {}
            Applied::Product(id) => committed.product_id = Some(id),
            Applied::Order(order, items) => {
                fresh.orders.push(*order);
                fresh.lines.extend(items);
            }
        }
    }
    if let Some(rec) = &change.idempotency {
        use schema::idempotency_keys::dsl as k;
        // A key past its 24 h is free again, even before the purge has run.
        let now = change.audit.first().map_or(rec.expires_at, |a| a.at);
        diesel::delete(
            k::idempotency_keys
                .filter(k::user_id.eq(DbUuid(rec.user_id.as_uuid())))
                .filter(k::key.eq(&rec.key))
                .filter(k::expires_at.le(DbTime::of(now))),
        )
        .execute(conn)?;
        diesel::insert_into(k::idempotency_keys)
            .values(IdempotencyRow {
                user_id: DbUuid(rec.user_id.as_uuid()),
                key: rec.key.clone(),
                fingerprint: rec.fingerprint.clone(),
                order_id: DbUuid(rec.order_id.as_uuid()),
                expires_at: DbTime::of(rec.expires_at),
            })
            .execute(conn)?;
    }
    fresh.notifications = change.notifications.iter().map(NotificationRow::of).collect();
    // Stock late, followed only by the new order's lines (see the top of this file) and the
    // chain: product rows stay locked only for the rest of the transaction, which concurrent
    // orders for the same products wait on.
    let counts = ChainCounts {
        audit: row_count(change.audit.len())?,
        events: row_count(change.events.len())?,
    };
    if let Some(claim) = apply_rows_stock_and_claim(conn, fresh, &change.stock, counts)? {
        if let Some(id) = committed.product_id {
            for d in change.audit.iter_mut().filter(|d| d.action == AuditAction::ProductCreated) {
                d.entity_id = id.to_string();
            }
        }
        committed.last_event = append_chained(conn, change, counts, claim)?;
    }
    Ok(committed)
}

/// How many audit entries and events a change appends to the chain.
#[derive(Clone, Copy)]
pub(crate) struct ChainCounts {
    pub audit: i64,
    pub events: i64,
}

impl ChainCounts {
    pub(crate) fn any(self) -> bool {
        self.audit > 0 || self.events > 0
    }
}

/// A change's claim on the chain: the head's counters after it, and its hash before it.
pub(crate) struct Claim {
    pub audit_seq: i64,
    pub hash: String,
    pub event_seq: i64,
}

/// Writes the change's new rows, applies every stock operation as a conditional update, in
/// product order, and claims the chain (`rows_stock_and_claim`, in the order the comment at the
/// top of this file asks). If any operation cannot be applied, reports every one that could not
/// (the transaction then rolls back). The claim is there when the change appends to the chain.
fn apply_rows_stock_and_claim(
    conn: &mut Conn,
    fresh: NewRows,
    ops: &[StockOp],
    counts: ChainCounts,
) -> Result<Option<Claim>, TxError> {
    use schema::products::dsl as p;
    let mut ops = ops.to_vec();
    ops.sort_by_key(|op| op.product_id);
    let mut short = Vec::new();
    let (failed, claim) = rows_stock_and_claim(conn, fresh, &ops, counts)?;
    for at in failed {
        let Some(op) = ops.get(at) else { continue };
        let available: Option<i64> = p::products
            .filter(p::id.eq(op.product_id.get()))
            .select(p::stock_quantity - p::reserved_quantity)
            .get_result(conn)
            .optional()?;
        short.push(Shortfall {
            product_id: op.product_id,
            requested: op.quantity,
            available: available.unwrap_or(0),
        });
    }
    if short.is_empty() { Ok(claim) } else { Err(TxError::Commit(CommitError::Shortage(short))) }
}

/// What `apply_write` did, and what it left to do.
enum Applied {
    Row,
    /// A product inserted, with its new id.
    Product(ordo_domain::ids::ProductId),
    /// An order, to go in with the change's other new rows, and its lines (after the stock
    /// update).
    Order(Box<OrderRow>, Vec<ItemRow>),
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
            use schema::orders::dsl as o;
            let n = diesel::update(
                o::orders.filter(o::id.eq(DbUuid(order.id.as_uuid()))).filter(o::version.eq(expected_version)),
            )
            .set(OrderRow::of(&order))
            .execute(conn)?;
            if n == 0 {
                return Err(TxError::Commit(CommitError::StaleVersion));
            }
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

/// Seals the change's audit drafts onto the chain and numbers its events, under the head lock
/// its claim took; returns the last event number written.
///
/// One statement while the lock is held, then the commit: everything else of the change is
/// already written. On PostgreSQL the head row lock lasts until COMMIT and every other writer
/// queues on it, so each round trip made while holding it is paid by all of them (a lock convoy:
/// docs/PERFORMANCE.md).
fn append_chained(
    conn: &mut Conn,
    change: Change,
    counts: ChainCounts,
    claim: Claim,
) -> Result<Option<i64>, TxError> {
    // The claim gives the counters after it and the hash before this change's entries.
    let mut audit_seq = claim.audit_seq - counts.audit;
    let mut hash = claim.hash;
    let mut audit_rows = Vec::with_capacity(change.audit.len());
    for draft in change.audit {
        let entry = seal(draft, &hash);
        audit_seq += 1;
        hash.clone_from(&entry.hash);
        audit_rows.push(AuditRow::of(audit_seq, &entry));
    }
    let mut event_seq = claim.event_seq - counts.events;
    let event_rows: Vec<_> = change
        .events
        .iter()
        .map(|ev| {
            event_seq += 1;
            EventRow::of(event_seq, ev)
        })
        .collect();
    let last_event = (!event_rows.is_empty()).then_some(event_seq);
    // The entries, the events and the head's new hash: one statement on PostgreSQL.
    append_tail(conn, audit_rows, event_rows, &hash)?;
    Ok(last_event)
}

fn row_count(n: usize) -> Result<i64, TxError> {
    i64::try_from(n).map_err(|e| TxError::Store(ordo_domain::ports::StoreError::Other(e.to_string())))
}
