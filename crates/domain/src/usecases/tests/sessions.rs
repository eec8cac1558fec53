//! A session kept for a moment by an adapter stays valid only while its token does.

use crate::auth::Role;
use crate::error::Error;
use crate::ports::Claims;
use crate::usecases::Session;
use crate::usecases::testkit::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn session(expires_in_secs: i64) -> Session {
    Session {
        actor: staff(&["north"]),
        claims: Claims {
            user_id: uid(2),
            role: Role::Staff,
            jti: "jti-1".into(),
            issued_at: now(),
            expires_at: now().plus_seconds(expires_in_secs),
        },
        user: crate::people::User {
            id: uid(2),
            email: crate::contact::Email::parse("s@example.com").unwrap(),
            role: Role::Staff,
            territories: vec![t("north")],
            patient_id: None,
            phone: None,
            active: true,
            created_at: now(),
        },
    }
}

#[test]
fn a_kept_session_holds_until_its_token_is_revoked_or_expires() {
    let revoked = Arc::new(AtomicBool::new(false));
    let mut kit = Kit::new();
    let flag = revoked.clone();
    kit.revoked
        .expect_is_revoked()
        .returning(move |jti| Ok(jti == "jti-1" && flag.load(Ordering::SeqCst)));
    // Revalidation never reads the user again.
    kit.users.expect_get().never();
    let ordo = kit.build();

    assert_eq!(ordo.revalidate(&session(60)), Ok(()));
    revoked.store(true, Ordering::SeqCst);
    assert_eq!(ordo.revalidate(&session(60)), Err(Error::Unauthenticated));
    revoked.store(false, Ordering::SeqCst);
    assert_eq!(
        ordo.revalidate(&session(0)),
        Err(Error::Unauthenticated),
        "expired"
    );
}
