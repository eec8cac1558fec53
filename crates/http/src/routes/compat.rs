//! The seeds' own routes (SPEC §10), in their bare shapes, translated onto the same use cases:
//! no rule is written twice. Authentication is still required; errors keep the error shape.

use super::notifications::Sent;
use super::{Endpoint, limit, limited, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::auth::Role;
use ordo_domain::ids::{OrderId, PatientCode};
use ordo_domain::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use ordo_domain::order::query::{OrderFilter, Page};
use ordo_domain::order::{Order, OrderStatus};
use ordo_domain::people::{NewPatient, Patient, RawPatient};
use ordo_domain::usecases::{PlaceOrder, RawSendMessage, SendMessage};
use ordo_domain::validation::FieldErrors;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A bare answer (no envelope), with `X-RateLimit-Limit` like every rate-limited answer.
fn bare<T: Serialize>(status: StatusCode, body: &T, limit: u32) -> HttpResponse {
    limited(HttpResponse::build(status).json(body), limit)
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
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Seed000Order {
    /// Whose order (a `patient_id`).
    patient_id: Option<String>,
    /// Lines.
    items: Option<Vec<RawOrderLine>>,
    /// Where; else the `Territory-Id` header, else the patient's territory.
    territory_id: Option<String>,
}

/// Seed 000's answer.
#[derive(Debug, Serialize, JsonSchema)]
struct Seed000Placed {
    /// The order.
    order_id: OrderId,
    /// Its status, in ordo's names.
    status: OrderStatus,
}

async fn order_000(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Seed000Order>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
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
        &Seed000Placed {
            order_id: order.id,
            status: order.status,
        },
        n,
    ))
}

/// Seed 002: `{user_id, message, territory_id}` → `{notification_id, status:"sent"}`.
async fn send_002(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawSendMessage>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let msg = SendMessage::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let sent = blocking(move || ordo.send_message(&actor, msg)).await?;
    Ok(bare(StatusCode::CREATED, &Sent::new(sent.id), n))
}

/// Seed 004's customer: `{name, code, contact_number, email, insurance_number}` (PHI, shown to
/// callers allowed to see the patient).
#[derive(Debug, Serialize, JsonSchema)]
struct Customer<'a> {
    /// Full name.
    name: &'a str,
    /// Unique code, e.g. `CUST007`.
    code: &'a PatientCode,
    /// Phone, E.164.
    contact_number: &'a str,
    /// E-mail.
    email: Option<&'a str>,
    /// Insurance number.
    insurance_number: Option<&'a str>,
}

fn customer(p: &Patient) -> Customer<'_> {
    Customer {
        name: p.name.expose(),
        code: &p.code,
        contact_number: p.contact_number.expose().as_str(),
        email: p.email.as_ref().map(|e| e.expose().as_str()),
        insurance_number: p.insurance_number.as_ref().map(|i| i.expose().as_str()),
    }
}

async fn customers(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let page = Page::new(Some(u64::from(Page::MAX_LIMIT)), None);
    let listing = blocking(move || ordo.list_patients(&actor, header.as_ref(), page)).await?;
    let rows: Vec<Customer<'_>> = listing.rows.iter().map(customer).collect();
    Ok(bare(StatusCode::OK, &rows, n))
}

async fn add_customer(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RawPatient>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
    let new = NewPatient::parse(body.into_inner()).map_err(Error::from)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let patient = blocking(move || ordo.create_patient(&actor, header.as_ref(), new)).await?;
    Ok(bare(StatusCode::CREATED, &customer(&patient), n))
}

/// Seed 004's order: `{customer_code, item, amount, physician_name}`; `item` names a product by
/// SKU or name, `amount` is the quantity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Seed004Order {
    /// The patient's code.
    customer_code: Option<String>,
    /// A product's SKU or name.
    item: Option<String>,
    /// The quantity.
    amount: Option<i64>,
    /// The prescribing physician.
    physician_name: Option<String>,
}

/// Seed 004's order: the first line's product and quantity.
#[derive(Debug, Serialize, JsonSchema)]
struct Seed004View<'a> {
    /// The order.
    order_id: OrderId,
    /// The patient's code (on creation; `null` in listings).
    customer_code: Option<&'a str>,
    /// The first line's product name.
    item: Option<&'a str>,
    /// The first line's quantity.
    amount: Option<u32>,
    /// The prescribing physician.
    physician_name: Option<&'a str>,
    /// The status, in ordo's names.
    status: OrderStatus,
}

fn seed_004_view<'a>(o: &'a Order, customer_code: Option<&'a str>) -> Seed004View<'a> {
    let first = o.items.first();
    Seed004View {
        order_id: o.id,
        customer_code,
        item: first.map(|l| l.product_name.as_str()),
        amount: first.map(|l| l.quantity.get()),
        physician_name: o.physician_name.as_deref(),
        status: o.status,
    }
}

async fn orders_004(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let page = Page::new(Some(u64::from(Page::MAX_LIMIT)), None);
    let listing =
        blocking(move || ordo.list_orders(&actor, header.as_ref(), OrderFilter::default(), page))
            .await?;
    let rows: Vec<Seed004View<'_>> = listing
        .rows
        .iter()
        .map(|o| seed_004_view(o, None))
        .collect();
    Ok(bare(StatusCode::OK, &rows, n))
}

async fn add_order_004(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Seed004Order>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Create)?;
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
        &seed_004_view(&order, Some(code.as_str())),
        n,
    ))
}

const STAFF: &[Role] = &[Role::Admin, Role::Staff];

const PLACING: &[Code] = &[
    Code::InsufficientStock,
    Code::PermissionDenied,
    Code::NotFound,
    Code::Conflict,
];

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "compatibility",
        vec![
            Endpoint::post("/api/orders", order_000)
                .summary("Seed 000: place an order")
                .body::<Seed000Order>()
                .example(
                    "seed_000",
                    "Seed 000's body",
                    json!({
                        "patient_id": "3f0c6f1e-8d1a-4c61-9a52-6a2f0f4b1c7d",
                        "items": [{ "product_id": 1, "quantity": 2 }],
                        "territory_id": "north",
                    }),
                )
                .bare::<Seed000Placed>(201)
                .errors(PLACING)
                .limited(),
            Endpoint::get("/api/orders", orders_004)
                .summary("Seed 004: list orders (the first 100 the caller may see)")
                .bare::<Vec<Seed004View<'static>>>(200)
                .limited(),
            Endpoint::post("/api/orders/add", add_order_004)
                .summary("Seed 004: place an order by patient code and product SKU or name")
                .describe("The patient gets the SMS of a new order.")
                .body::<Seed004Order>()
                .example(
                    "seed_004",
                    "Seed 004's body",
                    json!({
                        "customer_code": "CUST001",
                        "item": "Paracitamol",
                        "amount": 50,
                        "physician_name": "drhouse",
                    }),
                )
                .bare::<Seed004View<'static>>(201)
                .errors(PLACING)
                .limited(),
            Endpoint::get("/api/customers", customers)
                .summary("Seed 004: list customers (the first 100 the caller may see)")
                .bare::<Vec<Customer<'static>>>(200)
                .limited(),
            Endpoint::post("/api/customers/add", add_customer)
                .summary("Seed 004: register a customer")
                .describe("The territory as for `POST /api/v1/patients`.")
                .roles(STAFF)
                .body::<RawPatient>()
                .example(
                    "seed_004",
                    "Seed 004's body",
                    json!({
                        "name": "James Bond",
                        "code": "CUST007",
                        "contact_number": "+25470007007",
                        "email": "JamesBond@gmail.com",
                        "insurance_number": "INS123456789",
                    }),
                )
                .bare::<Customer<'static>>(201)
                .errors(&[Code::Conflict, Code::NotFound])
                .limited(),
            Endpoint::post("/api/notifications/send", send_002)
                .summary("Seed 002: send a message to a user")
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
                .bare::<Sent>(201)
                .errors(&[Code::NotFound])
                .limited(),
        ],
    )
}
