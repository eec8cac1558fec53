//! Contact details: e-mail addresses and phone numbers.
//!
//! Both are PHI for patients, so neither type prints its value through `Debug` and neither has
//! a `Display`: code reaches the text only through `as_str()`, on purpose. The error messages
//! never repeat the value either.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why a contact detail was refused; the messages suit an API field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ContactError {
    /// An e-mail address longer than [`Email::MAX_LEN`] characters.
    #[error("must be at most 254 characters")]
    EmailTooLong,
    /// Not of the form `local@domain` with exactly one `@`.
    #[error("must be an e-mail address, e.g. name@example.com")]
    EmailForm,
    /// The part before the `@` is empty, longer than 64 characters, or holds spaces or control
    /// characters.
    #[error("must have 1 to 64 characters before the @, without spaces")]
    EmailLocalPart,
    /// The part after the `@` is not a domain such as `example.com`.
    #[error("must have a domain such as example.com after the @")]
    EmailDomain,
    /// Not an E.164 phone number.
    #[error("must be in E.164 form, e.g. +254700000000")]
    Phone,
}

/// An e-mail address, trimmed and lower-cased so that uniqueness ignores case: a user's log-in
/// and a patient's contact address. PHI for patients: its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Longest address accepted, in characters.
    pub const MAX_LEN: usize = 254;
    /// Longest part before the `@`, in characters.
    pub const MAX_LOCAL_LEN: usize = 64;

    /// Parses an address: at most 254 characters; exactly one `@`; before it 1–64 characters
    /// without spaces or control characters; after it a domain of at least two dot-separated
    /// labels, each of ASCII letters, digits and hyphens (1–63 of them), not starting or
    /// ending with a hyphen. Surrounding spaces are dropped and the whole is lower-cased.
    pub fn parse(text: &str) -> Result<Self, ContactError> {
        let text = text.trim().to_lowercase();
        if text.chars().count() > Self::MAX_LEN {
            return Err(ContactError::EmailTooLong);
        }
        let (local, domain) = match text.split_once('@') {
            Some((l, d)) if !d.contains('@') => (l, d),
            _ => return Err(ContactError::EmailForm),
        };
        let local_len = local.chars().count();
        if local_len == 0
            || local_len > Self::MAX_LOCAL_LEN
            || local.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ContactError::EmailLocalPart);
        }
        let mut labels = domain.split('.');
        let enough_labels = domain.contains('.');
        if !enough_labels || !labels.all(valid_label) {
            return Err(ContactError::EmailDomain);
        }
        Ok(Self(text))
    }

    /// The address, lower-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One label of a domain name: 1–63 ASCII letters, digits and hyphens, no hyphen at either end.
fn valid_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email([redacted])")
    }
}

impl TryFrom<String> for Email {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A phone number in E.164 form (SPEC §6): `+` and 8–15 digits, the first not 0. Checked for
/// form only, not against a carrier's numbering plan. PHI for patients: its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Fewest digits after the `+`.
    pub const MIN_DIGITS: usize = 8;
    /// Most digits after the `+` (E.164's limit).
    pub const MAX_DIGITS: usize = 15;

    /// Parses and normalises a phone number: surrounding white space, and spaces, dashes, dots
    /// and parentheses anywhere, are dropped (`"+254 700-000 007"` becomes `"+254700000007"`);
    /// what is left must be `+` and 8–15 digits, the first not 0.
    pub fn parse(text: &str) -> Result<Self, ContactError> {
        let compact: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').ok_or(ContactError::Phone)?;
        let ok = (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(compact))
        } else {
            Err(ContactError::Phone)
        }
    }

    /// The number: `+` and digits, nothing else.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber([redacted])")
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
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
}
