//! The catalogue (SPEC §6): everyone reads; admins add, change and adjust stock (audited).

use super::{Endpoint, Listed, PageQuery, limit, limited, success, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::auth::Role;
use ordo_domain::catalogue::{
    NewProduct, Product, ProductPatch, RawProduct, RawProductPatch, RawStockAdjustment,
    StockAdjustment,
};
use ordo_domain::ids::ProductId;
use serde_json::json;

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

const ADMIN: &[Role] = &[Role::Admin];

const PRODUCT_ID: &str = "The product's `product_id`.";

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "catalogue",
        vec![
            Endpoint::post("/api/v1/products", create)
                .summary("Add a product")
                .roles(ADMIN)
                .body::<RawProduct>()
                .example(
                    "product",
                    "A product with a price and units on hand",
                    json!({
                        "sku": "GLV-200",
                        "name": "Nitrile gloves (box of 200)",
                        "price": "22.50",
                        "stock_quantity": 100,
                        "low_stock_threshold": 10,
                    }),
                )
                .created::<Product>()
                .errors(&[Code::Conflict])
                .limited(),
            Endpoint::get("/api/v1/products", list)
                .summary("List products")
                .query::<PageQuery>()
                .list::<Product>()
                .limited(),
            Endpoint::get("/api/v1/products/{id}", get)
                .summary("A product")
                .path_param::<ProductId>("id", PRODUCT_ID)
                .ok::<Product>()
                .errors(&[Code::NotFound])
                .limited(),
            Endpoint::patch("/api/v1/products/{id}", patch)
                .summary("Change a product's details (audited)")
                .roles(ADMIN)
                .path_param::<ProductId>("id", PRODUCT_ID)
                .body::<RawProductPatch>()
                .example("price", "A new price", json!({ "price": "13.00" }))
                .ok::<Product>()
                .errors(&[Code::NotFound])
                .limited(),
            Endpoint::post("/api/v1/products/{id}/stock-adjustments", adjust)
                .summary("Adjust units on hand (audited)")
                .describe("Never below the units reserved by orders (`CONFLICT`).")
                .roles(ADMIN)
                .path_param::<ProductId>("id", PRODUCT_ID)
                .body::<RawStockAdjustment>()
                .example(
                    "delivery",
                    "A delivery of 50 units",
                    json!({ "delta": 50, "reason": "Delivery from the warehouse" }),
                )
                .created::<Product>()
                .errors(&[Code::NotFound, Code::Conflict])
                .limited(),
        ],
    )
}
