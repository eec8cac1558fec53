//! A change as one statement (`rows_stock_and_chain`): its rows as column arrays, the call of
//! `ordo_stock_claim_and_seal`, and the audit entries and events numbered and sealed from its
//! answer. Decision 0001 says why; `commit.rs` gives the lock order.

use super::{Backend, Conn, commit, rows};
use crate::types::{DbJson, DbTime, DbUuid};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types;

/// The message `ordo_stock_claim_and_seal` raises on a shortage (its DETAIL is
/// `position:available,…`, 1-based).
const SHORT_STOCK: &str = "ordo_short_stock";

/// The message `ordo_stock_claim_and_seal` raises when an order update found another version.
const STALE_VERSION: &str = "ordo_stale_version";

/// The message `ordo_stock_claim_and_seal` raises when the change's idempotency key is live.
const KEY_TAKEN: &str = "ordo_key_taken";

/// A create's idempotency key: inserted, or taking over the row of one that expired by `now`
/// (purged or not); answering a row unless the key is live.
struct KeyInsert {
    row: rows::IdempotencyRow,
    now: DbTime,
}

impl QueryFragment<Backend> for KeyInsert {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        use sql_types::{Text, Timestamptz, Uuid};
        out.push_sql(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, order_id, expires_at) VALUES (",
        );
        out.push_bind_param::<Uuid, _>(&self.row.user_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.row.key)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.row.fingerprint)?;
        out.push_sql(", ");
        out.push_bind_param::<Uuid, _>(&self.row.order_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamptz, _>(&self.row.expires_at)?;
        out.push_sql(
            ") ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, \
             order_id = EXCLUDED.order_id, expires_at = EXCLUDED.expires_at \
             WHERE idempotency_keys.expires_at <= ",
        );
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(" RETURNING 1");
        Ok(())
    }
}

/// A change's new rows, its stock operations (sorted by product), its claim on the chain, its
/// sealed audit entries and its numbered events in one statement, one round trip: `WITH` an
/// insert for each table that has rows, `c AS (SELECT … FROM ordo_stock_claim_and_seal(…))`,
/// the audit entries and events numbered and sealed from `c`, then `SELECT … FROM c`. On a
/// shortage the function raises, the statement keeps nothing, and every short operation is
/// reported. Returns the last event number written.
///
/// The order within the statement, by how PostgreSQL runs it: the main `SELECT` reads `c`, whose
/// call reads, among its arguments and in their order, the new rows' inserts (`w0`, `w1`, …
/// `RETURNING 1`), the order update (`upd`) and the idempotency key (`idem`), so those run first,
/// to completion — the inserts take no lock anyone else waits for, the update and the key each
/// lock one row of their own — and a lost race or a live key raises before any stock is
/// touched; then the function's conditional updates lock
/// the product rows (in product order) and the chain head; then the audit and event inserts
/// nobody reads run, each to completion; last, at the statement's end, the foreign key checks of
/// every new row — a line's on its product row, which this transaction holds already, so no
/// shared lock piles up there (`commit.rs`). Product rows and head stay locked until the commit:
/// for the function, the audit entries, the events and the checks, with no round trip to this
/// process (the entries are sealed in the statement) and, for a placement, none to COMMIT.
pub(crate) fn rows_stock_and_chain(
    conn: &mut Conn,
    fresh: rows::NewRows,
    ops: &[ordo_domain::stock::StockOp],
    chain: commit::Chain,
) -> Result<Option<i64>, crate::error::TxError> {
    let updates = i64::try_from(fresh.updates.len())
        .map_err(|e| ordo_domain::ports::StoreError::Other(e.to_string()))?;
    let order_updates = (updates > 0).then(|| OrderUpdates::of(fresh.updates));
    let key = fresh.idempotency.map(|(row, now)| KeyInsert { row, now });
    let mut inserts: Vec<Box<dyn QueryFragment<Backend>>> = Vec::new();
    if !fresh.orders.is_empty() {
        inserts.push(Box::new(OrderColumns::of(fresh.orders)));
    }
    if !fresh.notifications.is_empty() {
        inserts.push(Box::new(NotificationColumns::of(fresh.notifications)));
    }
    if !fresh.lines.is_empty() {
        inserts.push(Box::new(ItemColumns::of(fresh.lines)));
    }
    if order_updates.is_none()
        && key.is_none()
        && inserts.is_empty()
        && ops.is_empty()
        && chain.is_empty()
    {
        return Ok(None);
    }
    let n_events = i64::try_from(chain.events.len())
        .map_err(|e| ordo_domain::ports::StoreError::Other(e.to_string()))?;
    let statement = ChangeStatement {
        order_updates,
        updates,
        key,
        inserts,
        stock: StockOps::new(ops),
        audit: AuditColumns::of(&chain.audit),
        // An empty part is left out rather than inserted from empty arrays: the events'
        // statement-level trigger (NOTIFY ordo_events) would fire for zero rows.
        events: (!chain.events.is_empty()).then(|| EventColumns::of(&chain.events)),
        n_events,
    };
    match statement.get_result::<Option<i64>>(conn) {
        Ok(before) => Ok(before.filter(|_| n_events > 0).map(|b| b + n_events)),
        Err(diesel::result::Error::DatabaseError(_, info)) if info.message() == KEY_TAKEN => {
            Err(ordo_domain::ports::StoreError::Duplicate("idempotency_key".into()).into())
        }
        Err(diesel::result::Error::DatabaseError(_, info)) if info.message() == STALE_VERSION => {
            Err(crate::error::TxError::Commit(
                ordo_domain::ports::CommitError::StaleVersion,
            ))
        }
        Err(diesel::result::Error::DatabaseError(_, info)) if info.message() == SHORT_STOCK => {
            let short = parse_shortage(info.details().unwrap_or_default());
            Err(crate::error::TxError::Commit(commit::shortfalls(
                ops, short,
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// `1:3,3:0` (1-based positions and what each has available) as 0-based positions.
fn parse_shortage(detail: &str) -> Vec<(usize, i64)> {
    detail
        .split(',')
        .filter_map(|part| {
            let (at, available) = part.split_once(':')?;
            let at = at.trim().parse::<usize>().ok()?.checked_sub(1)?;
            Some((at, available.trim().parse().ok()?))
        })
        .collect()
}

/// A change's stock operations as the function's three arrays.
struct StockOps {
    ids: Vec<i64>,
    kinds: Vec<&'static str>,
    quantities: Vec<i64>,
}

impl StockOps {
    fn new(ops: &[ordo_domain::stock::StockOp]) -> Self {
        use ordo_domain::stock::StockOpKind;
        Self {
            ids: ops.iter().map(|op| op.product_id.get()).collect(),
            kinds: ops
                .iter()
                .map(|op| match op.kind {
                    StockOpKind::Reserve => "reserve",
                    StockOpKind::Release => "release",
                    StockOpKind::Consume => "consume",
                })
                .collect(),
            quantities: ops.iter().map(|op| i64::from(op.quantity.get())).collect(),
        }
    }
}

/// The statement of `rows_stock_and_chain`.
struct ChangeStatement {
    order_updates: Option<OrderUpdates>,
    /// How many orders `order_updates` updates when none has lost a race.
    updates: i64,
    key: Option<KeyInsert>,
    inserts: Vec<Box<dyn QueryFragment<Backend>>>,
    stock: StockOps,
    /// Empty when the change has no audit entry.
    audit: AuditColumns,
    events: Option<EventColumns>,
    n_events: i64,
}

impl Query for ChangeStatement {
    /// The events' counter before the change (NULL when the change appends nothing).
    type SqlType = sql_types::Nullable<sql_types::BigInt>;
}

impl QueryId for ChangeStatement {
    type QueryId = ();
    // The text depends only on which parts are present (every part takes its rows as one array
    // per column), so Diesel caches the prepared statement by its text: a placement's is parsed
    // and planned once per connection. Diesel's own multi-row insert has a text per number of
    // rows and is never cached: it was parsed and planned on every placement, a sixth of
    // PostgreSQL's time for one (docs/PERFORMANCE.md).
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Rows as one array per column, for `INSERT INTO table (…) SELECT * FROM unnest(…)`: the
/// statement has the same text whatever the number of rows. `$field: $type => $sql` lists every
/// field of the row (a missing one does not compile), each with its SQL type.
macro_rules! unnest_insert {
    ($name:ident, $row:path, $table:literal, { $($field:ident: $type:ty => $sql:ty),+ $(,)? }) => {
        #[derive(Default)]
        struct $name {
            $($field: Vec<$type>,)+
        }

        impl $name {
            fn of(rows: Vec<$row>) -> Self {
                let mut c = Self::default();
                for row in rows {
                    // Every field, so that a column added to the row cannot be left out here.
                    let $row { $($field),+ } = row;
                    $(c.$field.push($field);)+
                }
                c
            }
        }

        impl $name {
            /// The table's columns, in the order of the arrays.
            const COLUMNS: &[&str] = &[$(stringify!($field)),+];

            /// The arrays, one bind parameter each, separated by commas.
            fn walk_arrays<'b>(&'b self, out: &mut AstPass<'_, 'b, Backend>) -> QueryResult<()> {
                let mut first = true;
                $(
                    if !std::mem::take(&mut first) {
                        out.push_sql(", ");
                    }
                    out.push_bind_param::<sql_types::Array<$sql>, _>(&self.$field)?;
                )+
                Ok(())
            }
        }

        impl QueryFragment<Backend> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
                out.push_sql(concat!("INSERT INTO ", $table, " ("));
                out.push_sql(&Self::COLUMNS.join(", "));
                out.push_sql(") SELECT * FROM unnest(");
                self.walk_arrays(&mut out)?;
                out.push_sql(")");
                Ok(())
            }
        }
    };
}

unnest_insert!(OrderColumns, rows::OrderRow, "orders", {
    id: DbUuid => sql_types::Uuid,
    tracking_id: String => sql_types::Text,
    patient_id: DbUuid => sql_types::Uuid,
    territory_id: String => sql_types::Text,
    created_by: DbUuid => sql_types::Uuid,
    provider_id: Option<String> => sql_types::Nullable<sql_types::Text>,
    physician_name: Option<String> => sql_types::Nullable<sql_types::Text>,
    service_type: Option<String> => sql_types::Nullable<sql_types::Text>,
    priority: String => sql_types::Text,
    insurance_info: Option<DbJson> => sql_types::Nullable<sql_types::Jsonb>,
    shipping_address: Option<DbJson> => sql_types::Nullable<sql_types::Jsonb>,
    total_minor: i64 => sql_types::BigInt,
    status: String => sql_types::Text,
    notes: Option<String> => sql_types::Nullable<sql_types::Text>,
    verification_data: Option<DbJson> => sql_types::Nullable<sql_types::Jsonb>,
    version: i64 => sql_types::BigInt,
    created_at: DbTime => sql_types::Timestamptz,
    updated_at: DbTime => sql_types::Timestamptz,
});

/// Orders updated on the version each was computed from: `UPDATE orders … FROM unnest(…)`,
/// answering a row for each that was still at that version.
struct OrderUpdates {
    rows: OrderColumns,
    expected_version: Vec<i64>,
}

impl OrderUpdates {
    fn of(updates: Vec<(rows::OrderRow, i64)>) -> Self {
        let (rows, expected_version): (Vec<_>, Vec<_>) = updates.into_iter().unzip();
        Self {
            rows: OrderColumns::of(rows),
            expected_version,
        }
    }
}

impl QueryFragment<Backend> for OrderUpdates {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        let columns = OrderColumns::COLUMNS;
        let set: Vec<String> = columns
            .iter()
            .filter(|c| **c != "id")
            .map(|c| format!("{c} = r.{c}"))
            .collect();
        out.push_sql("UPDATE orders AS t SET ");
        out.push_sql(&set.join(", "));
        out.push_sql(" FROM unnest(");
        self.rows.walk_arrays(&mut out)?;
        out.push_sql(", ");
        out.push_bind_param::<sql_types::Array<sql_types::BigInt>, _>(&self.expected_version)?;
        out.push_sql(&format!(
            ") AS r ({}, expected_version)",
            columns.join(", ")
        ));
        out.push_sql(" WHERE t.id = r.id AND t.version = r.expected_version RETURNING 1");
        Ok(())
    }
}

unnest_insert!(ItemColumns, rows::ItemRow, "order_items", {
    order_id: DbUuid => sql_types::Uuid,
    line_no: i32 => sql_types::Integer,
    product_id: i64 => sql_types::BigInt,
    product_name: String => sql_types::Text,
    quantity: i32 => sql_types::Integer,
    unit_price_minor: i64 => sql_types::BigInt,
    subtotal_minor: i64 => sql_types::BigInt,
});

unnest_insert!(NotificationColumns, rows::NotificationRow, "notifications", {
    id: DbUuid => sql_types::Uuid,
    recipient_kind: String => sql_types::Text,
    recipient_id: DbUuid => sql_types::Uuid,
    territory_id: Option<String> => sql_types::Nullable<sql_types::Text>,
    event: String => sql_types::Text,
    channel: String => sql_types::Text,
    message: String => sql_types::Text,
    status: String => sql_types::Text,
    attempts: i32 => sql_types::Integer,
    next_attempt_at: Option<DbTime> => sql_types::Nullable<sql_types::Timestamptz>,
    claimed_until: Option<DbTime> => sql_types::Nullable<sql_types::Timestamptz>,
    last_error: Option<String> => sql_types::Nullable<sql_types::Text>,
    created_at: DbTime => sql_types::Timestamptz,
    sent_at: Option<DbTime> => sql_types::Nullable<sql_types::Timestamptz>,
    acknowledged_at: Option<DbTime> => sql_types::Nullable<sql_types::Timestamptz>,
});

impl RunQueryDsl<Conn> for ChangeStatement {}

impl QueryFragment<Backend> for ChangeStatement {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        use sql_types::{Array, BigInt, Bytea, Text};
        out.push_sql("WITH ");
        if let Some(updates) = &self.order_updates {
            out.push_sql("upd AS (");
            updates.walk_ast(out.reborrow())?;
            out.push_sql("), ");
        }
        if let Some(key) = &self.key {
            out.push_sql("idem AS (");
            key.walk_ast(out.reborrow())?;
            out.push_sql("), ");
        }
        for (at, insert) in self.inserts.iter().enumerate() {
            out.push_sql(&format!("w{at} AS ("));
            insert.walk_ast(out.reborrow())?;
            out.push_sql(" RETURNING 1), ");
        }
        // Read by the main statement and by the audit and event inserts: run once, first.
        out.push_sql("c AS MATERIALIZED (SELECT * FROM ordo_stock_claim_and_seal(");
        out.push_bind_param::<Array<BigInt>, _>(&self.stock.ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.stock.kinds)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.stock.quantities)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Bytea>, _>(&self.audit.link)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.n_events)?;
        // The rows inserted first: reading them here runs those inserts before the call.
        out.push_sql(", 0");
        for at in 0..self.inserts.len() {
            out.push_sql(&format!(" + (SELECT count(*) FROM w{at})"));
        }
        // The order updates, also run before the call, and how many took place.
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.updates)?;
        out.push_sql(if self.order_updates.is_some() {
            ", (SELECT count(*) FROM upd)"
        } else {
            ", 0"
        });
        // The key, run before the call too, and whether it was written.
        out.push_sql(if self.key.is_some() {
            ", 1, (SELECT count(*) FROM idem)"
        } else {
            ", 0, 0"
        });
        out.push_sql("))");
        if !self.audit.link.is_empty() {
            out.push_sql(", a AS (");
            self.audit.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        if let Some(events) = &self.events {
            out.push_sql(", e AS (");
            events.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        out.push_sql(" SELECT events_before FROM c");
        Ok(())
    }
}

/// Audit drafts as column arrays, for `INSERT … SELECT … FROM unnest(…) WITH ORDINALITY`: the
/// statement numbers and seals them (`ordo_stock_claim_and_seal`).
#[derive(Default)]
struct AuditColumns {
    link: Vec<Vec<u8>>,
    id: Vec<DbUuid>,
    at: Vec<DbTime>,
    actor: Vec<Option<DbUuid>>,
    action: Vec<String>,
    entity_type: Vec<String>,
    entity_id: Vec<String>,
    territory_id: Vec<Option<String>>,
    from_status: Vec<Option<String>>,
    to_status: Vec<Option<String>>,
    notes: Vec<Option<String>>,
    data: Vec<DbJson>,
}

impl AuditColumns {
    fn of(drafts: &[ordo_domain::audit::AuditDraft]) -> Self {
        let mut c = Self::default();
        for d in drafts {
            c.link.push(ordo_domain::audit::link_input(d));
            let r = rows::AuditRow::of_draft(0, d, String::new(), String::new());
            c.id.push(r.id);
            c.at.push(r.at);
            c.actor.push(r.actor);
            c.action.push(r.action);
            c.entity_type.push(r.entity_type);
            c.entity_id.push(r.entity_id);
            c.territory_id.push(r.territory_id);
            c.from_status.push(r.from_status);
            c.to_status.push(r.to_status);
            c.notes.push(r.notes);
            c.data.push(r.data);
        }
        c
    }

    /// The insert, numbered on from the head's counter and sealed by the claim `c`.
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        use sql_types::{Array, Jsonb, Nullable, Text, Timestamptz, Uuid};
        // The parameters' types (uuid[], timestamptz[], jsonb[], …) are sent with the
        // statement, so no casts are needed.
        out.push_sql(
            "INSERT INTO audit_log (seq, id, at, actor, action, entity_type, entity_id, \
             territory_id, from_status, to_status, notes, data, prev_hash, hash) \
             SELECT c.audit_before + u.n, u.id, u.at, u.actor, u.action, u.entity_type, \
             u.entity_id, u.territory_id, u.from_status, u.to_status, u.notes, u.data, \
             c.prev_hashes[u.n], c.hashes[u.n] FROM c, unnest(",
        );
        out.push_bind_param::<Array<Uuid>, _>(&self.id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Uuid>>, _>(&self.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.action)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.entity_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.entity_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.territory_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.from_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.to_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.notes)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Jsonb>, _>(&self.data)?;
        out.push_sql(
            ") WITH ORDINALITY AS u (id, at, actor, action, entity_type, entity_id, territory_id, \
             from_status, to_status, notes, data, n)",
        );
        Ok(())
    }
}

/// Events as column arrays, for `INSERT … SELECT … FROM unnest(…) WITH ORDINALITY`: the
/// statement numbers them on from the head's counter, as claimed by `c`.
#[derive(Default)]
struct EventColumns {
    at: Vec<DbTime>,
    territory_id: Vec<Option<String>>,
    recipient_kind: Vec<Option<String>>,
    recipient_id: Vec<Option<DbUuid>>,
    payload: Vec<DbJson>,
}

impl EventColumns {
    fn of(events: &[ordo_domain::event::NewEvent]) -> Self {
        let mut c = Self::default();
        for e in events {
            let r = rows::EventRow::of(0, e);
            c.at.push(r.at);
            c.territory_id.push(r.territory_id);
            c.recipient_kind.push(r.recipient_kind);
            c.recipient_id.push(r.recipient_id);
            c.payload.push(r.payload);
        }
        c
    }

    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        use sql_types::{Array, Jsonb, Nullable, Text, Timestamptz, Uuid};
        out.push_sql(
            "INSERT INTO events (seq, at, territory_id, recipient_kind, recipient_id, payload) \
             SELECT c.events_before + u.n, u.at, u.territory_id, u.recipient_kind, \
             u.recipient_id, u.payload FROM c, unnest(",
        );
        out.push_bind_param::<Array<Timestamptz>, _>(&self.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.territory_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.recipient_kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Uuid>>, _>(&self.recipient_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Jsonb>, _>(&self.payload)?;
        out.push_sql(
            ") WITH ORDINALITY AS u (at, territory_id, recipient_kind, recipient_id, payload, n)",
        );
        Ok(())
    }
}
