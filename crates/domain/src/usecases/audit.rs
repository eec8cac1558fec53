//! Reading the audit log and verifying its chain.

use super::Ordo;
use crate::audit::{AuditEntry, ChainBreak, EntityType};
use crate::auth::Actor;
use crate::error::Error;
use crate::ids::OrderId;
use crate::order::query::Page;
use crate::ports::{AuditFilter, Listing};

impl Ordo {
    /// An order's audit trail, oldest first, for whoever may see the order.
    pub fn order_history(&self, actor: &Actor, id: OrderId) -> Result<Vec<AuditEntry>, Error> {
        let order = self.visible_order(actor, id)?;
        Ok(self
            .ports
            .audit
            .history(EntityType::Order, &order.id.to_string())?)
    }

    /// A filtered page of the audit log, newest first (admins).
    pub fn list_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<Listing<AuditEntry>, Error> {
        actor.require_admin()?;
        Ok(self.ports.audit.list(filter, page)?)
    }

    /// Walks the whole chain: the number of entries, or the first broken link.
    pub fn verify_audit(&self) -> Result<Result<usize, ChainBreak>, Error> {
        Ok(self.ports.audit.verify()?)
    }
}
