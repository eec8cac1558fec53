//! The reliability suite (`make reliability`): the SPEC's §12 promises under concurrency, a lost
//! database and a crash, against the real binary. What each test proves, and its latest
//! figures: docs/RELIABILITY.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../blackbox/server.rs"]
#[allow(dead_code)]
mod server;

mod client;
mod crash;
mod dbloss;
mod oversell;
mod proxy;
