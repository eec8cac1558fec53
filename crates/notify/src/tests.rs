//! Tests of `lib.rs`.

use super::*;

#[test]
fn the_log_sender_always_delivers() {
    let to = Destination::default();
    assert_eq!(
        LogSender.send(
            Channel::Sms,
            &to,
            "Your order ORD-0000000007 is now shipped."
        ),
        Ok(())
    );
}
