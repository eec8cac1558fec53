//! Orders (SPEC §5): create (with `Idempotency-Key`), list, my orders, get, status changes,
//! cancel, history, per-order statistics, aggregate stats and the stock check.

use super::{Endpoint, Listed, PageQuery, limit, limited, success, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::audit::AuditEntry;
use ordo_domain::auth::Role;
use ordo_domain::ids::{AuditId, OrderId};
use ordo_domain::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use ordo_domain::order::query::{OrderFilter, RawOrderQuery};
use ordo_domain::order::values::{
    LongText, RawAddress, RawInsurance, RawVerification, VerificationData,
};
use ordo_domain::order::{Order, OrderStatus};
use ordo_domain::time::Timestamp;
use ordo_domain::usecases::{
    IdempotencyKey, OrderStatistics, OrderStats, PlaceOrder, StatusChange, StockHealth,
};
use ordo_domain::validation::FieldErrors;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An order body as clients send it: ordo's shape, plus seed 003's `order_items` and flat
/// `shipping_*` fields, which are translated here and nowhere else.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderBody {
    /// Whose order (a `patient_id`); a customer may leave it out (their own patient).
    patient_id: Option<String>,
    /// Where; else the `Territory-Id` header, else the patient's territory.
    territory_id: Option<String>,
    /// The provider.
    provider_id: Option<String>,
    /// The prescribing physician.
    physician_name: Option<String>,
    /// A service rather than goods (an order needs items or a service type).
    service_type: Option<String>,
    /// `normal` (default), `urgent` or `emergency`.
    priority: Option<String>,
    /// Insurance details.
    insurance_info: Option<RawInsurance>,
    /// Lines: 1–100 after duplicate products are merged; prices come from the catalogue.
    items: Option<Vec<RawOrderLine>>,
    /// Seed 003's name for `items` (give one or the other).
    order_items: Option<Vec<RawOrderLine>>,
    /// Where to ship.
    shipping_address: Option<RawAddress>,
    /// Seed 003's flat form of `shipping_address.line1` (give one form or the other).
    shipping_address_line1: Option<String>,
    /// Seed 003's `shipping_address.line2`.
    shipping_address_line2: Option<String>,
    /// Seed 003's `shipping_address.city`.
    shipping_city: Option<String>,
    /// Seed 003's `shipping_address.state`.
    shipping_state: Option<String>,
    /// Seed 003's `shipping_address.postal_code`.
    shipping_postal_code: Option<String>,
    /// Seed 003's `shipping_address.country`.
    shipping_country: Option<String>,
    /// Free text (up to 2000 characters).
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

/// A status change.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    /// The status to move to; seed 003's `pending` and `confirmed` are accepted for
    /// `pending_verification` and `verified`.
    status: Option<String>,
    /// Why (kept, redacted, in the audit log).
    notes: Option<String>,
    /// How the insurance was verified (with `verified`).
    verification_data: Option<RawVerification>,
}

/// The answer to a status change (seed 001's, plus the new `version`).
#[derive(Debug, Serialize, JsonSchema)]
struct StatusUpdated {
    /// The order.
    order_id: OrderId,
    /// Its status now.
    status: OrderStatus,
    /// When it changed.
    updated_at: Timestamp,
    /// The audit entry of the change.
    audit_id: AuditId,
    /// The order's version now (for `If-Match`).
    version: i64,
}

/// The answer to a cancellation.
#[derive(Debug, Serialize, JsonSchema)]
struct Cancelled {
    /// The order.
    order_id: OrderId,
    /// `cancelled`.
    status: OrderStatus,
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
            &StatusUpdated {
                order_id: done.order.id,
                status: done.order.status,
                updated_at: done.order.updated_at,
                audit_id: done.audit_id,
                version: done.order.version,
            },
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
            &Cancelled {
                order_id: done.order.id,
                status: done.order.status,
            },
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

const STAFF: &[Role] = &[Role::Admin, Role::Staff];

const ORDER_ID: &str = "The order's `order_id`.";

/// Fixed paths first: `my-orders`, `stats` and `health/stock-check` are not order ids.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "orders",
        vec![
            Endpoint::get("/api/v1/orders/my-orders", mine)
                .summary("The caller's orders")
                .describe("A customer's patient's orders, or those the caller placed; newest first.")
                .query::<PageQuery>()
                .list::<Order>()
                .limited(),
            Endpoint::get("/api/v1/orders/stats", stats)
                .summary("Counts by status and priority, totals, median time to verify, per territory")
                .roles(STAFF)
                .ok::<OrderStats>()
                .limited(),
            Endpoint::get("/api/v1/orders/health/stock-check", stock_check)
                .summary("Products out of stock or low, and a reserved-versus-held consistency check")
                .roles(STAFF)
                .ok::<StockHealth>()
                .limited(),
            Endpoint::post("/api/v1/orders", create)
                .summary("Place an order")
                .describe(
                    "Staff, admins, and customers for their own patient. Stock is reserved for \
                     every line or none. With an `Idempotency-Key`, a retry with the same key and \
                     body answers the first answer and creates nothing; the same key with another \
                     body is a `CONFLICT`. Seed 003's `order_items` and flat `shipping_*` fields \
                     are accepted.",
                )
                .header::<String>(
                    "Idempotency-Key",
                    "Makes a retry safe: kept 24 hours (visible ASCII, at most 255 characters).",
                )
                .body::<OrderBody>()
                .example(
                    "seed_001",
                    "Seed 001's body: a service order with insurance",
                    json!({
                        "patient_id": "3f0c6f1e-8d1a-4c61-9a52-6a2f0f4b1c7d",
                        "provider_id": "PRV-0042",
                        "insurance_info": {
                            "carrier": "NHIF",
                            "policy_number": "POL-123456",
                            "group_number": "GRP-42",
                        },
                        "service_type": "home_oxygen_setup",
                        "priority": "urgent",
                    }),
                )
                .example(
                    "seed_003",
                    "Seed 003's body: order_items and a flat shipping address (a customer's own patient)",
                    json!({
                        "shipping_address_line1": "123 Main St",
                        "shipping_city": "New York",
                        "shipping_state": "NY",
                        "shipping_postal_code": "10001",
                        "shipping_country": "USA",
                        "order_items": [{ "product_id": 1, "quantity": 2 }],
                    }),
                )
                .created::<Order>()
                .errors(&[
                    Code::InsufficientStock,
                    Code::PermissionDenied,
                    Code::NotFound,
                    Code::Conflict,
                ])
                .limited(),
            Endpoint::get("/api/v1/orders", list)
                .summary("List orders, filtered")
                .describe(
                    "Newest first, scoped to what the caller may see. Dates are RFC 3339 or \
                     `YYYY-MM-DD` (a whole day), both ends inclusive; amounts are decimal \
                     strings. A `territory_id` the caller does not hold is `TERRITORY_MISMATCH`.",
                )
                .query::<RawOrderQuery>()
                .list::<Order>()
                .limited(),
            Endpoint::get("/api/v1/orders/{id}", get)
                .summary("An order")
                .path_param::<OrderId>("id", ORDER_ID)
                .ok::<Order>()
                .errors(&[Code::OrderNotFound])
                .limited(),
            Endpoint::delete("/api/v1/orders/{id}", cancel)
                .summary("Cancel a pending order")
                .describe(
                    "Only while `pending_verification`: the order is kept for the audit and its \
                     stock released.",
                )
                .path_param::<OrderId>("id", ORDER_ID)
                .ok::<Cancelled>()
                .errors(&[
                    Code::PermissionDenied,
                    Code::OrderNotFound,
                    Code::InvalidStatus,
                    Code::Conflict,
                ])
                .limited(),
            Endpoint::put("/api/v1/orders/{id}/status", update_status)
                .summary("Move an order in the workflow")
                .describe(
                    "`pending_verification → verified | rejected | cancelled`, `rejected → \
                     pending_verification | cancelled`, `verified → shipped | completed | \
                     cancelled`, `shipped → delivered`, `delivered → completed`. Staff and admins \
                     make any allowed move in their territories; a customer only cancels their \
                     own pending order. With `If-Match: <version>` the change fails with \
                     `CONFLICT` if the order changed since.",
                )
                .path_param::<OrderId>("id", ORDER_ID)
                .header::<String>(
                    "If-Match",
                    "The order's `version` the change is meant for (optionally quoted).",
                )
                .body::<StatusBody>()
                .example(
                    "seed_001",
                    "Seed 001's body: verified, with how",
                    json!({
                        "status": "verified",
                        "notes": "Coverage confirmed by phone",
                        "verification_data": {
                            "verified_by": "staff.north@ordo.demo",
                            "verification_method": "phone",
                            "coverage_details": { "copay": "10.00", "covered": true },
                        },
                    }),
                )
                .example(
                    "seed_003",
                    "Seed 003's body: its `confirmed` means `verified`",
                    json!({ "status": "confirmed" }),
                )
                .ok::<StatusUpdated>()
                .answer_example(json!({
                    "status": "success",
                    "data": {
                        "order_id": "8a6e0f2c-5b1d-4e8f-9c3a-2d7b6e1f0a94",
                        "status": "verified",
                        "updated_at": "2026-11-23T10:00:00.000000Z",
                        "audit_id": "c2b9d1e4-7f3a-4b6c-8e5d-1a0f9b8c7d6e",
                        "version": 2,
                    },
                }))
                .errors(&[
                    Code::InsufficientStock,
                    Code::PermissionDenied,
                    Code::OrderNotFound,
                    Code::InvalidStatus,
                    Code::Conflict,
                ])
                .limited(),
            Endpoint::get("/api/v1/orders/{id}/history", history)
                .summary("The order's audit trail, oldest first")
                .path_param::<OrderId>("id", ORDER_ID)
                .ok::<Vec<AuditEntry>>()
                .errors(&[Code::OrderNotFound])
                .limited(),
            Endpoint::get("/api/v1/orders/{id}/statistics", statistics)
                .summary("Lines, units, total, age and time spent in each status")
                .path_param::<OrderId>("id", ORDER_ID)
                .ok::<OrderStatistics>()
                .errors(&[Code::OrderNotFound])
                .limited(),
        ],
    )
}
