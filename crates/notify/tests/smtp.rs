//! `SmtpSender` against a real loopback SMTP server (`testing::FakeSmtp`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ordo_domain::contact::Email;
use ordo_domain::notification::Channel;
use ordo_domain::ports::{Destination, SendError, Sender};
use ordo_notify::testing::{FakeSmtp, SmtpReply, SmtpStage};
use ordo_notify::{SmtpConfig, SmtpSender};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const TO: &str = "patient@example.com";
const MESSAGE: &str = "Your order ORD-0000000007 is now shipped.";

fn config(url: String) -> SmtpConfig {
    SmtpConfig {
        timeout: Duration::from_secs(5),
        ..SmtpConfig::new(url, "Ordo <ordo@example.org>")
    }
}

fn sender(sink: &FakeSmtp) -> SmtpSender {
    SmtpSender::new(config(sink.url())).unwrap()
}

fn patient() -> Destination {
    Destination {
        phone: None,
        email: Some(Email::parse(TO).unwrap()),
    }
}

fn send_text(sender: &SmtpSender, text: &str) -> Result<(), SendError> {
    sender.send(Channel::Email, &patient(), text)
}

fn send(sender: &SmtpSender) -> Result<(), SendError> {
    send_text(sender, MESSAGE)
}

#[test]
fn the_sink_receives_the_message_with_its_envelope_headers_and_body() {
    let sink = FakeSmtp::start();
    assert_eq!(send(&sender(&sink)), Ok(()));

    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.mail_from, "ordo@example.org");
    assert_eq!(m.rcpt_to, vec![TO.to_owned()]);
    let from = m.header("From").unwrap();
    assert!(
        from.contains("ordo@example.org") && from.contains("Ordo"),
        "{from}"
    );
    assert_eq!(m.header("To").as_deref(), Some(TO));
    assert_eq!(m.header("Subject").as_deref(), Some("Your order update"));
    assert!(
        m.header("Content-Type").unwrap().starts_with("text/plain"),
        "{m:?}"
    );
    assert_eq!(m.text(), MESSAGE);
    assert_eq!(m.credentials, None);
}

#[test]
fn non_ascii_text_and_a_configured_subject_arrive_intact() {
    let sink = FakeSmtp::start();
    let sender = SmtpSender::new(SmtpConfig {
        subject: "Order news".into(),
        ..config(sink.url())
    })
    .unwrap();
    let text = "Commande ORD-0000000007 : expédiée — merci.\nLine two.";
    assert_eq!(send_text(&sender, text), Ok(()));
    let m = &sink.messages()[0];
    assert_eq!(m.header("Subject").as_deref(), Some("Order news"));
    assert_eq!(m.text(), text);
}

#[test]
fn credentials_in_the_url_are_used() {
    let sink = FakeSmtp::start();
    let url = sink.url().replace("smtp://", "smtp://ordo:p%40ss@");
    let sender = SmtpSender::new(config(url)).unwrap();
    assert_eq!(send(&sender), Ok(()));
    assert_eq!(
        sink.messages()[0].credentials,
        Some(("ordo".to_owned(), "p@ss".to_owned()))
    );
}

#[test]
fn a_refused_mailbox_is_rejected_without_repeating_the_address() {
    let sink = FakeSmtp::start();
    sink.push(SmtpReply::reject_recipient(550));
    match send(&sender(&sink)) {
        Err(SendError::Rejected(why)) => {
            assert!(why.contains("550"), "{why}");
            assert!(!why.contains(TO), "the reason leaks the address: {why}");
        }
        other => panic!("{other:?}"),
    }
    assert!(sink.messages().is_empty());
}

#[test]
fn a_permanent_refusal_of_the_message_is_rejected() {
    let sink = FakeSmtp::start();
    sink.push(SmtpReply::fail_at(SmtpStage::Message, 554));
    assert!(matches!(
        send(&sender(&sink)),
        Err(SendError::Rejected(why)) if why.contains("554")
    ));
}

#[test]
fn a_transient_refusal_is_unavailable() {
    let sink = FakeSmtp::start();
    let sender = sender(&sink);
    for (stage, code) in [
        (SmtpStage::RcptTo, "451"),
        (SmtpStage::Message, "451"),
        (SmtpStage::Greeting, "421"),
    ] {
        sink.push(SmtpReply::fail_at(stage, code.parse().unwrap()));
        match send(&sender) {
            Err(SendError::Unavailable(why)) => assert!(why.contains(code), "{stage:?}: {why}"),
            other => panic!("{stage:?}: {other:?}"),
        }
    }
    assert!(sink.messages().is_empty());
    assert_eq!(send(&sender), Ok(()));
}

#[test]
fn refused_credentials_are_unavailable_so_nothing_is_lost() {
    let sink = FakeSmtp::start();
    sink.push(SmtpReply::fail_at(SmtpStage::Auth, 535));
    let url = sink.url().replace("smtp://", "smtp://ordo:wrong@");
    let sender = SmtpSender::new(config(url)).unwrap();
    assert!(matches!(
        send(&sender),
        Err(SendError::Unavailable(why)) if why.contains("535")
    ));
}

#[test]
fn fail_twice_then_succeed() {
    let sink = FakeSmtp::start();
    let sender = sender(&sink);
    sink.push_all([
        SmtpReply::fail_at(SmtpStage::Message, 451),
        SmtpReply::reject_recipient(452),
    ]);
    assert!(matches!(send(&sender), Err(SendError::Unavailable(_))));
    assert!(matches!(send(&sender), Err(SendError::Unavailable(_))));
    assert_eq!(send(&sender), Ok(()));
    assert_eq!(sink.wait_for_messages(1, Duration::from_secs(1)).len(), 1);
    assert_eq!(sink.connections(), 3);
}

#[test]
fn a_server_that_never_greets_is_unavailable_within_the_timeout() {
    let sink = FakeSmtp::start();
    sink.push(SmtpReply::NoAnswer(SmtpStage::Greeting));
    let sender = SmtpSender::new(SmtpConfig {
        timeout: Duration::from_millis(300),
        ..config(sink.url())
    })
    .unwrap();
    let started = Instant::now();
    let outcome = send(&sender);
    let took = started.elapsed();
    assert!(
        matches!(outcome, Err(SendError::Unavailable(_))),
        "{outcome:?}"
    );
    assert!(
        took >= Duration::from_millis(250),
        "gave up too soon: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1500),
        "waited too long: {took:?}"
    );
}

#[test]
fn a_refused_connection_is_unavailable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sender = SmtpSender::new(config(format!("smtp://127.0.0.1:{port}"))).unwrap();
    assert!(matches!(send(&sender), Err(SendError::Unavailable(_))));
}

#[test]
fn no_address_is_rejected_without_connecting() {
    let sink = FakeSmtp::start();
    assert_eq!(
        sender(&sink).send(Channel::Email, &Destination::default(), MESSAGE),
        Err(SendError::Rejected("no e-mail address".into()))
    );
    assert_eq!(sink.connections(), 0);
}
