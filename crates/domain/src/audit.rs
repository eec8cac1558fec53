//! The audit log: one entry per change, with PHI left out, chained by SHA-256 so that any edit,
//! deletion, insertion or reordering of stored entries is found, and where.

use crate::ids::{AuditId, TerritoryId, UserId};
use crate::order::status::OrderStatus;
use crate::phi;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use thiserror::Error;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $err:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        #[doc = concat!("A name that is not a known ", $what, ".")]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $err;

        impl fmt::Display for $err {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!("unknown ", $what))
            }
        }

        impl std::error::Error for $err {}

        impl $name {
            /// The name, as stored and answered.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Parses a name.
            pub fn parse(s: &str) -> Result<Self, $err> {
                match s { $($text => Ok($name::$variant),)+ _ => Err($err) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// What a change did.
    AuditAction, UnknownAuditAction, "audit action" {
        /// An order was placed.
        OrderCreated = "order_created",
        /// An order moved in the workflow.
        OrderStatusChanged = "order_status_changed",
        /// An order was cancelled.
        OrderCancelled = "order_cancelled",
        /// A product was added.
        ProductCreated = "product_created",
        /// A product's details changed.
        ProductUpdated = "product_updated",
        /// Units on hand were adjusted.
        StockAdjusted = "stock_adjusted",
        /// A patient was registered.
        PatientCreated = "patient_created",
        /// A user was created.
        UserCreated = "user_created",
        /// A user changed.
        UserUpdated = "user_updated",
        /// A territory was added.
        TerritoryCreated = "territory_created",
    }
);

named_enum!(
    /// What kind of thing changed.
    EntityType, UnknownEntityType, "entity type" {
        /// An order.
        Order = "order",
        /// A product.
        Product = "product",
        /// A patient.
        Patient = "patient",
        /// A user.
        User = "user",
        /// A territory.
        Territory = "territory",
    }
);

/// An audit entry before it is sealed onto the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditDraft {
    /// Its id (`audit_id` in answers).
    #[serde(rename = "audit_id")]
    pub id: AuditId,
    /// When the change happened.
    pub at: Timestamp,
    /// Who made it; `None` for the system (CLI, demo loader).
    pub actor: Option<UserId>,
    /// What it did.
    pub action: AuditAction,
    /// What kind of thing changed.
    pub entity_type: EntityType,
    /// Which one.
    pub entity_id: String,
    /// Its territory.
    pub territory_id: Option<TerritoryId>,
    /// Status before (orders).
    pub from_status: Option<OrderStatus>,
    /// Status after (orders).
    pub to_status: Option<OrderStatus>,
    /// Free-text notes, redacted.
    pub notes: Option<String>,
    /// The change's data, without PHI.
    pub data: Value,
}

impl AuditDraft {
    /// A draft with no territory, statuses, notes or data yet.
    pub fn new(
        id: AuditId,
        at: Timestamp,
        actor: Option<UserId>,
        action: AuditAction,
        entity_type: EntityType,
        entity_id: impl Into<String>,
    ) -> Self {
        Self {
            id,
            at,
            actor,
            action,
            entity_type,
            entity_id: entity_id.into(),
            territory_id: None,
            from_status: None,
            to_status: None,
            notes: None,
            data: Value::Object(serde_json::Map::new()),
        }
    }

    /// Sets the territory.
    pub fn territory(mut self, t: TerritoryId) -> Self {
        self.territory_id = Some(t);
        self
    }

    /// Sets the statuses before and after.
    pub fn statuses(mut self, from: Option<OrderStatus>, to: OrderStatus) -> Self {
        self.from_status = from;
        self.to_status = Some(to);
        self
    }

    /// Sets the notes, redacted here so that no caller can store PHI in them.
    pub fn notes(mut self, notes: Option<&str>) -> Self {
        self.notes = notes.filter(|n| !n.trim().is_empty()).map(phi::redact);
        self
    }

    /// Sets the data (the caller leaves PHI out).
    pub fn data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// A sealed entry: the draft, the previous entry's hash and its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    /// The entry.
    #[serde(flatten)]
    pub draft: AuditDraft,
    /// The previous entry's hash ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// `SHA-256(prev_hash ‖ "\n" ‖ canonical_bytes(draft))`, lower-case hex.
    pub hash: String,
}

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical encoding of a draft, the input of its hash.
///
/// **A stable contract: changing it breaks every stored chain.** It is a JSON array, UTF-8, with
/// no whitespace outside strings, of the eleven fields in this order:
///
/// `[id, at, actor, action, entity_type, entity_id, territory_id, from_status, to_status, notes,
/// data]`
///
/// - ids (`id`, `actor`) as hyphenated lower-case UUID text; `territory_id` as its code;
/// - `at` as [`Timestamp::to_rfc3339`]: six fractional digits and `Z`
///   (`2026-11-23T10:00:01.500000Z`);
/// - `action`, `entity_type` and the statuses as their snake_case names;
/// - an absent value as `null`;
/// - `data` as JSON with every object's keys sorted by code point, recursively;
/// - strings escaping only `"`, `\` and control characters (`\b \f \n \r \t`, the others as
///   `\u00xx` in lower-case hex); other characters as they are;
/// - integers in decimal; other numbers as the shortest decimal that reads back as the same
///   `f64`, without exponent (Rust's `Display` for `f64`), so `1.0` encodes as `1`.
///
/// It is written here rather than by `serde_json`'s serializer so that neither a crate feature
/// (`preserve_order`, `arbitrary_precision`) nor a new float formatter changes it.
pub fn canonical_bytes(d: &AuditDraft) -> Vec<u8> {
    let text_fields: [Option<String>; 10] = [
        Some(d.id.to_string()),
        Some(d.at.to_rfc3339()),
        d.actor.map(|a| a.to_string()),
        Some(d.action.as_str().to_owned()),
        Some(d.entity_type.as_str().to_owned()),
        Some(d.entity_id.clone()),
        d.territory_id.as_ref().map(|t| t.as_str().to_owned()),
        d.from_status.map(|s| s.as_str().to_owned()),
        d.to_status.map(|s| s.as_str().to_owned()),
        d.notes.clone(),
    ];
    let mut out = String::from("[");
    for field in &text_fields {
        match field.as_deref() {
            Some(text) => write_string(text, &mut out),
            None => out.push_str("null"),
        }
        out.push(',');
    }
    write_value(&d.data, &mut out);
    out.push(']');
    out.into_bytes()
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_number(n: &serde_json::Number, out: &mut String) {
    use fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = if let Some(i) = n.as_i64() {
        write!(out, "{i}")
    } else if let Some(u) = n.as_u64() {
        write!(out, "{u}")
    } else {
        // JSON has no NaN or infinity, so every other number is a finite f64.
        write!(out, "{}", n.as_f64().unwrap_or(0.0))
    };
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn hash_of(prev_hash: &str, draft: &AuditDraft) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(link_input(draft));
    hex::encode(h.finalize())
}

/// What an entry's hash covers after the previous entry's hash: `"\n" ‖ canonical_bytes(draft)`,
/// so that `hash = SHA-256(prev_hash ‖ link_input(draft))`, lower-case hex.
///
/// [`seal`] computes it here; a store may compute the same where the previous hash is kept —
/// PostgreSQL does, in the statement that claims the chain, so that no round trip to this process
/// is made while the chain is locked. [`verify_chain`] checks every entry, however it was sealed.
pub fn link_input(draft: &AuditDraft) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(256);
    bytes.push(b'\n');
    bytes.extend_from_slice(&canonical_bytes(draft));
    bytes
}

/// Seals a draft onto the chain after the entry whose hash is `prev_hash`.
pub fn seal(draft: AuditDraft, prev_hash: &str) -> AuditEntry {
    let hash = hash_of(prev_hash, &draft);
    AuditEntry {
        draft,
        prev_hash: prev_hash.to_owned(),
        hash,
    }
}

/// How a link of the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakKind {
    /// The entry's `prev_hash` is not the previous entry's hash: an entry was removed, inserted
    /// or moved.
    PrevHashMismatch {
        /// The previous entry's hash.
        expected: String,
        /// What the entry says.
        found: String,
    },
    /// The entry's content does not match its hash: it was edited.
    HashMismatch {
        /// The hash of the content.
        expected: String,
        /// What the entry says.
        found: String,
    },
    /// The chain ends before the last hash the store recorded: entries were removed from its
    /// end, which the links alone cannot show.
    MissingTail {
        /// The last hash the store recorded.
        expected: String,
        /// The hash the chain ends with.
        found: String,
    },
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("audit chain broken at entry {position} (id {audit_id}): {}", match .kind {
    BreakKind::PrevHashMismatch { .. } => "prev_hash does not match the previous entry's hash",
    BreakKind::HashMismatch { .. } => "its content does not match its hash",
    BreakKind::MissingTail { .. } => "the chain ends before the last recorded entry",
})]
pub struct ChainBreak {
    /// 0-based position in the chain.
    pub position: usize,
    /// The entry.
    pub audit_id: AuditId,
    /// What is wrong.
    pub kind: BreakKind,
}

/// Verifies a chain fed one entry at a time, so a store can stream millions of rows.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last: String,
    count: usize,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// A verifier expecting the first entry.
    pub fn new() -> Self {
        Self {
            last: GENESIS_HASH.to_owned(),
            count: 0,
        }
    }

    /// Checks the next entry.
    pub fn push(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let broken = |kind| ChainBreak {
            position: self.count,
            audit_id: entry.draft.id,
            kind,
        };
        if entry.prev_hash != self.last {
            return Err(broken(BreakKind::PrevHashMismatch {
                expected: self.last.clone(),
                found: entry.prev_hash.clone(),
            }));
        }
        let expected = hash_of(&entry.prev_hash, &entry.draft);
        if entry.hash != expected {
            return Err(broken(BreakKind::HashMismatch {
                expected,
                found: entry.hash.clone(),
            }));
        }
        self.last.clone_from(&entry.hash);
        self.count += 1;
        Ok(())
    }

    /// Entries verified so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Checks that the chain ends with `recorded_last`, the last hash the store kept apart from
    /// the entries: a truncated tail leaves every link intact, so only this can find it.
    pub fn finish(
        &self,
        recorded_last: &str,
        last_id: Option<AuditId>,
    ) -> Result<usize, ChainBreak> {
        if self.last == recorded_last {
            return Ok(self.count);
        }
        Err(ChainBreak {
            position: self.count,
            audit_id: last_id.unwrap_or_else(|| AuditId::from_uuid(uuid::Uuid::nil())),
            kind: BreakKind::MissingTail {
                expected: recorded_last.to_owned(),
                found: self.last.clone(),
            },
        })
    }

    /// The hash the next entry must name as its `prev_hash`.
    pub fn last_hash(&self) -> &str {
        &self.last
    }
}

/// Verifies a whole chain: the number of entries, or the first broken link.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<usize, ChainBreak> {
    let mut v = ChainVerifier::new();
    for e in entries {
        v.push(e)?;
    }
    Ok(v.count())
}

#[cfg(test)]
mod tests;
