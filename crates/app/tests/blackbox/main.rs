//! Black-box tests: the real `ordo` binary on a free port with a fresh database, spoken to over
//! HTTP like any client. One test binary, so it links once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod server;

mod auth;
mod compat;
mod delivery;
mod demo;
mod edge;
mod exit;
mod notifications;
mod openapi;
mod orders;
mod people;
mod throttling;
mod ws;
