//! Tests of `validation.rs`.

use super::*;

#[test]
fn keeps_every_field_and_the_first_problem_of_each() {
    let mut e = FieldErrors::new();
    e.add("items[1].quantity", "must be at least 1");
    e.add("patient_id", "is required");
    e.add("patient_id", "second problem is not kept");
    assert_eq!(e.len(), 2);
    assert_eq!(e.get("patient_id"), Some("is required"));
    assert_eq!(
        e.to_string(),
        "items[1].quantity: must be at least 1; patient_id: is required"
    );
}

#[test]
fn finish_is_ok_only_without_errors() {
    assert_eq!(FieldErrors::new().finish(|| 7), Ok(7));
    assert!(FieldErrors::single("a", "b").finish(|| 7).is_err());
}

#[test]
fn require_names_a_missing_field_and_passes_a_parsers_error_through() {
    let mut e = FieldErrors::new();
    assert_eq!(e.require("a", None::<Result<i32, String>>), None);
    assert_eq!(e.require("b", Some(Err::<i32, _>("bad".to_owned()))), None);
    assert_eq!(e.require("c", Some(Ok::<_, String>(3))), Some(3));
    assert_eq!(
        (e.get("a"), e.get("b"), e.get("c")),
        (Some("is required"), Some("bad"), None)
    );
}
