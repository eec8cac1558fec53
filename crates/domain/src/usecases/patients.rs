//! Patients: registration and reading, scoped like orders.

use super::Ordo;
use super::access::check_patient_access;
use crate::audit::{AuditAction, AuditDraft, EntityType};
use crate::auth::{Actor, Role};
use crate::error::Error;
use crate::ids::{AuditId, PatientCode, PatientId, TerritoryId};
use crate::order::query::Page;
use crate::people::{NewPatient, Patient};
use crate::ports::{Change, Listing, Write};
use serde_json::json;

impl Ordo {
    /// Registers a patient (staff in their territories, admins anywhere). The territory is the
    /// body's, else the header's, else the caller's only one.
    pub fn create_patient(
        &self,
        actor: &Actor,
        header: Option<&TerritoryId>,
        new: NewPatient,
    ) -> Result<Patient, Error> {
        actor.require_staff()?;
        actor.check_header(header)?;
        let territory = match (new.territory_id.as_ref(), header) {
            (Some(b), Some(h)) if b != h => return Err(Error::TerritoryMismatch(Some(b.clone()))),
            (Some(t), _) | (None, Some(t)) => t.clone(),
            (None, None) => only_territory(actor)?,
        };
        actor.require_territory(&territory)?;
        self.require_active_territory(&territory)?;
        let now = self.ports.clock.now();
        let patient = Patient {
            id: PatientId::from_uuid(self.new_uuid()),
            code: new.code,
            name: new.name,
            contact_number: new.contact_number,
            email: new.email,
            insurance_number: new.insurance_number,
            territory_id: territory.clone(),
            created_at: now,
        };
        let audit = AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            now,
            Some(actor.user_id()),
            AuditAction::PatientCreated,
            EntityType::Patient,
            patient.id.to_string(),
        )
        .territory(territory)
        .data(json!({ "code": patient.code }));
        self.ports.uow.commit(Change {
            writes: vec![Write::InsertPatient(Box::new(patient.clone()))],
            audit: vec![audit],
            ..Change::default()
        })?;
        Ok(patient)
    }

    /// A page of the patients the caller may see: their territories' (staff, narrowed by the
    /// header), all (admins), or only their own (customers).
    pub fn list_patients(
        &self,
        actor: &Actor,
        header: Option<&TerritoryId>,
        page: Page,
    ) -> Result<Listing<Patient>, Error> {
        if actor.role() == Role::Customer {
            let own = match actor.patient_id() {
                Some(id) => self.ports.patients.get(id)?.into_iter().collect::<Vec<_>>(),
                None => Vec::new(),
            };
            let total = own.len() as u64;
            let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
            let rows = own
                .into_iter()
                .skip(skip)
                .take(page.limit() as usize)
                .collect();
            return Ok(Listing { rows, total });
        }
        let scope = actor.scope_with_header(header)?;
        Ok(self.ports.patients.list(&scope, page)?)
    }

    /// One patient the caller may see.
    pub fn get_patient(&self, actor: &Actor, id: PatientId) -> Result<Patient, Error> {
        self.visible_patient(actor, id)
    }

    /// One patient by code (seed 004's `customer_code`), if the caller may see them.
    pub fn get_patient_by_code(&self, actor: &Actor, code: &PatientCode) -> Result<Patient, Error> {
        let patient = self
            .ports
            .patients
            .get_by_code(code)?
            .ok_or(Error::NotFound("patient"))?;
        check_patient_access(actor, &patient)?;
        Ok(patient)
    }
}

/// The caller's one territory, when the request named none.
fn only_territory(actor: &Actor) -> Result<TerritoryId, Error> {
    let mut held = actor.territories().iter();
    match (held.next(), held.next(), actor.role()) {
        (Some(t), None, Role::Staff) => Ok(t.clone()),
        _ => Err(Error::field(
            "territory_id",
            "is required (or a Territory-Id header) when the caller holds several territories",
        )),
    }
}
