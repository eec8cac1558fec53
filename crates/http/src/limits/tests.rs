//! Tests of `limits.rs`.

use super::*;

#[test]
fn parses_the_specs_form_and_keeps_defaults() {
    let l: RateLimits = "create=2, query=7".parse().unwrap();
    assert_eq!(l.0[&Class::Create].get(), 2);
    assert_eq!(l.0[&Class::Query].get(), 7);
    assert_eq!(l.0[&Class::Update].get(), 200);
    assert!("create=0".parse::<RateLimits>().is_err());
    assert!("fetch=3".parse::<RateLimits>().is_err());
    assert!("create".parse::<RateLimits>().is_err());
}

#[test]
fn each_territory_has_its_own_budget() {
    let limiter = Limiter::new(&"create=2".parse().unwrap());
    assert!(limiter.check(Class::Create, "north").is_ok());
    assert!(limiter.check(Class::Create, "north").is_ok());
    let over = limiter.check(Class::Create, "north").unwrap_err();
    assert_eq!((over.status().as_u16(), over.code()), (429, "RATE_LIMITED"));
    assert!(
        limiter.check(Class::Create, "south").is_ok(),
        "another territory is unaffected"
    );
    assert!(
        limiter.check(Class::Query, "north").is_ok(),
        "another class is unaffected"
    );
}
