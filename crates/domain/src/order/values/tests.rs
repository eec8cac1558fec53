//! Tests of the order value types.

use super::*;
use serde_json::json;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[test]
fn priorities() {
    assert_eq!(Priority::parse("URGENT"), Ok(Priority::Urgent));
    assert_eq!(Priority::parse(" emergency "), Ok(Priority::Emergency));
    assert_eq!(Priority::parse("Normal"), Ok(Priority::Normal));
    assert_eq!(Priority::default(), Priority::Normal);
    assert_eq!(Priority::parse("asap"), Err(UnknownPriority));
    assert_eq!(Priority::parse(""), Err(UnknownPriority));
    assert_eq!(
        UnknownPriority.to_string(),
        "must be one of normal, urgent, emergency"
    );
    assert!(Priority::Emergency.is_pressing() && Priority::Urgent.is_pressing());
    assert!(!Priority::Normal.is_pressing());
    for p in Priority::ALL {
        assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            format!("\"{}\"", p.as_str())
        );
        assert_eq!(p.to_string(), p.as_str());
    }
    assert_eq!(
        serde_json::from_str::<Priority>("\"urgent\"").unwrap(),
        Priority::Urgent
    );
}

#[test]
fn short_text() {
    assert_eq!(ShortText::parse("  a  ").unwrap().as_str(), "a");
    assert_eq!(ShortText::parse(""), Err(TextError::Empty));
    assert_eq!(ShortText::parse(" \n "), Err(TextError::Empty));
    assert!(ShortText::parse(&"é".repeat(200)).is_ok());
    assert_eq!(
        ShortText::parse(&"é".repeat(201)),
        Err(TextError::TooLong(200))
    );
    assert_eq!(ShortText::parse("a\nb"), Err(TextError::Control));
    assert_eq!(ShortText::parse("a\tb"), Err(TextError::Control));
    assert_eq!(ShortText::parse("a\u{0}b"), Err(TextError::Control));
    assert_eq!(
        TextError::TooLong(200).to_string(),
        "must be at most 200 characters"
    );
    assert_eq!(TextError::Empty.to_string(), "must not be empty");
    assert_eq!(
        TextError::Control.to_string(),
        "must not contain control characters"
    );
}

#[test]
fn long_text() {
    assert_eq!(LongText::parse(" a\n\tb ").unwrap().as_str(), "a\n\tb");
    assert!(LongText::parse("  ").unwrap().is_empty());
    assert_eq!(LongText::parse("a\u{7}b"), Err(TextError::Control));
    assert_eq!(LongText::parse("a\rb"), Err(TextError::Control));
    assert!(LongText::parse(&"x".repeat(2000)).is_ok());
    assert_eq!(
        LongText::parse(&"x".repeat(2001)),
        Err(TextError::TooLong(2000))
    );
    let notes: Notes = LongText::parse("call back").unwrap();
    assert_eq!(notes.as_str(), "call back");
}

#[test]
fn texts_deserialise_through_the_parser() {
    assert_eq!(
        serde_json::from_str::<ShortText>("\" x \"")
            .unwrap()
            .as_str(),
        "x"
    );
    assert!(serde_json::from_str::<ShortText>("\"\"").is_err());
    assert!(serde_json::from_str::<LongText>("\"a\\u0000\"").is_err());
    let t = LongText::parse("a\nb").unwrap();
    assert_eq!(serde_json::to_string(&t).unwrap(), "\"a\\nb\"");
}

fn good_address() -> RawAddress {
    RawAddress {
        line1: s("123 Main St"),
        line2: None,
        city: s("Nairobi"),
        state: s("Nairobi County"),
        postal_code: s("00100"),
        country: s("KE"),
    }
}

#[test]
fn an_address_parses_and_serialises_with_a_stable_shape() {
    let mut e = FieldErrors::new();
    let raw = RawAddress {
        line2: s("   "),
        city: s("  Nairobi "),
        ..good_address()
    };
    let a = ShippingAddress::parse(raw, "shipping_address", &mut e).unwrap();
    assert!(e.is_empty());
    assert_eq!(a.city(), "Nairobi");
    assert_eq!(a.line2(), None);
    assert_eq!(
        (a.line1(), a.state(), a.postal_code(), a.country()),
        ("123 Main St", "Nairobi County", "00100", "KE")
    );
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(
        v,
        json!({"line1": "123 Main St", "line2": null, "city": "Nairobi", "state": "Nairobi County", "postal_code": "00100", "country": "KE"})
    );
    assert_eq!(serde_json::from_value::<ShippingAddress>(v).unwrap(), a);
}

#[test]
fn an_address_reports_every_bad_field() {
    let mut e = FieldErrors::new();
    let raw = RawAddress {
        city: s(""),
        postal_code: s(&"1".repeat(30)),
        ..good_address()
    };
    assert!(ShippingAddress::parse(raw, "shipping_address", &mut e).is_none());
    assert_eq!(e.len(), 2, "{e}");
    assert_eq!(e.get("shipping_address.city"), Some("must not be empty"));
    assert_eq!(
        e.get("shipping_address.postal_code"),
        Some("must be at most 20 characters")
    );
}

#[test]
fn an_empty_address_names_each_required_field() {
    let mut e = FieldErrors::new();
    assert!(ShippingAddress::parse(RawAddress::default(), "shipping_address", &mut e).is_none());
    let paths: Vec<&str> = e.iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "shipping_address.city",
            "shipping_address.country",
            "shipping_address.line1",
            "shipping_address.postal_code",
            "shipping_address.state",
        ]
    );
    assert!(e.iter().all(|(_, problem)| problem == "is required"));
}

#[test]
fn address_json_refuses_unknown_fields_and_bad_values() {
    let unknown = json!({"line1": "a", "city": "b", "state": "c", "postal_code": "d", "country": "e", "zip": "f"});
    assert!(serde_json::from_value::<RawAddress>(unknown.clone()).is_err());
    assert!(serde_json::from_value::<ShippingAddress>(unknown).is_err());
    let bad = json!({"line1": "a", "city": "", "state": "c", "postal_code": "d", "country": "e"});
    let err = serde_json::from_value::<ShippingAddress>(bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("city: must not be empty"), "{err}");
}

#[test]
fn insurance_parses_and_hides_its_numbers() {
    let mut e = FieldErrors::new();
    let raw = RawInsurance {
        carrier: s(" Acme Health "),
        policy_number: s("POL-998877"),
        group_number: s("GRP-4455"),
    };
    let ins = InsuranceInfo::parse(raw, "insurance_info", &mut e).unwrap();
    assert!(e.is_empty());
    assert_eq!(ins.carrier(), "Acme Health");
    assert_eq!(ins.policy_number(), "POL-998877");
    assert_eq!(ins.group_number(), Some("GRP-4455"));
    let debug = format!("{ins:?}{ins:#?}");
    assert!(debug.contains("Acme Health"));
    assert!(
        !debug.contains("998877") && !debug.contains("4455"),
        "{debug}"
    );
    let v = serde_json::to_value(&ins).unwrap();
    assert_eq!(
        v,
        json!({"carrier": "Acme Health", "policy_number": "POL-998877", "group_number": "GRP-4455"})
    );
    assert_eq!(serde_json::from_value::<InsuranceInfo>(v).unwrap(), ins);
}

#[test]
fn insurance_group_number_is_optional() {
    let mut e = FieldErrors::new();
    let raw = RawInsurance {
        carrier: s("Acme"),
        policy_number: s("P1"),
        group_number: s(" "),
    };
    let ins = InsuranceInfo::parse(raw, "insurance_info", &mut e).unwrap();
    assert_eq!(ins.group_number(), None);
    assert_eq!(
        serde_json::to_value(&ins).unwrap()["group_number"],
        json!(null)
    );
}

#[test]
fn insurance_reports_every_bad_field() {
    let mut e = FieldErrors::new();
    assert!(InsuranceInfo::parse(RawInsurance::default(), "insurance_info", &mut e).is_none());
    assert_eq!(e.len(), 2);
    assert_eq!(e.get("insurance_info.carrier"), Some("is required"));
    assert_eq!(e.get("insurance_info.policy_number"), Some("is required"));

    let mut e = FieldErrors::new();
    let raw = RawInsurance {
        carrier: s("Acme\u{1b}"),
        policy_number: s(&"9".repeat(65)),
        group_number: s(&"9".repeat(65)),
    };
    assert!(InsuranceInfo::parse(raw, "insurance_info", &mut e).is_none());
    assert_eq!(
        e.get("insurance_info.carrier"),
        Some("must not contain control characters")
    );
    assert_eq!(
        e.get("insurance_info.policy_number"),
        Some("must be at most 64 characters")
    );
    assert_eq!(
        e.get("insurance_info.group_number"),
        Some("must be at most 64 characters")
    );
}

fn verification(coverage: Option<serde_json::Value>) -> RawVerification {
    RawVerification {
        verified_by: s("Nurse Joy"),
        verification_method: s("phone"),
        coverage_details: coverage,
    }
}

#[test]
fn verification_parses_with_an_object_or_the_default() {
    let mut e = FieldErrors::new();
    let v = VerificationData::parse(verification(None), "verification_data", &mut e).unwrap();
    assert_eq!(v.coverage_details(), &json!({}));
    assert_eq!(v.verified_by(), "Nurse Joy");
    assert_eq!(v.method(), "phone");
    let raw = verification(Some(json!({"copay": "10.00", "covered": true})));
    let v = VerificationData::parse(raw, "verification_data", &mut e).unwrap();
    assert!(e.is_empty());
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(
        j,
        json!({"verified_by": "Nurse Joy", "verification_method": "phone", "coverage_details": {"copay": "10.00", "covered": true}})
    );
    assert_eq!(serde_json::from_value::<VerificationData>(j).unwrap(), v);
}

#[test]
fn coverage_must_be_a_small_object() {
    for not_object in [json!([1]), json!("x"), json!(3), json!(true)] {
        let mut e = FieldErrors::new();
        assert!(VerificationData::parse(verification(Some(not_object)), "v", &mut e).is_none());
        assert_eq!(e.get("v.coverage_details"), Some("must be an object"));
    }
    // Exactly at the limit is fine, one byte over is not: `{"x":"…"}` is 8 bytes plus the text.
    let at_limit = json!({ "x": "y".repeat(VerificationData::MAX_COVERAGE_BYTES - 8) });
    assert_eq!(
        at_limit.to_string().len(),
        VerificationData::MAX_COVERAGE_BYTES
    );
    let mut e = FieldErrors::new();
    assert!(VerificationData::parse(verification(Some(at_limit)), "v", &mut e).is_some());
    let over = json!({ "x": "y".repeat(VerificationData::MAX_COVERAGE_BYTES - 7) });
    let mut e = FieldErrors::new();
    assert!(VerificationData::parse(verification(Some(over)), "v", &mut e).is_none());
    assert_eq!(
        e.get("v.coverage_details"),
        Some("must be at most 8192 bytes")
    );
}

#[test]
fn verification_reports_every_bad_field() {
    let mut e = FieldErrors::new();
    let raw = RawVerification {
        verified_by: None,
        verification_method: s(""),
        coverage_details: Some(json!([])),
    };
    assert!(VerificationData::parse(raw, "verification_data", &mut e).is_none());
    assert_eq!(e.len(), 3);
    assert_eq!(e.get("verification_data.verified_by"), Some("is required"));
    assert_eq!(
        e.get("verification_data.verification_method"),
        Some("must not be empty")
    );
    assert_eq!(
        e.get("verification_data.coverage_details"),
        Some("must be an object")
    );
}

#[test]
fn one_request_reports_every_bad_field_of_every_value() {
    let mut e = FieldErrors::new();
    let address = RawAddress {
        city: s(""),
        postal_code: s(&"1".repeat(30)),
        ..good_address()
    };
    let insurance = RawInsurance {
        carrier: None,
        ..RawInsurance::default()
    };
    assert!(ShippingAddress::parse(address, "shipping_address", &mut e).is_none());
    assert!(InsuranceInfo::parse(insurance, "insurance_info", &mut e).is_none());
    let paths: Vec<&str> = e.iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "insurance_info.carrier",
            "insurance_info.policy_number",
            "shipping_address.city",
            "shipping_address.postal_code",
        ]
    );
}

#[test]
fn raw_values_refuse_unknown_fields() {
    assert!(
        serde_json::from_value::<RawInsurance>(json!({"carrier": "a", "status": "x"})).is_err()
    );
    assert!(
        serde_json::from_value::<RawVerification>(json!({"verified_by": "a", "extra": 1})).is_err()
    );
    let raw: RawVerification = serde_json::from_value(json!({"coverage_details": null})).unwrap();
    assert!(raw.coverage_details.is_none());
}
