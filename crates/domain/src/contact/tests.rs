//! Tests of `contact.rs`.

use super::*;
use proptest::prelude::*;

#[test]
fn emails_are_trimmed_and_lower_cased() {
    assert_eq!(
        Email::parse(" JamesBond@Gmail.COM ").unwrap().as_str(),
        "jamesbond@gmail.com"
    );
    assert_eq!(
        Email::parse("A@B.co").unwrap(),
        Email::parse("a@b.CO").unwrap()
    );
    assert_eq!(
        Email::parse("first.last+tag@mail.example-1.org")
            .unwrap()
            .as_str(),
        "first.last+tag@mail.example-1.org"
    );
    assert_eq!(
        Email::parse("ünï@example.com").unwrap().as_str(),
        "ünï@example.com"
    );
}

#[test]
fn email_length_limits() {
    let domain = format!(
        "{}.{}.{}.com",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(57)
    );
    let longest = format!("{}@{domain}", "x".repeat(64));
    assert_eq!(longest.len(), 254);
    assert!(Email::parse(&longest).is_ok());
    let too_long = format!("{}@{domain}", "x".repeat(65));
    assert_eq!(Email::parse(&too_long), Err(ContactError::EmailTooLong));
    let long_local = format!("{}@b.com", "x".repeat(65));
    assert_eq!(Email::parse(&long_local), Err(ContactError::EmailLocalPart));
    assert!(Email::parse(&format!("{}@b.com", "x".repeat(64))).is_ok());
}

#[test]
fn email_needs_exactly_one_at() {
    for bad in ["", "a", "ab.com", "a@@b.com", "a@b@c.com"] {
        assert_eq!(Email::parse(bad), Err(ContactError::EmailForm), "{bad:?}");
    }
}

#[test]
fn email_local_part_rules() {
    for bad in [
        "@b.com",
        "a b@c.com",
        "a\tb@c.com",
        "a\u{7}b@c.com",
        "a\u{a0}b@c.com",
    ] {
        assert_eq!(
            Email::parse(bad),
            Err(ContactError::EmailLocalPart),
            "{bad:?}"
        );
    }
}

#[test]
fn email_domain_rules() {
    for bad in [
        "a@b",
        "a@",
        "a@.com",
        "a@b.",
        "a@b..com",
        "a@-b.com",
        "a@b-.com",
        "a@b.com-",
        "a@b_c.com",
        "a@b c.com",
        "a@bü.com",
        "a@[1.2.3.4]",
    ] {
        assert_eq!(Email::parse(bad), Err(ContactError::EmailDomain), "{bad:?}");
    }
    assert!(Email::parse(&format!("a@{}.com", "b".repeat(64))).is_err());
    assert!(Email::parse(&format!("a@{}.com", "b".repeat(63))).is_ok());
}

#[test]
fn email_json_goes_through_the_parser() {
    let e: Email = serde_json::from_str("\" Ann@Example.com\"").unwrap();
    assert_eq!(serde_json::to_string(&e).unwrap(), "\"ann@example.com\"");
    let err = serde_json::from_str::<Email>("\"nope\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be an e-mail address"), "{err}");
}

#[test]
fn phones_are_normalised_to_e164() {
    assert_eq!(
        PhoneNumber::parse("+254 700-000 007").unwrap().as_str(),
        "+254700000007"
    );
    assert_eq!(
        PhoneNumber::parse(" +1 (555) 010.0000 ").unwrap().as_str(),
        "+15550100000"
    );
    assert_eq!(
        PhoneNumber::parse("+12345678").unwrap().as_str(),
        "+12345678"
    );
    assert_eq!(
        PhoneNumber::parse("+123456789012345").unwrap().as_str(),
        "+123456789012345"
    );
}

#[test]
fn phones_outside_e164_are_refused() {
    for bad in [
        "",
        "+",
        "254700000007",
        "00254700000007",
        "+0700000000",
        "+1234567",
        "+1234567890123456",
        "+2547000x0007",
        "++254700000007",
        "254+700000007",
        "+254_700_000_007",
        "+254\t700000007",
        "+٢٥٤٧٠٠٠٠٠٠٠٧",
    ] {
        assert_eq!(PhoneNumber::parse(bad), Err(ContactError::Phone), "{bad:?}");
    }
    assert_eq!(
        ContactError::Phone.to_string(),
        "must be in E.164 form, e.g. +254700000000"
    );
}

#[test]
fn phone_json_goes_through_the_parser() {
    assert!(serde_json::from_str::<PhoneNumber>("\"0700\"").is_err());
    let p: PhoneNumber = serde_json::from_str("\"+254 700 000 007\"").unwrap();
    assert_eq!(serde_json::to_string(&p).unwrap(), "\"+254700000007\"");
}

#[test]
fn debug_never_shows_the_value() {
    let e = Email::parse("secret.person@example.com").unwrap();
    let p = PhoneNumber::parse("+254700000007").unwrap();
    assert_eq!(format!("{e:?}"), "Email([redacted])");
    assert_eq!(format!("{p:?}"), "PhoneNumber([redacted])");
    let both = format!("{:?}", (Some(&e), vec![&p]));
    assert!(!both.contains("secret") && !both.contains("example") && !both.contains("254"));
    let pretty = format!("{e:#?}{p:#?}");
    assert!(!pretty.contains("secret") && !pretty.contains("700"));
}

proptest! {
    #[test]
    fn parsers_never_panic(s in ".{0,300}") {
        let _ = Email::parse(&s);
        let _ = PhoneNumber::parse(&s);
    }

    #[test]
    fn debug_is_redacted_for_every_valid_phone(digits in "[1-9][0-9]{7,14}") {
        let p = PhoneNumber::parse(&format!("+{digits}")).unwrap();
        prop_assert_eq!(p.as_str(), format!("+{digits}"));
        let debug = format!("{:?}", p);
        prop_assert!(!debug.contains(&digits));
    }
}
