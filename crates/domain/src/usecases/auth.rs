//! Log-in, log-out and turning a token into an [`Actor`].

use super::Ordo;
use crate::auth::Actor;
use crate::contact::Email;
use crate::error::Error;
use crate::people::{Password, User};
use crate::ports::{Claims, TokenError};

/// A signed-in session.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginOutcome {
    /// The bearer token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Who signed in.
    pub user: User,
}

/// An authenticated request: who, and the token's claims (for log-out).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The caller.
    pub actor: Actor,
    /// The token's claims.
    pub claims: Claims,
    /// The caller's user record.
    pub user: User,
}

impl Ordo {
    /// Checks a log-in and issues a token. Unknown e-mail, wrong password and inactive user all
    /// answer the same, after the same work, so a caller cannot probe which accounts exist.
    pub fn login(&self, email: &str, password: &str) -> Result<LoginOutcome, Error> {
        let password = Password::offered(password).ok_or(Error::Unauthenticated)?;
        let found = match Email::parse(email) {
            Ok(email) => self.ports.users.credentials(&email)?,
            Err(_) => None,
        };
        let Some((user, hash)) = found else {
            self.ports.hasher.waste_time(&password);
            return Err(Error::Unauthenticated);
        };
        if !self.ports.hasher.verify(&password, &hash) || !user.active {
            return Err(Error::Unauthenticated);
        }
        let now = self.ports.clock.now();
        let ttl = self.settings.token_ttl_secs;
        let claims = Claims {
            user_id: user.id,
            role: user.role,
            jti: self.new_uuid().simple().to_string(),
            issued_at: now,
            expires_at: now.plus_seconds(ttl),
        };
        let access_token = self.ports.tokens.issue(&claims).map_err(Error::Internal)?;
        Ok(LoginOutcome {
            access_token,
            expires_in: ttl,
            user,
        })
    }

    /// Turns a bearer token into a session: valid signature and claims, not revoked, and a user
    /// who still exists and is active. Role and territories come from the user record, so a
    /// change by an admin applies at once.
    pub fn authenticate(&self, token: &str) -> Result<Session, Error> {
        let claims = self
            .ports
            .tokens
            .decode(token)
            .map_err(|_: TokenError| Error::Unauthenticated)?;
        if self.ports.revoked.is_revoked(&claims.jti)? {
            return Err(Error::Unauthenticated);
        }
        let user = self
            .ports
            .users
            .get(claims.user_id)?
            .ok_or(Error::Unauthenticated)?;
        if !user.active {
            return Err(Error::Unauthenticated);
        }
        let actor = Actor::new(
            user.id,
            user.role,
            user.territories.iter().cloned(),
            user.patient_id,
        );
        Ok(Session {
            actor,
            claims,
            user,
        })
    }

    /// Whether a session authenticated a moment ago still holds, without reading the user
    /// again: its token has not expired and has not been revoked. For adapters that keep
    /// sessions for a few seconds; a change to the user (role, territories, deactivation) then
    /// reaches them when their copy expires.
    pub fn revalidate(&self, session: &Session) -> Result<(), Error> {
        if session.claims.expires_at <= self.ports.clock.now()
            || self.ports.revoked.is_revoked(&session.claims.jti)?
        {
            return Err(Error::Unauthenticated);
        }
        Ok(())
    }

    /// [`Ordo::revalidate`] when it needs no I/O (the revocations are known fresh): never
    /// blocks; `None` means call `revalidate` where blocking is allowed.
    pub fn revalidate_if_known(&self, session: &Session) -> Option<Result<(), Error>> {
        if session.claims.expires_at <= self.ports.clock.now() {
            return Some(Err(Error::Unauthenticated));
        }
        match self
            .ports
            .revoked
            .is_revoked_if_known(&session.claims.jti)?
        {
            true => Some(Err(Error::Unauthenticated)),
            false => Some(Ok(())),
        }
    }

    /// Revokes the session's token until it would have expired, for every instance.
    pub fn logout(&self, session: &Session) -> Result<(), Error> {
        Ok(self
            .ports
            .revoked
            .revoke(&session.claims.jti, session.claims.expires_at)?)
    }
}
