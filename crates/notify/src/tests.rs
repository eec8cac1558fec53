//! Tests of `lib.rs`.

use super::*;
use ordo_domain::contact::{Email, PhoneNumber};
use std::sync::{Arc, Mutex};

#[test]
fn the_log_sender_always_delivers() {
    let to = Destination::default();
    assert_eq!(
        LogSender.send(
            Channel::Sms,
            &to,
            "Your order ORD-0000000007 is now shipped."
        ),
        Ok(())
    );
}

/// Records the channels it was handed and answers `answer`.
struct Recording {
    seen: Arc<Mutex<Vec<Channel>>>,
    answer: Result<(), SendError>,
}

impl Sender for Recording {
    fn send(&self, channel: Channel, _to: &Destination, _message: &str) -> Result<(), SendError> {
        self.seen.lock().unwrap().push(channel);
        self.answer.clone()
    }
}

fn destination() -> Destination {
    Destination {
        phone: Some(PhoneNumber::parse("+254700000007").unwrap()),
        email: Some(Email::parse("someone@example.com").unwrap()),
    }
}

#[test]
fn channel_senders_route_each_channel_to_its_sender() {
    let sms_seen = Arc::new(Mutex::new(Vec::new()));
    let email_seen = Arc::new(Mutex::new(Vec::new()));
    let senders = ChannelSenders::new(
        Box::new(Recording {
            seen: sms_seen.clone(),
            answer: Ok(()),
        }),
        Some(Box::new(Recording {
            seen: email_seen.clone(),
            answer: Err(SendError::Unavailable("down".into())),
        })),
    );
    assert!(senders.email_enabled());
    assert_eq!(senders.send(Channel::Sms, &destination(), "m"), Ok(()));
    assert_eq!(
        senders.send(Channel::Email, &destination(), "m"),
        Err(SendError::Unavailable("down".into()))
    );
    assert_eq!(senders.send(Channel::InApp, &destination(), "m"), Ok(()));
    assert_eq!(*sms_seen.lock().unwrap(), vec![Channel::Sms]);
    assert_eq!(*email_seen.lock().unwrap(), vec![Channel::Email]);
}

#[test]
fn without_an_email_sender_email_is_rejected_and_sms_still_goes() {
    let senders = ChannelSenders::new(Box::new(LogSender), None);
    assert!(!senders.email_enabled());
    assert_eq!(
        senders.send(Channel::Email, &destination(), "m"),
        Err(SendError::Rejected("e-mail is not configured".into()))
    );
    assert_eq!(senders.send(Channel::Sms, &destination(), "m"), Ok(()));
    assert_eq!(
        format!("{senders:?}"),
        "ChannelSenders { email_enabled: false, .. }"
    );
}

#[test]
fn sanitize_hides_numbers_and_addresses_and_cuts_long_text() {
    assert_eq!(
        sanitize("Invalid  phone\n+254700000007 for a@b.co, code 403"),
        "Invalid phone +# for [address] code 403"
    );
    let long = "x".repeat(500);
    assert_eq!(sanitize(&long).chars().count(), 161);
}
