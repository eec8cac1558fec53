//! Hostile input: every parser of request input, fed arbitrary JSON and text, answers with a
//! value or field errors — never a panic. Proptest, bounded by `PROPTEST_CASES` (256 by default;
//! `make reliability` runs more).

#![allow(clippy::unwrap_used, missing_docs)]

use ordo_domain::catalogue::{
    NewProduct, ProductPatch, RawProduct, RawProductPatch, RawStockAdjustment, Sku, StockAdjustment,
};
use ordo_domain::contact::{Email, PhoneNumber};
use ordo_domain::money::Money;
use ordo_domain::notification::Preferences;
use ordo_domain::order::placement::{OrderRequest, RawOrder};
use ordo_domain::order::query::{OrderFilter, RawOrderQuery};
use ordo_domain::people::{
    NewPatient, NewUser, RawPatient, RawTerritory, RawUser, RawUserPatch, Territory, UserPatch,
};
use ordo_domain::usecases::{RawSendMessage, SendMessage};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Field names of the API's bodies, so generated objects reach past the first missing field.
const KEYS: &[&str] = &[
    "patient_id",
    "items",
    "product_id",
    "quantity",
    "territory_id",
    "priority",
    "notes",
    "insurance_info",
    "carrier",
    "policy_number",
    "group_number",
    "shipping_address",
    "street",
    "city",
    "state",
    "zip_code",
    "postal_code",
    "country",
    "verification_data",
    "verified_by",
    "sku",
    "name",
    "price",
    "stock_quantity",
    "low_stock_threshold",
    "active",
    "delta",
    "reason",
    "code",
    "contact_number",
    "email",
    "insurance_number",
    "password",
    "role",
    "territories",
    "phone",
    "user_id",
    "message",
    "status",
    "limit",
    "offset",
    "skip",
    "start_date",
    "end_date",
    "min_amount",
    "max_amount",
    "order_items",
    "provider_id",
    "service_type",
    "sms",
    "in_app",
    "order_created",
    "status_change",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9+ .,-]{0,24}",
        "[a-zA-Z0-9@._ -]{0,40}",
        Just("99999999999999999999999999".to_owned()),
        Just("-0.005".to_owned()),
        Just("1e308".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("\u{0}\u{202e}\u{fffd}".to_owned()),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..10).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// Deserialises `v` as `T` (a failure is the edge's 400) and parses it.
fn through<T: serde::de::DeserializeOwned, U, E>(v: &Value, parse: impl Fn(T) -> Result<U, E>) {
    if let Ok(raw) = serde_json::from_value::<T>(v.clone()) {
        let _ = parse(raw);
    }
}

proptest! {
    #[test]
    fn request_bodies_never_panic(v in json()) {
        through::<RawOrder, _, _>(&v, OrderRequest::parse);
        through::<RawProduct, _, _>(&v, NewProduct::parse);
        through::<RawProductPatch, _, _>(&v, ProductPatch::parse);
        through::<RawStockAdjustment, _, _>(&v, StockAdjustment::parse);
        through::<RawTerritory, _, _>(&v, Territory::parse);
        through::<RawPatient, _, _>(&v, NewPatient::parse);
        through::<RawUser, _, _>(&v, NewUser::parse);
        through::<RawUserPatch, _, _>(&v, UserPatch::parse);
        through::<RawSendMessage, _, _>(&v, SendMessage::parse);
        through::<RawOrderQuery, _, _>(&v, OrderFilter::parse);
        through::<ordo_domain::notification::RawPreferences, _, _>(&v, |raw| {
            Preferences::default().update(&raw)
        });
    }

    #[test]
    fn text_parsers_never_panic(s in text()) {
        let _ = Money::parse(&s);
        let _ = PhoneNumber::parse(&s);
        let _ = Email::parse(&s);
        let _ = Sku::parse(&s);
        let _ = ordo_domain::order::OrderStatus::parse(&s);
        let _ = ordo_domain::order::Priority::parse(&s);
        let _ = ordo_domain::time::Timestamp::parse_rfc3339(&s);
        let _ = s.parse::<ordo_domain::ids::OrderId>();
        let _ = s.parse::<ordo_domain::ids::TrackingId>();
        let _ = s.parse::<ordo_domain::ids::TerritoryId>();
        let redacted = ordo_domain::phi::redact(&s);
        prop_assert!(redacted.len() <= s.len() * 8 + 16);
    }
}
