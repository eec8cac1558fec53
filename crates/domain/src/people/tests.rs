//! Tests of `people.rs`.

use super::*;

#[test]
fn patient_phi_never_prints() {
    let p = NewPatient::parse(RawPatient {
        code: Some("CUST007".into()),
        name: Some("James Bond".into()),
        contact_number: Some("+25470007007".into()),
        email: Some("JamesBond@gmail.com".into()),
        insurance_number: Some("INS123456789".into()),
        territory_id: None,
    })
    .unwrap();
    let debug = format!("{p:?}");
    for secret in ["James", "25470007007", "jamesbond", "INS123456789"] {
        assert!(
            !debug.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} leaked: {debug}"
        );
    }
}

#[test]
fn patient_reports_every_bad_field() {
    let e = NewPatient::parse(RawPatient {
        contact_number: Some("0700".into()),
        email: Some("nope".into()),
        ..Default::default()
    })
    .unwrap_err();
    for path in ["code", "name", "contact_number", "email"] {
        assert!(e.get(path).is_some(), "{path}");
    }
}

#[test]
fn users_need_what_their_role_needs() {
    let base = RawUser {
        email: Some("a@example.com".into()),
        password: Some("correct horse".into()),
        ..Default::default()
    };
    let e = NewUser::parse(RawUser {
        role: Some("customer".into()),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.get("patient_id").is_some());
    let e = NewUser::parse(RawUser {
        role: Some("staff".into()),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.get("territories").is_some());
    let u = NewUser::parse(RawUser {
        role: Some("staff".into()),
        territories: Some(vec!["north".into(), "north".into()]),
        ..base.clone()
    })
    .unwrap();
    assert_eq!(u.territories.len(), 1);
    let e = NewUser::parse(RawUser {
        password: Some("short".into()),
        ..base
    })
    .unwrap_err();
    assert!(e.get("password").is_some() && e.get("role").is_some());
}

#[test]
fn passwords_never_print() {
    let p = Password::parse("hunter2hunter2").unwrap();
    assert!(!format!("{p:?}").contains("hunter"));
    assert!(Password::offered(&"x".repeat(10_000)).is_none());
}
