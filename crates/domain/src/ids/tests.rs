//! Tests of `ids.rs`.

use super::*;

#[test]
fn uuid_ids_parse_and_print_hyphenated() {
    let id: OrderId = "6F9619FF-8B86-D011-B42D-00C04FC964FF".parse().unwrap();
    assert_eq!(id.to_string(), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
    assert_eq!("nope".parse::<OrderId>(), Err(IdError::NotUuid));
}

#[test]
fn product_ids_are_positive() {
    assert_eq!(ProductId::new(1).map(ProductId::get), Ok(1));
    assert_eq!(ProductId::new(0), Err(IdError::NotPositive));
    assert_eq!("-3".parse::<ProductId>(), Err(IdError::NotPositive));
    assert_eq!("x".parse::<ProductId>(), Err(IdError::NotPositive));
}

#[test]
fn territory_codes() {
    assert_eq!(TerritoryId::parse("KE-NBO").unwrap().as_str(), "KE-NBO");
    assert_eq!(TerritoryId::parse(" north ").unwrap().as_str(), "north");
    assert!(matches!(
        TerritoryId::parse(""),
        Err(IdError::Length { .. })
    ));
    assert!(matches!(
        TerritoryId::parse("a b"),
        Err(IdError::Charset { .. })
    ));
    assert!(TerritoryId::parse(&"x".repeat(33)).is_err());
}

#[test]
fn patient_codes_are_case_insensitive() {
    assert_eq!(
        PatientCode::parse("cust007").unwrap(),
        PatientCode::parse("CUST007").unwrap()
    );
    assert!(PatientCode::parse("CUST 7").is_err());
}

#[test]
fn tracking_ids_round_trip_and_reject_ambiguous_letters() {
    let t = TrackingId::from_random(0x3_ffff_ffff_ffff);
    assert_eq!(t.as_str(), "ORD-ZZZZZZZZZZ");
    assert_eq!(
        TrackingId::parse("ord-7k3f9q2mzx").unwrap().as_str(),
        "ORD-7K3F9Q2MZX"
    );
    assert!(TrackingId::parse("ORD-7K3F9Q2MZI").is_err());
    assert!(TrackingId::parse("ORD-7K3F").is_err());
    assert!(TrackingId::parse("XYZ-7K3F9Q2MZX").is_err());
    let a = TrackingId::from_random(1);
    assert_eq!(TrackingId::parse(a.as_str()), Ok(a));
}

#[test]
fn string_ids_deserialize_through_the_parser() {
    let t: Result<TerritoryId, _> = serde_json::from_str("\"bad code\"");
    assert!(t.is_err());
    let t: TerritoryId = serde_json::from_str("\"north\"").unwrap();
    assert_eq!(t.as_str(), "north");
}
