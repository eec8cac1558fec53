//! Tests of `notification.rs`.

use super::*;

#[test]
fn preferences_default_on_and_update_partially() {
    let mut p = Preferences::default();
    assert!(p.wants(Channel::Sms, NotifyEvent::OrderCreated));
    let raw: RawPreferences = serde_json::from_str(r#"{"sms":{"status_change":false}}"#).unwrap();
    p.update(&raw).unwrap();
    assert!(!p.wants(Channel::Sms, NotifyEvent::StatusChange));
    assert!(p.wants(Channel::Sms, NotifyEvent::OrderCreated));
    assert!(!p.to_raw()["sms"]["status_change"]);
}

#[test]
fn unknown_preference_names_are_all_reported_and_nothing_changes() {
    let mut p = Preferences::default();
    let raw: RawPreferences =
        serde_json::from_str(r#"{"fax":{"message":true},"sms":{"birthday":true,"message":false}}"#)
            .unwrap();
    let e = p.update(&raw).unwrap_err();
    assert!(e.get("fax").is_some() && e.get("sms.birthday").is_some());
    assert!(p.wants(Channel::Sms, NotifyEvent::Message));
}

#[test]
fn messages_are_redacted_outside_the_application_and_always_in_app() {
    let mut prefs = Preferences::default();
    prefs.set(Channel::InApp, NotifyEvent::Message, false);
    prefs.set(Channel::Email, NotifyEvent::Message, false);
    let r = Recipient::User(UserId::from_uuid(uuid::Uuid::nil()));
    let out = on_message(
        r,
        "call me on +254700000001",
        &prefs,
        Reachability {
            phone: true,
            email: true,
        },
    );
    assert_eq!(
        out.iter().map(|p| p.channel).collect::<Vec<_>>(),
        vec![Channel::InApp, Channel::Sms]
    );
    assert!(out[0].message.contains("+254700000001"));
    assert!(!out[1].message.contains("254700000001"));
}

#[test]
fn backoff_doubles_with_bounded_jitter_then_gives_up() {
    let p = RetryPolicy {
        max_attempts: 3,
        base_ms: 1000,
    };
    let now = Timestamp::from_unix_micros(0).unwrap();
    let delay = |a, r| match p.after_failure(a, now, r) {
        AfterFailure::RetryAt(t) => t.unix_micros() / 1000,
        AfterFailure::GiveUp => -1,
    };
    assert_eq!(delay(1, 0), 500);
    assert_eq!(delay(1, 500), 1000);
    assert_eq!(delay(2, 0), 1000);
    assert!((1000..=2000).contains(&delay(2, u64::MAX)));
    assert_eq!(delay(3, 0), -1);
}
