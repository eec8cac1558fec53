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

/// The canonical encoding of a draft, the input of its hash. A stable contract — changing it
/// breaks every stored chain: a JSON array, without whitespace, of
/// `[id, at, actor, action, entity_type, entity_id, territory_id, from_status, to_status, notes,
/// data]`, ids as hyphenated lower-case text, `at` as RFC 3339 with six fractional digits and
/// `Z`, absent values as `null`, and `data` with every object's keys sorted, recursively.
pub fn canonical_bytes(d: &AuditDraft) -> Vec<u8> {
    let opt = |s: Option<String>| s.map_or(Value::Null, Value::String);
    let fields = Value::Array(vec![
        Value::String(d.id.to_string()),
        Value::String(d.at.to_rfc3339()),
        opt(d.actor.map(|a| a.to_string())),
        Value::String(d.action.as_str().to_owned()),
        Value::String(d.entity_type.as_str().to_owned()),
        Value::String(d.entity_id.clone()),
        opt(d.territory_id.as_ref().map(|t| t.as_str().to_owned())),
        opt(d.from_status.map(|s| s.as_str().to_owned())),
        opt(d.to_status.map(|s| s.as_str().to_owned())),
        opt(d.notes.clone()),
        sorted(&d.data),
    ]);
    let mut out = Vec::new();
    write_canonical(&fields, &mut out);
    out
}

/// A copy of `v` whose objects hold their keys in sorted order.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Writes JSON with object keys in sorted order, whatever map type serde_json was built with.
fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(Value::String(k.clone()).to_string().as_bytes());
                out.push(b':');
                write_canonical(&m[k], out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(x, out);
            }
            out.push(b']');
        }
        scalar => out.extend(scalar.to_string().as_bytes()),
    }
}

fn hash_of(prev_hash: &str, draft: &AuditDraft) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical_bytes(draft));
    hex::encode(h.finalize())
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
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("audit chain broken at entry {position} (id {audit_id}): {}", match .kind {
    BreakKind::PrevHashMismatch { .. } => "prev_hash does not match the previous entry's hash",
    BreakKind::HashMismatch { .. } => "its content does not match its hash",
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
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn draft(n: u128) -> AuditDraft {
        AuditDraft::new(
            AuditId::from_uuid(Uuid::from_u128(n)),
            Timestamp::parse_rfc3339("2026-11-23T10:00:00.5Z")
                .unwrap()
                .plus_seconds(n as i64),
            Some(UserId::from_uuid(Uuid::from_u128(7))),
            AuditAction::OrderStatusChanged,
            EntityType::Order,
            format!("order-{n}"),
        )
        .territory(TerritoryId::parse("north").unwrap())
        .statuses(
            Some(OrderStatus::PendingVerification),
            OrderStatus::Verified,
        )
        .data(json!({"version": n, "b": 1, "a": {"z": 1, "y": 2}}))
    }

    fn chain(n: u128) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 1..=n {
            let prev = out
                .last()
                .map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
            out.push(seal(draft(i), &prev));
        }
        out
    }

    #[test]
    fn a_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn an_edit_is_found_at_its_entry() {
        let edits: Vec<fn(&mut AuditDraft)> = vec![
            |d| d.notes = Some("x".into()),
            |d| d.data = json!({"version": 99}),
            |d| d.to_status = Some(OrderStatus::Cancelled),
            |d| d.actor = None,
            |d| d.at = d.at.plus_seconds(1),
        ];
        for edit in edits {
            let mut c = chain(5);
            edit(&mut c[2].draft);
            let err = verify_chain(&c).unwrap_err();
            assert_eq!(err.position, 2);
            assert!(matches!(err.kind, BreakKind::HashMismatch { .. }));
        }
    }

    #[test]
    fn deletion_insertion_and_reordering_are_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(&c).unwrap_err().position, 1);

        let mut c = chain(5);
        let forged = seal(draft(99), &c[1].hash);
        c.insert(2, forged);
        assert_eq!(verify_chain(&c).unwrap_err().position, 3);

        let mut c = chain(5);
        c.swap(3, 4);
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(err.position, 3);
        assert!(matches!(err.kind, BreakKind::PrevHashMismatch { .. }));
        assert!(err.to_string().contains("entry 3"));
    }

    #[test]
    fn the_encoding_ignores_key_order() {
        let a = draft(1).data(json!({"a": 1, "b": {"c": 2, "d": [ {"f": 1, "e": 2} ]}}));
        let mut b = draft(1);
        let mut inner = serde_json::Map::new();
        inner.insert("d".into(), json!([{"e": 2, "f": 1}]));
        inner.insert("c".into(), json!(2));
        let mut outer = serde_json::Map::new();
        outer.insert("b".into(), Value::Object(inner));
        outer.insert("a".into(), json!(1));
        b.data = Value::Object(outer);
        assert_eq!(canonical_bytes(&a), canonical_bytes(&b));
    }

    /// Pins the format: if this changes, every stored chain breaks.
    #[test]
    fn known_answer() {
        let d = draft(1);
        let text = String::from_utf8(canonical_bytes(&d)).unwrap();
        assert_eq!(
            text,
            r#"["00000000-0000-0000-0000-000000000001","2026-11-23T10:00:01.500000Z","00000000-0000-0000-0000-000000000007","order_status_changed","order","order-1","north","pending_verification","verified",null,{"a":{"y":2,"z":1},"b":1,"version":1}]"#
        );
        let e = seal(d, GENESIS_HASH);
        let mut h = Sha256::new();
        h.update(format!("{GENESIS_HASH}\n{text}").as_bytes());
        assert_eq!(e.hash, hex::encode(h.finalize()));
        assert_eq!(e.hash.len(), 64);
    }

    #[test]
    fn notes_are_redacted_before_storage() {
        let d = draft(1).notes(Some("call +254700000000 re policy INS123456789"));
        let n = d.notes.unwrap();
        assert!(
            !n.contains("254700000000") && !n.contains("INS123456789"),
            "{n}"
        );
        assert_eq!(draft(1).notes(Some("  ")).notes, None);
    }

    #[test]
    fn names_round_trip() {
        for a in [
            AuditAction::OrderCreated,
            AuditAction::StockAdjusted,
            AuditAction::TerritoryCreated,
        ] {
            assert_eq!(AuditAction::parse(a.as_str()), Ok(a));
        }
        assert_eq!(EntityType::parse("patient"), Ok(EntityType::Patient));
        assert!(EntityType::parse("spaceship").is_err());
    }
}
