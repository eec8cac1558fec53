//! Protected health information: redaction of free text, and a wrapper that keeps PHI out of
//! `Debug` and `Display` output (and so out of logs).
//!
//! Redaction is a scanner over tokens rather than a set of regular expressions: the domain stays
//! free of a regex engine, and the rules read as code. It is conservative: a long run of digits
//! is treated as a possible identifier, since a leaked policy number costs more than an
//! over-redacted note.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A PHI value: `Debug` and `Display` print `[redacted]`; the value is reached only through
/// [`Phi::expose`], so every use of it is visible in the code.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phi<T>(T);

impl<T> Phi<T> {
    /// Wraps a PHI value.
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The value, for the code that must use it (a store, an SMS gateway).
    pub fn expose(&self) -> &T {
        &self.0
    }
    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Phi<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Phi<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Words after which a number is an identifier (policy, member, insurance numbers).
const ID_CUES: &[&str] = &[
    "policy",
    "insurance",
    "member",
    "group",
    "id",
    "no",
    "number",
    "acct",
    "account",
    "ssn",
    "mrn",
];

/// Replaces e-mail addresses, phone numbers, SSN-like numbers and policy or insurance numbers
/// in free text with `[email]`, `[phone]`, `[ssn]` and `[id]`. Tracking ids (`ORD-…`) survive:
/// they are what an SMS is meant to carry. Idempotent.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut cue = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            out.push(c);
            i += 1;
            continue;
        }
        if let Some(end) = digit_run(&chars, i) {
            let (label, next) = classify_number(&chars, i, end, cue);
            match label {
                Some(l) => out.push_str(l),
                None => out.extend(&chars[i..next]),
            }
            cue = false;
            i = next;
            continue;
        }
        let end = token_end(&chars, i);
        let token: String = chars[i..end].iter().collect();
        let replaced = redact_token(&token, cue);
        cue = is_cue(&token);
        out.push_str(&replaced);
        i = end;
    }
    out
}

/// The end of a token that starts at `start`: up to the next whitespace.
fn token_end(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|c| c.is_whitespace())
        .map_or(chars.len(), |p| start + p)
}

/// If a phone-like run starts at `start` (`+` or a digit, then digits with single separators),
/// its end; else `None`.
fn digit_run(chars: &[char], start: usize) -> Option<usize> {
    let first = chars[start];
    if !(first == '+' || first == '(' || first.is_ascii_digit()) {
        return None;
    }
    // Only where a word begins: "AB12345" is a token, handled by redact_token.
    if start > 0 && chars[start - 1].is_alphanumeric() {
        return None;
    }
    let mut i = start + 1;
    let mut end = if first.is_ascii_digit() { i } else { start };
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            i += 1;
            end = i;
        } else if let Some(skip) = separator_len(chars, i) {
            i += skip;
        } else {
            break;
        }
    }
    // A run glued to letters ("12abc") is a token, not a number.
    if chars.get(end).is_some_and(|c| c.is_alphabetic()) || end == start {
        return None;
    }
    Some(end)
}

/// Phone numbers separate digit groups with one or two of ` -.()`, as in `(555) 123-4567`:
/// the length of such a separator at `i` when a digit follows it.
fn separator_len(chars: &[char], i: usize) -> Option<usize> {
    let is_sep = |k: usize| {
        chars
            .get(k)
            .is_some_and(|c| matches!(c, ' ' | '-' | '.' | '(' | ')'))
    };
    let digit_at = |k: usize| chars.get(k).is_some_and(char::is_ascii_digit);
    if !is_sep(i) {
        return None;
    }
    if digit_at(i + 1) {
        Some(1)
    } else if is_sep(i + 1) && digit_at(i + 2) {
        Some(2)
    } else {
        None
    }
}

/// What a number run is: SSN-like, a phone number, an identifier after a cue, or nothing.
fn classify_number(
    chars: &[char],
    start: usize,
    end: usize,
    cue: bool,
) -> (Option<&'static str>, usize) {
    let run: String = chars[start..end].iter().collect();
    let digits = run.chars().filter(char::is_ascii_digit).count();
    let groups: Vec<usize> = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    if groups == [3, 2, 4] && !run.starts_with('+') {
        return (Some("[ssn]"), end);
    }
    if is_date(&run) {
        return (None, end);
    }
    if (7..=15).contains(&digits) && (run.starts_with('+') || groups.len() > 1 || digits >= 9) {
        return (Some("[phone]"), end);
    }
    if cue && digits >= 4 {
        return (Some("[id]"), end);
    }
    if digits >= 7 {
        return (Some("[id]"), end);
    }
    // A short number: keep it, but only up to its first separator, so a following number
    // ("12 345-67-8901") is examined on its own.
    let first_group_end = chars[start..end]
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(end, |(k, _)| start + k);
    (None, first_group_end)
}

fn is_date(run: &str) -> bool {
    let parts: Vec<&str> = run.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_cue(token: &str) -> bool {
    let word: String = token
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let bare = token.trim_end_matches([':', '.']);
    bare.ends_with('#') || ID_CUES.contains(&word.as_str())
}

fn is_tracking_id(core: &str) -> bool {
    core.len() == 14
        && core.starts_with("ORD-")
        && core[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// Redacts one whitespace-free token: e-mail addresses, and identifiers mixing letters with at
/// least four digits (`INS123456789`, `POL-12345`) or following a cue word.
fn redact_token(token: &str, cue: bool) -> String {
    let core = token.trim_matches(|c: char| {
        matches!(
            c,
            ',' | ';' | ':' | '(' | ')' | '<' | '>' | '"' | '\'' | '!' | '?' | '.'
        )
    });
    if core.is_empty() || core.starts_with('[') && core.ends_with(']') {
        return token.to_owned();
    }
    let (lead, trail) = split_around(token, core);
    if is_email(core) {
        return format!("{lead}[email]{trail}");
    }
    if is_tracking_id(core) {
        return token.to_owned();
    }
    let digits = core.chars().filter(char::is_ascii_digit).count();
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    let id_shaped = core
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '_' | '#'));
    if id_shaped && digits >= 4 && (letters > 0 || cue) {
        return format!("{lead}[id]{trail}");
    }
    token.to_owned()
}

fn split_around<'a>(token: &'a str, core: &str) -> (&'a str, &'a str) {
    let start = token.find(core).unwrap_or(0);
    (&token[..start], &token[start + core.len()..])
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            redact("write to james.bond@mi6.gov.uk, please"),
            "write to [email], please"
        );
        assert_eq!(redact("<a@b.co>"), "<[email]>");
    }

    #[test]
    fn phones() {
        assert_eq!(redact("call +254700000001 now"), "call [phone] now");
        assert_eq!(redact("call +254 700 000 001."), "call [phone].");
        assert_eq!(redact("ring (555) 123-4567 today"), "ring [phone] today");
        assert_eq!(redact("0712345678"), "[phone]");
    }

    #[test]
    fn ssn_like() {
        assert_eq!(redact("ssn 123-45-6789"), "ssn [ssn]");
        assert_eq!(redact("123 45 6789"), "[ssn]");
    }

    #[test]
    fn policy_and_insurance_numbers() {
        assert_eq!(redact("policy INS123456789 expired"), "policy [id] expired");
        assert_eq!(redact("ref POL-12345"), "ref [id]");
        assert_eq!(redact("AB12-3456"), "[id]");
        assert_eq!(redact("policy number 99812"), "policy number [id]");
        assert_eq!(redact("policy #: 4471"), "policy #: [id]");
        assert_eq!(redact("member id: 55421"), "member id: [id]");
    }

    #[test]
    fn what_is_not_phi_survives() {
        for keep in [
            "2 boxes of gloves",
            "Room 12, bed 4",
            "delivered on 2026-11-23",
            "Your order ORD-7K3F9Q2MZX is now shipped.",
            "status: pending verification",
            "qty 150",
        ] {
            assert_eq!(redact(keep), keep);
        }
    }

    #[test]
    fn the_wrapper_hides_its_value() {
        let p = Phi::new("James Bond".to_owned());
        assert_eq!(format!("{p:?} {p}"), "[redacted] [redacted]");
        assert_eq!(p.expose(), "James Bond");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"James Bond\"");
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(s in "\\PC{0,80}") {
            let once = redact(&s);
            prop_assert_eq!(redact(&once), once.clone());
        }

        #[test]
        fn no_address_survives(user in "[a-z]{1,8}", host in "[a-z]{1,8}", text in "[a-z ]{0,20}") {
            let s = format!("{text} {user}@{host}.com {text}");
            prop_assert!(!redact(&s).contains('@'));
        }

        #[test]
        fn no_long_number_survives(n in 1_000_000u64..999_999_999_999, text in "[a-z ]{0,20}") {
            let s = format!("{text} {n} {text}");
            prop_assert!(!redact(&s).contains(&n.to_string()));
        }
    }
}
