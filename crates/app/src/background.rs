//! What `ordo serve` runs beside the HTTP server — the outbox dispatcher, the WebSocket event
//! tail, PostgreSQL's `LISTEN` thread — stopped in order, and the store closed, when `serve`
//! ends, whichever way it ends (an error while loading the demo data or binding the port
//! included). Nothing may be talking to the database when the process exits: an exit during a
//! PostgreSQL connection attempt crashes it (`ordo-store`'s `backend/pg/connector.rs`).

use crate::dispatcher::Dispatcher;
use ordo_http::ws::Hub;
use ordo_store::{EventWatch, Store};

/// The running threads; stops them when dropped.
pub struct Background {
    store: Store,
    realtime: Option<(Hub, EventWatch)>,
    dispatcher: Option<Dispatcher>,
}

impl Background {
    /// Nothing running yet; `store` is closed last.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            realtime: None,
            dispatcher: None,
        }
    }

    /// The event tail and what wakes it.
    pub fn realtime(&mut self, hub: Hub, watch: EventWatch) {
        self.realtime = Some((hub, watch));
    }

    /// The outbox dispatcher.
    pub fn dispatcher(&mut self, dispatcher: Dispatcher) {
        self.dispatcher = Some(dispatcher);
    }
}

impl Drop for Background {
    /// Blocks until the threads have ended: call it off the async executor (after
    /// `block_on` returns).
    fn drop(&mut self) {
        if let Some(dispatcher) = self.dispatcher.take() {
            dispatcher.stop();
        }
        if let Some((hub, watch)) = self.realtime.take() {
            hub.stop();
            drop(watch);
        }
        self.store.close();
    }
}
