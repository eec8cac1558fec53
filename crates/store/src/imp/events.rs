// The event log: its reads for the WebSocket tails and replays, and the purge of events past
// their retention (decision 0004). Included into each backend module.

use super::rows::*;
use super::{Db, schema};
use crate::error::TxError;
use crate::types::DbTime;
use diesel::prelude::*;
use ordo_domain::event::Event;
use ordo_domain::ports::{EventLog, StoreResult};
use ordo_domain::time::Timestamp;

/// The chain head's sequence number: the last event's, whether or not it is still kept.
fn head_seq(c: &mut super::Conn) -> QueryResult<i64> {
    use schema::chain_head::dsl as h;
    h::chain_head.filter(h::id.eq(1)).select(h::event_seq).get_result(c)
}

impl EventLog for Db {
    fn after(&self, after: i64, limit: u32) -> StoreResult<Vec<Event>> {
        use schema::events::dsl as e;
        self.read(|c| {
            let rows = e::events
                .filter(e::seq.gt(after))
                .order(e::seq.asc())
                .limit(i64::from(limit))
                .select(EventRow::as_select())
                .load(c)?;
            // Published events must survive a crash of the database: on PostgreSQL a commit is
            // visible a moment before it is durable (`pg.rs`, `write`).
            if !rows.is_empty() {
                self.settled(c)?;
            }
            Ok(rows)
        })?
        .into_iter()
        .map(EventRow::into_domain)
        .collect()
    }

    fn head(&self) -> StoreResult<i64> {
        // The tail moves its cursor here: a number not yet durable could be handed out again
        // after a crash of the database, below the cursor, and never be sent.
        self.read(|c| {
            let head = head_seq(c)?;
            self.settled(c)?;
            Ok(head)
        })
    }

    fn purged_through(&self) -> StoreResult<i64> {
        use diesel::dsl::min;
        use schema::events::dsl as e;
        self.read(|c| {
            let lowest: Option<i64> = e::events.select(min(e::seq)).get_result(c)?;
            match lowest {
                Some(lowest) => Ok(lowest - 1),
                // No event: none was ever written (the purge keeps the head's), so the head
                // is 0 but for a log emptied by hand.
                None => head_seq(c),
            }
        })
    }

    fn purge_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<u64> {
        use diesel::dsl::min;
        use schema::events::dsl as e;
        self.write(|c| -> Result<usize, TxError> {
            // The newest event written before the cutoff bounds what may go (`ix_events_at`,
            // read backwards: one row; its `LIMIT` is prepared afresh, once a minute). Everything
            // up to it goes, oldest first, never beyond it: what is kept stays one unbroken run
            // up to the head.
            let Some(newest_old) = e::events
                .filter(e::at.lt(DbTime::of(cutoff)))
                .order(e::at.desc())
                .select(e::seq)
                .limit(1)
                .get_result::<i64>(c)
                .optional()?
            else {
                return Ok(0);
            };
            let Some(lowest) = e::events.select(min(e::seq)).get_result::<Option<i64>>(c)? else {
                return Ok(0);
            };
            // The head's event is always kept, however old: a log never empties once written,
            // so a replay that reads nothing after its cursor has truly reached the end.
            let head = head_seq(c)?;
            let through = newest_old
                .min(lowest.saturating_add(i64::from(limit)) - 1)
                .min(head - 1);
            Ok(diesel::delete(e::events.filter(e::seq.le(through))).execute(c)?)
        })
        .map(|n| n as u64)
        .map_err(TxError::into_store)
    }
}
