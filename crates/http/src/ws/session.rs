//! One WebSocket session: replay what the client asked for with `since`, then live events from
//! the hub, with no gap and no duplicate; ping/pong keep-alive, an idle timeout, the `ws` rate
//! limit on what the client sends, and a periodic re-check of the token and scope.
//!
//! **No gap, no duplicate.** `cursor` is the last sequence number dealt with (sent, or not
//! visible to this subscription). With `since=N`:
//! 1. replay the log after N from the database, page by page, to its end;
//! 2. register with the hub, which answers with its cursor R: every event after R will be queued;
//! 3. replay again from `cursor` until past R (events committed during step 1);
//! 4. go live, skipping queued events with `seq <= cursor` (those step 3 already sent).
//!
//! Without `since` the handler registered before answering the handshake, and `cursor` starts at
//! R, or at the log's head when the subscription was accepted if the hub had not read that far
//! yet (so a live stream never shows an event committed before it was accepted). Registering after the first replay keeps the queue free during a long replay, so a client
//! catching up on a day of events is not closed for overflow.

use super::close::Ending;
use super::hub::{Control, Delivery, Hub, Stop, Subscriber};
use crate::limits::{Class, Limiter};
use actix_ws::{Message, MessageStream, Session};
use bytestring::ByteString;
use futures_util::FutureExt;
use ordo_domain::usecases::{Ordo, Subscription};
use std::sync::Arc;
use std::time::Instant;

/// Everything one session needs.
pub(crate) struct Conn {
    pub session: Session,
    pub stream: MessageStream,
    pub ordo: Ordo,
    pub hub: Hub,
    pub limiter: Arc<Limiter>,
    /// The territory whose `ws` budget the client's messages count against.
    pub rate_key: String,
    pub sub: Subscription,
    /// The bearer token, for the periodic re-check; never logged.
    pub token: String,
    /// Registered by the handler for a live-only subscription.
    pub subscriber: Option<Subscriber>,
    /// `orders` or `notifications`, for metrics.
    pub kind: &'static str,
}

/// Runs the session to its end and closes it with the frame its ending calls for.
pub(crate) async fn run(mut conn: Conn) {
    metrics::gauge!("ws_connections", "stream" => conn.kind).increment(1.0);
    let ending = conn.serve().await;
    metrics::counter!("ws_closed_total", "stream" => conn.kind, "reason" => ending.label())
        .increment(1);
    metrics::gauge!("ws_connections", "stream" => conn.kind).decrement(1.0);
    if ending != Ending::ClientClosed && ending != Ending::Gone {
        tracing::info!(
            stream = conn.kind,
            reason = ending.label(),
            "websocket closed"
        );
    }
    if let Some(frame) = ending.frame() {
        // A stalled client may never take the close frame: wait only so long for it to leave.
        let grace = conn.hub.settings().close_grace;
        let _ = tokio::time::timeout(grace, conn.session.close(Some(frame))).await;
    }
    // Dropping the stream and the registration here ends the connection and frees its queue.
}

impl Conn {
    async fn serve(&mut self) -> Ending {
        let (mut subscriber, mut cursor) = match (self.subscriber.take(), self.sub.since()) {
            // The hub may not have read the newest commits yet: what came before the
            // subscription was accepted is skipped all the same.
            (Some(s), _) => {
                let at = s.registered_at.max(self.sub.start());
                (s, at)
            }
            (None, since) => {
                let mut cursor = since.unwrap_or(0);
                if let Err(e) = self.replay(&mut cursor, None, None).await {
                    return e;
                }
                let Ok(s) = self.hub.subscribe(self.sub.audiences(), cursor) else {
                    return Ending::Shutdown;
                };
                let registered_at = s.registered_at;
                if let Err(e) = self
                    .replay(&mut cursor, Some(registered_at), Some(&s.control))
                    .await
                {
                    return e;
                }
                (s, cursor)
            }
        };
        self.live(&mut subscriber, &mut cursor).await
    }

    /// Sends the visible events after `cursor` from the log: to its end, or only until past
    /// `until`.
    async fn replay(
        &mut self,
        cursor: &mut i64,
        until: Option<i64>,
        control: Option<&Control>,
    ) -> Result<(), Ending> {
        let page_size = self.hub.settings().replay_page;
        loop {
            if until.is_some_and(|u| *cursor >= u) {
                return Ok(());
            }
            let (ordo, sub, after) = (self.ordo.clone(), self.sub.clone(), *cursor);
            // The domain's answer is kept whole to tell a purge (a conflict) from an outage.
            let read = crate::blocking(move || Ok(ordo.replay_page(&sub, after, page_size))).await;
            let page = match read {
                Ok(Ok(page)) => page,
                Ok(Err(ordo_domain::Error::Conflict(_))) => return Err(Ending::Purged),
                Ok(Err(_)) | Err(_) => return Err(Ending::Unavailable),
            };
            for event in &page.events {
                let text =
                    serde_json::to_string(&event.frame()).map_err(|_| Ending::Unavailable)?;
                self.send(Out::Text(ByteString::from(text)), control)
                    .await?;
            }
            *cursor = page.scanned_to;
            if page.at_end {
                return Ok(());
            }
        }
    }

    async fn live(&mut self, subscriber: &mut Subscriber, cursor: &mut i64) -> Ending {
        let settings = self.hub.settings().clone();
        let start = tokio::time::Instant::now();
        let mut ping = tokio::time::interval_at(start + settings.ping_every, settings.ping_every);
        let mut recheck =
            tokio::time::interval_at(start + settings.recheck_every, settings.recheck_every);
        // After a slow write, carry on from now rather than firing the missed ticks at once.
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut heard = Instant::now();
        let control = subscriber.control.clone();
        // Made once, not once per turn of the loop: each new wait registers with the hub's
        // `Notify` and unregisters when dropped, two lock round trips per delivered event. It
        // stays registered while `deliver` waits on its own; `Control::stop` wakes both.
        let stop = control.wait();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                biased;
                why = &mut stop => return stop_ending(why),
                item = subscriber.rx.recv() => match item {
                    Some(d) => {
                        if let Err(e) = self.deliver(&d, cursor, &control).await {
                            return e;
                        }
                    }
                    None => return control.stopped().map_or(Ending::Shutdown, stop_ending),
                },
                msg = self.stream.recv() => match msg {
                    Some(Ok(m)) => {
                        heard = Instant::now();
                        if let Err(e) = self.answer(m, &control).await {
                            return e;
                        }
                    }
                    Some(Err(_)) => return Ending::Protocol,
                    None => return Ending::Gone,
                },
                _ = ping.tick() => {
                    if heard.elapsed() >= settings.idle_timeout {
                        return Ending::Idle;
                    }
                    if let Err(e) = self.send(Out::Ping, Some(&control)).await {
                        return e;
                    }
                }
                _ = recheck.tick() => {
                    if let Err(e) = self.recheck().await {
                        return e;
                    }
                }
            }
        }
    }

    async fn deliver(
        &mut self,
        d: &Delivery,
        cursor: &mut i64,
        control: &Control,
    ) -> Result<(), Ending> {
        // Already sent by the replay that preceded the live stream.
        if d.seq <= *cursor {
            return Ok(());
        }
        self.send(Out::Text(d.frame.clone()), Some(control)).await?;
        *cursor = d.seq;
        Ok(())
    }

    /// Sends one frame; gives up when the hub says stop, or when the socket has not taken it
    /// within the idle timeout (a client that stopped reading while few events come, or during a
    /// replay, when no queue can fill to tell).
    async fn send(&mut self, frame: Out, control: Option<&Control>) -> Result<(), Ending> {
        let limit = self.hub.settings().idle_timeout;
        let session = &mut self.session;
        let write = async move {
            match frame {
                Out::Text(text) => session.text(text).await,
                Out::Ping => session.ping(b"").await,
                Out::Pong(bytes) => session.pong(&bytes).await,
            }
        };
        let mut write = std::pin::pin!(write);
        // The stop signal first, as the select below does (a replay must not run on once the hub
        // said stop). Then, nearly always, the frame is taken at once (actix-ws's queue has
        // room), and neither the hub's `Notify` nor a timer is registered with and unregistered
        // from per delivered event, as the select does.
        if let Some(why) = control.and_then(Control::stopped) {
            return Err(stop_ending(why));
        }
        if let Some(sent) = write.as_mut().now_or_never() {
            return sent.map_err(|_| Ending::Gone);
        }
        tokio::select! {
            biased;
            why = stop_of(control) => Err(stop_ending(why)),
            sent = tokio::time::timeout(limit, write) => match sent {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(Ending::Gone),
                Err(_) => Err(Ending::TooSlow),
            },
        }
    }

    /// What the client sent: pings are answered, pongs only prove it is alive, data counts
    /// against the territory's `ws` budget (the streams take no input), a close ends the session.
    async fn answer(&mut self, msg: Message, control: &Control) -> Result<(), Ending> {
        match msg {
            Message::Ping(bytes) => self.send(Out::Pong(bytes), Some(control)).await,
            Message::Pong(_) | Message::Nop => Ok(()),
            Message::Text(_) | Message::Binary(_) | Message::Continuation(_) => self
                .limiter
                .check(Class::Ws, &self.rate_key)
                .map(|_| ())
                .map_err(|_| Ending::RateLimited),
            Message::Close(_) => Err(Ending::ClientClosed),
        }
    }

    /// The token still authenticates and the scope still holds. A database outage is not the
    /// client's fault: the session goes on and the next check decides.
    async fn recheck(&mut self) -> Result<(), Ending> {
        use ordo_domain::Error;
        let (ordo, token, sub) = (self.ordo.clone(), self.token.clone(), self.sub.clone());
        match actix_web::web::block(move || ordo.still_subscribed(&token, &sub)).await {
            Ok(Err(
                Error::Unauthenticated | Error::PermissionDenied(_) | Error::TerritoryMismatch(_),
            )) => Err(Ending::SessionEnded),
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "websocket re-check failed; the session goes on");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "websocket re-check not run; the session goes on");
                Ok(())
            }
        }
    }
}

/// What a session writes.
enum Out {
    Text(ByteString),
    Ping,
    Pong(actix_web::web::Bytes),
}

/// The hub's stop signal, or never.
async fn stop_of(control: Option<&Control>) -> Stop {
    match control {
        Some(c) => c.wait().await,
        None => std::future::pending().await,
    }
}

fn stop_ending(why: Stop) -> Ending {
    match why {
        Stop::Overflow => Ending::TooSlow,
        Stop::Shutdown => Ending::Shutdown,
    }
}
