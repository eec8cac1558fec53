//! The two backends; each compiles the shared queries of `imp/` against its schema.

pub mod pg;
pub mod sqlite;

mod checkpointer;
mod group_commit;
