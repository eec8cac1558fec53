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

#[test]
fn a_kept_session_is_revalidated_without_io_only_when_revocations_are_known() {
    let mut kit = Kit::new();
    kit.revoked
        .expect_is_revoked_if_known()
        .returning(|jti| match jti {
            "jti-1" => Some(false),
            "jti-2" => Some(true),
            _ => None,
        });
    kit.revoked.expect_is_revoked().never();
    let ordo = kit.build();

    assert_eq!(ordo.revalidate_if_known(&session(60)), Some(Ok(())));
    let mut revoked = session(60);
    revoked.claims.jti = "jti-2".into();
    assert_eq!(
        ordo.revalidate_if_known(&revoked),
        Some(Err(Error::Unauthenticated))
    );
    let mut unknown = session(60);
    unknown.claims.jti = "jti-3".into();
    assert_eq!(
        ordo.revalidate_if_known(&unknown),
        None,
        "needs the database"
    );
    assert_eq!(
        ordo.revalidate_if_known(&session(0)),
        Some(Err(Error::Unauthenticated)),
        "expired, whatever the revocations"
    );
}
