//! The real-time streams (issue 6), with a real WebSocket client against the real binary.

mod client;
mod delivery;
mod instances;
mod lifecycle;
mod replay;
mod scale;
