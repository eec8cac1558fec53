//! Tests of `realtime.rs`: who may subscribe, what each subscription sees, and replay pages.

use super::*;
use crate::event::NewEvent;
use crate::ids::{NotificationId, PatientId};
use crate::notification::NotifyEvent;
use crate::order::OrderStatus;
use crate::ports::{Claims, StoreError};
use crate::usecases::testkit::*;
use uuid::Uuid;

fn status_event(seq: i64, territory: &str) -> Event {
    let o = order(oid(1), pat(1), territory, OrderStatus::Verified);
    Event {
        seq,
        event: NewEvent::status_change(&o, OrderStatus::PendingVerification),
    }
}

fn notification_event(seq: i64, to: Recipient) -> Event {
    Event {
        seq,
        event: NewEvent {
            at: now(),
            territory_id: Some(t("north")),
            recipient: Some(to),
            payload: EventPayload::Notification {
                notification_id: NotificationId::from_uuid(Uuid::from_u128(seq as u128)),
                event: NotifyEvent::StatusChange,
                message: "Order ORD-0000000007 is now verified".into(),
            },
        },
    }
}

/// A kit whose event log has head `head`, nothing purged, and whose territories are north
/// and south.
fn kit_with_head(head: i64) -> Kit {
    kit_with_log(head, 0)
}

/// A kit whose event log has head `head` and keeps the events after `purged`.
fn kit_with_log(head: i64, purged: i64) -> Kit {
    let mut kit = Kit::new();
    kit.events.expect_head().returning(move || Ok(head));
    kit.events
        .expect_purged_through()
        .returning(move || Ok(purged));
    kit.territories.expect_get().returning(|id| {
        Ok(["north", "south"]
            .contains(&id.as_str())
            .then(|| territory(id.as_str())))
    });
    kit
}

#[test]
fn staff_follow_only_the_territories_they_hold() {
    let ordo = kit_with_head(0).build();
    let sub = ordo
        .subscribe_orders(&staff(&["north"]), Some("north"), None)
        .unwrap();
    assert_eq!(sub.stream(), &Stream::Orders(t("north")));
    assert_eq!(sub.audiences(), &[Audience::Territory(t("north"))]);
    assert_eq!(sub.since(), None);

    let err = ordo
        .subscribe_orders(&staff(&["north"]), Some("south"), None)
        .unwrap_err();
    assert_eq!(err, Error::TerritoryMismatch(Some(t("south"))));
}

#[test]
fn admins_follow_any_territory_that_exists() {
    let ordo = kit_with_head(0).build();
    assert!(ordo.subscribe_orders(&admin(), Some("south"), None).is_ok());
    assert_eq!(
        ordo.subscribe_orders(&admin(), Some("nowhere"), None)
            .unwrap_err(),
        Error::NotFound("territory")
    );
}

#[test]
fn customers_never_follow_a_territory_even_one_they_were_given() {
    let ordo = kit_with_head(0).build();
    let given = Actor::new(uid(3), Role::Customer, [t("north")], Some(pat(1)));
    for actor in [customer(pat(1)), given] {
        let err = ordo
            .subscribe_orders(&actor, Some("north"), None)
            .unwrap_err();
        assert_eq!(err, Error::TerritoryMismatch(Some(t("north"))));
    }
}

#[test]
fn a_missing_or_malformed_territory_and_a_bad_since_are_named() {
    let ordo = kit_with_head(5).build();
    let Error::Validation(e) = ordo
        .subscribe_orders(&admin(), None, Some("-1"))
        .unwrap_err()
    else {
        panic!("expected a validation error")
    };
    let fields: Vec<_> = e.iter().map(|(k, _)| k.to_owned()).collect();
    assert_eq!(fields, ["since", "territory"]);
    assert!(matches!(
        ordo.subscribe_orders(&admin(), Some("no spaces"), None),
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        ordo.subscribe_notifications(&admin(), Some("abc")),
        Err(Error::Validation(_))
    ));
}

#[test]
fn a_stream_starts_after_since_or_after_the_head_and_since_may_not_be_ahead() {
    let ordo = kit_with_head(5).build();
    let sub = ordo
        .subscribe_orders(&admin(), Some("north"), Some("5"))
        .unwrap();
    assert_eq!((sub.since(), sub.start()), (Some(5), 5));
    let sub = ordo
        .subscribe_orders(&admin(), Some("north"), Some("2"))
        .unwrap();
    assert_eq!((sub.since(), sub.start()), (Some(2), 2));
    let live = ordo.subscribe_notifications(&admin(), None).unwrap();
    assert_eq!(
        (live.since(), live.start()),
        (None, 5),
        "live starts after the head"
    );
    assert!(matches!(
        ordo.subscribe_orders(&admin(), Some("north"), Some("6")),
        Err(Error::Validation(_))
    ));
}

#[test]
fn since_behind_what_the_log_keeps_is_refused_and_since_at_the_purge_line_is_not() {
    let ordo = kit_with_log(10, 4).build();
    let Err(Error::Validation(fields)) = ordo.subscribe_orders(&admin(), Some("north"), Some("3"))
    else {
        panic!("events 1..=4 are gone: a replay after 3 would miss event 4");
    };
    let named: Vec<&str> = fields.iter().map(|(f, _)| f).collect();
    assert_eq!(named, ["since"]);
    let sub = ordo
        .subscribe_notifications(&admin(), Some("4"))
        .expect("every event after 4 is kept");
    assert_eq!(sub.start(), 4);
}

#[test]
fn a_replay_page_that_skips_a_number_lost_events_to_a_purge() {
    let mut kit = kit_with_head(10);
    kit.events
        .expect_after()
        .returning(|_, _| Ok(vec![status_event(6, "north"), status_event(7, "north")]));
    let ordo = kit.build();
    let sub = ordo
        .subscribe_orders(&admin(), Some("north"), Some("3"))
        .unwrap();
    assert!(
        matches!(ordo.replay_page(&sub, 3, 100), Err(Error::Conflict(_))),
        "events 4 and 5 are missing: sending 6 and 7 would leave a gap"
    );
}

#[test]
fn a_territory_stream_admits_its_order_events_only() {
    let ordo = kit_with_head(0).build();
    let sub = ordo
        .subscribe_orders(&staff(&["north"]), Some("north"), None)
        .unwrap();
    assert!(sub.admits(&status_event(1, "north")));
    assert!(!sub.admits(&status_event(2, "south")));
    // A notification carries its territory too, but belongs to its recipient's stream only.
    assert!(!sub.admits(&notification_event(3, Recipient::User(uid(2)))));
}

#[test]
fn a_notification_stream_admits_the_callers_own_notifications_only() {
    let ordo = kit_with_head(0).build();
    let staff_sub = ordo
        .subscribe_notifications(&staff(&["north"]), None)
        .unwrap();
    assert!(staff_sub.admits(&notification_event(1, Recipient::User(uid(2)))));
    assert!(!staff_sub.admits(&notification_event(2, Recipient::User(uid(1)))));
    assert!(!staff_sub.admits(&status_event(3, "north")));

    // A customer reads their own and their patient's notifications.
    let cust = ordo
        .subscribe_notifications(&customer(pat(1)), None)
        .unwrap();
    assert!(cust.admits(&notification_event(4, Recipient::User(uid(3)))));
    assert!(cust.admits(&notification_event(5, Recipient::Patient(pat(1)))));
    assert!(!cust.admits(&notification_event(6, Recipient::Patient(pat(2)))));
}

#[test]
fn an_event_without_an_audience_reaches_no_stream() {
    let mut e = status_event(1, "north");
    e.event.territory_id = None;
    assert_eq!(Audience::of(&e.event), None);
    let mut n = notification_event(2, Recipient::User(uid(2)));
    n.event.recipient = None;
    assert_eq!(Audience::of(&n.event), None);
}

#[test]
fn a_replay_page_filters_but_advances_over_every_event_it_read() {
    let mut kit = kit_with_head(10);
    kit.events.expect_after().returning(|after, limit| {
        assert_eq!((after, limit), (3, 3));
        Ok(vec![
            status_event(4, "south"),
            status_event(5, "north"),
            status_event(6, "south"),
        ])
    });
    let ordo = kit.build();
    let sub = ordo
        .subscribe_orders(&staff(&["north"]), Some("north"), Some("3"))
        .unwrap();
    let page = ordo.replay_page(&sub, 3, 3).unwrap();
    assert_eq!(page.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);
    assert_eq!(page.scanned_to, 6);
    assert!(!page.at_end, "a full page may have more after it");
}

#[test]
fn an_empty_replay_page_is_the_end_and_stays_where_it_was() {
    let mut kit = kit_with_head(3);
    kit.events.expect_after().returning(|_, _| Ok(vec![]));
    let ordo = kit.build();
    let sub = ordo.subscribe_notifications(&admin(), Some("3")).unwrap();
    let page = ordo.replay_page(&sub, 3, 100).unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.scanned_to, 3);
    assert!(page.at_end);
}

#[test]
fn a_store_failure_during_replay_is_unavailable() {
    let mut kit = kit_with_head(3);
    kit.events
        .expect_after()
        .returning(|_, _| Err(StoreError::Unavailable("down".into())));
    let ordo = kit.build();
    let sub = ordo.subscribe_notifications(&admin(), None).unwrap();
    assert_eq!(
        ordo.replay_page(&sub, 0, 10).unwrap_err(),
        Error::Unavailable
    );
}

/// A kit whose token "tok" authenticates as `user` (a user record with `role` and `territories`).
fn kit_authenticating(role: Role, territories: &[&str], patient: Option<PatientId>) -> Kit {
    let mut kit = kit_with_head(0);
    kit.tokens.expect_decode().returning(move |tok| {
        if tok == "tok" {
            Ok(Claims {
                user_id: uid(2),
                role,
                jti: "j".into(),
                issued_at: now(),
                expires_at: now().plus_seconds(60),
            })
        } else {
            Err(crate::ports::TokenError::Invalid)
        }
    });
    kit.revoked.expect_is_revoked().returning(|_| Ok(false));
    let territories: Vec<TerritoryId> = territories.iter().map(|s| t(s)).collect();
    kit.users.expect_get().returning(move |id| {
        Ok(Some(crate::people::User {
            id,
            email: crate::contact::Email::parse("s@example.com").unwrap(),
            role,
            territories: territories.clone(),
            patient_id: patient,
            phone: None,
            active: true,
            created_at: now(),
        }))
    });
    kit
}

#[test]
fn a_subscription_goes_on_while_its_token_and_scope_hold() {
    let ordo = kit_authenticating(Role::Staff, &["north"], None).build();
    let sub = ordo
        .subscribe_orders(&staff(&["north"]), Some("north"), None)
        .unwrap();
    assert_eq!(ordo.still_subscribed("tok", &sub), Ok(()));
    assert_eq!(
        ordo.still_subscribed("expired-or-revoked", &sub),
        Err(Error::Unauthenticated)
    );
}

#[test]
fn a_subscription_ends_when_its_territory_is_taken_away() {
    let ordo = kit_authenticating(Role::Staff, &["south"], None).build();
    let sub = ordo
        .subscribe_orders(&staff(&["north"]), Some("north"), None)
        .unwrap();
    assert_eq!(
        ordo.still_subscribed("tok", &sub),
        Err(Error::TerritoryMismatch(Some(t("north"))))
    );
}

#[test]
fn a_subscription_ends_when_its_inbox_changes() {
    let ordo = kit_authenticating(Role::Customer, &[], Some(pat(9))).build();
    let before = Actor::new(uid(2), Role::Customer, [], Some(pat(1)));
    let sub = ordo.subscribe_notifications(&before, None).unwrap();
    assert!(matches!(
        ordo.still_subscribed("tok", &sub),
        Err(Error::PermissionDenied(_))
    ));
}
