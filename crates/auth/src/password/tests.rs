//! Tests of `password.rs`.

use super::*;

#[test]
fn hashes_verify_and_are_salted() {
    let h = Argon2idHasher::with_params(1024, 1, 1);
    let pw = Password::parse("correct horse battery").unwrap();
    let a = h.hash(&pw).unwrap();
    let b = h.hash(&pw).unwrap();
    assert_ne!(a.as_str(), b.as_str(), "salted");
    assert!(a.as_str().starts_with("$argon2id$v=19$"));
    assert!(h.verify(&pw, &a));
    assert!(!h.verify(&Password::parse("wrong horse battery").unwrap(), &a));
    assert!(!h.verify(&pw, &PasswordHash::new("not a phc string".into())));
}

#[test]
fn owasp_parameters_are_in_the_hash() {
    let h = Argon2idHasher::owasp();
    let hash = h
        .hash(&Password::parse("correct horse battery").unwrap())
        .unwrap();
    assert!(
        hash.as_str().contains("m=19456,t=2,p=1"),
        "{}",
        hash.as_str()
    );
}
