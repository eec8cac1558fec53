//! Access tokens: JWT signed with HS256, every registered claim required and checked.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use ordo_domain::auth::Role;
use ordo_domain::ids::UserId;
use ordo_domain::ports::{Claims, TokenCodec, TokenError};
use ordo_domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The HS256 key: at least 32 bytes. `Debug` never prints it.
#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    /// Shortest accepted key, in bytes (HS256's own output size).
    pub const MIN_LEN: usize = 32;

    /// A key of at least 32 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, SecretError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(SecretError { len: bytes.len() });
        }
        Ok(Self(bytes))
    }

    /// The key's bytes, for writing it to the data directory.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret([redacted])")
    }
}

/// A key that is too short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("ORDO_JWT_SECRET must be at least 32 bytes (it has {len})")]
pub struct SecretError {
    /// Its length in bytes.
    pub len: usize,
}

/// The token's body.
#[derive(Debug, Serialize, Deserialize)]
struct Body {
    sub: String,
    role: Role,
    jti: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    iss: String,
    aud: String,
}

/// Issues and checks ordo's access tokens.
#[derive(Clone)]
pub struct JwtCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtCodec")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl JwtCodec {
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub const LEEWAY_SECS: u64 = 30;

    /// A codec for tokens issued by `issuer` for `audience`.
    pub fn new(secret: &JwtSecret, issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = Self::LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        Self {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }
}

fn secs(t: Timestamp) -> i64 {
    t.unix_micros() / 1_000_000
}

impl TokenCodec for JwtCodec {
    fn issue(&self, c: &Claims) -> Result<String, String> {
        let body = Body {
            sub: c.user_id.to_string(),
            role: c.role,
            jti: c.jti.clone(),
            iat: secs(c.issued_at),
            nbf: secs(c.issued_at),
            exp: secs(c.expires_at),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        encode(&Header::new(Algorithm::HS256), &body, &self.encoding).map_err(|e| e.to_string())
    }

    fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let data = decode::<Body>(token, &self.decoding, &self.validation).map_err(|e| match e
            .kind()
        {
            ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => TokenError::Expired,
            ErrorKind::InvalidToken
            | ErrorKind::Base64(_)
            | ErrorKind::Json(_)
            | ErrorKind::Utf8(_) => TokenError::Malformed,
            _ => TokenError::Invalid,
        })?;
        let b = data.claims;
        let at = |s: i64| {
            Timestamp::from_unix_micros(s.saturating_mul(1_000_000)).ok_or(TokenError::Invalid)
        };
        Ok(Claims {
            user_id: b.sub.parse::<UserId>().map_err(|_| TokenError::Invalid)?,
            role: b.role,
            jti: b.jti,
            issued_at: at(b.iat)?,
            expires_at: at(b.exp)?,
        })
    }
}

#[cfg(test)]
mod tests;
