//! The seeds' own routes (SPEC §10), in their bare shapes, translated onto the same use cases:
//! no rule is written twice. Authentication is still required; errors keep the error shape.

use super::{limit, resource};
use crate::error::ApiError;
use crate::limits::Class;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::ids::PatientCode;
use ordo_domain::order::Order;
use ordo_domain::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use ordo_domain::order::query::{OrderFilter, Page};
use ordo_domain::people::{NewPatient, Patient, RawPatient};
use ordo_domain::usecases::{PlaceOrder, RawSendMessage, SendMessage};
use ordo_domain::validation::FieldErrors;
use serde::Deserialize;
use serde_json::{Value, json};

fn bare(status: StatusCode, body: Value) -> HttpResponse {
    HttpResponse::build(status).json(body)
}

async fn place(state: &AppState, caller: &Caller, raw: RawOrder) -> Result<Order, ApiError> {
    let request = OrderRequest::parse(raw).map_err(Error::from)?;
    let cmd = PlaceOrder {
        request,
        territory_header: caller.territory_header().cloned(),
        idempotency: None,
    };
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    Ok(blocking(move || ordo.place_order(&actor, cmd))
        .await?
        .order()
        .clone())
}

/// Seed 000: `{patient_id, items:[{product_id, quantity}], territory_id}` → `{order_id, status}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed000Order {
    patient_id: Option<String>,
    items: Option<Vec<RawOrderLine>>,
    territory_id: Option<String>,
}

async fn order_000(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Seed000Order>,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &caller, Class::Create)?;
    let b = body.into_inner();
    let raw = RawOrder {
        patient_id: b.patient_id,
        items: b.items,
        territory_id: b.territory_id,
        ..RawOrder::default()
    };
    let order = place(&state, &caller, raw).await?;
    Ok(bare(
        StatusCode::CREATED,
        json!({ "order_id": order.id, "status": order.status }),
    ))
}

/// Seed 002: `{user_id, message, territory_id}` → `{notification_id, status:"sent"}`.
async fn send_002(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawSendMessage>,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &caller, Class::Create)?;
    let msg = SendMessage::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let n = blocking(move || ordo.send_message(&actor, msg)).await?;
    Ok(bare(
        StatusCode::CREATED,
        json!({ "notification_id": n.id, "status": "sent" }),
    ))
}

/// Seed 004's customer: `{name, code, contact_number, email, insurance_number}`.
fn customer(p: &Patient) -> Value {
    json!({
        "name": p.name.expose(),
        "code": p.code,
        "contact_number": p.contact_number.expose().as_str(),
        "email": p.email.as_ref().map(|e| e.expose().as_str()),
        "insurance_number": p.insurance_number.as_ref().map(|i| i.expose()),
    })
}

async fn customers(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let page = Page::new(Some(u64::from(Page::MAX_LIMIT)), None);
    let listing = blocking(move || ordo.list_patients(&actor, header.as_ref(), page)).await?;
    Ok(bare(
        StatusCode::OK,
        Value::Array(listing.rows.iter().map(customer).collect()),
    ))
}

async fn add_customer(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawPatient>,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &caller, Class::Create)?;
    let new = NewPatient::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let patient = blocking(move || ordo.create_patient(&actor, header.as_ref(), new)).await?;
    Ok(bare(StatusCode::CREATED, customer(&patient)))
}

/// Seed 004's order: `{customer_code, item, amount, physician_name}`; `item` names a product by
/// SKU or name, `amount` is the quantity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed004Order {
    customer_code: Option<String>,
    item: Option<String>,
    amount: Option<i64>,
    physician_name: Option<String>,
}

fn seed_004_view(o: &Order, customer_code: Option<&str>) -> Value {
    let first = o.items.first();
    json!({
        "order_id": o.id,
        "customer_code": customer_code,
        "item": first.map(|l| l.product_name.clone()),
        "amount": first.map(|l| l.quantity.get()),
        "physician_name": o.physician_name,
        "status": o.status,
    })
}

async fn orders_004(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let page = Page::new(Some(u64::from(Page::MAX_LIMIT)), None);
    let listing =
        blocking(move || ordo.list_orders(&actor, header.as_ref(), OrderFilter::default(), page))
            .await?;
    Ok(bare(
        StatusCode::OK,
        Value::Array(
            listing
                .rows
                .iter()
                .map(|o| seed_004_view(o, None))
                .collect(),
        ),
    ))
}

async fn add_order_004(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Seed004Order>,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &caller, Class::Create)?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let code = e.require(
        "customer_code",
        b.customer_code.as_deref().map(PatientCode::parse),
    );
    let item = match b.item.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(i) => Some(i.to_owned()),
        None => {
            e.add("item", "is required");
            None
        }
    };
    if b.amount.is_none() {
        e.add("amount", "is required");
    }
    let (Some(code), Some(item), true) = (code, item, e.is_empty()) else {
        return Err(Error::Validation(e).into());
    };
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let lookup_code = code.clone();
    let (patient, product) = blocking(move || {
        let patient = ordo.get_patient_by_code(&actor, &lookup_code)?;
        let product = ordo
            .find_product(&item)
            .map_err(|_| Error::field("item", "no product has this SKU or name"))?;
        Ok((patient, product))
    })
    .await?;
    let raw = RawOrder {
        patient_id: Some(patient.id.to_string()),
        physician_name: b.physician_name,
        items: Some(vec![RawOrderLine {
            product_id: Some(product.id.get()),
            quantity: b.amount,
        }]),
        ..RawOrder::default()
    };
    let order = place(&state, &caller, raw).await?;
    Ok(bare(
        StatusCode::CREATED,
        seed_004_view(&order, Some(code.as_str())),
    ))
}

pub(crate) fn resources() -> Vec<actix_web::Resource> {
    let mut out = Vec::new();
    out.extend(resource("/api/orders", |r| {
        r.route(web::post().to(order_000))
            .route(web::get().to(orders_004))
    }));
    out.extend(resource("/api/orders/add", |r| {
        r.route(web::post().to(add_order_004))
    }));
    out.extend(resource("/api/customers", |r| {
        r.route(web::get().to(customers))
    }));
    out.extend(resource("/api/customers/add", |r| {
        r.route(web::post().to(add_customer))
    }));
    out.extend(resource("/api/notifications/send", |r| {
        r.route(web::post().to(send_002))
    }));
    out
}
