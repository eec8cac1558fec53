//! Users and territories: administration.

use super::Ordo;
use crate::audit::{AuditAction, AuditDraft, EntityType};
use crate::auth::{Actor, Role};
use crate::error::Error;
use crate::ids::{AuditId, TerritoryId, UserId};
use crate::order::query::Page;
use crate::people::{NewUser, Territory, User, UserPatch};
use crate::ports::{Change, Listing, Write};
use serde_json::json;

impl Ordo {
    /// Creates a user (admins). Territories and the patient must exist.
    pub fn create_user(&self, actor: Option<&Actor>, new: NewUser) -> Result<User, Error> {
        if let Some(a) = actor {
            a.require_admin()?;
        }
        self.check_user_refs(&new.territories, new.patient_id)?;
        let hash = self
            .ports
            .hasher
            .hash(&new.password)
            .map_err(Error::Internal)?;
        let now = self.ports.clock.now();
        let user = User {
            id: UserId::from_uuid(self.new_uuid()),
            email: new.email,
            role: new.role,
            territories: new.territories,
            patient_id: new.patient_id,
            phone: new.phone,
            active: true,
            created_at: now,
        };
        let audit = self
            .user_audit(actor, AuditAction::UserCreated, &user)
            .data(json!({ "role": user.role, "territories": user.territories, "active": true }));
        self.ports.uow.commit(Change {
            writes: vec![Write::InsertUser(Box::new(user.clone()), hash)],
            audit: vec![audit],
            ..Change::default()
        })?;
        Ok(user)
    }

    fn check_user_refs(
        &self,
        territories: &[TerritoryId],
        patient: Option<crate::ids::PatientId>,
    ) -> Result<(), Error> {
        let mut e = crate::validation::FieldErrors::new();
        for (i, t) in territories.iter().enumerate() {
            if self.ports.territories.get(t)?.is_none() {
                e.add(format!("territories[{i}]"), "unknown territory");
            }
        }
        if let Some(p) = patient {
            if self.ports.patients.get(p)?.is_none() {
                e.add("patient_id", "unknown patient");
            }
        }
        Ok(e.finish(|| ())?)
    }

    fn user_audit(&self, actor: Option<&Actor>, action: AuditAction, user: &User) -> AuditDraft {
        AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            self.ports.clock.now(),
            actor.map(Actor::user_id),
            action,
            EntityType::User,
            user.id.to_string(),
        )
    }

    /// A page of users (admins).
    pub fn list_users(&self, actor: &Actor, page: Page) -> Result<Listing<User>, Error> {
        actor.require_admin()?;
        Ok(self.ports.users.list(page)?)
    }

    /// One user (admins, or the user themself).
    pub fn get_user(&self, actor: &Actor, id: UserId) -> Result<User, Error> {
        if actor.user_id() != id {
            actor.require_admin()?;
        }
        self.ports.users.get(id)?.ok_or(Error::NotFound("user"))
    }

    /// Changes a user (admins): role, territories, active flag, password, phone. A deactivated
    /// user's tokens stop working at their next request.
    pub fn update_user(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User, Error> {
        actor.require_admin()?;
        let mut user = self.ports.users.get(id)?.ok_or(Error::NotFound("user"))?;
        if let Some(ts) = &patch.territories {
            self.check_user_refs(ts, None)?;
            user.territories = ts.clone();
        }
        if let Some(r) = patch.role {
            user.role = r;
        }
        if let Some(a) = patch.active {
            user.active = a;
        }
        if let Some(p) = &patch.phone {
            user.phone = Some(p.clone());
        }
        if user.role == Role::Staff && user.territories.is_empty() {
            return Err(Error::field(
                "territories",
                "staff need at least one territory",
            ));
        }
        if user.role == Role::Customer && user.patient_id.is_none() {
            return Err(Error::field("role", "a customer needs a patient"));
        }
        let hash = patch
            .password
            .as_ref()
            .map(|p| self.ports.hasher.hash(p).map_err(Error::Internal))
            .transpose()?;
        let audit = self
            .user_audit(Some(actor), AuditAction::UserUpdated, &user)
            .data(json!({
                "role": user.role,
                "territories": user.territories,
                "active": user.active,
                "password_changed": hash.is_some(),
            }));
        self.ports.uow.commit(Change {
            writes: vec![Write::UpdateUser(Box::new(user.clone()), hash)],
            audit: vec![audit],
            ..Change::default()
        })?;
        Ok(user)
    }

    /// Adds a territory (admins; `None` for the CLI and demo loader).
    pub fn create_territory(
        &self,
        actor: Option<&Actor>,
        territory: Territory,
    ) -> Result<Territory, Error> {
        if let Some(a) = actor {
            a.require_admin()?;
        }
        let audit = AuditDraft::new(
            AuditId::from_uuid(self.new_uuid()),
            self.ports.clock.now(),
            actor.map(Actor::user_id),
            AuditAction::TerritoryCreated,
            EntityType::Territory,
            territory.id.as_str(),
        )
        .territory(territory.id.clone())
        .data(json!({ "name": territory.name }));
        self.ports.uow.commit(Change {
            writes: vec![Write::InsertTerritory(territory.clone())],
            audit: vec![audit],
            ..Change::default()
        })?;
        Ok(territory)
    }

    /// Every territory (everyone may read them).
    pub fn list_territories(&self) -> Result<Vec<Territory>, Error> {
        Ok(self.ports.territories.list()?)
    }
}
