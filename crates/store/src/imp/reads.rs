// The read side of every repository port but the event log (`events.rs`). Included into each
// backend module.

use super::rows::*;
use super::{Backend, Conn, Db, schema};
use crate::error::TxError;
use crate::types::{DbTime, DbUuid};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use ordo_domain::audit::{AuditEntry, ChainBreak, ChainVerifier, EntityType};
use ordo_domain::auth::{Role, TerritoryScope};
use ordo_domain::catalogue::{Product, Sku};
use ordo_domain::contact::Email;
use ordo_domain::ids::{OrderId, PatientCode, PatientId, ProductId, TerritoryId, TrackingId, UserId};
use ordo_domain::money::Money;
use ordo_domain::notification::Recipient;
use ordo_domain::order::query::{OrderQuery, Page};
use ordo_domain::order::{Order, OrderStatus, Priority};
use ordo_domain::people::{PasswordHash, Patient, Territory, User};
use ordo_domain::ports::*;
use ordo_domain::time::Timestamp;
use std::collections::BTreeMap;

pub(crate) fn limit_offset(page: Page) -> (i64, i64) {
    (i64::from(page.limit()), i64::try_from(page.offset()).unwrap_or(i64::MAX))
}

fn scope_ids(scope: &TerritoryScope) -> Option<Vec<String>> {
    match scope {
        TerritoryScope::All => None,
        TerritoryScope::Only(set) => Some(set.iter().map(|t| t.as_str().to_owned()).collect()),
    }
}

fn total(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Loads the lines of `orders` and assembles them, keeping the orders' order.
fn with_items(conn: &mut Conn, rows: Vec<OrderRow>) -> QueryResult<Vec<(OrderRow, Vec<ItemRow>)>> {
    use schema::order_items::dsl as i;
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut items: BTreeMap<uuid::Uuid, Vec<ItemRow>> = BTreeMap::new();
    for item in i::order_items
        .filter(i::order_id.eq_any(&ids))
        .order((i::order_id, i::line_no))
        .select(ItemRow::as_select())
        .load(conn)?
    {
        items.entry(item.order_id.0).or_default().push(item);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let lines = items.remove(&r.id.0).unwrap_or_default();
            (r, lines)
        })
        .collect())
}

/// Which order to read: by id or by tracking id, both unique.
enum OrderKey<'a> {
    Id(DbUuid),
    Tracking(&'a str),
}

/// The order `key` names and its lines, in one query: each row is the order beside one of its
/// lines, in line order (an order without lines gives one row). One round trip instead of
/// two, which on PostgreSQL is most of what reading an order costs.
fn order_with_lines(
    conn: &mut Conn,
    key: OrderKey<'_>,
) -> QueryResult<Vec<(OrderRow, Option<ItemRow>)>> {
    use schema::order_items::dsl as i;
    use schema::orders::dsl as o;
    let query = o::orders.left_join(i::order_items).into_boxed();
    let query = match key {
        OrderKey::Id(id) => query.filter(o::id.eq(id)),
        OrderKey::Tracking(t) => query.filter(o::tracking_id.eq(t)),
    };
    query
        .order(i::line_no)
        .select((OrderRow::as_select(), Option::<ItemRow>::as_select()))
        .load(conn)
}

/// The order of `order_with_lines`'s rows, if there was one.
fn one_order(rows: Vec<(OrderRow, Option<ItemRow>)>) -> StoreResult<Option<Order>> {
    let mut rows = rows.into_iter();
    let Some((order, first)) = rows.next() else {
        return Ok(None);
    };
    let lines = first.into_iter().chain(rows.filter_map(|(_, line)| line)).collect();
    order.into_domain(lines).map(Some)
}

fn assemble(pairs: Vec<(OrderRow, Vec<ItemRow>)>) -> StoreResult<Vec<Order>> {
    pairs.into_iter().map(|(o, items)| o.into_domain(items)).collect()
}

fn filtered_orders<'a>(q: &'a OrderQuery) -> schema::orders::BoxedQuery<'a, Backend> {
    use schema::orders::dsl as o;
    let f = &q.filter;
    let mut query = o::orders.into_boxed();
    if let Some(ids) = scope_ids(&q.scope) {
        query = query.filter(o::territory_id.eq_any(ids));
    }
    if let Some(p) = q.patient {
        query = query.filter(o::patient_id.eq(DbUuid(p.as_uuid())));
    }
    if let Some(s) = f.status {
        query = query.filter(o::status.eq(s.as_str()));
    }
    if let Some(t) = &f.territory_id {
        query = query.filter(o::territory_id.eq(t.as_str()));
    }
    if let Some(p) = f.patient_id {
        query = query.filter(o::patient_id.eq(DbUuid(p.as_uuid())));
    }
    if let Some(u) = f.created_by {
        query = query.filter(o::created_by.eq(DbUuid(u.as_uuid())));
    }
    if let Some(p) = f.priority {
        query = query.filter(o::priority.eq(p.as_str()));
    }
    if let Some(t) = f.created_from {
        query = query.filter(o::created_at.ge(DbTime::of(t)));
    }
    if let Some(t) = f.created_to {
        query = query.filter(o::created_at.le(DbTime::of(t)));
    }
    if let Some(m) = f.min_amount {
        query = query.filter(o::total_minor.ge(m.minor()));
    }
    if let Some(m) = f.max_amount {
        query = query.filter(o::total_minor.le(m.minor()));
    }
    query
}

impl OrderRepository for Db {
    fn get(&self, id: OrderId) -> StoreResult<Option<Order>> {
        let key = OrderKey::Id(DbUuid(id.as_uuid()));
        one_order(self.read(|c| order_with_lines(c, key))?)
    }

    fn get_by_tracking(&self, tracking: &TrackingId) -> StoreResult<Option<Order>> {
        let key = OrderKey::Tracking(tracking.as_str());
        one_order(self.read(|c| order_with_lines(c, key))?)
    }

    fn list(&self, query: &OrderQuery) -> StoreResult<Listing<Order>> {
        use schema::orders::dsl as o;
        let (limit, offset) = limit_offset(query.page);
        let (pairs, n) = self.read(|c| {
            let n: i64 = filtered_orders(query).count().get_result(c)?;
            let rows = filtered_orders(query)
                .order((o::created_at.desc(), o::id.desc()))
                .limit(limit)
                .offset(offset)
                .select(OrderRow::as_select())
                .load(c)?;
            Ok((with_items(c, rows)?, n))
        })?;
        Ok(Listing { rows: assemble(pairs)?, total: total(n) })
    }

    fn figures(&self, scope: &TerritoryScope) -> StoreResult<BTreeMap<TerritoryId, TerritoryOrderFigures>> {
        use schema::audit_log::dsl as a;
        use schema::orders::dsl as o;
        let ids = scope_ids(scope);
        let (orders, verified) = self.read(|c| {
            let mut q = o::orders.into_boxed();
            if let Some(ids) = &ids {
                q = q.filter(o::territory_id.eq_any(ids));
            }
            let orders: Vec<(DbUuid, String, String, String, i64, DbTime)> = q
                .select((o::id, o::territory_id, o::status, o::priority, o::total_minor, o::created_at))
                .load(c)?;
            let verified: Vec<(String, DbTime)> = a::audit_log
                .filter(a::entity_type.eq(EntityType::Order.as_str()))
                .filter(a::to_status.eq(OrderStatus::Verified.as_str()))
                .order(a::seq.asc())
                .select((a::entity_id, a::at))
                .load(c)?;
            Ok((orders, verified))
        })?;
        let mut first_verified: BTreeMap<String, DbTime> = BTreeMap::new();
        for (id, at) in verified {
            first_verified.entry(id).or_insert(at);
        }
        let mut out: BTreeMap<TerritoryId, TerritoryOrderFigures> = BTreeMap::new();
        for (id, territory, status, priority, total_minor, created) in orders {
            let (Ok(t), Ok(s), Ok(p)) =
                (TerritoryId::parse(&territory), OrderStatus::parse(&status), Priority::parse(&priority))
            else {
                continue;
            };
            let f = out.entry(t).or_default();
            *f.by_status.entry(s).or_insert(0) += 1;
            *f.by_priority.entry(p).or_insert(0) += 1;
            if !matches!(s, OrderStatus::Cancelled | OrderStatus::Rejected) {
                let amount = Money::from_minor(total_minor).unwrap_or(Money::ZERO);
                f.total_amount = f.total_amount.checked_add(amount).unwrap_or(f.total_amount);
            }
            if let Some(at) = first_verified.get(&id.0.hyphenated().to_string()) {
                f.seconds_to_verify.push((at.0 - created.0) / 1_000_000);
            }
        }
        Ok(out)
    }

    fn held_by_orders(&self) -> StoreResult<BTreeMap<ProductId, i64>> {
        use schema::order_items::dsl as i;
        use schema::orders::dsl as o;
        let holding = [OrderStatus::PendingVerification.as_str(), OrderStatus::Verified.as_str()];
        let rows: Vec<(i64, i32)> = self.read(|c| {
            i::order_items
                .inner_join(o::orders)
                .filter(o::status.eq_any(holding))
                .select((i::product_id, i::quantity))
                .load(c)
        })?;
        let mut out = BTreeMap::new();
        for (p, q) in rows {
            if let Ok(p) = ProductId::new(p) {
                *out.entry(p).or_insert(0) += i64::from(q);
            }
        }
        Ok(out)
    }
}

impl ProductRepository for Db {
    fn get(&self, id: ProductId) -> StoreResult<Option<Product>> {
        use schema::products::dsl as p;
        self.read(|c| p::products.find(id.get()).select(ProductRow::as_select()).get_result(c).optional())?
            .map(ProductRow::into_domain)
            .transpose()
    }

    fn get_many(&self, ids: &[ProductId]) -> StoreResult<Vec<Product>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        self.read(|c| super::products_by_ids(c, &ids))?
            .into_iter()
            .map(ProductRow::into_domain)
            .collect()
    }

    // Names are not unique: the oldest product of that name wins, so this one needs its LIMIT
    // (and pays a re-prepare on SQLite; it serves only the compatibility routes' free text).
    #[allow(clippy::disallowed_methods)]
    fn find_by_sku_or_name(&self, text: &str) -> StoreResult<Option<Product>> {
        use schema::products::dsl as p;
        let sku = Sku::parse(text).map(|s| s.as_str().to_owned()).unwrap_or_default();
        let name = text.trim().to_owned();
        self.read(|c| {
            let by_sku = p::products
                .filter(p::sku.eq(&sku))
                .select(ProductRow::as_select())
                .get_result(c)
                .optional()?;
            match by_sku {
                Some(row) => Ok(Some(row)),
                None => p::products
                    .filter(sql::<Bool>("lower(name) = lower(").bind::<Text, _>(&name).sql(")"))
                    .order(p::id.asc())
                    .select(ProductRow::as_select())
                    .first(c)
                    .optional(),
            }
        })?
        .map(ProductRow::into_domain)
        .transpose()
    }

    fn list(&self, page: Page) -> StoreResult<Listing<Product>> {
        use schema::products::dsl as p;
        let (limit, offset) = limit_offset(page);
        let (rows, n) = self.read(|c| {
            let n: i64 = p::products.count().get_result(c)?;
            let rows = p::products
                .order(p::id.asc())
                .limit(limit)
                .offset(offset)
                .select(ProductRow::as_select())
                .load(c)?;
            Ok((rows, n))
        })?;
        Ok(Listing {
            rows: rows.into_iter().map(ProductRow::into_domain).collect::<StoreResult<_>>()?,
            total: total(n),
        })
    }

    fn all(&self) -> StoreResult<Vec<Product>> {
        use schema::products::dsl as p;
        self.read(|c| p::products.order(p::id.asc()).select(ProductRow::as_select()).load(c))?
            .into_iter()
            .map(ProductRow::into_domain)
            .collect()
    }
}

impl PatientRepository for Db {
    fn get(&self, id: PatientId) -> StoreResult<Option<Patient>> {
        use schema::patients::dsl as p;
        self.read(|c| {
            p::patients.find(DbUuid(id.as_uuid())).select(PatientRow::as_select()).get_result(c).optional()
        })?
        .map(PatientRow::into_domain)
        .transpose()
    }

    fn with_context(&self, id: PatientId) -> StoreResult<Option<PatientContext>> {
        let (kind, key) = super::outbox::recipient_key(Recipient::Patient(id));
        let rows = self.read(|c| super::context::context_rows(c, kind, key, &[]))?;
        rows.into_iter().next().map(|(p, t, prefs, _)| super::context::patient_context(p, t, prefs)).transpose()
    }

    fn get_by_code(&self, code: &PatientCode) -> StoreResult<Option<Patient>> {
        use schema::patients::dsl as p;
        self.read(|c| {
            p::patients.filter(p::code.eq(code.as_str())).select(PatientRow::as_select()).get_result(c).optional()
        })?
        .map(PatientRow::into_domain)
        .transpose()
    }

    fn list(&self, scope: &TerritoryScope, page: Page) -> StoreResult<Listing<Patient>> {
        use schema::patients::dsl as p;
        let (limit, offset) = limit_offset(page);
        let ids = scope_ids(scope);
        let (rows, n) = self.read(|c| {
            let scoped = || {
                let mut q = p::patients.into_boxed::<Backend>();
                if let Some(ids) = &ids {
                    q = q.filter(p::territory_id.eq_any(ids.clone()));
                }
                q
            };
            let n: i64 = scoped().count().get_result(c)?;
            let rows = scoped()
                .order(p::code.asc())
                .limit(limit)
                .offset(offset)
                .select(PatientRow::as_select())
                .load(c)?;
            Ok((rows, n))
        })?;
        Ok(Listing {
            rows: rows.into_iter().map(PatientRow::into_domain).collect::<StoreResult<_>>()?,
            total: total(n),
        })
    }
}

fn territories_of(conn: &mut Conn, ids: &[DbUuid]) -> QueryResult<BTreeMap<uuid::Uuid, Vec<String>>> {
    use schema::user_territories::dsl as ut;
    let mut out: BTreeMap<uuid::Uuid, Vec<String>> = BTreeMap::new();
    for (u, t) in ut::user_territories
        .filter(ut::user_id.eq_any(ids))
        .order((ut::user_id, ut::territory_id))
        .select((ut::user_id, ut::territory_id))
        .load::<(DbUuid, String)>(conn)?
    {
        out.entry(u.0).or_default().push(t);
    }
    Ok(out)
}

fn users_with_territories(conn: &mut Conn, rows: Vec<UserRow>) -> QueryResult<Vec<(UserRow, Vec<String>)>> {
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut ts = territories_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = ts.remove(&r.id.0).unwrap_or_default();
            (r, t)
        })
        .collect())
}

impl UserRepository for Db {
    fn get(&self, id: UserId) -> StoreResult<Option<User>> {
        use schema::users::dsl as u;
        let found = self.read(|c| {
            let row = u::users.find(DbUuid(id.as_uuid())).select(UserRow::as_select()).get_result(c).optional()?;
            row.map(|r| users_with_territories(c, vec![r])).transpose()
        })?;
        found.unwrap_or_default().into_iter().next().map(|(r, t)| r.into_domain(t)).transpose()
    }

    fn credentials(&self, email: &Email) -> StoreResult<Option<(User, PasswordHash)>> {
        use schema::users::dsl as u;
        let found = self.read(|c| {
            let row = u::users
                .filter(u::email.eq(email.as_str()))
                .select(UserRow::as_select())
                .get_result(c)
                .optional()?;
            row.map(|r| users_with_territories(c, vec![r])).transpose()
        })?;
        found
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(|(r, t)| {
                let hash = PasswordHash::new(r.password_hash.clone());
                r.into_domain(t).map(|user| (user, hash))
            })
            .transpose()
    }

    fn list(&self, page: Page) -> StoreResult<Listing<User>> {
        use schema::users::dsl as u;
        let (limit, offset) = limit_offset(page);
        let (rows, n) = self.read(|c| {
            let n: i64 = u::users.count().get_result(c)?;
            let rows = u::users
                .order(u::email.asc())
                .limit(limit)
                .offset(offset)
                .select(UserRow::as_select())
                .load(c)?;
            Ok((users_with_territories(c, rows)?, n))
        })?;
        Ok(Listing {
            rows: rows.into_iter().map(|(r, t)| r.into_domain(t)).collect::<StoreResult<_>>()?,
            total: total(n),
        })
    }

    fn in_territory(&self, territory: &TerritoryId, role: Role) -> StoreResult<Vec<UserId>> {
        use schema::user_territories::dsl as ut;
        use schema::users::dsl as u;
        let ids: Vec<DbUuid> = self.read(|c| {
            u::users
                .inner_join(ut::user_territories)
                .filter(ut::territory_id.eq(territory.as_str()))
                .filter(u::role.eq(role.as_str()))
                .filter(u::active.eq(true))
                .select(u::id)
                .load(c)
        })?;
        Ok(ids.into_iter().map(|i| UserId::from_uuid(i.0)).collect())
    }

    fn any(&self) -> StoreResult<bool> {
        use schema::users::dsl as u;
        let n: i64 = self.read(|c| u::users.count().get_result(c))?;
        Ok(n > 0)
    }
}

impl TerritoryRepository for Db {
    fn get(&self, id: &TerritoryId) -> StoreResult<Option<Territory>> {
        use schema::territories::dsl as t;
        self.read(|c| t::territories.find(id.as_str()).select(TerritoryRow::as_select()).get_result(c).optional())?
            .map(TerritoryRow::into_domain)
            .transpose()
    }

    fn list(&self) -> StoreResult<Vec<Territory>> {
        use schema::territories::dsl as t;
        self.read(|c| t::territories.order(t::id.asc()).select(TerritoryRow::as_select()).load(c))?
            .into_iter()
            .map(TerritoryRow::into_domain)
            .collect()
    }
}

/// Rows per round trip when the whole chain is walked.
const VERIFY_CHUNK: i64 = 2000;

impl AuditLog for Db {
    fn history(&self, entity_type: EntityType, entity_id: &str) -> StoreResult<Vec<AuditEntry>> {
        use schema::audit_log::dsl as a;
        self.read(|c| {
            a::audit_log
                .filter(a::entity_type.eq(entity_type.as_str()))
                .filter(a::entity_id.eq(entity_id))
                .order(a::seq.asc())
                .select(AuditRow::as_select())
                .load(c)
        })?
        .into_iter()
        .map(AuditRow::into_domain)
        .collect()
    }

    fn list(&self, filter: &AuditFilter, page: Page) -> StoreResult<Listing<AuditEntry>> {
        use schema::audit_log::dsl as a;
        let (limit, offset) = limit_offset(page);
        let filtered = || {
            let mut q = a::audit_log.into_boxed::<Backend>();
            if let Some(t) = filter.entity_type {
                q = q.filter(a::entity_type.eq(t.as_str()));
            }
            if let Some(id) = &filter.entity_id {
                q = q.filter(a::entity_id.eq(id.clone()));
            }
            if let Some(actor) = filter.actor {
                q = q.filter(a::actor.eq(DbUuid(actor.as_uuid())));
            }
            if let Some(t) = &filter.territory_id {
                q = q.filter(a::territory_id.eq(t.as_str().to_owned()));
            }
            q
        };
        let (rows, n) = self.read(|c| {
            let n: i64 = filtered().count().get_result(c)?;
            let rows = filtered()
                .order(a::seq.desc())
                .limit(limit)
                .offset(offset)
                .select(AuditRow::as_select())
                .load(c)?;
            Ok((rows, n))
        })?;
        Ok(Listing {
            rows: rows.into_iter().map(AuditRow::into_domain).collect::<StoreResult<_>>()?,
            total: total(n),
        })
    }

    fn verify(&self) -> StoreResult<Result<usize, ChainBreak>> {
        use schema::audit_log::dsl as a;
        use schema::chain_head::dsl as h;
        let recorded: String =
            self.read(|c| h::chain_head.filter(h::id.eq(1)).select(h::audit_hash).get_result(c))?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0i64;
        let mut last_id = None;
        loop {
            let rows: Vec<AuditRow> = self.read(|c| {
                a::audit_log
                    .filter(a::seq.gt(after))
                    .order(a::seq.asc())
                    .limit(VERIFY_CHUNK)
                    .select(AuditRow::as_select())
                    .load(c)
            })?;
            let Some(last) = rows.last().map(|r| r.seq) else {
                return Ok(verifier.finish(&recorded, last_id));
            };
            for row in rows {
                let entry = row.into_domain()?;
                if let Err(broken) = verifier.push(&entry) {
                    return Ok(Err(broken));
                }
                last_id = Some(entry.draft.id);
            }
            after = last;
        }
    }
}

impl IdempotencyStore for Db {
    fn find(&self, user: UserId, key: &str, now: Timestamp) -> StoreResult<Option<IdempotencyRecord>> {
        use schema::idempotency_keys::dsl as k;
        let row = self.read(|c| {
            let found = k::idempotency_keys
                .filter(k::user_id.eq(DbUuid(user.as_uuid())))
                .filter(k::key.eq(key))
                .filter(k::expires_at.gt(DbTime::of(now)))
                .select(IdempotencyRow::as_select())
                .get_result(c)
                .optional()?;
            // A replay answers 201: the order it names must be durable (`pg.rs`, `write`).
            if found.is_some() {
                self.settled(c)?;
            }
            Ok(found)
        })?;
        Ok(row.map(|r| IdempotencyRecord {
            key: r.key,
            user_id: UserId::from_uuid(r.user_id.0),
            fingerprint: r.fingerprint,
            order_id: OrderId::from_uuid(r.order_id.0),
            expires_at: r.expires_at.get(),
        }))
    }

    fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        use schema::idempotency_keys::dsl as k;
        self.write(|c| -> Result<usize, TxError> {
            Ok(diesel::delete(k::idempotency_keys.filter(k::expires_at.le(DbTime::of(now)))).execute(c)?)
        })
        .map(|n| n as u64)
        .map_err(TxError::into_store)
    }
}

impl RevokedTokens for Db {
    fn revoke(&self, jti: &str, until: Timestamp) -> StoreResult<()> {
        use schema::revoked_tokens::dsl as r;
        let now = DbTime::of(crate::now());
        self.write(|c| -> Result<(), TxError> {
            diesel::insert_into(r::revoked_tokens)
                .values((r::jti.eq(jti), r::expires_at.eq(DbTime::of(until)), r::revoked_at.eq(now)))
                .on_conflict_do_nothing()
                .execute(c)?;
            Ok(())
        })
        .map_err(TxError::into_store)
    }

    fn revoked_since(&self, since: Timestamp, now: Timestamp) -> StoreResult<Vec<(String, Timestamp)>> {
        use schema::revoked_tokens::dsl as r;
        let rows: Vec<(String, DbTime)> = self.read(|c| {
            r::revoked_tokens
                .filter(r::revoked_at.ge(DbTime::of(since)))
                .filter(r::expires_at.gt(DbTime::of(now)))
                .select((r::jti, r::expires_at))
                .load(c)
        })?;
        Ok(rows.into_iter().map(|(j, t)| (j, t.get())).collect())
    }

    fn is_revoked(&self, jti: &str) -> StoreResult<bool> {
        use schema::revoked_tokens::dsl as r;
        let n: i64 = self.read(|c| r::revoked_tokens.filter(r::jti.eq(jti)).count().get_result(c))?;
        Ok(n > 0)
    }

    fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        use schema::revoked_tokens::dsl as r;
        self.write(|c| -> Result<usize, TxError> {
            Ok(diesel::delete(r::revoked_tokens.filter(r::expires_at.le(DbTime::of(now)))).execute(c)?)
        })
        .map(|n| n as u64)
        .map_err(TxError::into_store)
    }
}
