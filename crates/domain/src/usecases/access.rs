//! Who may see which order or patient. One place, so every route scopes the same way.

use super::Ordo;
use crate::auth::{Actor, Role};
use crate::error::Error;
use crate::ids::{OrderId, PatientId};
use crate::notification::Recipient;
use crate::order::Order;
use crate::people::Patient;

impl Ordo {
    /// The order, if the caller may see it: a customer asking for another patient's order is
    /// told it does not exist; staff asking outside their territories get a mismatch.
    pub(crate) fn visible_order(&self, actor: &Actor, id: OrderId) -> Result<Order, Error> {
        let order = self.ports.orders.get(id)?.ok_or(Error::OrderNotFound)?;
        match actor.role() {
            Role::Admin => Ok(order),
            Role::Staff => {
                actor.require_territory(&order.territory_id)?;
                Ok(order)
            }
            Role::Customer if actor.patient_id() == Some(order.patient_id) => Ok(order),
            Role::Customer => Err(Error::OrderNotFound),
        }
    }

    /// The patient, if the caller may see them (same rules as orders).
    pub(crate) fn visible_patient(&self, actor: &Actor, id: PatientId) -> Result<Patient, Error> {
        let patient = self
            .ports
            .patients
            .get(id)?
            .ok_or(Error::NotFound("patient"))?;
        check_patient_access(actor, &patient)?;
        Ok(patient)
    }
}

/// Whether the caller may see or act for `patient`.
pub(crate) fn check_patient_access(actor: &Actor, patient: &Patient) -> Result<(), Error> {
    match actor.role() {
        Role::Admin => Ok(()),
        Role::Staff => actor.require_territory(&patient.territory_id),
        Role::Customer if actor.patient_id() == Some(patient.id) => Ok(()),
        Role::Customer => Err(Error::NotFound("patient")),
    }
}

/// Whose preferences govern what reaches this caller: a customer's are their patient's, since
/// automatic notifications go to the patient.
pub(crate) fn preference_owner(actor: &Actor) -> Recipient {
    match (actor.role(), actor.patient_id()) {
        (Role::Customer, Some(p)) => Recipient::Patient(p),
        _ => Recipient::User(actor.user_id()),
    }
}

/// Every recipient whose notifications the caller reads: their own, and their patient's.
pub(crate) fn inbox_of(actor: &Actor) -> Vec<Recipient> {
    let mut out = vec![Recipient::User(actor.user_id())];
    if let (Role::Customer, Some(p)) = (actor.role(), actor.patient_id()) {
        out.push(Recipient::Patient(p));
    }
    out
}
