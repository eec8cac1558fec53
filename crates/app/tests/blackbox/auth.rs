//! Log-in, `me`, log-out and revocation, through the real binary.

use crate::server::{PASSWORD, Server, agent, error_code, send};

#[test]
fn log_in_see_yourself_log_out_and_the_token_dies() {
    let s = Server::start();
    let (status, body) = s.login("ADMIN@example.com", PASSWORD);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["token_type"], "Bearer");
    assert_eq!(body["data"]["expires_in"], 3600);
    assert_eq!(body["data"]["user"]["role"], "admin");
    let token = body["data"]["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");

    let (status, me) = send(
        agent()
            .get(&s.url("/api/v1/auth/me"))
            .header("Authorization", &bearer)
            .call(),
    );
    assert_eq!(
        (status, me["data"]["email"].as_str()),
        (200, Some("admin@example.com"))
    );
    assert!(
        me["data"].get("password_hash").is_none(),
        "no hash in answers"
    );

    let (status, out) = send(
        agent()
            .post(&s.url("/api/v1/auth/logout"))
            .header("Authorization", &bearer)
            .send_empty(),
    );
    assert_eq!(
        (status, &out["data"]["revoked"]),
        (200, &serde_json::json!(true))
    );
    let (status, body) = send(
        agent()
            .get(&s.url("/api/v1/auth/me"))
            .header("Authorization", &bearer)
            .call(),
    );
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));
}

#[test]
fn wrong_password_and_unknown_account_look_the_same() {
    let s = Server::start();
    let (a, wrong) = s.login("admin@example.com", "not the password");
    let (b, unknown) = s.login("nobody@example.com", PASSWORD);
    assert_eq!((a, b), (401, 401));
    assert_eq!(wrong, unknown);
}

#[test]
fn bad_tokens_are_401_in_the_error_shape() {
    let s = Server::start();
    let good = s.admin_token();
    let (head, rest) = good.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let none_alg = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        rest.split('.').next().unwrap()
    );
    let tampered = format!("{head}.eyJzdWIiOiJ4In0.{sig}");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("not bearer", Some(format!("Basic {good}"))),
        ("malformed", Some("Bearer abc".into())),
        ("alg none", Some(format!("Bearer {none_alg}"))),
        ("tampered", Some(format!("Bearer {tampered}"))),
    ];
    for (name, header) in cases {
        let mut req = agent().get(&s.url("/api/v1/auth/me"));
        if let Some(h) = &header {
            req = req.header("Authorization", h);
        }
        let (status, body) = send(req.call());
        assert_eq!(
            (status, error_code(&body)),
            (401, "UNAUTHENTICATED"),
            "{name}"
        );
    }
}

/// A token whose header says RS256 but which is signed with the shared secret as an HMAC key:
/// the classic confusion attack on servers that take the algorithm from the token.
fn rs_confused(claims: &serde_json::Value) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head = b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let body = b64.encode(claims.to_string());
    let key = jsonwebtoken::EncodingKey::from_secret(crate::server::SECRET.as_bytes());
    let sig = jsonwebtoken::crypto::sign(
        format!("{head}.{body}").as_bytes(),
        &key,
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    format!("{head}.{body}.{sig}")
}

/// Tokens forged with the server's own secret but wrong claims, or with another key or
/// algorithm: each is a 401 in the error shape.
#[test]
fn the_token_attack_table() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let s = Server::start();
    let good = s.admin_token();
    let (_, me) = send(
        agent()
            .get(&s.url("/api/v1/auth/me"))
            .header("Authorization", &format!("Bearer {good}"))
            .call(),
    );
    let sub = me["data"]["user_id"].as_str().unwrap().to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |iss: &str, aud: &str, nbf: i64, exp: i64| serde_json::json!({"sub": sub, "role": "admin", "jti": "forged", "iat": nbf, "nbf": nbf, "exp": exp, "iss": iss, "aud": aud});
    let ours = EncodingKey::from_secret(crate::server::SECRET.as_bytes());
    let hs = |c: serde_json::Value, key: &EncodingKey| {
        encode(&Header::new(Algorithm::HS256), &c, key).unwrap()
    };
    let hs384 = encode(
        &Header::new(Algorithm::HS384),
        &claims("ordo", "ordo-api", now, now + 600),
        &ours,
    )
    .unwrap();
    let cases = [
        (
            "control: a well-formed forgery with the real secret is accepted",
            hs(claims("ordo", "ordo-api", now, now + 600), &ours),
            200,
        ),
        (
            "another key",
            hs(
                claims("ordo", "ordo-api", now, now + 600),
                &EncodingKey::from_secret(&[1; 32]),
            ),
            401,
        ),
        (
            "expired",
            hs(claims("ordo", "ordo-api", now - 7200, now - 3600), &ours),
            401,
        ),
        (
            "not yet valid",
            hs(claims("ordo", "ordo-api", now + 3600, now + 7200), &ours),
            401,
        ),
        (
            "wrong issuer",
            hs(claims("evil", "ordo-api", now, now + 600), &ours),
            401,
        ),
        (
            "wrong audience",
            hs(claims("ordo", "other", now, now + 600), &ours),
            401,
        ),
        ("another HMAC algorithm", hs384, 401),
        (
            "HS/RS confusion",
            rs_confused(&claims("ordo", "ordo-api", now, now + 600)),
            401,
        ),
    ];
    for (name, token, want) in cases {
        let (status, body) = send(
            agent()
                .get(&s.url("/api/v1/auth/me"))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        );
        assert_eq!(status, want, "{name}: {body}");
        if want == 401 {
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "{name}");
        }
    }
}
