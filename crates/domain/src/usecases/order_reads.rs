//! Reading orders, scoped to what the caller may see.

use super::Ordo;
use crate::auth::{Actor, Role, TerritoryScope};
use crate::error::Error;
use crate::ids::{OrderId, TerritoryId};
use crate::order::Order;
use crate::order::query::{OrderFilter, OrderQuery, Page};
use crate::ports::Listing;

impl Ordo {
    /// One order the caller may see.
    pub fn get_order(&self, actor: &Actor, id: OrderId) -> Result<Order, Error> {
        self.visible_order(actor, id)
    }

    /// A filtered page of the orders the caller may see: a customer only their patient's; staff
    /// their territories' (narrowed by the header or a `territory_id` filter they hold); admins all.
    pub fn list_orders(
        &self,
        actor: &Actor,
        header: Option<&TerritoryId>,
        filter: OrderFilter,
        page: Page,
    ) -> Result<Listing<Order>, Error> {
        let (scope, patient) = match actor.role() {
            Role::Customer => {
                if header.is_some() || filter.territory_id.is_some() {
                    return Err(Error::TerritoryMismatch(
                        header.or(filter.territory_id.as_ref()).cloned(),
                    ));
                }
                let Some(own) = actor.patient_id() else {
                    return Ok(Listing {
                        rows: Vec::new(),
                        total: 0,
                    });
                };
                (TerritoryScope::All, Some(own))
            }
            Role::Staff | Role::Admin => {
                if let Some(t) = &filter.territory_id {
                    actor.require_territory(t)?;
                }
                (actor.scope_with_header(header)?, None)
            }
        };
        Ok(self.ports.orders.list(&OrderQuery {
            filter,
            scope,
            patient,
            page,
        })?)
    }

    /// The caller's own orders: their patient's (customers) or those they placed (staff, admins).
    pub fn my_orders(&self, actor: &Actor, page: Page) -> Result<Listing<Order>, Error> {
        let mut filter = OrderFilter::default();
        if actor.role() != Role::Customer {
            filter.created_by = Some(actor.user_id());
        }
        let scope = if actor.role() == Role::Customer {
            TerritoryScope::All
        } else {
            actor.scope()
        };
        let patient = match actor.role() {
            Role::Customer => match actor.patient_id() {
                Some(p) => Some(p),
                None => {
                    return Ok(Listing {
                        rows: Vec::new(),
                        total: 0,
                    });
                }
            },
            _ => None,
        };
        Ok(self.ports.orders.list(&OrderQuery {
            filter,
            scope,
            patient,
            page,
        })?)
    }
}
