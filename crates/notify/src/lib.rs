//! `ordo-notify`: the senders behind the outbox — SMS by Africa's Talking's HTTP messaging API,
//! e-mail by SMTP, and a `log` sender for development.
//!
//! It will only deliver what the domain decided to send, already free of PHI. Built by issue 7
//! (notifications).
