//! `AfricasTalkingSender` against a real loopback HTTP server (`testing::FakeAfricasTalking`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ordo_domain::contact::PhoneNumber;
use ordo_domain::notification::Channel;
use ordo_domain::ports::{Destination, SendError, Sender};
use ordo_notify::testing::{AtReply, FakeAfricasTalking};
use ordo_notify::{AfricasTalkingConfig, AfricasTalkingSender};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const NUMBER: &str = "+254700000007";
const MESSAGE: &str = "Your order ORD-0000000007 is now shipped & paid: 100% — thanks?";

fn config(base_url: String) -> AfricasTalkingConfig {
    AfricasTalkingConfig {
        base_url,
        timeout: Duration::from_secs(5),
        ..AfricasTalkingConfig::new("sandbox", "atsk_test_key")
    }
}

fn sender(gateway: &FakeAfricasTalking) -> AfricasTalkingSender {
    AfricasTalkingSender::new(config(gateway.base_url())).unwrap()
}

fn patient() -> Destination {
    Destination {
        phone: Some(PhoneNumber::parse(NUMBER).unwrap()),
        email: None,
    }
}

fn send(sender: &AfricasTalkingSender) -> Result<(), SendError> {
    sender.send(Channel::Sms, &patient(), MESSAGE)
}

fn assert_no_phi(why: &str) {
    assert!(
        !why.contains("254700000007"),
        "the reason leaks the number: {why}"
    );
    assert!(
        !why.contains("atsk_test_key"),
        "the reason leaks the key: {why}"
    );
}

#[test]
fn the_request_has_the_apis_path_headers_and_form() {
    let gateway = FakeAfricasTalking::start();
    assert_eq!(send(&sender(&gateway)), Ok(()));

    let requests = gateway.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/version1/messaging");
    assert_eq!(r.header("apiKey"), Some("atsk_test_key"));
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!(
        r.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.form("username"), Some("sandbox"));
    assert_eq!(r.form("to"), Some(NUMBER));
    assert_eq!(r.form("message"), Some(MESSAGE));
    assert_eq!(r.form("from"), None);
    // The body is really form-encoded, not sent raw.
    assert!(r.body.contains("to=%2B254700000007"), "{}", r.body);
    assert!(!r.body.contains(' '), "{}", r.body);
}

#[test]
fn a_configured_sender_id_goes_as_from_and_a_trailing_slash_is_harmless() {
    let gateway = FakeAfricasTalking::start();
    let sender = AfricasTalkingSender::new(AfricasTalkingConfig {
        sender_id: Some("ORDO".into()),
        ..config(format!("{}/", gateway.base_url()))
    })
    .unwrap();
    assert_eq!(send(&sender), Ok(()));
    let r = &gateway.requests()[0];
    assert_eq!(r.path, "/version1/messaging");
    assert_eq!(r.form("from"), Some("ORDO"));
}

#[test]
fn sent_processed_and_queued_are_delivered() {
    let gateway = FakeAfricasTalking::start();
    let sender = sender(&gateway);
    gateway.push_all([
        AtReply::recipient(101, "Success"),
        AtReply::recipient(100, "Processed"),
        AtReply::recipient(102, "Queued"),
    ]);
    for _ in 0..3 {
        assert_eq!(send(&sender), Ok(()));
    }
    assert_eq!(gateway.requests().len(), 3);
}

#[test]
fn an_invalid_phone_number_is_rejected_with_the_status() {
    let gateway = FakeAfricasTalking::start();
    gateway.push(AtReply::recipient(403, "InvalidPhoneNumber"));
    match send(&sender(&gateway)) {
        Err(SendError::Rejected(why)) => {
            assert!(why.contains("InvalidPhoneNumber"), "{why}");
            assert_no_phi(&why);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn insufficient_balance_and_gateway_errors_are_retried() {
    let gateway = FakeAfricasTalking::start();
    let sender = sender(&gateway);
    for (code, status) in [(405, "InsufficientBalance"), (502, "RejectedByGateway")] {
        gateway.push(AtReply::recipient(code, status));
        match send(&sender) {
            Err(SendError::Unavailable(why)) => assert!(why.contains(status), "{why}"),
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn no_recipients_is_rejected_with_the_apis_message() {
    let gateway = FakeAfricasTalking::start();
    gateway.push(AtReply::NoRecipients {
        message: "InvalidSenderId".into(),
    });
    match send(&sender(&gateway)) {
        Err(SendError::Rejected(why)) => assert!(why.contains("InvalidSenderId"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn http_500_is_unavailable() {
    let gateway = FakeAfricasTalking::start();
    gateway.push(AtReply::http(500, "Internal Server Error"));
    match send(&sender(&gateway)) {
        Err(SendError::Unavailable(why)) => assert!(why.contains("500"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn refused_credentials_are_unavailable_so_nothing_is_lost() {
    let gateway = FakeAfricasTalking::start();
    gateway.require_api_key("the_right_key");
    match send(&sender(&gateway)) {
        Err(SendError::Unavailable(why)) => {
            assert!(why.contains("401"), "{why}");
            assert_no_phi(&why);
        }
        other => panic!("{other:?}"),
    }
    gateway.push(AtReply::http(403, "Forbidden"));
    let right = AfricasTalkingSender::new(AfricasTalkingConfig {
        api_key: "the_right_key".into(),
        ..config(gateway.base_url())
    })
    .unwrap();
    assert!(matches!(send(&right), Err(SendError::Unavailable(_))));
    assert_eq!(send(&right), Ok(()));
}

#[test]
fn other_client_errors_are_rejected_without_repeating_the_number() {
    let gateway = FakeAfricasTalking::start();
    gateway.push(AtReply::http(400, "Invalid phone number: +254700000007"));
    match send(&sender(&gateway)) {
        Err(SendError::Rejected(why)) => {
            assert!(
                why.contains("400") && why.contains("Invalid phone number"),
                "{why}"
            );
            assert_no_phi(&why);
        }
        other => panic!("{other:?}"),
    }
    gateway.push(AtReply::http(429, "slow down"));
    assert!(matches!(
        send(&sender(&gateway)),
        Err(SendError::Unavailable(_))
    ));
}

#[test]
fn a_gateway_that_never_answers_is_unavailable_within_the_timeout() {
    let gateway = FakeAfricasTalking::start();
    gateway.push(AtReply::NoAnswer);
    let sender = AfricasTalkingSender::new(AfricasTalkingConfig {
        timeout: Duration::from_millis(300),
        ..config(gateway.base_url())
    })
    .unwrap();
    let started = Instant::now();
    let outcome = send(&sender);
    let took = started.elapsed();
    match outcome {
        Err(SendError::Unavailable(why)) => assert!(why.contains("300 ms"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(
        took >= Duration::from_millis(250),
        "gave up too soon: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1500),
        "waited too long: {took:?}"
    );
    assert_eq!(gateway.requests().len(), 1);
}

#[test]
fn a_connection_closed_without_answer_is_unavailable() {
    let gateway = FakeAfricasTalking::start();
    gateway.push(AtReply::Close);
    assert!(matches!(
        send(&sender(&gateway)),
        Err(SendError::Unavailable(_))
    ));
}

#[test]
fn a_refused_connection_is_unavailable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sender = AfricasTalkingSender::new(config(format!("http://127.0.0.1:{port}"))).unwrap();
    let started = Instant::now();
    assert!(matches!(send(&sender), Err(SendError::Unavailable(_))));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn no_phone_number_is_rejected_without_calling_the_gateway() {
    let gateway = FakeAfricasTalking::start();
    assert_eq!(
        sender(&gateway).send(Channel::Sms, &Destination::default(), MESSAGE),
        Err(SendError::Rejected("no phone number".into()))
    );
    assert!(gateway.requests().is_empty());
}

#[test]
fn a_script_fails_twice_then_the_default_succeeds() {
    let gateway = FakeAfricasTalking::start();
    let sender = sender(&gateway);
    gateway.push_all([
        AtReply::http(503, "busy"),
        AtReply::recipient(500, "InternalServerError"),
    ]);
    assert!(matches!(send(&sender), Err(SendError::Unavailable(_))));
    assert!(matches!(send(&sender), Err(SendError::Unavailable(_))));
    assert_eq!(send(&sender), Ok(()));
    assert_eq!(send(&sender), Ok(()));
    assert_eq!(
        gateway.wait_for_requests(4, Duration::from_secs(1)).len(),
        4
    );
}

#[test]
fn the_default_reply_can_be_changed() {
    let gateway = FakeAfricasTalking::start();
    gateway.set_default(AtReply::recipient(406, "UserInBlacklist"));
    let sender = sender(&gateway);
    for _ in 0..2 {
        assert!(
            matches!(send(&sender), Err(SendError::Rejected(w)) if w.contains("UserInBlacklist"))
        );
    }
}
