//! Listing orders: filters and paging as the API accepts them, parsed once.

use super::status::OrderStatus;
use super::values::Priority;
use crate::auth::TerritoryScope;
use crate::ids::{PatientId, TerritoryId, UserId};
use crate::money::Money;
use crate::time::Timestamp;
use crate::validation::FieldErrors;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

/// Paging: `limit` (default 20, at most 100) and `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    limit: u32,
    offset: u64,
}

impl Page {
    /// Default page size.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// Largest page size; larger requests are capped, and `meta.limit` shows the cap.
    pub const MAX_LIMIT: u32 = 100;

    /// A page, the limit capped to `1..=100`.
    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Self {
        let limit = limit.map_or(Self::DEFAULT_LIMIT, |l| {
            u32::try_from(l.clamp(1, u64::from(Self::MAX_LIMIT))).unwrap_or(Self::MAX_LIMIT)
        });
        Self {
            limit,
            offset: offset.unwrap_or(0),
        }
    }

    /// Parses `limit` and `offset` (or its alias `skip`) query values.
    pub fn parse(limit: Option<&str>, offset: Option<&str>, e: &mut FieldErrors) -> Option<Self> {
        let limit = e.check_opt("limit", limit.map(parse_count))?;
        let offset = e.check_opt("offset", offset.map(parse_count))?;
        Some(Self::new(limit, offset))
    }

    /// Rows per page.
    pub fn limit(self) -> u32 {
        self.limit
    }

    /// Rows skipped.
    pub fn offset(self) -> u64 {
        self.offset
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::new(None, None)
    }
}

fn parse_count(s: &str) -> Result<u64, &'static str> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| "must be a non-negative integer")
}

/// The query string of `GET /orders`, as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawOrderQuery {
    /// Status (aliases accepted).
    pub status: Option<String>,
    /// Territory.
    pub territory_id: Option<String>,
    /// Patient.
    pub patient_id: Option<String>,
    /// Creator.
    pub user_id: Option<String>,
    /// Priority.
    pub priority: Option<String>,
    /// From (inclusive): RFC 3339, or `YYYY-MM-DD` meaning the start of that day.
    pub start_date: Option<String>,
    /// To (inclusive): RFC 3339, or `YYYY-MM-DD` meaning the end of that day.
    pub end_date: Option<String>,
    /// Least total, inclusive.
    pub min_amount: Option<String>,
    /// Greatest total, inclusive.
    pub max_amount: Option<String>,
    /// Page size.
    pub limit: Option<String>,
    /// Rows to skip.
    pub offset: Option<String>,
    /// Alias of `offset` (the e-commerce seed's name).
    pub skip: Option<String>,
}

/// Filters of an order listing, all optional and combined with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only this territory.
    pub territory_id: Option<TerritoryId>,
    /// Only this patient.
    pub patient_id: Option<PatientId>,
    /// Only orders this user created.
    pub created_by: Option<UserId>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Created at or after.
    pub created_from: Option<Timestamp>,
    /// Created at or before.
    pub created_to: Option<Timestamp>,
    /// Total at least.
    pub min_amount: Option<Money>,
    /// Total at most.
    pub max_amount: Option<Money>,
}

#[derive(Clone, Copy)]
enum DayEnd {
    Start,
    End,
}

fn parse_instant(s: &str, end: DayEnd) -> Result<Timestamp, &'static str> {
    let s = s.trim();
    if let Ok(t) = Timestamp::parse_rfc3339(s) {
        return Ok(t);
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| "must be an RFC 3339 instant or a YYYY-MM-DD date")?;
    let time = match end {
        DayEnd::Start => NaiveTime::MIN,
        DayEnd::End => NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN),
    };
    Ok(Timestamp::from_datetime(day.and_time(time).and_utc()))
}

impl OrderFilter {
    /// Parses the query string, reporting every bad parameter; returns the filter and page.
    pub fn parse(raw: RawOrderQuery) -> Result<(Self, Page), FieldErrors> {
        let mut e = FieldErrors::new();
        let status = e.check_opt("status", raw.status.as_deref().map(OrderStatus::parse));
        let territory_id = e.check_opt(
            "territory_id",
            raw.territory_id.as_deref().map(TerritoryId::parse),
        );
        let patient_id = e.check_opt("patient_id", raw.patient_id.as_deref().map(str::parse));
        let created_by = e.check_opt("user_id", raw.user_id.as_deref().map(str::parse));
        let priority = e.check_opt("priority", raw.priority.as_deref().map(Priority::parse));
        let created_from = e.check_opt(
            "start_date",
            raw.start_date
                .as_deref()
                .map(|s| parse_instant(s, DayEnd::Start)),
        );
        let created_to = e.check_opt(
            "end_date",
            raw.end_date
                .as_deref()
                .map(|s| parse_instant(s, DayEnd::End)),
        );
        let min_amount = e.check_opt("min_amount", raw.min_amount.as_deref().map(Money::parse));
        let max_amount = e.check_opt("max_amount", raw.max_amount.as_deref().map(Money::parse));
        let offset = raw.offset.as_deref().or(raw.skip.as_deref());
        let page = Page::parse(raw.limit.as_deref(), offset, &mut e);
        if let (Some(Some(a)), Some(Some(b))) = (created_from, created_to) {
            if a > b {
                e.add("end_date", "must not be before start_date");
            }
        }
        if let (Some(Some(a)), Some(Some(b))) = (min_amount, max_amount) {
            if a > b {
                e.add("max_amount", "must not be below min_amount");
            }
        }
        match (
            status,
            territory_id,
            patient_id,
            created_by,
            priority,
            created_from,
            created_to,
            min_amount,
            max_amount,
            page,
        ) {
            (
                Some(status),
                Some(territory_id),
                Some(patient_id),
                Some(created_by),
                Some(priority),
                Some(created_from),
                Some(created_to),
                Some(min_amount),
                Some(max_amount),
                Some(page),
            ) if e.is_empty() => Ok((
                Self {
                    status,
                    territory_id,
                    patient_id,
                    created_by,
                    priority,
                    created_from,
                    created_to,
                    min_amount,
                    max_amount,
                },
                page,
            )),
            _ => Err(e),
        }
    }
}

/// A listing as the store runs it: the caller's filters plus the scope the use case imposed.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderQuery {
    /// The caller's filters.
    pub filter: OrderFilter,
    /// Territories the caller may read.
    pub scope: TerritoryScope,
    /// For a customer: only their patient's orders.
    pub patient: Option<PatientId>,
    /// The page.
    pub page: Page,
}

#[cfg(test)]
mod tests;
