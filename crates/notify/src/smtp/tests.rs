//! Tests of `smtp.rs` that need no network: configuration and its redaction.

use super::*;

#[test]
fn the_config_debug_hides_the_password() {
    let config = SmtpConfig::new(
        "smtps://ordo:s3cret@mail.example.com:465",
        "Ordo <ordo@example.com>",
    );
    let text = format!("{config:?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(
        text.contains("smtps://ordo:[redacted]@mail.example.com:465"),
        "{text}"
    );
    let sender = SmtpSender::new(config).unwrap();
    assert!(!format!("{sender:?}").contains("s3cret"));
}

#[test]
fn urls_without_credentials_are_shown_as_they_are() {
    assert_eq!(redact_url("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    assert_eq!(
        redact_url("smtp://user@host:587?tls=required"),
        "smtp://user:[redacted]@host:587?tls=required"
    );
}

#[test]
fn every_documented_url_form_is_accepted() {
    for url in [
        "smtp://127.0.0.1:2525",
        "smtp://mail.example.com:587?tls=required",
        "smtps://mail.example.com:465",
        "smtps://user:pa%40ss@mail.example.com",
    ] {
        assert!(
            SmtpSender::new(SmtpConfig::new(url, "ordo@example.com")).is_ok(),
            "{url}"
        );
    }
}

#[test]
fn bad_configs_are_refused() {
    let good = SmtpConfig::new("smtp://127.0.0.1:2525", "ordo@example.com");
    let bad = [
        SmtpConfig {
            url: "http://mail.example.com".into(),
            ..good.clone()
        },
        SmtpConfig {
            url: "not a url".into(),
            ..good.clone()
        },
        SmtpConfig {
            from: "not an address".into(),
            ..good.clone()
        },
        SmtpConfig {
            subject: "two\r\nlines".into(),
            ..good.clone()
        },
        SmtpConfig {
            timeout: Duration::ZERO,
            ..good.clone()
        },
    ];
    for config in bad {
        assert!(SmtpSender::new(config.clone()).is_err(), "{config:?}");
    }
}
