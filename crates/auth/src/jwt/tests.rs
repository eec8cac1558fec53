//! Tests of `jwt.rs`.

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
