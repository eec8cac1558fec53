//! Tests of the fakes' own decoders (the fakes themselves are exercised by `tests/`).

use super::*;

#[test]
fn forms_are_decoded_with_plus_and_percent_escapes() {
    assert_eq!(
        decode_form(
            "to=%2B254700000007&message=Order+ORD-1+is+now+shipped%2E+%C3%A9&empty=&bad=%zz%4"
        ),
        vec![
            ("to".to_owned(), "+254700000007".to_owned()),
            (
                "message".to_owned(),
                "Order ORD-1 is now shipped. é".to_owned()
            ),
            ("empty".to_owned(), String::new()),
            ("bad".to_owned(), "%zz%4".to_owned()),
        ]
    );
}

#[test]
fn base64_and_quoted_printable_are_decoded() {
    assert_eq!(decode_base64("AHVzZXIAcGFzcw=="), b"\0user\0pass");
    assert_eq!(decode_base64("SGVs\r\nbG8="), b"Hello");
    assert_eq!(
        decode_quoted_printable("caf=C3=A9 soft=\r\nbreak =3D"),
        "café softbreak =".as_bytes()
    );
}

#[test]
fn headers_are_unfolded_and_bodies_decoded() {
    let mail = ReceivedMail {
        helo: "h".into(),
        credentials: None,
        mail_from: "a@example.com".into(),
        rcpt_to: vec!["b@example.com".into()],
        data: "Subject: one\r\n two\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n"
            .into(),
    };
    assert_eq!(mail.header("subject").as_deref(), Some("one two"));
    assert_eq!(mail.header("To"), None);
    assert_eq!(mail.text(), "Hello");
}
