//! The fake SMTP server, and the MIME decoding it reads messages with.

use super::*;

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
