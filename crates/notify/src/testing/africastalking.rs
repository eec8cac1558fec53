//! The fake of Africa's Talking's messaging API, and the form decoding it checks requests with.

use super::*;
use serde_json::json;

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
