//! Patients (SPEC §6): staff in their territories and admins register and read them; a customer
//! reads only their own.

use super::{Endpoint, Listed, PageQuery, limit, limited, success, tagged};
use crate::error::ApiError;
use crate::limits::Class;
use crate::openapi::Code;
use crate::{AppState, Caller, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use ordo_domain::Error;
use ordo_domain::auth::Role;
use ordo_domain::ids::PatientId;
use ordo_domain::people::{NewPatient, Patient, RawPatient};
use serde_json::{Value, json};

/// A patient as answered: PHI is shown to callers allowed to see the patient, and only to them.
/// The same fields as [`Patient`]'s serde form (documented by its schema), with each PHI value
/// exposed here, visibly.
fn view(p: &ordo_domain::people::Patient) -> Value {
    json!({
        "patient_id": p.id,
        "code": p.code,
        "name": p.name.expose(),
        "contact_number": p.contact_number.expose().as_str(),
        "email": p.email.as_ref().map(|e| e.expose().as_str()),
        "insurance_number": p.insurance_number.as_ref().map(|i| i.expose()),
        "territory_id": p.territory_id,
        "created_at": p.created_at,
    })
}

async fn create(
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
    Ok(limited(success(StatusCode::CREATED, &view(&patient)), n))
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let page = q.into_inner().page()?;
    let ordo = state.ordo.clone();
    let header = caller.territory_header().cloned();
    let actor = caller.0.actor.clone();
    let listing = blocking(move || ordo.list_patients(&actor, header.as_ref(), page)).await?;
    let rows: Vec<Value> = listing.rows.iter().map(view).collect();
    Ok(limited(
        Listed(
            ordo_domain::ports::Listing {
                rows,
                total: listing.total,
            },
            page,
        )
        .into(),
        n,
    ))
}

async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = limit(&state, &caller, Class::Query)?;
    let id: PatientId = id
        .parse()
        .map_err(|_| ApiError::from(Error::NotFound("patient")))?;
    let ordo = state.ordo.clone();
    let actor = caller.0.actor.clone();
    let patient = blocking(move || ordo.get_patient(&actor, id)).await?;
    Ok(limited(success(StatusCode::OK, &view(&patient)), n))
}

const STAFF: &[Role] = &[Role::Admin, Role::Staff];

pub(crate) fn endpoints() -> Vec<Endpoint> {
    tagged(
        "patients",
        vec![
            Endpoint::post("/api/v1/patients", create)
                .summary("Register a patient")
                .describe(
                    "Staff in their own territories, and admins. The territory is the body's \
                     `territory_id`, else the `Territory-Id` header, else the caller's only \
                     territory, else a `VALIDATION_ERROR`. Phone numbers are E.164.",
                )
                .roles(STAFF)
                .body::<RawPatient>()
                .example(
                    "seed_004",
                    "Seed 004's customer, in a territory",
                    json!({
                        "name": "James Bond",
                        "code": "CUST007",
                        "contact_number": "+25470007007",
                        "email": "JamesBond@gmail.com",
                        "insurance_number": "INS123456789",
                        "territory_id": "north",
                    }),
                )
                .created::<Patient>()
                .errors(&[Code::Conflict, Code::NotFound])
                .limited(),
            Endpoint::get("/api/v1/patients", list)
                .summary("List patients")
                .describe("Staff see their territories', admins all, a customer only their own.")
                .query::<PageQuery>()
                .list::<Patient>()
                .limited(),
            Endpoint::get("/api/v1/patients/{id}", get)
                .summary("A patient")
                .path_param::<PatientId>("id", "The patient's `patient_id`.")
                .ok::<Patient>()
                .errors(&[Code::NotFound])
                .limited(),
        ],
    )
}
