//! Use cases over mock ports.

mod audit_once;
mod dispatch;
mod orders;
mod sessions;
mod transitions;

use crate::ports::{Change, Committed};
use std::sync::{Arc, Mutex};

/// Records every committed change and answers `Ok`.
pub(crate) fn recording(kit: &mut super::testkit::Kit) -> Arc<Mutex<Vec<Change>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    kit.uow.expect_commit().returning(move |c| {
        sink.lock().unwrap().push(c);
        Ok(Committed {
            product_id: None,
            last_event: Some(1),
        })
    });
    seen
}
