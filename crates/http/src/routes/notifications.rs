//! Notifications (SPEC §9): messages from staff, the caller's inbox, acknowledge and dismiss,
//! preferences, and the failed outbox for admins.

use super::{Endpoint, Listed, limit, limited, success, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::auth::Role;
use ordo_domain::ids::NotificationId;
use ordo_domain::notification::{Notification, NotificationStatus, RawPreferences};
use ordo_domain::order::query::Page;
use ordo_domain::usecases::RawSendMessage;
use ordo_domain::validation::FieldErrors;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Filters of a notification listing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// `pending`, `sent`, `failed`, `acknowledged` or `dismissed`.
    status: Option<String>,
    /// Page size: default 20, at most 100.
    limit: Option<String>,
    /// Rows to skip.
    offset: Option<String>,
    /// Alias of `offset`.
    skip: Option<String>,
}

/// The answer to a message (seed 002's).
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct Sent {
    /// The in-app notification.
    notification_id: NotificationId,
    /// Always `sent`.
    #[schemars(extend("const" = "sent"))]
    status: &'static str,
}

impl Sent {
    pub(super) fn new(notification_id: NotificationId) -> Self {
        Self {
            notification_id,
            status: "sent",
        }
    }
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
    body: web::Json<RawSendMessage>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let msg = ordo_domain::usecases::SendMessage::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let sent = blocking(move || ordo.send_message(&actor, msg)).await?;
    Ok(limited(
        success(StatusCode::CREATED, &Sent::new(sent.id)),
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

const STAFF: &[Role] = &[Role::Admin, Role::Staff];
const ADMIN: &[Role] = &[Role::Admin];
const NOTIFICATION_ID: &str = "The notification's `notification_id`.";

/// Fixed paths first: `send`, `preferences` and `outbox` are not notification ids.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "notifications",
        vec![
            Endpoint::post("/api/v1/notifications/send", send)
                .summary("Send a message to a user")
                .describe(
                    "Staff to users of their territory, admins to anyone: in-app always, and by \
                     SMS and e-mail per the recipient's preferences for `message`, redacted.",
                )
                .roles(STAFF)
                .body::<RawSendMessage>()
                .example(
                    "seed_002",
                    "Seed 002's body",
                    json!({
                        "user_id": "5d1c3b2a-9e8f-4a7b-8c6d-0e1f2a3b4c5d",
                        "message": "Your order ORD-7K3F9Q2MZX has shipped",
                        "territory_id": "north",
                    }),
                )
                .created::<Sent>()
                .errors(&[Code::NotFound])
                .limited(),
            Endpoint::get("/api/v1/notifications/preferences", get_preferences)
                .summary("The caller's notification preferences")
                .describe("Channels `in_app`, `sms`, `email` × events `order_created`, `status_change`, `message`.")
                .ok::<RawPreferences>()
                .limited(),
            Endpoint::put("/api/v1/notifications/preferences", put_preferences)
                .summary("Change notification preferences")
                .describe("Changes only the switches it names; answers them all.")
                .body::<RawPreferences>()
                .example(
                    "no_sms_on_status",
                    "No SMS when an order changes status",
                    json!({ "sms": { "status_change": false } }),
                )
                .ok::<RawPreferences>()
                .limited(),
            Endpoint::get("/api/v1/notifications/outbox", outbox)
                .summary("SMS and e-mail rows in a status (default `failed`)")
                .roles(ADMIN)
                .query::<ListQuery>()
                .list::<Notification>()
                .limited(),
            Endpoint::post("/api/v1/notifications/outbox/{id}/retry", retry)
                .summary("Queue a failed SMS or e-mail again, attempts reset")
                .roles(ADMIN)
                .path_param::<NotificationId>("id", NOTIFICATION_ID)
                .ok::<Notification>()
                .errors(&[Code::NotFound, Code::Conflict])
                .limited(),
            Endpoint::get("/api/v1/notifications", inbox)
                .summary("The caller's in-app notifications")
                .describe("A customer's include their patient's.")
                .query::<ListQuery>()
                .list::<Notification>()
                .limited(),
            Endpoint::post("/api/v1/notifications/{id}/acknowledge", acknowledge)
                .summary("Acknowledge a notification (its recipient)")
                .path_param::<NotificationId>("id", NOTIFICATION_ID)
                .ok::<Notification>()
                .errors(&[Code::NotFound, Code::Conflict])
                .limited(),
            Endpoint::post("/api/v1/notifications/{id}/dismiss", dismiss)
                .summary("Dismiss a notification (its recipient)")
                .path_param::<NotificationId>("id", NOTIFICATION_ID)
                .ok::<Notification>()
                .errors(&[Code::NotFound, Code::Conflict])
                .limited(),
        ],
    )
}
