//! Orders (SPEC §5): create (with `Idempotency-Key`), list, my orders, get, status changes,
//! cancel, history, per-order statistics, aggregate stats and the stock check.

use super::{Listed, PageQuery, limit, limited, resource, success};
use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::ids::OrderId;
use ordo_domain::order::OrderStatus;
use ordo_domain::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use ordo_domain::order::query::{OrderFilter, RawOrderQuery};
use ordo_domain::order::values::{
    LongText, RawAddress, RawInsurance, RawVerification, VerificationData,
};
use ordo_domain::usecases::{IdempotencyKey, PlaceOrder, StatusChange};
use ordo_domain::validation::FieldErrors;
use serde::Deserialize;
use serde_json::json;

/// An order body as clients send it: ordo's shape, plus seed 003's `order_items` and flat
/// `shipping_*` fields, which are translated here and nowhere else.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderBody {
    patient_id: Option<String>,
    territory_id: Option<String>,
    provider_id: Option<String>,
    physician_name: Option<String>,
    service_type: Option<String>,
    priority: Option<String>,
    insurance_info: Option<RawInsurance>,
    items: Option<Vec<RawOrderLine>>,
    order_items: Option<Vec<RawOrderLine>>,
    shipping_address: Option<RawAddress>,
    shipping_address_line1: Option<String>,
    shipping_address_line2: Option<String>,
    shipping_city: Option<String>,
    shipping_state: Option<String>,
    shipping_postal_code: Option<String>,
    shipping_country: Option<String>,
    notes: Option<String>,
}

impl OrderBody {
    pub(crate) fn into_raw(self) -> Result<RawOrder, FieldErrors> {
        if self.items.is_some() && self.order_items.is_some() {
            return Err(FieldErrors::single(
                "order_items",
                "give items or order_items, not both",
            ));
        }
        let flat = [
            &self.shipping_address_line1,
            &self.shipping_address_line2,
            &self.shipping_city,
            &self.shipping_state,
            &self.shipping_postal_code,
            &self.shipping_country,
        ]
        .iter()
        .any(|f| f.is_some());
        if flat && self.shipping_address.is_some() {
            return Err(FieldErrors::single(
                "shipping_address",
                "give shipping_address or the flat shipping_* fields, not both",
            ));
        }
        let shipping_address = if flat {
            Some(RawAddress {
                line1: self.shipping_address_line1,
                line2: self.shipping_address_line2,
                city: self.shipping_city,
                state: self.shipping_state,
                postal_code: self.shipping_postal_code,
                country: self.shipping_country,
            })
        } else {
            self.shipping_address
        };
        Ok(RawOrder {
            patient_id: self.patient_id,
            territory_id: self.territory_id,
            provider_id: self.provider_id,
            physician_name: self.physician_name,
            service_type: self.service_type,
            priority: self.priority,
            insurance_info: self.insurance_info,
            items: self.items.or(self.order_items),
            shipping_address,
            notes: self.notes,
        })
    }
}

/// A JSON body read as bytes (the idempotency fingerprint is over the exact bytes).
fn json_bytes(req: &HttpRequest, body: &web::Bytes) -> Result<OrderBody, ApiError> {
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "the body must be application/json",
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::field("body", &e.to_string()))
}

fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(Error::OrderNotFound))
}

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let parsed = json_bytes(&req, &body)?;
    let raw = parsed.into_raw().map_err(Error::from)?;
    let request = OrderRequest::parse(raw).map_err(Error::from)?;
    let idempotency = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v
                .to_str()
                .map_err(|_| ApiError::field("Idempotency-Key", "must be visible ASCII"))?;
            Some(IdempotencyKey::new(key, &body).map_err(Error::from)?)
        }
    };
    let cmd = PlaceOrder {
        request,
        territory_header: caller.territory_header().cloned(),
        idempotency,
    };
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let outcome = blocking(move || ordo.place_order(&actor, cmd)).await?;
    Ok(limited(success(StatusCode::CREATED, outcome.order()), n))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<RawOrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let (filter, page) = OrderFilter::parse(q.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let orders = blocking(move || ordo.list_orders(&actor, header.as_ref(), filter, page)).await?;
    Ok(limited(Listed(orders, page).into(), n))
}

async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let page = q.into_inner().page()?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let orders = blocking(move || ordo.my_orders(&actor, page)).await?;
    Ok(limited(Listed(orders, page).into(), n))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let id = order_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let order = blocking(move || ordo.get_order(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &order), n))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Option<String>,
    notes: Option<String>,
    verification_data: Option<RawVerification>,
}

fn status_change(body: StatusBody, if_match: Option<&str>) -> Result<StatusChange, FieldErrors> {
    let mut e = FieldErrors::new();
    let to = match body.status.as_deref() {
        None => {
            e.add("status", "is required");
            None
        }
        Some(s) => e.check("status", OrderStatus::parse(s)),
    };
    let notes = e.check_opt("notes", body.notes.as_deref().map(LongText::parse));
    let verification = body
        .verification_data
        .map(|v| VerificationData::parse(v, "verification_data", &mut e));
    let if_match = e.check_opt(
        "If-Match",
        if_match.map(|v| {
            v.trim()
                .trim_matches('"')
                .parse::<i64>()
                .map_err(|_| "must be the order's version, a number")
        }),
    );
    match (to, notes, if_match) {
        (Some(to), Some(notes), Some(if_match)) if e.is_empty() => Ok(StatusChange {
            to,
            notes,
            verification_data: verification.flatten(),
            if_match,
        }),
        _ => Err(e),
    }
}

async fn update_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = order_id(&id)?;
    let if_match = req
        .headers()
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let change = status_change(body.into_inner(), if_match.as_deref()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let done = blocking(move || ordo.change_status(&actor, id, change)).await?;
    Ok(limited(
        success(
            StatusCode::OK,
            &json!({
                "order_id": done.order.id,
                "status": done.order.status,
                "updated_at": done.order.updated_at,
                "audit_id": done.audit_id,
                "version": done.order.version,
            }),
        ),
        n,
    ))
}

async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Update)?;
    let id = order_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let done = blocking(move || ordo.cancel_order(&actor, id)).await?;
    Ok(limited(
        success(
            StatusCode::OK,
            &json!({ "order_id": done.order.id, "status": done.order.status }),
        ),
        n,
    ))
}

async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let id = order_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let entries = blocking(move || ordo.order_history(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &entries), n))
}

async fn statistics(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let id = order_id(&id)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let stats = blocking(move || ordo.order_statistics(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &stats), n))
}

async fn stats(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let stats = blocking(move || ordo.order_stats(&actor, header.as_ref())).await?;
    Ok(limited(success(StatusCode::OK, &stats), n))
}

async fn stock_check(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let health = blocking(move || ordo.stock_check(&actor)).await?;
    Ok(limited(success(StatusCode::OK, &health), n))
}

/// Fixed paths first: `my-orders`, `stats` and `health/stock-check` are not order ids.
pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/api/v1/orders/my-orders", |r| {
        r.route(web::get().to(mine))
    }));
    out.extend(resource("/api/v1/orders/stats", |r| {
        r.route(web::get().to(stats))
    }));
    out.extend(resource("/api/v1/orders/health/stock-check", |r| {
        r.route(web::get().to(stock_check))
    }));
    out.extend(resource("/api/v1/orders", |r| {
        r.route(web::post().to(create)).route(web::get().to(list))
    }));
    out.extend(resource("/api/v1/orders/{id}", |r| {
        r.route(web::get().to(get)).route(web::delete().to(cancel))
    }));
    out.extend(resource("/api/v1/orders/{id}/status", |r| {
        r.route(web::put().to(update_status))
    }));
    out.extend(resource("/api/v1/orders/{id}/history", |r| {
        r.route(web::get().to(history))
    }));
    out.extend(resource("/api/v1/orders/{id}/statistics", |r| {
        r.route(web::get().to(statistics))
    }));
    out
}
