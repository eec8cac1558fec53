//! Protected health information: redaction of free text, and a wrapper that keeps PHI out of
//! `Debug` and `Display` output (and so out of logs).
//!
//! Redaction is a hand-written scanner rather than a set of regular expressions: the rules need
//! context (a number after "policy" is an identifier, a date is not a phone number) that regular
//! expressions express badly, and the domain stays free of a regex engine. It errs towards
//! redacting: a leaked policy number costs more than an over-redacted note.
//!
//! Our own tracking ids (`ORD-` and ten characters of `[0-9A-Z]`) are never touched: they are
//! what an SMS is meant to carry.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A PHI value: `Debug` and `Display` print `[redacted]`, so a struct holding one can be logged
/// with `{:?}` without leaking it. The value is reached only through [`Phi::expose`] or
/// [`Phi::into_inner`], so every use of it is visible in the code. Serde passes it through.
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

/// Words after which a number of four or more digits is an identifier.
const ID_CUES: &[&str] = &[
    "policy",
    "insurance",
    "member",
    "group",
    "id",
    "no",
    "nr",
    "number",
    "acct",
    "account",
    "ssn",
    "mrn",
];

const EMAIL: &str = "[email]";
const PHONE: &str = "[phone]";
const SSN: &str = "[ssn]";
const ID: &str = "[id]";

/// `ORD-` and ten characters.
const TRACKING_LEN: usize = 14;

/// Replaces, in free text, e-mail addresses with `[email]`, SSN-like numbers (`123-45-6789`,
/// `123 45 6789`) with `[ssn]`, phone numbers (an optional `+`, then 7–15 digits separated by
/// spaces, dashes, dots or parentheses, as in `(555) 123-4567`) with `[phone]`, and policy, insurance or member numbers with
/// `[id]`: a token mixing letters with at least four digits (`INS123456789`, `POL-12345`), a
/// number of four or more digits after a cue such as `policy`, `member`, `id`, `no`, `number` or
/// `#`, and any other token carrying seven or more digits.
///
/// Plain words, short numbers ("2 boxes", "Room 12"), dates (`2026-11-23`, `23.11.2026`),
/// RFC 3339 timestamps and tracking ids (`ORD-7K3F9Q2MZX`) survive. Idempotent, and no `@`
/// between two word characters survives.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for start in tracking_ids(&chars) {
        out.push_str(&redact_segment(&chars[from..start]));
        out.extend(&chars[start..start + TRACKING_LEN]);
        from = start + TRACKING_LEN;
    }
    out.push_str(&redact_segment(&chars[from..]));
    out
}

/// Letters, digits and `_`: what the `@` of an address sits between.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where tracking ids start. One glued to a word or an `@` is not ours ("xORD-…", "a@ORD-…"),
/// so it goes through the scanner like any other token.
fn tracking_ids(chars: &[char]) -> Vec<usize> {
    let joined = |c: &char| is_word(*c) || *c == '@';
    let mut found = Vec::new();
    let mut i = 0;
    while i + TRACKING_LEN <= chars.len() {
        let candidate = &chars[i..i + TRACKING_LEN];
        let shaped = candidate[..4] == ['O', 'R', 'D', '-']
            && candidate[4..]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        let free =
            (i == 0 || !joined(&chars[i - 1])) && !chars.get(i + TRACKING_LEN).is_some_and(joined);
        if shaped && free {
            found.push(i);
            i += TRACKING_LEN;
        } else {
            i += 1;
        }
    }
    found
}

/// Redacts text that holds no tracking id.
fn redact_segment(chars: &[char]) -> String {
    redact_tokens(&redact_emails(chars))
}

/// Replaces every `@` between two word characters, with the address around it, by `[email]`.
/// Looser than an address grammar on purpose: `jane@clinic` is PHI too.
fn redact_emails(chars: &[char]) -> Vec<char> {
    let is_local = |c: char| is_word(c) || matches!(c, '.' | '+' | '-' | '%');
    let is_domain = |c: char| is_word(c) || matches!(c, '.' | '-');
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let at = chars[i] == '@'
            && out.last().is_some_and(|c| is_word(*c))
            && chars.get(i + 1).is_some_and(|c| is_word(*c));
        if !at {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut start = out.len();
        while start > 0 && is_local(out[start - 1]) {
            start -= 1;
        }
        // Leading punctuation ("--jane@…") belongs to the sentence, not the address.
        while !is_word(out[start]) {
            start += 1;
        }
        out.truncate(start);
        let mut end = i + 1;
        while end < chars.len() && is_domain(chars[end]) {
            end += 1;
        }
        while !is_word(chars[end - 1]) {
            end -= 1;
        }
        out.extend(EMAIL.chars());
        i = end;
    }
    out
}

/// Splits tokens apart; an identifier never contains one.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';' | '"' | '<' | '>' | '!' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '='
        )
}

/// Redacts numbers and identifiers, token by token, remembering whether the last token was a
/// cue word ("policy", "#").
fn redact_tokens(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    let mut cue = false;
    let mut i = 0;
    while i < chars.len() {
        // Our own replacements stand apart, so that a second pass reads the text as the first
        // did.
        if let Some(p) = placeholder_at(chars, i) {
            out.push_str(p);
            cue = false;
            i += p.len();
            continue;
        }
        let run = number_run(chars, i);
        if let Some(Run::Number(end)) = run {
            let (label, next) = classify_number(chars, i, end, cue);
            match label {
                Some(label) => out.push_str(label),
                None => out.extend(&chars[i..next]),
            }
            cue = false;
            i = next;
        } else if run.is_none() && is_delimiter(chars[i]) {
            out.push(chars[i]);
            i += 1;
        } else {
            // A run glued to letters ("0712345678abc") is judged whole, as one token.
            let from = match run {
                Some(Run::Glued(end)) => end,
                _ => i,
            };
            let end = token_end(chars, from);
            let token: String = chars[i..end].iter().collect();
            match redact_token(&token, cue) {
                Some(replaced) => {
                    out.push_str(&replaced);
                    cue = false;
                }
                None => {
                    cue = is_cue(&token);
                    out.push_str(&token);
                }
            }
            i = end;
        }
    }
    out
}

fn placeholder_at(chars: &[char], i: usize) -> Option<&'static str> {
    [EMAIL, PHONE, SSN, ID]
        .into_iter()
        .find(|p| chars.len() >= i + p.len() && p.chars().zip(&chars[i..]).all(|(a, b)| a == *b))
}

fn token_end(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|c| is_delimiter(*c))
        .map_or(chars.len(), |p| start + p)
}

/// A phone-like run of digits, and where it ends.
enum Run {
    /// Followed by something other than a letter.
    Number(usize),
    /// Followed by a letter, as in "12abc": part of a token.
    Glued(usize),
}

/// The phone-like run of digits that starts at `start`, if any: an optional `+` or `(area)`,
/// then digits with short separators.
fn number_run(chars: &[char], start: usize) -> Option<Run> {
    let mut i = start;
    match chars[start] {
        '+' => i += 1,
        '(' if is_area_code(chars, start) => i += 1,
        c if c.is_ascii_digit() => {}
        _ => return None,
    }
    if !chars.get(i).is_some_and(char::is_ascii_digit) {
        return None;
    }
    let mut end = i;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            i += 1;
            end = i;
        } else if let Some(skip) = separator_len(chars, i) {
            i += skip;
        } else {
            break;
        }
    }
    if chars.get(end).is_some_and(|c| c.is_alphabetic()) {
        Some(Run::Glued(end))
    } else {
        Some(Run::Number(end))
    }
}

/// `(555)`: a parenthesis opens a phone number only around a short group of digits, so that
/// "(2026-11-23)" stays a date.
fn is_area_code(chars: &[char], open: usize) -> bool {
    let digits = chars[open + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (1..=5).contains(&digits) && chars.get(open + 1 + digits) == Some(&')')
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
        None
    } else if digit_at(i + 1) {
        Some(1)
    } else if is_sep(i + 1) && digit_at(i + 2) {
        Some(2)
    } else {
        None
    }
}

/// The digit groups of a run, as `(start, end)` positions.
fn digit_groups(chars: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut i = start;
    while i < end {
        if chars[i].is_ascii_digit() {
            let len = chars[i..end]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            groups.push((i, i + len));
            i += len;
        } else {
            i += 1;
        }
    }
    groups
}

/// What a run of digits is, and where scanning resumes. SSN-like numbers and dates are
/// recognised at the start of a run, so that "2026-11-23 2 boxes" keeps its date and its "2".
fn classify_number(
    chars: &[char],
    start: usize,
    end: usize,
    cue: bool,
) -> (Option<&'static str>, usize) {
    let groups = digit_groups(chars, start, end);
    if chars[start].is_ascii_digit() {
        if let Some(ssn_end) = leading_ssn(chars, &groups) {
            return (Some(SSN), ssn_end);
        }
        if let Some(date_end) = leading_date(chars, &groups) {
            return (None, date_end);
        }
    }
    let digits: usize = groups.iter().map(|(a, b)| b - a).sum();
    if cue && digits >= 4 && chars[start] != '+' {
        return (Some(ID), end);
    }
    if (7..=15).contains(&digits) {
        return (Some(PHONE), end);
    }
    if digits > 15 {
        return (Some(ID), end);
    }
    // A short number: keep its first group only, so that what follows ("12 345-67-8901") is
    // examined on its own.
    (None, groups.first().map_or(end, |g| g.1))
}

/// The one separator character between two groups, if that is all there is.
fn separator(chars: &[char], left: (usize, usize), right: (usize, usize)) -> Option<char> {
    (right.0 == left.1 + 1).then(|| chars[left.1])
}

fn group_lens(groups: &[(usize, usize)]) -> Vec<usize> {
    groups.iter().map(|(a, b)| b - a).collect()
}

/// `123-45-6789` or `123 45 6789` at the start of the groups: where it ends.
fn leading_ssn(chars: &[char], groups: &[(usize, usize)]) -> Option<usize> {
    let three = groups.get(..3)?;
    let seps_ok = [(0, 1), (1, 2)]
        .iter()
        .all(|&(a, b)| matches!(separator(chars, three[a], three[b]), Some('-' | ' ')));
    (group_lens(three) == [3, 2, 4] && seps_ok).then_some(three[2].1)
}

/// `2026-11-23`, `23-11-2026` or `23.11.2026` at the start of the groups: where it ends.
fn leading_date(chars: &[char], groups: &[(usize, usize)]) -> Option<usize> {
    let three = groups.get(..3)?;
    let first = separator(chars, three[0], three[1])?;
    if !matches!(first, '-' | '.') || separator(chars, three[1], three[2]) != Some(first) {
        return None;
    }
    // Saturating: a group can be any length, and only short ones can be a date.
    let value = |g: (usize, usize)| {
        chars[g.0..g.1].iter().fold(0u32, |n, c| {
            n.saturating_mul(10)
                .saturating_add(c.to_digit(10).unwrap_or(0))
        })
    };
    let [a, b, c] = [value(three[0]), value(three[1]), value(three[2])];
    let valid = match group_lens(three).as_slice() {
        [4, 2, 2] => is_date(a, b, c),
        [2, 2, 4] => is_date(c, b, a) || is_date(c, a, b),
        _ => false,
    };
    valid.then_some(three[2].1)
}

fn is_date(year: u32, month: u32, day: u32) -> bool {
    (1900..=2199).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// `2026-11-23T10:00:00Z` and the like.
fn is_timestamp(core: &str) -> bool {
    let b = core.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() > 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && b[11..]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'+' | b'-' | b'Z' | b'z'))
}

/// Whether a number after this token is an identifier.
fn is_cue(token: &str) -> bool {
    let word = token
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    token.trim_end_matches([':', '.']).ends_with('#') || ID_CUES.contains(&word.as_str())
}

/// Redacts one token (text between delimiters) if it is an identifier: the replacement, or
/// `None` to keep it.
fn redact_token(token: &str, cue: bool) -> Option<String> {
    let core = token.trim_matches(|c: char| matches!(c, ':' | '.' | '\'' | '*' | '`' | '~'));
    if core.is_empty() || is_timestamp(core) {
        return None;
    }
    let digits = core.chars().filter(char::is_ascii_digit).count();
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    let id_shaped = core
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '_' | '#' | '.' | '+'));
    let identifier =
        digits >= 7 || (id_shaped && digits >= 4 && (letters > 0 || cue || core.starts_with('#')));
    identifier.then(|| {
        let start = token.find(core).unwrap_or(0);
        format!("{}{ID}{}", &token[..start], &token[start + core.len()..])
    })
}

#[cfg(test)]
mod tests;
