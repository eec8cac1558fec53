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

use serde_json::json;
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

/// Decodes `application/x-www-form-urlencoded` text into its pairs, in order: written here,
/// not taken from the HTTP client's crate, so the tests check the client's encoding.
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Africa's Talking
// ---------------------------------------------------------------------------------------------

/// How [`FakeAfricasTalking`] answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtReply {
    /// HTTP 201 with the API's JSON: one entry per number in the request's `to`, each with this
    /// `statusCode` and `status` (and a `messageId` `ATPid_fake_N` and a cost when the code is
    /// 100–102).
    Recipient {
        /// `statusCode`, e.g. 101 or 403.
        status_code: u16,
        /// `status`, e.g. `Success` or `InvalidPhoneNumber`.
        status: String,
    },
    /// HTTP 201 with the API's JSON and an empty `Recipients` list, with this `Message`.
    NoRecipients {
        /// `SMSMessageData.Message`, e.g. `InvalidSenderId`.
        message: String,
    },
    /// This HTTP status and body as they are (`application/json` if the body starts with `{`,
    /// else `text/plain`).
    Http {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
    /// Reads the request, then never answers: holds the connection until the fake is dropped
    /// (or a minute passes).
    NoAnswer,
    /// Reads the request, then closes the connection without a word.
    Close,
}

impl AtReply {
    /// Sent: `statusCode` 101, `status` `Success` (the default reply).
    pub fn sent() -> Self {
        Self::recipient(101, "Success")
    }

    /// One recipient status, e.g. `recipient(403, "InvalidPhoneNumber")`.
    pub fn recipient(status_code: u16, status: impl Into<String>) -> Self {
        Self::Recipient {
            status_code,
            status: status.into(),
        }
    }

    /// A bare HTTP answer, e.g. `http(500, "Internal Server Error")`.
    pub fn http(status: u16, body: impl Into<String>) -> Self {
        Self::Http {
            status,
            body: body.into(),
        }
    }
}

/// One request [`FakeAfricasTalking`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `POST`, normally.
    pub method: String,
    /// The request target, e.g. `/version1/messaging`.
    pub path: String,
    /// The headers, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
    /// The body decoded as a form (empty unless it was form-encoded).
    pub form: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first form field named `name`, decoded.
    pub fn form(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A fake Africa's Talking API on loopback: point the sender's base URL at
/// [`base_url`](Self::base_url). It answers any path and method from its script (so a wrong
/// path shows in [`requests`](Self::requests), not as an error), except that with
/// [`require_api_key`](Self::require_api_key) a request without that `apiKey` gets HTTP 401.
pub struct FakeAfricasTalking {
    listener: Listener,
    book: Arc<Book<RecordedRequest, AtReply>>,
    api_key: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for FakeAfricasTalking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAfricasTalking")
            .field("addr", &self.listener.addr)
            .finish_non_exhaustive()
    }
}

impl FakeAfricasTalking {
    /// Starts listening on `127.0.0.1` and an ephemeral port; every request is answered
    /// [`AtReply::sent`] until scripted otherwise.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub fn start() -> Self {
        Self::try_start().unwrap_or_else(|e| panic!("fake Africa's Talking cannot listen: {e}"))
    }

    /// [`start`](Self::start), returning the error instead of panicking.
    pub fn try_start() -> io::Result<Self> {
        let book = Arc::new(Book::new(AtReply::sent()));
        let api_key: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let ids = Arc::new(AtomicU64::new(0));
        let (b, k) = (book.clone(), api_key.clone());
        let listener = Listener::start(move |stream, stop| {
            let _ = serve_http(stream, stop, &b, &k, &ids);
        })?;
        Ok(Self {
            listener,
            book,
            api_key,
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL (`ORDO_AT_BASE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.listener.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.listener.addr
    }

    /// Queues `reply` for the next unanswered request; queued replies go first, in order,
    /// then the default.
    pub fn push(&self, reply: AtReply) {
        self.book.push(reply);
    }

    /// Queues several replies, e.g. `[http(500, ""), http(503, "")]` to fail twice.
    pub fn push_all(&self, replies: impl IntoIterator<Item = AtReply>) {
        for r in replies {
            self.book.push(r);
        }
    }

    /// The reply once the queue is empty (at first [`AtReply::sent`]).
    pub fn set_default(&self, reply: AtReply) {
        self.book.set_default(reply);
    }

    /// Answers HTTP 401 to requests whose `apiKey` header is not `key` (the script is not
    /// consumed for them).
    pub fn require_api_key(&self, key: impl Into<String>) {
        *self.api_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(key.into());
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.book.all()
    }

    /// Waits until at least `n` requests arrived or `timeout` passed; returns them all.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.book.wait_for(n, timeout)
    }
}

/// Serves one connection: requests until the client closes or a reply closes.
fn serve_http(
    stream: TcpStream,
    stop: &AtomicBool,
    book: &Book<RecordedRequest, AtReply>,
    api_key: &Mutex<Option<String>>,
    ids: &AtomicU64,
) -> io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader)? {
        book.record(request.clone());
        let required = api_key.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(key) = required {
            if request.header("apiKey") != Some(key.as_str()) {
                write_http(&mut writer, 401, "The supplied authentication is invalid")?;
                continue;
            }
        }
        match book.next_reply() {
            AtReply::Recipient {
                status_code,
                status,
            } => {
                let to = request.form("to").unwrap_or_default();
                let numbers: Vec<&str> = to.split(',').map(str::trim).collect();
                let ok = (100..=102).contains(&status_code);
                let recipients: Vec<_> = numbers
                    .iter()
                    .map(|number| {
                        let n = ids.fetch_add(1, Ordering::SeqCst) + 1;
                        json!({
                            "statusCode": status_code,
                            "number": number,
                            "status": status,
                            "cost": if ok { "KES 0.8000" } else { "0" },
                            "messageId": if ok { format!("ATPid_fake_{n}") } else { "None".to_owned() },
                        })
                    })
                    .collect();
                let sent = if ok { numbers.len() } else { 0 };
                let body = json!({
                    "SMSMessageData": {
                        "Message": format!("Sent to {sent}/{} Total Cost: KES {:.4}", numbers.len(), 0.8 * sent as f64),
                        "Recipients": recipients,
                    }
                });
                write_http(&mut writer, 201, &body.to_string())?;
            }
            AtReply::NoRecipients { message } => {
                let body = json!({"SMSMessageData": {"Message": message, "Recipients": []}});
                write_http(&mut writer, 201, &body.to_string())?;
            }
            AtReply::Http { status, body } => write_http(&mut writer, status, &body)?,
            AtReply::NoAnswer => {
                hang(stop);
                return Ok(());
            }
            AtReply::Close => return Ok(()),
        }
    }
    Ok(())
}

/// Reads one HTTP/1.1 request (`Content-Length` or chunked body); `None` at the end.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<RecordedRequest>> {
    let line = loop {
        match read_line(reader)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    while let Some(l) = read_line(reader)? {
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let size_line = read_line(reader)?.unwrap_or_default();
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                // Trailers, up to the empty line.
                while let Some(l) = read_line(reader)? {
                    if l.is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            read_line(reader)?;
        }
    } else if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body = vec![0; len];
        reader.read_exact(&mut body)?;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let form = if find("content-type")
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
    {
        decode_form(&body)
    } else {
        Vec::new()
    };
    Ok(Some(RecordedRequest {
        method,
        path,
        headers,
        body,
        form,
    }))
}

fn write_http(writer: &mut impl Write, status: u16, body: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let content_type = if body.trim_start().starts_with('{') {
        "application/json"
    } else {
        "text/plain"
    };
    write!(
        writer,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    writer.flush()
}

// ---------------------------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------------------------

/// A step of an SMTP session, where a [`SmtpReply`] can fail or go silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStage {
    /// The server's greeting, before any command.
    Greeting,
    /// The answer to `AUTH` (e.g. 535 for refused credentials).
    Auth,
    /// The answer to `MAIL FROM`.
    MailFrom,
    /// The answer to `RCPT TO` (e.g. 550 mailbox unavailable, 451 greylisted).
    RcptTo,
    /// The answer to `DATA`, before the message.
    Data,
    /// The answer after the message's final `.` (e.g. 554 rejected as spam, 451 try later).
    Message,
}

/// How [`FakeSmtp`] treats one connection (the sender opens one per message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpReply {
    /// Accepts every message (the default).
    Accept,
    /// Answers `code` at `stage` (a message failed there is not recorded), then carries on.
    Fail {
        /// Where.
        stage: SmtpStage,
        /// The reply code, 4xx or 5xx.
        code: u16,
    },
    /// Says nothing more from `stage` on, holding the connection until the fake is dropped (or
    /// a minute passes).
    NoAnswer(SmtpStage),
}

impl SmtpReply {
    /// `code` in answer to `RCPT TO`, e.g. `reject_recipient(550)`.
    pub fn reject_recipient(code: u16) -> Self {
        Self::Fail {
            stage: SmtpStage::RcptTo,
            code,
        }
    }

    /// `code` at `stage`.
    pub fn fail_at(stage: SmtpStage, code: u16) -> Self {
        Self::Fail { stage, code }
    }
}

/// One message [`FakeSmtp`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The client's `EHLO`/`HELO` name.
    pub helo: String,
    /// User and password, if the client authenticated (`AUTH PLAIN` or `AUTH LOGIN`).
    pub credentials: Option<(String, String)>,
    /// The `MAIL FROM` address, without the angle brackets.
    pub mail_from: String,
    /// The `RCPT TO` addresses, without the angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as received (headers and body, CRLF line ends, dot-stuffing undone).
    pub data: String,
}

impl ReceivedMail {
    /// The first header named `name` (case-insensitive), continuation lines unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.split();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.trim().eq_ignore_ascii_case(name) {
                    found = Some(v.trim().to_owned());
                }
            }
        }
        found
    }

    /// The body as sent, still in its transfer encoding.
    pub fn raw_body(&self) -> &str {
        self.split().1
    }

    /// The body decoded from its `Content-Transfer-Encoding` (7bit, 8bit, quoted-printable or
    /// base64), line ends as `\n`, trailing line ends dropped.
    pub fn text(&self) -> String {
        let raw = self.raw_body();
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => decode_base64(raw),
            "quoted-printable" => decode_quoted_printable(raw),
            _ => raw.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes)
            .replace("\r\n", "\n")
            .trim_end_matches('\n')
            .to_owned()
    }

    fn split(&self) -> (&str, &str) {
        self.data
            .split_once("\r\n\r\n")
            .unwrap_or((self.data.as_str(), ""))
    }
}

/// A fake SMTP server on loopback: point the sender at [`url`](Self::url). It greets, answers
/// `EHLO` (offering 8BITMIME, SMTPUTF8 and AUTH PLAIN LOGIN, not STARTTLS), takes any
/// credentials, `MAIL FROM`, `RCPT TO`, `DATA`, `RSET`, `NOOP` and `QUIT`, and records each
/// accepted message — unless the connection's [`SmtpReply`] says otherwise. Each connection
/// takes the next queued reply, then the default.
pub struct FakeSmtp {
    listener: Listener,
    book: Arc<Book<ReceivedMail, SmtpReply>>,
    connections: Arc<AtomicU64>,
}

impl std::fmt::Debug for FakeSmtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeSmtp")
            .field("addr", &self.listener.addr)
            .finish_non_exhaustive()
    }
}

impl FakeSmtp {
    /// Starts listening on `127.0.0.1` and an ephemeral port, accepting every message until
    /// scripted otherwise.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub fn start() -> Self {
        Self::try_start().unwrap_or_else(|e| panic!("fake SMTP server cannot listen: {e}"))
    }

    /// [`start`](Self::start), returning the error instead of panicking.
    pub fn try_start() -> io::Result<Self> {
        let book = Arc::new(Book::new(SmtpReply::Accept));
        let connections = Arc::new(AtomicU64::new(0));
        let ids = Arc::new(AtomicU64::new(0));
        let (b, c) = (book.clone(), connections.clone());
        let listener = Listener::start(move |stream, stop| {
            c.fetch_add(1, Ordering::SeqCst);
            let _ = serve_smtp(stream, stop, &b, &ids);
        })?;
        Ok(Self {
            listener,
            book,
            connections,
        })
    }

    /// `smtp://127.0.0.1:PORT`, plain SMTP (`ORDO_SMTP_URL`).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.listener.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.listener.addr
    }

    /// Queues `reply` for the next connection; queued replies go first, in order, then the
    /// default.
    pub fn push(&self, reply: SmtpReply) {
        self.book.push(reply);
    }

    /// Queues several replies, e.g. two `fail_at(Message, 451)` to fail twice.
    pub fn push_all(&self, replies: impl IntoIterator<Item = SmtpReply>) {
        for r in replies {
            self.book.push(r);
        }
    }

    /// The reply once the queue is empty (at first [`SmtpReply::Accept`]).
    pub fn set_default(&self, reply: SmtpReply) {
        self.book.set_default(reply);
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.book.all()
    }

    /// Waits until at least `n` messages were accepted or `timeout` passed; returns them all.
    pub fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        self.book.wait_for(n, timeout)
    }

    /// How many connections were accepted so far (one per message the sender tried).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The text of a scripted failure; a 550 repeats the address, as real servers do, so tests can
/// check that it does not leak into reasons.
fn failure_text(code: u16, address: &str) -> String {
    match code {
        421 => "4.4.2 Service not available, closing channel".into(),
        450 | 451 => "4.3.0 Requested action aborted: try again later".into(),
        452 => "4.3.1 Insufficient system storage".into(),
        535 => "5.7.8 Authentication credentials invalid".into(),
        550 => format!("5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"),
        553 => format!("5.1.3 <{address}>: Mailbox name not allowed"),
        554 => "5.7.1 Transaction failed".into(),
        c if c < 500 => "4.0.0 Scripted transient failure".into(),
        _ => "5.0.0 Scripted permanent failure".into(),
    }
}

/// Serves one SMTP connection.
fn serve_smtp(
    stream: TcpStream,
    stop: &AtomicBool,
    book: &Book<ReceivedMail, SmtpReply>,
    ids: &AtomicU64,
) -> io::Result<()> {
    let script = book.next_reply();
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    let say = |w: &mut TcpStream, text: &str| -> io::Result<()> {
        w.write_all(format!("{text}\r\n").as_bytes())?;
        w.flush()
    };
    // What the script does at `stage`: `Some(code)` to fail, `None` to go on; hangs itself.
    let at = |stage: SmtpStage| -> Result<Option<u16>, ()> {
        match script {
            SmtpReply::Fail { stage: s, code } if s == stage => Ok(Some(code)),
            SmtpReply::NoAnswer(s) if s == stage => {
                hang(stop);
                Err(())
            }
            _ => Ok(None),
        }
    };

    match at(SmtpStage::Greeting) {
        Err(()) => return Ok(()),
        Ok(Some(code)) => {
            say(&mut w, &format!("{code} {}", failure_text(code, "")))?;
            // A refusing server still answers QUIT.
            while let Some(line) = read_line(&mut r)? {
                if line.eq_ignore_ascii_case("QUIT") {
                    say(&mut w, "221 2.0.0 Bye")?;
                    break;
                }
                say(&mut w, "503 5.5.1 Bad sequence of commands")?;
            }
            return Ok(());
        }
        Ok(None) => say(&mut w, "220 fake-smtp ESMTP ordo test sink")?,
    }

    let mut helo = String::new();
    let mut credentials: Option<(String, String)> = None;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();

    while let Some(line) = read_line(&mut r)? {
        let upper = line.to_ascii_uppercase();
        let verb = upper
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        match verb.as_str() {
            "EHLO" => {
                helo = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                mail_from = None;
                rcpt_to.clear();
                say(
                    &mut w,
                    "250-fake-smtp\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10485760",
                )?;
            }
            "HELO" => {
                helo = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                say(&mut w, "250 fake-smtp")?;
            }
            "AUTH" => {
                let words: Vec<&str> = line.split_whitespace().collect();
                let mechanism = words.get(1).map(|m| m.to_ascii_uppercase());
                let given = match mechanism.as_deref() {
                    Some("PLAIN") => {
                        let payload = match words.get(2) {
                            Some(p) => (*p).to_owned(),
                            None => {
                                say(&mut w, "334 ")?;
                                read_line(&mut r)?.unwrap_or_default()
                            }
                        };
                        let decoded = decode_base64(&payload);
                        let mut parts = decoded.split(|b| *b == 0).skip(1);
                        let user = String::from_utf8_lossy(parts.next().unwrap_or_default());
                        let pass = String::from_utf8_lossy(parts.next().unwrap_or_default());
                        Some((user.into_owned(), pass.into_owned()))
                    }
                    Some("LOGIN") => {
                        let user = match words.get(2) {
                            Some(u) => decode_base64(u),
                            None => {
                                say(&mut w, "334 VXNlcm5hbWU6")?;
                                decode_base64(&read_line(&mut r)?.unwrap_or_default())
                            }
                        };
                        say(&mut w, "334 UGFzc3dvcmQ6")?;
                        let pass = decode_base64(&read_line(&mut r)?.unwrap_or_default());
                        Some((
                            String::from_utf8_lossy(&user).into_owned(),
                            String::from_utf8_lossy(&pass).into_owned(),
                        ))
                    }
                    _ => None,
                };
                match (given, at(SmtpStage::Auth)) {
                    (_, Err(())) => return Ok(()),
                    (None, _) => say(&mut w, "504 5.5.4 Unrecognized authentication type")?,
                    (Some(_), Ok(Some(code))) => {
                        say(&mut w, &format!("{code} {}", failure_text(code, "")))?;
                    }
                    (Some(c), Ok(None)) => {
                        credentials = Some(c);
                        say(&mut w, "235 2.7.0 Authentication successful")?;
                    }
                }
            }
            "MAIL" => {
                let address = angle_address(&line);
                match at(SmtpStage::MailFrom) {
                    Err(()) => return Ok(()),
                    Ok(Some(code)) => {
                        say(&mut w, &format!("{code} {}", failure_text(code, &address)))?;
                    }
                    Ok(None) => {
                        mail_from = Some(address);
                        rcpt_to.clear();
                        say(&mut w, "250 2.1.0 Ok")?;
                    }
                }
            }
            "RCPT" => {
                let address = angle_address(&line);
                if mail_from.is_none() {
                    say(&mut w, "503 5.5.1 Need MAIL first")?;
                    continue;
                }
                match at(SmtpStage::RcptTo) {
                    Err(()) => return Ok(()),
                    Ok(Some(code)) => {
                        say(&mut w, &format!("{code} {}", failure_text(code, &address)))?;
                    }
                    Ok(None) => {
                        rcpt_to.push(address);
                        say(&mut w, "250 2.1.5 Ok")?;
                    }
                }
            }
            "DATA" => {
                if mail_from.is_none() || rcpt_to.is_empty() {
                    say(&mut w, "503 5.5.1 Need RCPT first")?;
                    continue;
                }
                match at(SmtpStage::Data) {
                    Err(()) => return Ok(()),
                    Ok(Some(code)) => {
                        say(&mut w, &format!("{code} {}", failure_text(code, "")))?;
                        continue;
                    }
                    Ok(None) => say(&mut w, "354 End data with <CR><LF>.<CR><LF>")?,
                }
                let mut data = String::new();
                loop {
                    let Some(l) = read_line(&mut r)? else {
                        return Ok(());
                    };
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push_str("\r\n");
                }
                match at(SmtpStage::Message) {
                    Err(()) => return Ok(()),
                    Ok(Some(code)) => {
                        say(&mut w, &format!("{code} {}", failure_text(code, "")))?;
                    }
                    Ok(None) => {
                        let n = ids.fetch_add(1, Ordering::SeqCst) + 1;
                        book.record(ReceivedMail {
                            helo: helo.clone(),
                            credentials: credentials.clone(),
                            mail_from: mail_from.clone().unwrap_or_default(),
                            rcpt_to: rcpt_to.clone(),
                            data,
                        });
                        say(&mut w, &format!("250 2.0.0 Ok: queued as FAKE{n}"))?;
                    }
                }
                mail_from = None;
                rcpt_to.clear();
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                say(&mut w, "250 2.0.0 Ok")?;
            }
            "NOOP" => say(&mut w, "250 2.0.0 Ok")?,
            "QUIT" => {
                say(&mut w, "221 2.0.0 Bye")?;
                return Ok(());
            }
            "STARTTLS" => say(&mut w, "454 4.7.0 TLS not available")?,
            _ => say(&mut w, "502 5.5.2 Command not recognized")?,
        }
    }
    Ok(())
}

/// The address between `<` and `>` in a `MAIL FROM`/`RCPT TO` line (else what follows `:`).
fn angle_address(line: &str) -> String {
    match (line.find('<'), line.find('>')) {
        (Some(a), Some(b)) if a < b => line[a + 1..b].to_owned(),
        _ => line
            .split_once(':')
            .map(|(_, rest)| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default(),
    }
}

/// Decodes base64 (standard alphabet), skipping white space and padding; written here so the
/// fakes need no crate for it.
pub fn decode_base64(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Decodes quoted-printable text (soft line breaks and `=XX` escapes).
pub fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex_value),
                bytes.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests;
