//! Tests of `auth.rs`.

use super::*;
use uuid::Uuid;

fn t(s: &str) -> TerritoryId {
    TerritoryId::parse(s).unwrap()
}

fn actor(role: Role, ts: &[&str]) -> Actor {
    Actor::new(
        UserId::from_uuid(Uuid::nil()),
        role,
        ts.iter().map(|s| t(s)),
        None,
    )
}

#[test]
fn admins_hold_every_territory_and_staff_only_theirs() {
    assert!(actor(Role::Admin, &[]).holds(&t("north")));
    let staff = actor(Role::Staff, &["north"]);
    assert!(staff.holds(&t("north")));
    assert!(!staff.holds(&t("south")));
    assert_eq!(
        staff.require_territory(&t("south")),
        Err(Error::TerritoryMismatch(Some(t("south"))))
    );
}

#[test]
fn header_narrows_scope_and_must_be_held() {
    let staff = actor(Role::Staff, &["north", "east"]);
    assert_eq!(
        staff.scope_with_header(Some(&t("east"))),
        Ok(TerritoryScope::Only(BTreeSet::from([t("east")])))
    );
    assert!(matches!(
        staff.scope_with_header(Some(&t("south"))),
        Err(Error::TerritoryMismatch(_))
    ));
    assert_eq!(
        actor(Role::Admin, &[]).scope_with_header(None),
        Ok(TerritoryScope::All)
    );
}

#[test]
fn role_gates() {
    assert!(actor(Role::Customer, &[]).require_staff().is_err());
    assert!(actor(Role::Staff, &[]).require_admin().is_err());
    assert!(actor(Role::Admin, &[]).require_admin().is_ok());
    assert_eq!(Role::parse("STAFF"), Ok(Role::Staff));
    assert_eq!(Role::parse("root"), Err(UnknownRole));
}
