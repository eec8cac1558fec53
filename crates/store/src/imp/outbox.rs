// Notifications: inboxes, preferences and the outbox. Included into each backend module.

use super::rows::*;
use super::{Backend, Db, due_outbox_ids, schema};
use crate::backend::WriteShape;
use crate::error::TxError;
use crate::fixed::{Bind, Fixed};
use crate::types::{DbJson, DbTime, DbUuid};
use diesel::prelude::*;
use diesel::upsert::excluded;
use ordo_domain::ids::NotificationId;
use ordo_domain::notification::{Notification, NotificationStatus, Preferences, RawPreferences, Recipient};
use ordo_domain::order::query::Page;
use ordo_domain::ports::{Listing, NotificationStore, StoreError, StoreResult};
use ordo_domain::time::Timestamp;

fn status_text(s: NotificationStatus) -> &'static str {
    match s {
        NotificationStatus::Pending => "pending",
        NotificationStatus::Sent => "sent",
        NotificationStatus::Failed => "failed",
        NotificationStatus::Acknowledged => "acknowledged",
        NotificationStatus::Dismissed => "dismissed",
    }
}

pub(crate) fn recipient_key(r: Recipient) -> (&'static str, DbUuid) {
    match r {
        Recipient::User(u) => ("user", DbUuid(u.as_uuid())),
        Recipient::Patient(p) => ("patient", DbUuid(p.as_uuid())),
    }
}

/// Preferences as stored: the defaults, updated by the stored choices.
pub(crate) fn preferences_of(json: DbJson) -> StoreResult<Preferences> {
    let raw: RawPreferences =
        serde_json::from_value(json.0).map_err(|e| StoreError::Other(format!("stored preferences: {e}")))?;
    let mut prefs = Preferences::default();
    prefs.update(&raw).map_err(|e| StoreError::Other(format!("stored preferences: {e}")))?;
    Ok(prefs)
}

fn page_of(rows: Vec<NotificationRow>, n: i64) -> StoreResult<Listing<Notification>> {
    Ok(Listing {
        rows: rows.into_iter().map(NotificationRow::into_domain).collect::<StoreResult<_>>()?,
        total: u64::try_from(n).unwrap_or(0),
    })
}


impl NotificationStore for Db {
    fn get(&self, id: NotificationId) -> StoreResult<Option<Notification>> {
        use schema::notifications::dsl as n;
        self.read(|c| {
            n::notifications
                .find(DbUuid(id.as_uuid()))
                .select(NotificationRow::as_select())
                .get_result(c)
                .optional()
        })?
        .map(NotificationRow::into_domain)
        .transpose()
    }

    fn inbox(
        &self,
        recipients: &[Recipient],
        status: Option<NotificationStatus>,
        page: Page,
    ) -> StoreResult<Listing<Notification>> {
        use schema::notifications::dsl as n;
        let (limit, offset) = super::reads::limit_offset(page);
        let mine = || {
            let mut q = n::notifications.into_boxed::<Backend>().filter(n::channel.eq("in_app"));
            let mut who: Option<Box<dyn BoxableExpression<schema::notifications::table, Backend, SqlType = diesel::sql_types::Bool>>> = None;
            for r in recipients {
                let (kind, id) = recipient_key(*r);
                let this: Box<dyn BoxableExpression<_, _, SqlType = _>> =
                    Box::new(n::recipient_kind.eq(kind).and(n::recipient_id.eq(id)));
                who = Some(match who {
                    None => this,
                    Some(prev) => Box::new(prev.or(this)),
                });
            }
            match who {
                Some(w) => q = q.filter(w),
                None => q = q.filter(n::recipient_kind.eq("nobody")),
            }
            if let Some(s) = status {
                q = q.filter(n::status.eq(status_text(s)));
            }
            q
        };
        let (rows, total) = self.read(|c| {
            let total: i64 = mine().count().get_result(c)?;
            let rows = mine()
                .order((n::created_at.desc(), n::id.desc()))
                .limit(limit)
                .offset(offset)
                .select(NotificationRow::as_select())
                .load(c)?;
            Ok((rows, total))
        })?;
        page_of(rows, total)
    }

    fn outbox(&self, status: NotificationStatus, page: Page) -> StoreResult<Listing<Notification>> {
        use schema::notifications::dsl as n;
        let (limit, offset) = super::reads::limit_offset(page);
        let rows_of = || {
            n::notifications
                .into_boxed::<Backend>()
                .filter(n::channel.ne("in_app"))
                .filter(n::status.eq(status_text(status)))
        };
        let (rows, total) = self.read(|c| {
            let total: i64 = rows_of().count().get_result(c)?;
            let rows = rows_of()
                .order((n::created_at.desc(), n::id.desc()))
                .limit(limit)
                .offset(offset)
                .select(NotificationRow::as_select())
                .load(c)?;
            Ok((rows, total))
        })?;
        page_of(rows, total)
    }

    fn transition(
        &self,
        id: NotificationId,
        from: &[NotificationStatus],
        to: NotificationStatus,
        at: Timestamp,
    ) -> StoreResult<bool> {
        use schema::notifications::dsl as n;
        let from: Vec<&str> = from.iter().map(|s| status_text(*s)).collect();
        let at = DbTime::of(at);
        self.write(|c| -> Result<bool, TxError> {
            let target = n::notifications.filter(n::id.eq(DbUuid(id.as_uuid()))).filter(n::status.eq_any(&from));
            let changed = match to {
                NotificationStatus::Acknowledged => diesel::update(target)
                    .set((n::status.eq(status_text(to)), n::acknowledged_at.eq(Some(at))))
                    .execute(c)?,
                // Back in the queue: due now, attempts reset, no claim.
                NotificationStatus::Pending => diesel::update(target)
                    .set((
                        n::status.eq(status_text(to)),
                        n::attempts.eq(0),
                        n::next_attempt_at.eq(Some(at)),
                        n::claimed_until.eq(None::<DbTime>),
                        n::last_error.eq(None::<String>),
                    ))
                    .execute(c)?,
                _ => diesel::update(target).set(n::status.eq(status_text(to))).execute(c)?,
            };
            Ok(changed == 1)
        })
        .map_err(TxError::into_store)
    }

    fn preferences(&self, recipient: Recipient) -> StoreResult<Option<Preferences>> {
        use schema::notification_preferences::dsl as np;
        let (kind, id) = recipient_key(recipient);
        let stored: Option<DbJson> = self.read(|c| {
            np::notification_preferences
                .filter(np::recipient_kind.eq(kind))
                .filter(np::recipient_id.eq(id))
                .select(np::prefs)
                .get_result(c)
                .optional()
        })?;
        stored.map(preferences_of).transpose()
    }

    fn save_preferences(&self, recipient: Recipient, prefs: &Preferences) -> StoreResult<()> {
        use schema::notification_preferences::dsl as np;
        let (kind, id) = recipient_key(recipient);
        let json = DbJson(serde_json::to_value(prefs.to_raw()).unwrap_or_default());
        self.write(|c| -> Result<(), TxError> {
            diesel::insert_into(np::notification_preferences)
                .values((np::recipient_kind.eq(kind), np::recipient_id.eq(id), np::prefs.eq(&json)))
                .on_conflict((np::recipient_kind, np::recipient_id))
                .do_update()
                .set(np::prefs.eq(excluded(np::prefs)))
                .execute(c)?;
            Ok(())
        })
        .map_err(TxError::into_store)
    }

    fn claim_due(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> StoreResult<Vec<Notification>> {
        use schema::notifications::dsl as n;
        let rows = self
            .write(|c| -> Result<Vec<NotificationRow>, TxError> {
                let ids = due_outbox_ids(c, DbTime::of(now), i64::from(limit))?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                diesel::update(n::notifications.filter(n::id.eq_any(&ids)))
                    .set(n::claimed_until.eq(Some(DbTime::of(lease_until))))
                    .execute(c)?;
                Ok(n::notifications
                    .filter(n::id.eq_any(&ids))
                    .order(n::next_attempt_at.asc())
                    .select(NotificationRow::as_select())
                    .load(c)?)
            })
            .map_err(TxError::into_store)?;
        rows.into_iter().map(NotificationRow::into_domain).collect()
    }

    fn mark_sent(&self, id: NotificationId, at: Timestamp) -> StoreResult<()> {
        // Fixed text, prepared once (`fixed.rs`): one mark follows every send, and a built
        // UPDATE was parsed afresh each time.
        const SENT: &[&str] = &[
            "UPDATE notifications SET status = 'sent', sent_at = ",
            ", attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = ",
            "",
        ];
        let binds = [Bind::Time(DbTime::of(at)), Bind::Uuid(DbUuid(id.as_uuid()))];
        // One statement on a row that only this dispatcher's claim holds.
        self.write_as(WriteShape::DurableStatement, |c| -> Result<(), TxError> {
            Fixed::<()>::new(SENT, &binds).execute(c)?;
            Ok(())
        })
        .map_err(TxError::into_store)
    }

    fn mark_attempt_failed(
        &self,
        id: NotificationId,
        attempts: u32,
        retry_at: Option<Timestamp>,
        error: &str,
    ) -> StoreResult<()> {
        use schema::notifications::dsl as n;
        let status = if retry_at.is_some() { "pending" } else { "failed" };
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        self.write_as(WriteShape::DurableStatement, |c| -> Result<(), TxError> {
            diesel::update(n::notifications.filter(n::id.eq(DbUuid(id.as_uuid()))))
                .set((
                    n::status.eq(status),
                    n::attempts.eq(attempts),
                    n::next_attempt_at.eq(retry_at.map(DbTime::of)),
                    n::claimed_until.eq(None::<DbTime>),
                    n::last_error.eq(Some(error.to_owned())),
                ))
                .execute(c)?;
            Ok(())
        })
        .map_err(TxError::into_store)
    }
}
