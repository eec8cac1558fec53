//! The audit log (SPEC §7): admins read it, filtered; nothing updates or deletes it.

use super::{Endpoint, Listed, limit, limited, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, Caller, blocking};
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::audit::{AuditEntry, EntityType};
use ordo_domain::auth::Role;
use ordo_domain::ids::{TerritoryId, UserId};
use ordo_domain::order::query::Page;
use ordo_domain::ports::AuditFilter;
use ordo_domain::validation::FieldErrors;
use schemars::JsonSchema;
use serde::Deserialize;

/// Filters of the audit listing, combined with AND.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// `order`, `product`, `patient`, `user` or `territory`.
    entity_type: Option<String>,
    /// The changed entity's id.
    entity_id: Option<String>,
    /// Who made the change (a `user_id`).
    actor: Option<String>,
    /// The territory.
    territory_id: Option<String>,
    /// Page size: default 20, at most 100.
    limit: Option<String>,
    /// Rows to skip.
    offset: Option<String>,
    /// Alias of `offset`.
    skip: Option<String>,
}

fn parse(q: AuditQuery) -> Result<(AuditFilter, Page), FieldErrors> {
    let mut e = FieldErrors::new();
    let entity_type = e.check_opt(
        "entity_type",
        q.entity_type.as_deref().map(EntityType::parse),
    );
    let actor = e.check_opt("actor", q.actor.as_deref().map(str::parse::<UserId>));
    let territory_id = e.check_opt(
        "territory_id",
        q.territory_id.as_deref().map(TerritoryId::parse),
    );
    let page = Page::parse(
        q.limit.as_deref(),
        q.offset.as_deref().or(q.skip.as_deref()),
        &mut e,
    );
    match (entity_type, actor, territory_id, page) {
        (Some(entity_type), Some(actor), Some(territory_id), Some(page)) if e.is_empty() => Ok((
            AuditFilter {
                entity_type,
                entity_id: q.entity_id,
                actor,
                territory_id,
            },
            page,
        )),
        _ => Err(e),
    }
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let (filter, page) = parse(q.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let entries = blocking(move || ordo.list_audit(&actor, &filter, page)).await?;
    Ok(limited(Listed(entries, page).into(), n))
}

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "audit",
        vec![
            Endpoint::get("/api/v1/audit", list)
                .summary("Audit entries, newest first, filtered")
                .describe("Append-only: no route changes or deletes an entry.")
                .roles(&[Role::Admin])
                .query::<AuditQuery>()
                .list::<AuditEntry>()
                .limited(),
        ],
    )
}
