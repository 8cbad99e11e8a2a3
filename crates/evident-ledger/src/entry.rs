//! An evidence entry and its canonical bytes: what the Merkle leaf hash covers.
//!
//! Canonical form (version 1): the UTF-8 JSON object of the fields below, every
//! value a string, keys in ascending byte order, no whitespace, strings escaped
//! minimally (`"` and `\` and control characters; `\b \t \n \f \r` short, others
//! `\u00xx`). For objects of strings this is exactly RFC 8785 (JCS), and Python's
//! `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
//! gives the same bytes, so anyone can recompute a leaf hash without evident.

use crate::LedgerError;
use crate::merkle::{self, Hash};
use evident_core::record::Record;
use evident_core::time::Date;
use serde::{Deserialize, Serialize};

/// The canonical-form version, written in every entry as `"v"`.
pub const ENTRY_VERSION: &str = "1";

/// How the evidence was obtained (defined in the core, which judges by it).
pub use evident_core::record::Kind as EntryKind;

/// What the evidence says about its item (defined in the core, which judges it).
pub use evident_core::model::Outcome;

/// One piece of evidence for one evidence item of one control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub control: String,
    pub item: String,
    pub kind: EntryKind,
    /// The check's name, or the person who added the evidence.
    pub collector: String,
    /// When it was collected: RFC 3339 in UTC to the second, `2026-11-23T10:15:00Z`.
    pub collected_at: String,
    /// The first and last day the evidence speaks for.
    pub covers_from: Date,
    pub covers_to: Date,
    pub result: Outcome,
    pub summary: String,
    /// SHA-256 of the content blob, lower-case hex.
    pub content_sha256: String,
    /// For a retraction: the entry it withdraws.
    pub retracts: Option<u64>,
}

/// A file a person adds: the command line's `evidence add` and the server's
/// upload make the same entry from it.
pub struct Upload<'a> {
    pub control: &'a str,
    pub item: &'a str,
    /// Who adds it.
    pub collector: String,
    pub collected_at: String,
    pub covers: (Date, Date),
    pub result: Outcome,
    pub file_name: &'a str,
    pub note: Option<&'a str>,
}

impl Entry {
    /// The entry of an uploaded file (its content hash is filled in when the
    /// content is stored); the summary is the file's name and the note.
    pub fn uploaded(u: Upload<'_>) -> Entry {
        Entry {
            control: u.control.to_string(),
            item: u.item.to_string(),
            kind: EntryKind::File,
            collector: u.collector,
            collected_at: u.collected_at,
            covers_from: u.covers.0,
            covers_to: u.covers.1,
            result: u.result,
            summary: match u.note {
                Some(note) => format!("{}: {note}", u.file_name),
                None => u.file_name.to_string(),
            },
            content_sha256: String::new(),
            retracts: None,
        }
    }

    /// Every field as the text that is stored and hashed.
    pub fn fields(&self) -> EntryFields {
        EntryFields {
            collected_at: self.collected_at.clone(),
            collector: self.collector.clone(),
            content_sha256: self.content_sha256.clone(),
            control: self.control.clone(),
            covers_from: self.covers_from.to_string(),
            covers_to: self.covers_to.to_string(),
            item: self.item.clone(),
            kind: self.kind.as_str().to_string(),
            result: self.result.as_str().to_string(),
            retracts: self.retracts.map(|n| n.to_string()),
            summary: self.summary.clone(),
            v: ENTRY_VERSION.to_string(),
        }
    }

    /// The canonical bytes (see the module docs).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.fields().canonical_bytes()
    }

    /// RFC 9162 leaf hash of the canonical bytes.
    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(&self.canonical_bytes())
    }

    /// What judging reads of this entry as entry `seq`: the fields a store
    /// keeps as plain columns beside the canonical bytes.
    pub fn record(&self, seq: u64) -> Result<Record, LedgerError> {
        self.record_of(seq).map_err(LedgerError::Entry)
    }

    fn record_of(&self, seq: u64) -> Result<Record, String> {
        Ok(Record {
            seq,
            collected: self
                .collected_at
                .parse()
                .map_err(|e| format!("collected_at: {e}"))?,
            control: self.control.as_str().into(),
            item: self.item.as_str().into(),
            kind: self.kind,
            retracts: self.retracts,
            result: self.result,
            covers_from: self.covers_from,
            covers_to: self.covers_to,
            summary: self.summary.clone(),
        })
    }
}

/// What judging reads of entry `seq`, derived from its canonical bytes: what
/// `ledger verify` compares the stored columns with.
pub fn record_from_canonical(seq: u64, canonical: &[u8]) -> Result<Record, LedgerError> {
    EntryFields::from_canonical(canonical)?
        .into_entry()?
        .record(seq)
}

/// An entry as stored text, exactly what the leaf hash covers. Stores and proofs
/// hold this form, so an altered field is still hashed (and caught) as it stands
/// rather than failing to parse. Field names and order are part of the format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryFields {
    pub collected_at: String,
    pub collector: String,
    pub content_sha256: String,
    pub control: String,
    pub covers_from: String,
    pub covers_to: String,
    pub item: String,
    pub kind: String,
    pub result: String,
    /// Only in retractions; absent (not empty) elsewhere, so entries written
    /// before retractions existed keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retracts: Option<String>,
    pub summary: String,
    pub v: String,
}

impl EntryFields {
    /// Sorted, compact JSON of the strings: the struct's fields are declared in
    /// ascending byte order, so serde writes them in canonical order.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // A struct of strings always serialises.
        serde_json::to_vec(self).expect("strings serialise")
    }

    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(&self.canonical_bytes())
    }

    /// Reads stored canonical bytes back into fields.
    pub fn from_canonical(bytes: &[u8]) -> Result<EntryFields, LedgerError> {
        EntryFields::fields_of(bytes).map_err(LedgerError::Entry)
    }

    fn fields_of(bytes: &[u8]) -> Result<EntryFields, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not an evident entry: {e}"))
    }

    /// "entry N (CONTROL/ITEM)" for messages, from stored canonical bytes.
    pub fn label(seq: u64, bytes: &[u8]) -> String {
        match EntryFields::from_canonical(bytes) {
            Ok(f) => format!("entry {seq} ({}/{})", f.control, f.item),
            Err(_) => format!("entry {seq}"),
        }
    }

    /// Back to a typed entry; says which field is not what an entry allows.
    pub fn parse(&self) -> Result<Entry, LedgerError> {
        self.clone().into_entry()
    }

    /// [`EntryFields::parse`], keeping the strings instead of copying them.
    pub fn into_entry(self) -> Result<Entry, LedgerError> {
        self.typed().map_err(LedgerError::Entry)
    }

    fn typed(self) -> Result<Entry, String> {
        const RESULTS: [Outcome; 4] = [
            Outcome::Pass,
            Outcome::Fail,
            Outcome::Error,
            Outcome::NotApplicable,
        ];
        let kind = EntryKind::parse(&self.kind).ok_or_else(|| {
            format!(
                "kind: `{}` is not check, file, import, attestation, retraction, register or finding",
                self.kind
            )
        })?;
        let retracts = match (&self.retracts, kind) {
            (None, EntryKind::Retraction) => {
                return Err("retracts: a retraction must name the entry it withdraws".into());
            }
            (None, _) => None,
            (Some(n), EntryKind::Retraction) => Some(
                n.parse::<u64>()
                    .map_err(|_| format!("retracts: `{n}` is not an entry number"))?,
            ),
            (Some(_), _) => {
                return Err(format!(
                    "retracts: only a retraction names an entry, not a {} entry",
                    self.kind
                ));
            }
        };
        let result = RESULTS
            .into_iter()
            .find(|r| r.as_str() == self.result)
            .ok_or_else(|| format!("result: `{}` is not pass, fail, error or n/a", self.result))?;
        let date = |field: &str, value: &str| -> Result<Date, String> {
            value.parse().map_err(|e| format!("{field}: {e}"))
        };
        if self.v != ENTRY_VERSION {
            return Err(format!(
                "v: entry format `{}` is not {ENTRY_VERSION}",
                self.v
            ));
        }
        Ok(Entry {
            covers_from: date("covers_from", &self.covers_from)?,
            covers_to: date("covers_to", &self.covers_to)?,
            control: self.control,
            item: self.item,
            kind,
            collector: self.collector,
            collected_at: self.collected_at,
            result,
            summary: self.summary,
            content_sha256: self.content_sha256,
            retracts,
        })
    }
}

/// The `content_sha256` value of canonical entry bytes, found without parsing them.
/// In canonical form every `"` inside a value is escaped, so the unescaped key
/// pattern can only be the key itself; a stored entry too damaged to contain it
/// gives `None`.
pub fn content_hash_in(canonical: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"content_sha256\":\"";
    let at = canonical.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let value = canonical.get(at..at + 64)?;
    (canonical.get(at + 64) == Some(&b'"'))
        .then(|| std::str::from_utf8(value).ok())
        .flatten()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Entry {
        Entry {
            control: "AUTH".into(),
            item: "mfa-enforced".into(),
            kind: EntryKind::Check,
            collector: "check:http".into(),
            collected_at: "2026-11-23T10:15:00Z".into(),
            covers_from: "2026-11-23".parse().unwrap(),
            covers_to: "2026-11-23".parse().unwrap(),
            result: Outcome::Pass,
            summary: "HSTS \"max-age=31536000\"\n✓".into(),
            content_sha256: merkle::hex(&[7u8; 32]),
            retracts: None,
        }
    }

    #[test]
    fn canonical_bytes_are_sorted_compact_json() {
        let text = String::from_utf8(sample().canonical_bytes()).unwrap();
        assert!(
            text.starts_with(r#"{"collected_at":"2026-11-23T10:15:00Z","collector":"check:http","#)
        );
        assert!(
            text.contains(r#""summary":"HSTS \"max-age=31536000\"\n✓""#),
            "{text}"
        );
        assert!(text.ends_with(r#""v":"1"}"#));
        assert!(!text.contains(": ") && !text.contains(", "));
    }

    #[test]
    fn every_field_changes_the_leaf() {
        let base = sample().leaf_hash();
        let mut e = sample();
        e.summary.push('.');
        assert_ne!(e.leaf_hash(), base);
        let mut e = sample();
        e.result = Outcome::Fail;
        assert_ne!(e.leaf_hash(), base);
        let mut e = sample();
        e.covers_to = "2026-11-24".parse().unwrap();
        assert_ne!(e.leaf_hash(), base);
    }

    #[test]
    fn content_hash_is_found_in_canonical_bytes_only_as_the_key() {
        let mut e = sample();
        e.collector = r#"x","content_sha256":"ffff"#.into();
        let bytes = e.canonical_bytes();
        assert_eq!(content_hash_in(&bytes), Some(e.content_sha256.as_str()));
        assert_eq!(EntryFields::from_canonical(&bytes).unwrap(), e.fields());
        assert_eq!(content_hash_in(b"{}"), None);
    }

    #[test]
    fn fields_round_trip_and_name_bad_values() {
        let fields = sample().fields();
        assert_eq!(fields.parse().unwrap(), sample());
        assert_eq!(fields.leaf_hash(), sample().leaf_hash());
        let mut bad = fields.clone();
        bad.result = "passed".into();
        assert!(
            bad.parse()
                .unwrap_err()
                .to_string()
                .starts_with("result: `passed`")
        );
        let mut bad = fields;
        bad.covers_to = "2026-02-30".into();
        assert!(
            bad.parse()
                .unwrap_err()
                .to_string()
                .starts_with("covers_to:")
        );
    }
}
