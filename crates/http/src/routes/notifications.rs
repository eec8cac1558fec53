//! Notifications (SPEC §9): messages from staff, the caller's inbox, acknowledge and dismiss,
//! preferences, and the failed outbox for admins.

use super::{Listed, limit, limited, resource, success};
use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::ids::NotificationId;
use ordo_domain::notification::{NotificationStatus, RawPreferences};
use ordo_domain::order::query::Page;
use ordo_domain::validation::FieldErrors;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    skip: Option<String>,
}

impl ListQuery {
    fn parse(self) -> Result<(Option<NotificationStatus>, Page), FieldErrors> {
        let mut e = FieldErrors::new();
        let status = e.check_opt(
            "status",
            self.status.as_deref().map(NotificationStatus::parse),
        );
        let page = Page::parse(
            self.limit.as_deref(),
            self.offset.as_deref().or(self.skip.as_deref()),
            &mut e,
        );
        match (status, page) {
            (Some(status), Some(page)) if e.is_empty() => Ok((status, page)),
            _ => Err(e),
        }
    }
}

fn notification_id(raw: &str) -> Result<NotificationId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(Error::NotFound("notification")))
}

async fn send(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ordo_domain::usecases::RawSendMessage>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let msg = ordo_domain::usecases::SendMessage::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let sent = blocking(move || ordo.send_message(&actor, msg)).await?;
    Ok(limited(
        success(
            StatusCode::CREATED,
            &json!({ "notification_id": sent.id, "status": "sent" }),
        ),
        n,
    ))
}

async fn inbox(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let (status, page) = q.into_inner().parse().map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let listing = blocking(move || ordo.my_notifications(&actor, status, page)).await?;
    Ok(limited(Listed(listing, page).into(), n))
}

async fn acknowledge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = notification_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let done = blocking(move || ordo.acknowledge(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &done), n))
}

async fn dismiss(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = notification_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let done = blocking(move || ordo.dismiss(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &done), n))
}

async fn get_preferences(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let prefs = blocking(move || ordo.preferences(&actor)).await?;
    Ok(limited(success(StatusCode::OK, &prefs.to_raw()), n))
}

async fn put_preferences(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawPreferences>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let raw = body.into_inner();
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let prefs = blocking(move || ordo.set_preferences(&actor, &raw)).await?;
    Ok(limited(success(StatusCode::OK, &prefs.to_raw()), n))
}

async fn outbox(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let (status, page) = q.into_inner().parse().map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let status = status.unwrap_or(NotificationStatus::Failed);
    let listing = blocking(move || ordo.outbox(&actor, status, page)).await?;
    Ok(limited(Listed(listing, page).into(), n))
}

async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = notification_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let queued = blocking(move || ordo.retry_notification(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &queued), n))
}

/// Fixed paths first: `send`, `preferences` and `outbox` are not notification ids.
pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/api/v1/notifications/send", |r| {
        r.route(web::post().to(send))
    }));
    out.extend(resource("/api/v1/notifications/preferences", |r| {
        r.route(web::get().to(get_preferences))
            .route(web::put().to(put_preferences))
    }));
    out.extend(resource("/api/v1/notifications/outbox", |r| {
        r.route(web::get().to(outbox))
    }));
    out.extend(resource("/api/v1/notifications/outbox/{id}/retry", |r| {
        r.route(web::post().to(retry))
    }));
    out.extend(resource("/api/v1/notifications", |r| {
        r.route(web::get().to(inbox))
    }));
    out.extend(resource("/api/v1/notifications/{id}/acknowledge", |r| {
        r.route(web::post().to(acknowledge))
    }));
    out.extend(resource("/api/v1/notifications/{id}/dismiss", |r| {
        r.route(web::post().to(dismiss))
    }));
    out
}
