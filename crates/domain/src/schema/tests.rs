use crate::catalogue::Product;
use crate::money::Money;
use schemars::generate::SchemaSettings;
use serde_json::Value;

fn schema_of<T: schemars::JsonSchema>(settings: SchemaSettings) -> Value {
    settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

#[test]
fn money_is_printed_as_a_two_place_string_and_read_from_a_string_or_a_number() {
    let printed = schema_of::<Money>(SchemaSettings::draft2020_12().for_serialize());
    assert_eq!(printed["type"], "string");
    assert_eq!(printed["pattern"], "^[0-9]+\\.[0-9]{2}$");
    let read = schema_of::<Money>(SchemaSettings::draft2020_12().for_deserialize());
    let kinds: Vec<&Value> = read["anyOf"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| &s["type"])
        .collect();
    assert_eq!(kinds, ["string", "number"]);
}

#[test]
fn a_product_lists_its_stock_fields_as_its_serialize_prints_them() {
    let schema = schema_of::<Product>(SchemaSettings::draft2020_12().for_serialize());
    let props = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for key in [
        "product_id",
        "sku",
        "price",
        "stock_quantity",
        "reserved_quantity",
        "available_quantity",
        "low_stock_threshold",
        "active",
    ] {
        assert!(props.contains_key(key), "{key} missing from {schema}");
    }
    assert!(
        !props.contains_key("stock"),
        "the flattened field is not a property"
    );
}
