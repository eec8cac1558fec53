//! The PostgreSQL backend: one pool, `READ COMMITTED` transactions made safe by conditional
//! updates and one locked head row, and `FOR UPDATE SKIP LOCKED` for the outbox.

use crate::error::{from_diesel, from_pool};
pub(crate) use crate::schema::pg as schema;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use ordo_domain::ports::StoreResult;
use std::time::Duration;

/// The backend the shared code is compiled against.
pub(crate) type Backend = diesel::pg::Pg;

/// The connection type the shared code is compiled against.
pub(crate) type Conn = PgConnection;

/// Bounds every statement and lock wait, so a stuck database answers "unavailable" in time
/// instead of hanging a request.
#[derive(Debug)]
struct Timeouts {
    ms: u128,
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Timeouts {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "SET statement_timeout = {ms}; SET lock_timeout = {ms}; SET idle_in_transaction_session_timeout = {idle};",
            ms = self.ms,
            idle = self.ms * 4
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The database handle; implements every persistence port.
pub struct Db {
    pool: Pool<ConnectionManager<Conn>>,
    /// For the `LISTEN` connection of the event tail (`wake.rs`); never printed.
    pub(crate) url: String,
    /// Fired after each committed write: the event tail's wake-up (`wake.rs`).
    pub(crate) on_commit: crate::wake::OnCommit,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pg::Db")
            .field("pool", &self.pool.state())
            .finish()
    }
}

impl Db {
    /// Opens a pool of `size` connections; `timeout` bounds every wait for one.
    pub fn open(url: &str, size: u32, timeout: Duration) -> StoreResult<Self> {
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .connection_customizer(Box::new(Timeouts {
                ms: timeout.as_millis(),
            }))
            .build(ConnectionManager::<Conn>::new(url))
            .map_err(from_pool)?;
        Ok(Self {
            pool,
            url: url.to_owned(),
            on_commit: Default::default(),
        })
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Conn) -> QueryResult<T>) -> StoreResult<T> {
        let mut conn = self.pool.get().map_err(from_pool)?;
        f(&mut conn).map_err(from_diesel)
    }

    pub(crate) fn write<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<ordo_domain::ports::StoreError>,
    {
        let mut conn = self.pool.get().map_err(from_pool)?;
        let done = (*conn).transaction(f);
        drop(conn);
        // After the commit, so whoever wakes sees what it wrote; a rollback wrote no event.
        if done.is_ok() {
            self.on_commit.fire();
        }
        done
    }
}

/// Locks the chain head for the rest of the transaction: audit appends and event numbers are
/// handed out in commit order.
pub(crate) fn lock_head(conn: &mut Conn) -> QueryResult<rows::HeadRow> {
    use schema::chain_head::dsl as h;
    h::chain_head
        .filter(h::id.eq(1))
        .select(rows::HeadRow::as_select())
        .for_update()
        .get_result(conn)
}

/// Ids of due outbox rows no other dispatcher holds, skipping rows another transaction has locked.
pub(crate) fn due_outbox_ids(
    conn: &mut Conn,
    now: crate::types::DbTime,
    limit: i64,
) -> QueryResult<Vec<crate::types::DbUuid>> {
    use schema::notifications::dsl as n;
    n::notifications
        .filter(n::status.eq("pending"))
        .filter(n::channel.ne("in_app"))
        .filter(n::next_attempt_at.le(now))
        .filter(n::claimed_until.is_null().or(n::claimed_until.lt(now)))
        .order(n::next_attempt_at.asc())
        .limit(limit)
        .select(n::id)
        .for_update()
        .skip_locked()
        .load(conn)
}

/// Inserts `rows` in one multi-row statement: one round trip (see `sqlite.rs` for the other
/// choice).
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        diesel::insert_into($table).values($rows).execute($conn)?
    };
}

pub(crate) mod rows {
    include!("../imp/rows.rs");
}
pub(crate) mod reads {
    include!("../imp/reads.rs");
}
pub(crate) mod commit {
    include!("../imp/commit.rs");
}
pub(crate) mod outbox {
    include!("../imp/outbox.rs");
}
