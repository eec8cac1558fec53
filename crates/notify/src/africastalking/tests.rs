//! Tests of `africastalking.rs` that need no network: how answers are judged, and the config.

use super::*;

fn answer(code: &str, status: &str) -> String {
    format!(
        r#"{{"SMSMessageData":{{"Message":"Sent to 1/1 Total Cost: KES 0.8000","Recipients":[{{"statusCode":{code},"number":"+254700000007","status":"{status}","cost":"KES 0.8000","messageId":"ATPid_1"}}]}}}}"#
    )
}

#[test]
fn processed_sent_and_queued_are_delivered() {
    for (code, status) in [("100", "Processed"), ("101", "Success"), ("102", "Queued")] {
        assert_eq!(judge_answer(&answer(code, status)), Ok(()), "{code}");
    }
}

#[test]
fn a_status_code_given_as_text_is_read() {
    assert_eq!(judge_answer(&answer("\"101\"", "Success")), Ok(()));
}

#[test]
fn refusals_of_the_number_are_rejected_with_the_status() {
    for (code, status) in [
        ("401", "RiskHold"),
        ("402", "InvalidSenderId"),
        ("403", "InvalidPhoneNumber"),
        ("404", "UnsupportedNumberType"),
        ("406", "UserInBlacklist"),
        ("407", "CouldNotRoute"),
        ("499", "SomethingNew"),
    ] {
        match judge_answer(&answer(code, status)) {
            Err(SendError::Rejected(why)) => {
                assert!(why.contains(status) && why.contains(code), "{why}");
                assert!(!why.contains("254700000007"), "{why}");
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn gateway_trouble_and_low_balance_are_retried() {
    for (code, status) in [
        ("405", "InsufficientBalance"),
        ("500", "InternalServerError"),
        ("501", "GatewayError"),
        ("502", "RejectedByGateway"),
    ] {
        match judge_answer(&answer(code, status)) {
            Err(SendError::Unavailable(why)) => assert!(why.contains(status), "{why}"),
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn a_missing_status_name_is_filled_in_from_the_code() {
    assert_eq!(
        judge_answer(&answer("403", "")),
        Err(SendError::Rejected(
            "SMS gateway: InvalidPhoneNumber (403)".into()
        ))
    );
}

#[test]
fn no_recipients_is_rejected_with_the_apis_message() {
    let body = r#"{"SMSMessageData":{"Message":"InvalidSenderId","Recipients":[]}}"#;
    assert_eq!(
        judge_answer(body),
        Err(SendError::Rejected(
            "SMS gateway sent to no one: InvalidSenderId".into()
        ))
    );
}

#[test]
fn an_unreadable_answer_is_retried() {
    assert!(matches!(
        judge_answer("<html>maintenance</html>"),
        Err(SendError::Unavailable(_))
    ));
}

#[test]
fn the_config_debug_hides_the_key() {
    let config = AfricasTalkingConfig::new("sandbox", "atsk_very_secret");
    let text = format!("{config:?}");
    assert!(!text.contains("atsk_very_secret"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    let sender = AfricasTalkingSender::new(config).unwrap();
    assert!(!format!("{sender:?}").contains("atsk_very_secret"));
}

#[test]
fn the_endpoint_is_the_base_url_and_the_messaging_path() {
    for base in [
        "https://api.sandbox.africastalking.com",
        "https://api.sandbox.africastalking.com/",
    ] {
        let config = AfricasTalkingConfig {
            base_url: base.into(),
            ..AfricasTalkingConfig::new("sandbox", "key")
        };
        assert_eq!(
            AfricasTalkingSender::new(config).unwrap().endpoint(),
            "https://api.sandbox.africastalking.com/version1/messaging"
        );
    }
}

#[test]
fn bad_configs_are_refused_without_repeating_the_key() {
    let good = AfricasTalkingConfig::new("sandbox", "atsk_secret");
    let bad = [
        AfricasTalkingConfig {
            base_url: "api.africastalking.com".into(),
            ..good.clone()
        },
        AfricasTalkingConfig {
            username: " ".into(),
            ..good.clone()
        },
        AfricasTalkingConfig {
            api_key: String::new(),
            ..good.clone()
        },
        AfricasTalkingConfig {
            timeout: Duration::ZERO,
            ..good.clone()
        },
    ];
    for config in bad {
        let e = AfricasTalkingSender::new(config).unwrap_err();
        assert!(!e.to_string().contains("atsk_secret"));
    }
    assert!(AfricasTalkingSender::new(good).is_ok());
}
