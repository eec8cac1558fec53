//! Loopback fakes of the services the senders talk to, real network servers on `127.0.0.1` with
//! an ephemeral port (feature `testing`): [`FakeAfricasTalking`] speaks enough HTTP/1.1 to stand
//! in for Africa's Talking's messaging API, and [`FakeSmtp`] enough SMTP to stand in for a mail
//! server. Both record what they were sent and answer from a script: a queue of replies used
//! one per request (or connection), then a default reply. Each serves every connection on its
//! own thread, and stops listening when dropped.
//!
//! ```no_run
//! use ordo_notify::testing::{AtReply, FakeAfricasTalking};
//! use std::time::Duration;
//!
//! let gateway = FakeAfricasTalking::start();
//! // Fail twice, then succeed (the default reply, 101 Success).
//! gateway.push(AtReply::http(500, "oops"));
//! gateway.push(AtReply::recipient(500, "InternalServerError"));
//! // … run the binary with ORDO_AT_BASE_URL = gateway.base_url() …
//! let requests = gateway.wait_for_requests(3, Duration::from_secs(10));
//! assert_eq!(requests[2].form("message"), Some("Your order ORD-0000000007 is now shipped."));
//! ```

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// Longest a fake holds a connection it was told not to answer.
const HANG_LIMIT: Duration = Duration::from_secs(60);
/// Longest a fake waits for a client's next bytes.
const READ_LIMIT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------
// Shared plumbing
// ---------------------------------------------------------------------------------------------

/// What a fake recorded and what it will answer next.
struct Book<T, R> {
    state: Mutex<BookState<T, R>>,
    changed: Condvar,
}

struct BookState<T, R> {
    recorded: Vec<T>,
    script: VecDeque<R>,
    default: R,
}

impl<T: Clone, R: Clone> Book<T, R> {
    fn new(default: R) -> Self {
        Self {
            state: Mutex::new(BookState {
                recorded: Vec::new(),
                script: VecDeque::new(),
                default,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BookState<T, R>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_reply(&self) -> R {
        let mut state = self.lock();
        match state.script.pop_front() {
            Some(r) => r,
            None => state.default.clone(),
        }
    }

    fn push(&self, reply: R) {
        self.lock().script.push_back(reply);
    }

    fn set_default(&self, reply: R) {
        self.lock().default = reply;
    }

    fn record(&self, item: T) {
        self.lock().recorded.push(item);
        self.changed.notify_all();
    }

    fn all(&self) -> Vec<T> {
        self.lock().recorded.clone()
    }

    fn wait_for(&self, n: usize, timeout: Duration) -> Vec<T> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while state.recorded.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.recorded.clone()
    }
}

/// A listening socket on loopback whose accept loop hands each connection to a thread.
struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Listener {
    fn start<H>(handler: H) -> io::Result<Self>
    where
        H: Fn(TcpStream, &AtomicBool) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(handler);
        let stopping = stop.clone();
        thread::Builder::new()
            .name(format!("fake-server-{}", addr.port()))
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(READ_LIMIT));
                    let _ = stream.set_nodelay(true);
                    let handler = handler.clone();
                    let stop = stopping.clone();
                    let _ = thread::Builder::new()
                        .name(format!("fake-conn-{}", addr.port()))
                        .spawn(move || handler(stream, &stop));
                }
            })?;
        Ok(Self { addr, stop })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag and closes the socket.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Holds a connection open without answering, until the fake stops or [`HANG_LIMIT`] passes.
fn hang(stop: &AtomicBool) {
    let until = Instant::now() + HANG_LIMIT;
    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
        thread::sleep(Duration::from_millis(20));
    }
}

/// Reads one line ending in LF (the LF and a CR before it dropped); `None` at the end.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    if reader.read_until(b'\n', &mut buf)? == 0 {
        return Ok(None);
    }
    if buf.ends_with(b"\n") {
        buf.pop();
    }
    if buf.ends_with(b"\r") {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

mod africastalking;
mod smtp;

pub use africastalking::*;
pub use smtp::*;

#[cfg(test)]
mod tests;
