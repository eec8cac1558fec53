//! Tests of `money.rs`.

use super::*;
use proptest::prelude::*;

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

#[test]
fn parses_the_usual_forms() {
    assert_eq!(m("25").minor(), 2500);
    assert_eq!(m("25.9").minor(), 2590);
    assert_eq!(m("25.98").minor(), 2598);
    assert_eq!(m("0.50").minor(), 50);
    assert_eq!(m("0").minor(), 0);
    assert_eq!(m("007.05").minor(), 705);
    assert_eq!(m(" 7 ").minor(), 700);
    assert_eq!("12.50".parse::<Money>(), Ok(m("12.5")));
}

#[test]
fn displays_two_places() {
    assert_eq!(m("25.98").to_string(), "25.98");
    assert_eq!(m("25").to_string(), "25.00");
    assert_eq!(m("25.9").to_string(), "25.90");
    assert_eq!(m("0.05").to_string(), "0.05");
    assert_eq!(Money::ZERO.to_string(), "0.00");
}

#[test]
fn refuses_everything_else() {
    for bad in [
        "", " ", ".", ".5", "5.", "1.234", "1.000", "1e3", "1E3", "+1", "1 000", "1,000", "1 .5",
        "1. 5", "abc", "1.2.3", "0x10", "١٢", "12.5€", "-", "-abc", "--1", "NaN", "inf",
    ] {
        assert_eq!(Money::parse(bad), Err(MoneyError::Format), "{bad:?}");
    }
    assert_eq!(Money::parse("-1"), Err(MoneyError::Negative));
    assert_eq!(Money::parse("-0.01"), Err(MoneyError::Negative));
    assert_eq!(
        Money::parse("-99999999999999999999999"),
        Err(MoneyError::Negative)
    );
    assert_eq!(Money::parse("100000000000.01"), Err(MoneyError::TooLarge));
    assert_eq!(
        Money::parse("99999999999999999999999"),
        Err(MoneyError::TooLarge)
    );
    assert_eq!(
        Money::parse("9223372036854775807"),
        Err(MoneyError::TooLarge)
    );
    assert_eq!(m("100000000000").minor(), Money::MAX_MINOR);
    assert_eq!(m("0000000000000000000000001").minor(), 100);
}

#[test]
fn from_minor_checks_the_range() {
    assert_eq!(Money::from_minor(-1), Err(MoneyError::Negative));
    assert_eq!(
        Money::from_minor(Money::MAX_MINOR + 1),
        Err(MoneyError::TooLarge)
    );
    assert_eq!(
        Money::from_minor(Money::MAX_MINOR).map(Money::minor),
        Ok(Money::MAX_MINOR)
    );
    assert_eq!(Money::from_minor(0), Ok(Money::ZERO));
}

#[test]
fn error_messages_suit_a_field_error() {
    assert_eq!(
        MoneyError::Format.to_string(),
        "must be a decimal with at most two places, e.g. \"12.50\""
    );
    assert_eq!(MoneyError::TooLarge.to_string(), "is too large");
    assert_eq!(MoneyError::Negative.to_string(), "must not be negative");
}

#[test]
fn json_is_a_string() {
    assert_eq!(serde_json::to_string(&m("25.98")).unwrap(), "\"25.98\"");
    assert_eq!(serde_json::to_string(&m("25")).unwrap(), "\"25.00\"");
    assert_eq!(
        serde_json::from_str::<Money>("\"25.98\"").unwrap(),
        m("25.98")
    );
    assert!(serde_json::from_str::<Money>("\"25.987\"").is_err());
    assert!(serde_json::from_str::<Money>("\"-1\"").is_err());
    assert!(serde_json::from_str::<Money>("null").is_err());
    assert!(serde_json::from_str::<Money>("true").is_err());
    assert!(serde_json::from_str::<Money>("{}").is_err());
}

#[test]
fn json_numbers_are_read_exactly() {
    let de = |s: &str| serde_json::from_str::<Money>(s).map(Money::minor);
    assert_eq!(de("50").unwrap(), 5000);
    assert_eq!(de("50.00").unwrap(), 5000);
    assert_eq!(de("12.5").unwrap(), 1250);
    assert_eq!(de("0.1").unwrap(), 10);
    assert_eq!(de("0.07").unwrap(), 7);
    assert_eq!(de("19.99").unwrap(), 1999);
    assert_eq!(de("99999999999.99").unwrap(), 9_999_999_999_999);
    // An exponent is just another spelling of a JSON number; its value decides.
    assert_eq!(de("1e2").unwrap(), 10_000);
    // 0.1 + 0.2 as a client's float arithmetic prints it: refused, not rounded.
    assert!(de("0.30000000000000004").is_err());
    assert!(de("12.345").is_err());
    assert!(de("1e-3").is_err());
    assert!(de("-3").is_err());
    assert!(de("-0.5").is_err());
    assert!(de("1e300").is_err());
    assert!(de("18446744073709551615").is_err());
    assert!(de("100000000001").is_err());
}

#[test]
fn float_artefacts_are_refused() {
    let sum = 0.1_f64 + 0.2_f64;
    let json = serde_json::to_string(&sum).unwrap();
    assert!(serde_json::from_str::<Money>(&json).is_err(), "{json}");
}

#[test]
fn arithmetic_refuses_to_overflow() {
    let max = Money::from_minor(Money::MAX_MINOR).unwrap();
    let cent = Money::from_minor(1).unwrap();
    assert_eq!(max.checked_add(cent), Err(MoneyError::TooLarge));
    assert_eq!(max.checked_add(Money::ZERO), Ok(max));
    assert_eq!(
        max.checked_mul_qty(Quantity::new(2).unwrap()),
        Err(MoneyError::TooLarge)
    );
    let price = m("12.99");
    assert_eq!(
        price
            .checked_mul_qty(Quantity::new(2).unwrap())
            .unwrap()
            .to_string(),
        "25.98"
    );
    assert_eq!(
        Money::checked_sum([price, price, m("0.02")])
            .unwrap()
            .to_string(),
        "26.00"
    );
    assert_eq!(Money::checked_sum([]), Ok(Money::ZERO));
    assert_eq!(Money::checked_sum([max, cent]), Err(MoneyError::TooLarge));
}

#[test]
fn quantities() {
    assert_eq!(Quantity::new(0), Err(QuantityError::TooSmall));
    assert_eq!(Quantity::new(-5), Err(QuantityError::TooSmall));
    assert_eq!(Quantity::new(i64::MIN), Err(QuantityError::TooSmall));
    assert_eq!(Quantity::new(10_001), Err(QuantityError::TooLarge));
    assert_eq!(Quantity::new(i64::MAX), Err(QuantityError::TooLarge));
    assert_eq!(Quantity::new(1).unwrap().get(), 1);
    assert_eq!(Quantity::new(10_000).unwrap().get(), Quantity::MAX);
    assert_eq!(QuantityError::TooSmall.to_string(), "must be at least 1");
    assert_eq!(QuantityError::TooLarge.to_string(), "must be at most 10000");
    assert_eq!(Quantity::new(42).unwrap().to_string(), "42");
}

#[test]
fn merged_quantities_stay_in_range() {
    let half = Quantity::new(5_000).unwrap();
    assert_eq!(half.checked_add(half).unwrap().get(), 10_000);
    assert_eq!(
        half.checked_add(Quantity::new(5_001).unwrap()),
        Err(QuantityError::TooLarge)
    );
    let max = Quantity::new(10_000).unwrap();
    assert_eq!(max.checked_add(max), Err(QuantityError::TooLarge));
}

#[test]
fn quantity_json_goes_through_new() {
    assert_eq!(serde_json::from_str::<Quantity>("3").unwrap().get(), 3);
    let err = serde_json::from_str::<Quantity>("0")
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be at least 1"), "{err}");
    assert!(serde_json::from_str::<Quantity>("10001").is_err());
    assert!(serde_json::from_str::<Quantity>("-1").is_err());
    assert!(serde_json::from_str::<Quantity>("2.5").is_err());
    assert!(serde_json::from_str::<Quantity>("\"3\"").is_err());
    assert_eq!(
        serde_json::to_string(&Quantity::new(7).unwrap()).unwrap(),
        "7"
    );
}

proptest! {
    #[test]
    fn display_and_parse_round_trip(minor in 0..=Money::MAX_MINOR) {
        let money = Money::from_minor(minor).unwrap();
        prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        let json = serde_json::to_string(&money).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
    }

    #[test]
    fn json_numbers_with_two_places_are_exact(units in 0_i64..=99_999_999_999, cents in 0_i64..100) {
        let json = format!("{units}.{cents:02}");
        let money = serde_json::from_str::<Money>(&json).unwrap();
        prop_assert_eq!(money.minor(), units * 100 + cents);
    }

    #[test]
    fn parse_never_panics(s in ".*") {
        let _ = Money::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_numberish_text(s in "[-+0-9. eE]{0,40}") {
        if let Ok(money) = Money::parse(&s) {
            prop_assert!((0..=Money::MAX_MINOR).contains(&money.minor()));
        }
    }

    #[test]
    fn sum_is_exact_or_refused(amounts in proptest::collection::vec(0..=Money::MAX_MINOR, 0..40)) {
        let exact: i128 = amounts.iter().map(|&a| i128::from(a)).sum();
        let sum = Money::checked_sum(amounts.iter().map(|&a| Money::from_minor(a).unwrap()));
        if exact <= i128::from(Money::MAX_MINOR) {
            prop_assert_eq!(sum.map(|s| i128::from(s.minor())), Ok(exact));
        } else {
            prop_assert_eq!(sum, Err(MoneyError::TooLarge));
        }
    }

    #[test]
    fn product_is_exact_or_refused(price in 0..=Money::MAX_MINOR, qty in 1_i64..=10_000) {
        let exact = i128::from(price) * i128::from(qty);
        let product = Money::from_minor(price).unwrap().checked_mul_qty(Quantity::new(qty).unwrap());
        if exact <= i128::from(Money::MAX_MINOR) {
            prop_assert_eq!(product.map(|p| i128::from(p.minor())), Ok(exact));
        } else {
            prop_assert_eq!(product, Err(MoneyError::TooLarge));
        }
    }

    #[test]
    fn merge_is_exact_or_refused(a in 1_i64..=10_000, b in 1_i64..=10_000) {
        let merged = Quantity::new(a).unwrap().checked_add(Quantity::new(b).unwrap());
        if a + b <= 10_000 {
            prop_assert_eq!(merged.map(|q| i64::from(q.get())), Ok(a + b));
        } else {
            prop_assert_eq!(merged, Err(QuantityError::TooLarge));
        }
    }
}
