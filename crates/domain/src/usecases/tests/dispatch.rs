//! The dispatcher step: sent, retried with back-off, or failed for good.

use crate::ids::NotificationId;
use crate::notification::{
    Channel, Notification, NotificationStatus, NotifyEvent, Recipient, RetryPolicy,
};
use crate::ports::{MockSender, SendError};
use crate::usecases::Lease;
use crate::usecases::testkit::*;
use std::sync::{Arc, Mutex};

fn sms(n: u128, attempts: u32) -> Notification {
    Notification {
        id: NotificationId::from_uuid(uuid::Uuid::from_u128(n)),
        recipient: Recipient::Patient(pat(1)),
        territory_id: Some(t("north")),
        event: NotifyEvent::OrderCreated,
        channel: Channel::Sms,
        message: "Your order ORD-0000000007 has been received.".into(),
        status: NotificationStatus::Pending,
        attempts,
        next_attempt_at: Some(now()),
        last_error: None,
        created_at: now(),
        sent_at: None,
        acknowledged_at: None,
    }
}

const LEASE: Lease = Lease {
    secs: 60,
    per_send_secs: 10,
};

type Marks = Arc<Mutex<Vec<(u128, &'static str, u32)>>>;

fn kit_with(rows: Vec<Notification>) -> (Kit, Marks) {
    let mut kit = Kit::new();
    kit.notifications
        .expect_claim_due()
        .times(1)
        .returning(move |_, _, _| Ok(rows.clone()));
    kit.patients
        .expect_get()
        .returning(|id| Ok(Some(patient(id, "north"))));
    let marks: Marks = Arc::default();
    let m = marks.clone();
    kit.notifications
        .expect_mark_sent()
        .returning(move |id, _| {
            m.lock().unwrap().push((id.as_uuid().as_u128(), "sent", 0));
            Ok(())
        });
    let m = marks.clone();
    kit.notifications
        .expect_mark_attempt_failed()
        .returning(move |id, attempts, retry, _| {
            let what = if retry.is_some() { "retry" } else { "failed" };
            m.lock()
                .unwrap()
                .push((id.as_uuid().as_u128(), what, attempts));
            Ok(())
        });
    (kit, marks)
}

#[test]
fn outcomes_follow_the_sender_and_the_policy() {
    let (kit, marks) = kit_with(vec![sms(1, 0), sms(2, 0), sms(3, 2), sms(4, 0)]);
    let ordo = kit.build();
    let mut sender = MockSender::new();
    let mut call = 0;
    sender.expect_send().returning(move |_, to, message| {
        assert!(
            to.phone.is_some(),
            "the patient's number is looked up at send time"
        );
        assert!(message.contains("ORD-"));
        call += 1;
        match call {
            1 => Ok(()),
            2 => Err(SendError::Unavailable("gateway 503".into())),
            3 => Err(SendError::Unavailable("gateway 503".into())),
            _ => Err(SendError::Rejected("invalid number".into())),
        }
    });
    let policy = RetryPolicy {
        max_attempts: 3,
        base_ms: 1000,
    };
    let report = ordo.dispatch_due(&sender, policy, 10, LEASE).unwrap();
    assert_eq!((report.sent, report.retrying, report.failed), (1, 1, 2));
    assert_eq!(
        *marks.lock().unwrap(),
        vec![
            (1, "sent", 0),
            (2, "retry", 1),
            (3, "failed", 3),
            (4, "failed", 1)
        ],
        "a rejection is final at once; the third failed attempt of three gives up"
    );
}

#[test]
fn no_send_starts_that_could_outlive_the_lease() {
    // A send that may take as long as the lease could still be running when another
    // dispatcher claims the row: it is not started, and nothing is marked.
    let (kit, marks) = kit_with(vec![sms(1, 0), sms(2, 0)]);
    let ordo = kit.build();
    let mut sender = MockSender::new();
    sender.expect_send().never();
    let lease = Lease {
        secs: 10,
        per_send_secs: 10,
    };
    let report = ordo
        .dispatch_due(&sender, RetryPolicy::default(), 10, lease)
        .unwrap();
    assert_eq!((report.sent, report.deferred), (0, 2));
    assert!(marks.lock().unwrap().is_empty());
}

#[test]
fn one_read_of_a_recipients_contact_points_serves_the_whole_step() {
    // A placement notifies its patient by SMS and by e-mail at once: one step sends both
    // after one read of the patient, and another patient is read once too.
    let mut email = sms(2, 0);
    email.channel = Channel::Email;
    let mut other = sms(3, 0);
    other.recipient = Recipient::Patient(pat(2));
    let mut kit = Kit::new();
    kit.notifications
        .expect_claim_due()
        .times(1)
        .returning(move |_, _, _| Ok(vec![sms(1, 0), email.clone(), other.clone()]));
    kit.patients.expect_get().times(2).returning(|id| {
        let mut p = patient(id, "north");
        p.email = Some(crate::phi::Phi::new(
            crate::contact::Email::parse("bond@example.org").unwrap(),
        ));
        Ok(Some(p))
    });
    kit.notifications
        .expect_mark_sent()
        .times(3)
        .returning(|_, _| Ok(()));
    let ordo = kit.build();
    let mut sender = MockSender::new();
    sender.expect_send().times(3).returning(|_, _, _| Ok(()));
    let report = ordo
        .dispatch_due(&sender, RetryPolicy::default(), 10, LEASE)
        .unwrap();
    assert_eq!(report.sent, 3);
}

#[test]
fn the_purge_forgets_events_past_the_retention_in_batches_until_a_short_one() {
    use crate::event::EventRetention;
    use crate::usecases::{EVENT_PURGE_BATCH, Settings};
    let mut kit = Kit::new();
    kit.idempotency.expect_purge_expired().returning(|_| Ok(2));
    kit.revoked.expect_purge_expired().returning(|_| Ok(1));
    let batches = Arc::new(Mutex::new(vec![u64::from(EVENT_PURGE_BATCH), 7]));
    let seen = batches.clone();
    let retention = EventRetention::hours(48).unwrap();
    kit.events
        .expect_purge_before()
        .times(2)
        .returning(move |cutoff, limit| {
            assert_eq!(
                cutoff,
                now().plus_seconds(-48 * 3600),
                "48 hours before now"
            );
            assert_eq!(limit, EVENT_PURGE_BATCH);
            Ok(seen.lock().unwrap().remove(0))
        });
    let ordo = kit.build_with(Settings {
        event_retention: retention,
        ..Settings::default()
    });
    assert_eq!(
        ordo.purge_expired().unwrap(),
        3 + u64::from(EVENT_PURGE_BATCH) + 7
    );
    assert!(batches.lock().unwrap().is_empty());
}

#[test]
fn one_purge_makes_a_bounded_number_of_writes_however_far_behind_the_log_is() {
    use crate::usecases::{EVENT_PURGE_BATCH, EVENT_PURGE_BATCHES};
    let mut kit = Kit::new();
    kit.idempotency.expect_purge_expired().returning(|_| Ok(0));
    kit.revoked.expect_purge_expired().returning(|_| Ok(0));
    kit.events
        .expect_purge_before()
        .times(EVENT_PURGE_BATCHES as usize)
        .returning(|_, limit| Ok(u64::from(limit)));
    let gone = kit.build().purge_expired().unwrap();
    assert_eq!(
        gone,
        u64::from(EVENT_PURGE_BATCH) * u64::from(EVENT_PURGE_BATCHES)
    );
}
