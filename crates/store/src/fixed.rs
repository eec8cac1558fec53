//! Statements of fixed text, for the hot path, so that each is prepared once per connection.
//!
//! Diesel caches a prepared statement only when it can tell the text will not change: it never
//! caches an `UPDATE` it builds (a changeset may leave columns out), nor anything holding raw SQL
//! or an `IN (…)` list of varying length. Each placement made four such updates (three stock
//! rows, the chain head) and one such read (its products), and parsing them was about a tenth of
//! a placement's CPU on SQLite; on PostgreSQL each was parsed by the server again. A `Fixed`
//! statement is written out by hand, its text the same for every call, and Diesel caches it by
//! that text.

use crate::types::{DbTime, DbUuid};
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Text, Timestamptz, Uuid};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};
use std::marker::PhantomData;

/// A parameter of a fixed statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind<'a> {
    Int(i64),
    Text(&'a str),
    Uuid(DbUuid),
    Time(DbTime),
}

/// The SQL types a backend stores the shared column types of `types.rs` as.
pub(crate) trait Columns: Backend + HasSqlType<Self::Uuid> + HasSqlType<Self::Time> {
    type Uuid;
    type Time;
}

impl Columns for Pg {
    type Uuid = Uuid;
    type Time = Timestamptz;
}

impl Columns for Sqlite {
    type Uuid = Text;
    type Time = BigInt;
}

/// A statement whose text is `parts` with one parameter between each two of them; `ST` is the
/// SQL type of the rows it returns (`()` for none).
#[derive(Debug)]
pub(crate) struct Fixed<'a, ST = ()> {
    parts: &'static [&'static str],
    binds: &'a [Bind<'a>],
    rows: PhantomData<ST>,
}

impl<'a, ST> Fixed<'a, ST> {
    /// `parts` must have one element more than `binds`; a statement whose parts and parameters
    /// do not fit is refused before it is sent.
    pub(crate) fn new(parts: &'static [&'static str], binds: &'a [Bind<'a>]) -> Self {
        Self {
            parts,
            binds,
            rows: PhantomData,
        }
    }
}

impl<ST> QueryId for Fixed<'_, ST> {
    type QueryId = ();
    // Not a static id: Diesel then keys its cache by the text, which never changes.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB, ST> QueryFragment<DB> for Fixed<'_, ST>
where
    DB: Columns,
    i64: ToSql<BigInt, DB>,
    str: ToSql<Text, DB>,
    DbUuid: ToSql<DB::Uuid, DB>,
    DbTime: ToSql<DB::Time, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if self.parts.len() != self.binds.len() + 1 {
            return Err(diesel::result::Error::QueryBuilderError(
                "a fixed statement's parts and parameters do not match".into(),
            ));
        }
        for (part, bind) in self.parts.iter().zip(self.binds) {
            out.push_sql(part);
            match bind {
                Bind::Int(n) => out.push_bind_param::<BigInt, i64>(n)?,
                Bind::Text(s) => out.push_bind_param::<Text, str>(s)?,
                Bind::Uuid(u) => out.push_bind_param::<DB::Uuid, DbUuid>(u)?,
                Bind::Time(t) => out.push_bind_param::<DB::Time, DbTime>(t)?,
            }
        }
        if let Some(last) = self.parts.last() {
            out.push_sql(last);
        }
        Ok(())
    }
}

/// Statements that return rows load them as `ST`.
impl<ST: 'static> Query for Fixed<'_, ST>
where
    ST: diesel::sql_types::SqlType,
{
    type SqlType = ST;
}

impl<Conn, ST> RunQueryDsl<Conn> for Fixed<'_, ST> {}

#[cfg(test)]
mod tests;
