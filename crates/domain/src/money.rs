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
mod tests;
