//! Exact money and order quantities.
//!
//! Money is integer minor units (cents) inside and a decimal string with two places in JSON
//! (`"25.98"`): never floating point, so totals add up to the cent. A [`Quantity`] is the
//! number of units on one order line.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Why an amount of money was refused. The messages are written to be shown as a field's
/// problem in an API error (`"price": "is too large"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// Not a plain decimal with at most two places (signs other than `-`, exponents, spaces
    /// inside, a missing integer part, a third decimal, anything that is not a digit).
    #[error("must be a decimal with at most two places, e.g. \"12.50\"")]
    Format,
    /// Below zero.
    #[error("must not be negative")]
    Negative,
    /// Above [`Money::MAX_MINOR`], or a sum or product that would be.
    #[error("is too large")]
    TooLarge,
}

/// A non-negative, exact amount of money in minor units (cents), at most
/// [`Money::MAX_MINOR`]: prices, line subtotals and order totals.
///
/// In JSON it is the string `"25.98"` (always two places); it is read from such a string or
/// from a JSON number with at most two decimals (`50`, `12.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    /// No money.
    pub const ZERO: Money = Money(0);
    /// The largest amount ordo keeps, in minor units (10^13 cents, a hundred billion units):
    /// far above any real order, and far enough below `i64::MAX` that a sum of two amounts
    /// cannot overflow before it is checked.
    pub const MAX_MINOR: i64 = 10_000_000_000_000;

    /// An amount of `minor` cents, if it is between zero and [`Money::MAX_MINOR`].
    pub fn from_minor(minor: i64) -> Result<Self, MoneyError> {
        if minor < 0 {
            Err(MoneyError::Negative)
        } else if minor > Self::MAX_MINOR {
            Err(MoneyError::TooLarge)
        } else {
            Ok(Self(minor))
        }
    }

    /// The amount in minor units (cents).
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parses a decimal amount: `"25"`, `"25.9"`, `"25.98"`, `"0.50"`; surrounding spaces are
    /// ignored. Refused: a sign (`"-1"` is [`MoneyError::Negative`], `"+1"` a format error),
    /// exponents, spaces inside, thousands separators, a missing integer part (`".5"`), a
    /// trailing dot (`"5."`), more than two places, and amounts over [`Money::MAX_MINOR`].
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix('-') {
            // A well-formed negative amount says what is wrong with it; anything else is a
            // format error.
            return Err(match parse_unsigned(rest) {
                Ok(_) | Err(MoneyError::TooLarge) => MoneyError::Negative,
                Err(e) => e,
            });
        }
        parse_unsigned(text).and_then(Self::from_minor)
    }

    /// `self + other`, refusing to exceed [`Money::MAX_MINOR`].
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .ok_or(MoneyError::TooLarge)
            .and_then(Self::from_minor)
    }

    /// `self × quantity` (a line's subtotal), refusing to exceed [`Money::MAX_MINOR`].
    pub fn checked_mul_qty(self, quantity: Quantity) -> Result<Money, MoneyError> {
        self.0
            .checked_mul(i64::from(quantity.get()))
            .ok_or(MoneyError::TooLarge)
            .and_then(Self::from_minor)
    }

    /// The sum of `amounts` (an order's total), refusing to exceed [`Money::MAX_MINOR`].
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, Money::checked_add)
    }
}

/// Digits, an optional dot and one or two more digits, as minor units (not yet range-checked
/// beyond what fits an `i64`).
fn parse_unsigned(text: &str) -> Result<i64, MoneyError> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f) || f.len() > 2) {
        return Err(MoneyError::Format);
    }
    let whole = whole.trim_start_matches('0');
    // 16 integer digits are already far above MAX_MINOR; refusing them here keeps the
    // arithmetic below inside an i64.
    if whole.len() > 16 {
        return Err(MoneyError::TooLarge);
    }
    let units = whole
        .bytes()
        .fold(0_i64, |acc, b| acc * 10 + i64::from(b - b'0'));
    let cents = match frac.map(str::as_bytes) {
        None => 0,
        Some([d]) => i64::from(d - b'0') * 10,
        Some([d1, d2]) => i64::from(d1 - b'0') * 10 + i64::from(d2 - b'0'),
        Some(_) => return Err(MoneyError::Format),
    };
    Ok(units * 100 + cents)
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, MoneyError> {
        Self::parse(s)
    }
}

impl fmt::Display for Money {
    /// Always two places: `25.98`, `25.00`, `0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads money from a string (through [`Money::parse`]) or a JSON number.
struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal string with at most two places, such as \"12.50\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        Money::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        i64::try_from(v)
            .ok()
            .and_then(|v| v.checked_mul(100))
            .ok_or(MoneyError::TooLarge)
            .and_then(Money::from_minor)
            .map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        if v < 0 {
            return Err(E::custom(MoneyError::Negative));
        }
        self.visit_u64(v.unsigned_abs())
    }

    /// A JSON number with a fraction, such as `12.5`, arrives as the nearest `f64`. It is read
    /// through that double's shortest decimal text, which is exactly what the client wrote when
    /// the client wrote at most two places (`12.5` → `"12.5"`, `50.00` → `"50"`), while an
    /// artefact such as `0.30000000000000004` keeps its many places and is refused rather
    /// than rounded.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        if !v.is_finite() {
            return Err(E::custom(MoneyError::Format));
        }
        // `Display` for f64 prints the shortest text that reads back as the same double, in
        // positional notation (never an exponent).
        Money::parse(&v.to_string()).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MoneyVisitor)
    }
}

/// Why a quantity was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum QuantityError {
    /// Zero or negative.
    #[error("must be at least 1")]
    TooSmall,
    /// Over [`Quantity::MAX`], or a merge of lines that would be.
    #[error("must be at most 10000")]
    TooLarge,
}

/// The units of one order line: 1 to [`Quantity::MAX`]. In JSON, a plain integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    /// Most units on one line (also after duplicate lines are merged).
    pub const MAX: u32 = 10_000;

    /// A quantity, if it is 1 to [`Quantity::MAX`].
    pub fn new(n: i64) -> Result<Self, QuantityError> {
        if n < 1 {
            return Err(QuantityError::TooSmall);
        }
        match u32::try_from(n) {
            Ok(q) if q <= Self::MAX => Ok(Self(q)),
            _ => Err(QuantityError::TooLarge),
        }
    }

    /// The units.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Two lines of one product merged into one; the sum must still be at most
    /// [`Quantity::MAX`].
    pub fn checked_add(self, other: Quantity) -> Result<Quantity, QuantityError> {
        Self::new(i64::from(self.0) + i64::from(other.0))
    }
}

impl TryFrom<i64> for Quantity {
    type Error = QuantityError;
    fn try_from(n: i64) -> Result<Self, QuantityError> {
        Self::new(n)
    }
}

impl From<Quantity> for u32 {
    fn from(q: Quantity) -> u32 {
        q.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
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
            "", " ", ".", ".5", "5.", "1.234", "1.000", "1e3", "1E3", "+1", "1 000", "1,000",
            "1 .5", "1. 5", "abc", "1.2.3", "0x10", "١٢", "12.5€", "-", "-abc", "--1", "NaN",
            "inf",
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
}
