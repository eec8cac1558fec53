//! JSON Schemas of the value types whose JSON form is written by hand (only with the `schema`
//! feature). Every other type that crosses an API derives `schemars::JsonSchema` next to its
//! `serde` derive, so its schema follows its serde attributes (renames, `try_from`, `flatten`,
//! `deny_unknown_fields`) and its doc comments become descriptions.
//!
//! The schemas say what the parsers accept (for requests, schemars' *deserialize* contract) and
//! what the types print (for answers, the *serialize* contract); where the two differ, as for
//! money, both are given.

use crate::money::{Money, Quantity};
use crate::phi::Phi;
use crate::time::Timestamp;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

impl JsonSchema for Money {
    fn schema_name() -> Cow<'static, str> {
        "Money".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "ordo_domain::money::Money".into()
    }

    /// Printed as a decimal string with exactly two places; read from such a string (one or two
    /// places, or none) or from a JSON number with at most two decimals.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let printed = json_schema!({
            "type": "string",
            "pattern": "^[0-9]+\\.[0-9]{2}$",
            "description": "An exact, non-negative amount: a decimal string with two places.",
            "examples": ["25.98"],
        });
        if generator.contract().is_serialize() {
            return printed;
        }
        json_schema!({
            "description": "An exact, non-negative amount: a decimal string with at most two \
                            places (\"12.50\"), or a JSON number with at most two decimals.",
            "anyOf": [
                { "type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]{1,2})?\\s*$" },
                { "type": "number", "minimum": 0, "multipleOf": 0.01 },
            ],
            "examples": ["12.50"],
        })
    }
}

impl JsonSchema for Quantity {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": 1,
            "maximum": Quantity::MAX,
            "description": "Units on one order line.",
        })
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "ordo_domain::time::Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An instant in UTC, RFC 3339 with six fractional digits.",
            "examples": ["2026-11-23T10:00:00.000000Z"],
        })
    }
}

/// PHI is serialised as the value it wraps: its schema is the value's.
impl<T: JsonSchema> JsonSchema for Phi<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// The stock fields a product is answered with (flattened into it by hand in its `Serialize`).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) struct StockFields {
    /// Units on hand, not yet shipped.
    stock_quantity: i64,
    /// Units held by orders pending verification or verified.
    reserved_quantity: i64,
    /// `stock_quantity - reserved_quantity`.
    available_quantity: i64,
}

#[cfg(test)]
mod tests;
