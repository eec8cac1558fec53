//! The benchmark's subscribers: every socket read by one thread through one `epoll` instance
//! (mio), frames parsed in place, a receipt timed as the read that brought the frame returns.
//!
//! Why not one tokio-tungstenite task per socket, as the black-box tests use: clients and server
//! share this machine's two cores, so every microsecond a client spends is taken from the server
//! and shows as delivery latency. Profiled at 5,000 subscribers, tungstenite clients on a
//! 2-thread runtime cost ~11 µs of CPU per delivery (task wake-ups, the codec's buffers, the
//! runtime's own `epoll` and locks), against ~24 µs for the server. This reader does what the
//! kernel requires and nothing else — one `read(2)` per ready socket, the frame header parsed —
//! so the figure is closer to what the server would show with its clients on another host.
//! The handshake is tungstenite's (a real client's), only the live reading is done here.

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const WAKE: Token = Token(usize::MAX);

/// Receipt times of event frames, in arrival order, and a signal when a round is complete.
#[derive(Default)]
pub struct Receipts {
    times: Mutex<Vec<Instant>>,
    /// How many receipts complete the current round.
    round_ends_at: AtomicUsize,
    round_done: Condvar,
}

impl Receipts {
    fn record(&self, at: Instant) {
        let mut times = self.times.lock().unwrap();
        times.push(at);
        if times.len() == self.round_ends_at.load(Ordering::Acquire) {
            self.round_done.notify_all();
        }
    }

    /// Announces that the round ends when `total` receipts have come in.
    pub fn expect(&self, total: usize) {
        self.round_ends_at.store(total, Ordering::Release);
    }

    /// Waits until `total` receipts are in, or `limit`; the receipts `from..total`.
    pub fn wait_for(&self, from: usize, total: usize, limit: Duration) -> Option<Vec<Instant>> {
        let times = self.times.lock().unwrap();
        let (times, _) = self
            .round_done
            .wait_timeout_while(times, limit, |t| t.len() < total)
            .unwrap();
        (times.len() >= total).then(|| times[from..total].to_vec())
    }
}

/// The reading thread; stops when dropped.
pub struct Subscribers {
    pub receipts: Arc<Receipts>,
    stop: Arc<AtomicBool>,
    waker: Waker,
    thread: Option<JoinHandle<()>>,
}

impl Subscribers {
    /// Reads `sockets` (upgraded WebSockets, nothing sent yet) until dropped.
    pub fn start(sockets: Vec<std::net::TcpStream>) -> Self {
        let poll = Poll::new().unwrap();
        let waker = Waker::new(poll.registry(), WAKE).unwrap();
        let mut conns: Vec<Conn> = sockets
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                s.set_nonblocking(true).unwrap();
                let mut stream = TcpStream::from_std(s);
                poll.registry()
                    .register(&mut stream, Token(i), Interest::READABLE)
                    .unwrap();
                Conn {
                    stream,
                    pending: Vec::new(),
                    open: true,
                }
            })
            .collect();
        let receipts = Arc::new(Receipts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (receipts, stop) = (receipts.clone(), stop.clone());
            std::thread::Builder::new()
                .name("subscribers".into())
                .spawn(move || read_all(poll, &mut conns, &receipts, &stop))
                .unwrap()
        };
        Self {
            receipts,
            stop,
            waker,
            thread: Some(thread),
        }
    }
}

impl Drop for Subscribers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Conn {
    stream: TcpStream,
    /// The start of a frame whose end has not arrived yet.
    pending: Vec<u8>,
    open: bool,
}

fn read_all(mut poll: Poll, conns: &mut [Conn], receipts: &Receipts, stop: &AtomicBool) {
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            assert_eq!(e.kind(), ErrorKind::Interrupted, "epoll failed: {e}");
            continue;
        }
        for event in &events {
            if event.token() == WAKE {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                continue;
            }
            let conn = &mut conns[event.token().0];
            if conn.open {
                conn.drain(&mut buf, receipts);
            }
        }
    }
}

impl Conn {
    /// Reads until the socket is empty (mio's readiness is edge-triggered).
    fn drain(&mut self, buf: &mut [u8], receipts: &Receipts) {
        loop {
            match self.stream.read(buf) {
                Ok(0) => {
                    self.open = false;
                    return;
                }
                Ok(n) => {
                    let at = Instant::now();
                    self.pending.extend_from_slice(&buf[..n]);
                    self.take_frames(at, receipts);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.open = false;
                    return;
                }
            }
        }
    }

    /// Handles every complete frame in `pending`; keeps an incomplete one's start.
    fn take_frames(&mut self, at: Instant, receipts: &Receipts) {
        let mut used = 0;
        while let Some((opcode, payload, len)) = frame(&self.pending[used..]) {
            match opcode {
                0x1 => receipts.record(at),
                // The server's keep-alive: answered, so a long run is not closed as idle.
                0x9 => {
                    let pong = pong(&self.pending[used + payload.start..used + payload.end]);
                    let _ = self.stream.write_all(&pong);
                }
                0x8 => self.open = false,
                _ => {}
            }
            used += len;
        }
        self.pending.drain(..used);
    }
}

/// `(opcode, payload range, whole length)` of the frame at the start of `b`, if complete. The
/// server's frames are unmasked and never fragmented here (a few hundred bytes of JSON).
fn frame(b: &[u8]) -> Option<(u8, std::ops::Range<usize>, usize)> {
    let (&first, &second) = (b.first()?, b.get(1)?);
    let (len, head) = match second & 0x7f {
        126 => (usize::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?])), 4),
        127 => (
            usize::try_from(u64::from_be_bytes(b.get(2..10)?.try_into().ok()?)).ok()?,
            10,
        ),
        n => (usize::from(n), 2),
    };
    let whole = head + len;
    (b.len() >= whole).then_some((first & 0x0f, head..whole, whole))
}

/// A client's pong (masked, as a client's frames must be; a zero mask leaves the payload as is).
fn pong(payload: &[u8]) -> Vec<u8> {
    // A control frame's payload is at most 125 bytes (RFC 6455 §5.5): one length byte.
    let len = u8::try_from(payload.len()).expect("a ping's payload fits a control frame");
    let mut out = vec![0x8a, 0x80 | len, 0, 0, 0, 0];
    out.extend_from_slice(payload);
    out
}
