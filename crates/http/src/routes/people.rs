//! Users (admins) and territories (admins write, everyone reads).

use super::{Listed, PageQuery, limit, limited, resource, success};
use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::ids::UserId;
use ordo_domain::people::{NewUser, RawTerritory, RawUser, RawUserPatch, Territory, UserPatch};

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

pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/api/v1/users", |r| {
        r.route(web::post().to(create_user))
            .route(web::get().to(list_users))
    }));
    out.extend(resource("/api/v1/users/{id}", |r| {
        r.route(web::get().to(get_user))
            .route(web::patch().to(patch_user))
    }));
    out.extend(resource("/api/v1/territories", |r| {
        r.route(web::post().to(create_territory))
            .route(web::get().to(list_territories))
    }));
    out
}
