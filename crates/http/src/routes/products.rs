//! The catalogue (SPEC §6): everyone reads; admins add, change and adjust stock (audited).

use super::{Listed, PageQuery, limit, limited, resource, success};
use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::catalogue::{
    NewProduct, ProductPatch, RawProduct, RawProductPatch, RawStockAdjustment, StockAdjustment,
};
use ordo_domain::ids::ProductId;

fn product_id(raw: &str) -> Result<ProductId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(Error::NotFound("product")))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawProduct>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let new = NewProduct::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let product = blocking(move || ordo.create_product(&actor, new)).await?;
    Ok(limited(success(StatusCode::CREATED, &product), n))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let page = q.into_inner().page()?;
    let ordo = state.ordo.clone();
    let products = blocking(move || ordo.list_products(page)).await?;
    Ok(limited(Listed(products, page).into(), n))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let id = product_id(&id)?;
    let ordo = state.ordo.clone();
    let product = blocking(move || ordo.get_product(id)).await?;
    Ok(limited(success(StatusCode::OK, &product), n))
}

async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RawProductPatch>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = product_id(&id)?;
    let patch = ProductPatch::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let product = blocking(move || ordo.update_product(&actor, id, patch)).await?;
    Ok(limited(success(StatusCode::OK, &product), n))
}

async fn adjust(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RawStockAdjustment>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = product_id(&id)?;
    let adj = StockAdjustment::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let product = blocking(move || ordo.adjust_stock(&actor, id, adj)).await?;
    Ok(limited(success(StatusCode::CREATED, &product), n))
}

pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/api/v1/products", |r| {
        r.route(web::post().to(create)).route(web::get().to(list))
    }));
    out.extend(resource("/api/v1/products/{id}", |r| {
        r.route(web::get().to(get)).route(web::patch().to(patch))
    }));
    out.extend(resource("/api/v1/products/{id}/stock-adjustments", |r| {
        r.route(web::post().to(adjust))
    }));
    out
}
