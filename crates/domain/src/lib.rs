#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod contact;
pub mod error;
pub mod event;
pub mod ids;
pub mod money;
pub mod notification;
pub mod order;
pub mod people;
pub mod phi;
pub mod ports;
#[cfg(feature = "schema")]
mod schema;
pub mod stock;
pub mod time;
pub mod usecases;
pub mod validation;

pub use error::Error;
