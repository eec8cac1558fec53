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
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use uuid::Uuid;

    fn secret(byte: u8) -> JwtSecret {
        JwtSecret::new(vec![byte; 32]).unwrap()
    }

    fn codec() -> JwtCodec {
        JwtCodec::new(&secret(7), "ordo", "ordo-api")
    }

    fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn claims(issued: i64, expires: i64) -> Claims {
        Claims {
            user_id: UserId::from_uuid(Uuid::from_u128(42)),
            role: Role::Staff,
            jti: "abc".into(),
            issued_at: Timestamp::from_unix_micros(issued * 1_000_000).unwrap(),
            expires_at: Timestamp::from_unix_micros(expires * 1_000_000).unwrap(),
        }
    }

    fn valid() -> Claims {
        claims(now_secs(), now_secs() + 3600)
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert_eq!(JwtSecret::new(vec![1; 31]).unwrap_err().len, 31);
        assert!(!format!("{:?}", secret(65)).contains("65"));
    }

    #[test]
    fn a_token_round_trips() {
        let c = valid();
        let token = codec().issue(&c).unwrap();
        let back = codec().decode(&token).unwrap();
        assert_eq!(
            (back.user_id, back.role, back.jti),
            (c.user_id, c.role, c.jti)
        );
    }

    /// Every way a token can be wrong is refused.
    #[test]
    fn the_attack_table() {
        let good = codec().issue(&valid()).unwrap();
        let (_, rest) = good.split_once('.').unwrap();
        let (body, _sig) = rest.split_once('.').unwrap();
        let header = |json: &str| B64.encode(json);
        let alg_none = format!("{}.{body}.", header(r#"{"alg":"none","typ":"JWT"}"#));
        // HS/RS confusion: claim RS256 but sign with the shared secret.
        let rs_header = header(r#"{"alg":"RS256","typ":"JWT"}"#);
        let rs_sig = hs256_sign(&format!("{rs_header}.{body}"));
        let rs_confused = format!("{rs_header}.{body}.{rs_sig}");
        let cases: Vec<(&str, String, TokenError)> = vec![
            ("alg none", alg_none, TokenError::Malformed),
            ("HS/RS confusion", rs_confused, TokenError::Invalid),
            (
                "another key",
                JwtCodec::new(&secret(9), "ordo", "ordo-api")
                    .issue(&valid())
                    .unwrap(),
                TokenError::Invalid,
            ),
            (
                "expired",
                codec()
                    .issue(&claims(now_secs() - 7200, now_secs() - 3600))
                    .unwrap(),
                TokenError::Expired,
            ),
            (
                "not yet valid",
                codec()
                    .issue(&claims(now_secs() + 600, now_secs() + 3600))
                    .unwrap(),
                TokenError::Expired,
            ),
            (
                "wrong issuer",
                JwtCodec::new(&secret(7), "evil", "ordo-api")
                    .issue(&valid())
                    .unwrap(),
                TokenError::Invalid,
            ),
            (
                "wrong audience",
                JwtCodec::new(&secret(7), "ordo", "other")
                    .issue(&valid())
                    .unwrap(),
                TokenError::Invalid,
            ),
            ("malformed", "not.a.token".into(), TokenError::Malformed),
            ("empty", String::new(), TokenError::Malformed),
            (
                "tampered body",
                format!(
                    "{}.{}.{}",
                    good.split('.').next().unwrap(),
                    header(r#"{"sub":"x"}"#),
                    good.rsplit('.').next().unwrap()
                ),
                TokenError::Invalid,
            ),
        ];
        for (name, token, want) in cases {
            let got = codec().decode(&token);
            assert!(got.is_err(), "{name} was accepted");
            // The exact kind matters less than refusal, but each should be the expected one.
            assert_eq!(got.unwrap_err(), want, "{name}");
        }
    }

    /// HMAC-SHA256 with the test secret, for forging a token whose header claims RS256.
    fn hs256_sign(input: &str) -> String {
        let key = jsonwebtoken::EncodingKey::from_secret(&[7; 32]);
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256).unwrap()
    }
}
