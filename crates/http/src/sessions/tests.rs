//! Tests of `sessions.rs`.

use super::*;
use ordo_domain::auth::{Actor, Role};
use ordo_domain::ids::UserId;
use ordo_domain::ports::Claims;
use ordo_domain::time::Timestamp;

fn session() -> Session {
    let id = UserId::from_uuid(uuid::Uuid::from_u128(7));
    let now = Timestamp::from_unix_micros_clamped(1_700_000_000_000_000);
    Session {
        actor: Actor::new(id, Role::Admin, [], None),
        claims: Claims {
            user_id: id,
            role: Role::Admin,
            jti: "j".into(),
            issued_at: now,
            expires_at: now.plus_seconds(60),
        },
        user: ordo_domain::people::User {
            id,
            email: ordo_domain::contact::Email::parse("a@example.com").unwrap(),
            role: Role::Admin,
            territories: Vec::new(),
            patient_id: None,
            phone: None,
            active: true,
            created_at: now,
        },
    }
}

#[test]
fn a_session_is_kept_for_the_ttl_only() {
    let cache = SessionCache::new(Duration::from_millis(50));
    cache.put("tok".into(), session());
    assert!(cache.get("tok").is_some());
    assert!(cache.get("other").is_none());
    std::thread::sleep(Duration::from_millis(60));
    assert!(cache.get("tok").is_none(), "stale");
}

#[test]
fn a_zero_ttl_keeps_nothing_and_the_cache_stays_bounded() {
    let off = SessionCache::new(Duration::ZERO);
    off.put("tok".into(), session());
    assert!(off.get("tok").is_none());

    let cache = SessionCache::new(Duration::from_secs(60));
    for i in 0..(MAX_KEPT + 10) {
        cache.put(format!("tok{i}"), session());
    }
    let kept = cache.kept.lock().unwrap().len();
    assert!(kept <= MAX_KEPT, "{kept}");
    assert!(
        cache.get(&format!("tok{}", MAX_KEPT + 9)).is_some(),
        "the newest is kept"
    );
}

#[test]
fn a_changed_user_loses_their_kept_sessions() {
    let cache = SessionCache::new(Duration::from_secs(60));
    cache.put("a".into(), session());
    cache.put("b".into(), session());
    cache.forget_user(UserId::from_uuid(uuid::Uuid::from_u128(8)));
    assert!(cache.get("a").is_some(), "another user's change");
    cache.forget_user(session().user.id);
    assert!(cache.get("a").is_none() && cache.get("b").is_none());
}
