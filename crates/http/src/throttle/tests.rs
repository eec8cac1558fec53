//! Tests of `throttle.rs`.

use super::*;

#[test]
fn the_fifth_failure_locks_the_account_not_others() {
    let t = LoginThrottle::new(5, 100);
    for _ in 0..4 {
        t.failed("a@x.com", "1.1.1.1");
        assert_eq!(t.retry_after("a@x.com", "1.1.1.1"), None);
    }
    t.failed("a@x.com", "1.1.1.1");
    let wait = t.retry_after("a@x.com", "2.2.2.2").unwrap();
    assert!((899..=900).contains(&wait), "{wait}");
    assert_eq!(t.retry_after("b@x.com", "2.2.2.2"), None);
}

#[test]
fn an_address_is_limited_across_accounts_and_success_forgives_the_account() {
    let t = LoginThrottle::new(5, 3);
    for i in 0..3 {
        t.failed(&format!("u{i}@x.com"), "9.9.9.9");
    }
    assert!(t.retry_after("new@x.com", "9.9.9.9").unwrap() <= 60);
    t.failed("a@x.com", "8.8.8.8");
    t.succeeded("a@x.com");
    assert_eq!(t.retry_after("a@x.com", "7.7.7.7"), None);
}
