//! Users (admins) and territories (admins write, everyone reads).

use super::{Endpoint, Listed, PageQuery, limit, limited, success, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::auth::Role;
use ordo_domain::ids::UserId;
use ordo_domain::people::{
    NewUser, RawTerritory, RawUser, RawUserPatch, Territory, User, UserPatch,
};
use serde_json::json;

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(ordo_domain::Error::NotFound("user")))
}

async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawUser>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let new = NewUser::parse(body.into_inner()).map_err(ordo_domain::Error::from)?;
    let ordo = state.ordo.clone();
    let user = blocking(move || ordo.create_user(Some(&caller.0.actor), new)).await?;
    Ok(limited(success(StatusCode::CREATED, &user), n))
}

async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let page = q.into_inner().page()?;
    let ordo = state.ordo.clone();
    let users = blocking(move || ordo.list_users(&caller.0.actor, page)).await?;
    Ok(limited(Listed(users, page).into(), n))
}

async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let id = user_id(&id)?;
    let ordo = state.ordo.clone();
    let user = blocking(move || ordo.get_user(&caller.0.actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &user), n))
}

async fn patch_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RawUserPatch>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = user_id(&id)?;
    let patch = UserPatch::parse(body.into_inner()).map_err(ordo_domain::Error::from)?;
    let ordo = state.ordo.clone();
    let user = blocking(move || ordo.update_user(&caller.0.actor, id, patch)).await?;
    // A role, territory or deactivation takes effect on this instance's next request.
    state.sessions.forget_user(user.id);
    Ok(limited(success(StatusCode::OK, &user), n))
}

async fn create_territory(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawTerritory>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let territory = Territory::parse(body.into_inner()).map_err(ordo_domain::Error::from)?;
    let ordo = state.ordo.clone();
    let t = blocking(move || ordo.create_territory(Some(&caller.0.actor), territory)).await?;
    Ok(limited(success(StatusCode::CREATED, &t), n))
}

async fn list_territories(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let all = blocking(move || ordo.list_territories()).await?;
    let total = all.len() as u64;
    Ok(limited(
        super::list_response(&all, total, total.max(1), 0),
        n,
    ))
}

const ADMIN: &[Role] = &[Role::Admin];

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "people",
        vec![
            Endpoint::post("/api/v1/users", create_user)
                .summary("Create a user")
                .describe("A customer names their patient; staff name at least one territory.")
                .roles(ADMIN)
                .body::<RawUser>()
                .example(
                    "staff",
                    "Staff of one territory",
                    json!({
                        "email": "staff.south@ordo.demo",
                        "password": "a long enough password",
                        "role": "staff",
                        "territories": ["north"],
                        "phone": "+254700000001",
                    }),
                )
                .created::<User>()
                .errors(&[Code::Conflict, Code::NotFound])
                .limited(),
            Endpoint::get("/api/v1/users", list_users)
                .summary("List users")
                .roles(ADMIN)
                .query::<PageQuery>()
                .list::<User>()
                .limited(),
            Endpoint::get("/api/v1/users/{id}", get_user)
                .summary("A user")
                .describe("Admins read anyone; any user reads themself.")
                .path_param::<UserId>("id", "The user's `user_id`.")
                .ok::<User>()
                .errors(&[Code::PermissionDenied, Code::NotFound])
                .limited(),
            Endpoint::patch("/api/v1/users/{id}", patch_user)
                .summary("Change a user")
                .describe("Deactivating a user stops their tokens at once.")
                .roles(ADMIN)
                .path_param::<UserId>("id", "The user's `user_id`.")
                .body::<RawUserPatch>()
                .example(
                    "phone",
                    "A new phone number for SMS",
                    json!({ "phone": "+254700000002" }),
                )
                .ok::<User>()
                .errors(&[Code::NotFound, Code::Conflict])
                .limited(),
            Endpoint::post("/api/v1/territories", create_territory)
                .summary("Add a territory")
                .roles(ADMIN)
                .body::<RawTerritory>()
                .example(
                    "territory",
                    "A territory code and its name",
                    json!({ "territory_id": "KE-NBO", "name": "Nairobi" }),
                )
                .created::<Territory>()
                .errors(&[Code::Conflict])
                .limited(),
            Endpoint::get("/api/v1/territories", list_territories)
                .summary("List every territory")
                .list::<Territory>()
                .limited(),
        ],
    )
}
