//! Column types that map one Rust value to each backend's proper SQL type, so the queries can be
//! written once: a UUID is `uuid` on PostgreSQL and text on SQLite; an instant is `timestamptz`
//! on PostgreSQL and microseconds since the epoch (an integer, exact and ordered) on SQLite;
//! JSON is `jsonb` on PostgreSQL and text on SQLite.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel::sqlite::{Sqlite, SqliteValue};
use ordo_domain::time::Timestamp;
use std::io::Write;
use uuid::Uuid;

/// A UUID column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = SqlUuid)]
#[diesel(sql_type = Text)]
pub struct DbUuid(pub Uuid);

impl ToSql<SqlUuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<SqlUuid, Pg> for DbUuid {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(Uuid::from_slice(value.as_bytes())?))
    }
}

impl ToSql<Text, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<Text, Sqlite> for DbUuid {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(Self(Uuid::parse_str(&text)?))
    }
}

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// An instant column, exact to the microsecond on both backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Timestamptz)]
#[diesel(sql_type = BigInt)]
pub struct DbTime(pub i64);

impl DbTime {
    /// The column value of an instant.
    pub fn of(t: Timestamp) -> Self {
        Self(t.unix_micros())
    }

    /// The instant.
    pub fn get(self) -> Timestamp {
        Timestamp::from_unix_micros_clamped(self.0)
    }
}

impl ToSql<Timestamptz, Pg> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&(self.0 - PG_EPOCH_MICROS).to_be_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<Timestamptz, Pg> for DbTime {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let bytes: [u8; 8] = value.as_bytes().try_into()?;
        Ok(Self(i64::from_be_bytes(bytes) + PG_EPOCH_MICROS))
    }
}

impl ToSql<BigInt, Sqlite> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0);
        Ok(IsNull::No)
    }
}

impl FromSql<BigInt, Sqlite> for DbTime {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        Ok(Self(<i64 as FromSql<BigInt, Sqlite>>::from_sql(value)?))
    }
}

/// A JSON column.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
#[diesel(sql_type = Text)]
pub struct DbJson(pub serde_json::Value);

impl ToSql<Jsonb, Pg> for DbJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        // jsonb's binary format: a version byte, then the text.
        out.write_all(&[1])?;
        serde_json::to_writer(out, &self.0)?;
        Ok(IsNull::No)
    }
}

impl FromSql<Jsonb, Pg> for DbJson {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((1, text)) => Ok(Self(serde_json::from_slice(text)?)),
            _ => Err("unsupported jsonb encoding".into()),
        }
    }
}

impl ToSql<Text, Sqlite> for DbJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<Text, Sqlite> for DbJson {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(Self(serde_json::from_str(&text)?))
    }
}
