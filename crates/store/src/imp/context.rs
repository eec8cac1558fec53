// A patient's context, alone or with a placement's products, in one statement. Included into
// each backend module.

use super::rows::*;
use super::{Backend, Conn, Db, schema};
use crate::types::{DbJson, DbUuid};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use ordo_domain::ids::{PatientId, ProductId};
use ordo_domain::notification::Recipient;
use ordo_domain::ports::{PatientContext, PlacementContext, PlacementReads, StoreResult};

/// A patient's context as read.
pub(crate) fn patient_context(
    patient: PatientRow,
    territory: Option<TerritoryRow>,
    prefs: Option<DbJson>,
) -> StoreResult<PatientContext> {
    Ok(PatientContext {
        patient: patient.into_domain()?,
        territory: territory.map(TerritoryRow::into_domain).transpose()?,
        preferences: prefs.map(super::outbox::preferences_of).transpose()?,
    })
}

/// The condition that a row of `products` is one of the ids, in one text whatever their
/// number (each backend's `push_product_in`), so the statement is prepared once. Only for a
/// query that has `products` in its `FROM`, which its SQL names.
#[derive(Debug, Clone, diesel::query_builder::QueryId)]
struct ProductIn(super::ProductIds);

impl diesel::expression::Expression for ProductIn {
    type SqlType = Bool;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for ProductIn {}

impl diesel::expression::ValidGrouping<()> for ProductIn {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryFragment<Backend> for ProductIn {
    fn walk_ast<'b>(&'b self, out: diesel::query_builder::AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        super::push_product_in(out, &self.0)
    }
}

pub(crate) type ContextRow = (PatientRow, Option<TerritoryRow>, Option<DbJson>, Option<ProductRow>);

/// The patient `key` names, beside their territory, their preferences and each of the products
/// `ids` names that exists, in one statement: one row per product found, or one row without a
/// product if none is; no row if there is no such patient.
pub(crate) fn context_rows(conn: &mut Conn, kind: &'static str, key: DbUuid, ids: &[i64]) -> QueryResult<Vec<ContextRow>> {
    use schema::notification_preferences::dsl as np;
    use schema::patients::dsl as p;
    use schema::products::dsl as pr;
    use schema::territories::dsl as t;
    p::patients
        .left_join(t::territories.on(t::id.eq(p::territory_id)))
        .left_join(np::notification_preferences.on(np::recipient_kind.eq(kind).and(np::recipient_id.eq(p::id))))
        .left_join(pr::products.on(ProductIn(super::product_ids(ids))))
        .filter(p::id.eq(key))
        .select((
            PatientRow::as_select(),
            Option::<TerritoryRow>::as_select(),
            np::prefs.nullable(),
            Option::<ProductRow>::as_select(),
        ))
        .load(conn)
}

impl PlacementReads for Db {
    fn placement_context(&self, patient: PatientId, products: &[ProductId]) -> StoreResult<PlacementContext> {
        let (kind, key) = super::outbox::recipient_key(Recipient::Patient(patient));
        let ids: Vec<i64> = products.iter().map(|p| p.get()).collect();
        let mut rows = self.read(|c| context_rows(c, kind, key, &ids))?.into_iter();
        let Some((p, t, prefs, first)) = rows.next() else {
            return Ok(PlacementContext { patient: None, products: Vec::new() });
        };
        Ok(PlacementContext {
            patient: Some(patient_context(p, t, prefs)?),
            products: first
                .into_iter()
                .chain(rows.filter_map(|(.., product)| product))
                .map(ProductRow::into_domain)
                .collect::<StoreResult<_>>()?,
        })
    }
}

