//! The tables, once per backend (same names, each backend's own types).

#[allow(missing_docs, missing_debug_implementations)]
pub mod pg;
#[allow(missing_docs, missing_debug_implementations)]
pub mod sqlite;
