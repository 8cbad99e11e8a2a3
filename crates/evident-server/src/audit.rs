//! The audit log: every change made through the server (sign-ins and their
//! failures, accounts, tokens, uploads, refreshes) is a ledger entry of kind
//! `audit`, naming who, what, when and from where, chained into the same
//! Merkle tree as the evidence so it cannot be edited either. Judging skips
//! these entries; the audit-log page and API read them back.

use evident_core::model::Outcome;
use evident_core::time::Instant;
use evident_ledger::entry::{Entry, EntryKind};
use evident_store::Evidence;
use serde::{Deserialize, Serialize};

/// The `control` every audit entry names: not a control of the program.
pub const CONTROL: &str = "_server";

/// One change: who made it, what it was (`sign-in`, `token-create`...),
/// from where, whether it succeeded, and a line that says it plainly.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    pub who: String,
    pub what: String,
    pub from: String,
    pub ok: bool,
    pub detail: String,
}

impl Change {
    pub fn new(who: &str, what: &str, from: &str, ok: bool, detail: String) -> Change {
        Change {
            who: who.into(),
            what: what.into(),
            from: from.into(),
            ok,
            detail,
        }
    }

    /// The ledger entry recording this change at `now` (the log may stamp it later).
    pub fn evidence(&self, now: Instant) -> Evidence {
        let content = serde_json::to_vec(self).expect("a change serialises");
        Evidence {
            content,
            entry: Entry {
                control: CONTROL.into(),
                item: self.what.clone(),
                kind: EntryKind::Audit,
                collector: self.who.clone(),
                collected_at: now.to_string(),
                covers_from: now.date(),
                covers_to: now.date(),
                result: if self.ok {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                },
                summary: format!("{} (from {})", self.detail, self.from),
                content_sha256: String::new(),
                retracts: None,
            },
        }
    }
}

/// One audit-log line as the page and API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Line {
    /// The ledger entry.
    pub entry: u64,
    pub at: String,
    pub who: String,
    pub what: String,
    pub ok: bool,
    pub summary: String,
}

/// The audit entries among `stored`, newest first.
pub fn lines(stored: &[evident_store::store::StoredEntry]) -> Vec<Line> {
    stored
        .iter()
        .filter_map(|s| {
            let f = s.fields().ok()?;
            Some(Line {
                entry: s.seq,
                at: f.collected_at,
                who: f.collector,
                what: f.item,
                ok: f.result == "pass",
                summary: f.summary,
            })
        })
        .collect()
}
