//! One ledger entry as judging reads it: the fields status, periods, samples
//! and remediation need, without the content or the tree.

use crate::model::Outcome;
use crate::proof::Proofs;
use crate::time::{Date, Instant, Interval};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How a piece of evidence was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The result of an automated check.
    Check,
    /// A file added by a person.
    File,
    /// Output of another tool brought in (SARIF, SBOM, JUnit).
    Import,
    /// A signed statement by a person.
    Attestation,
    /// A later entry withdrawing an earlier one, saying why.
    Retraction,
    /// A register's entry (an access review, a vendor review...) as `check`
    /// found it in the trust repo.
    Register,
    /// A finding as `check` first saw it (`fail`) or saw it gone (`pass`):
    /// when it began, where nothing else can say. Not evidence.
    Finding,
    /// A change made through the server (a sign-in, a user, a token, an
    /// upload), who made it and from where: the audit log, kept in the ledger
    /// so it cannot be edited. Not evidence.
    Audit,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Check,
        Kind::File,
        Kind::Import,
        Kind::Attestation,
        Kind::Retraction,
        Kind::Register,
        Kind::Finding,
        Kind::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Check => "check",
            Kind::File => "file",
            Kind::Import => "import",
            Kind::Attestation => "attestation",
            Kind::Retraction => "retraction",
            Kind::Register => "register",
            Kind::Finding => "finding",
            Kind::Audit => "audit",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Collected by a machine (a check, or a tool's output brought in), not
    /// put in by a person: what is authoritative for an item with a check.
    pub fn is_automated(self) -> bool {
        matches!(self, Kind::Check | Kind::Import)
    }

    /// Speaks for an evidence item (retractions, findings and the audit log do not).
    pub fn is_evidence(self) -> bool {
        !matches!(self, Kind::Retraction | Kind::Finding | Kind::Audit)
    }
}

/// One ledger entry, as much of it as judging needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its place in the log (its leaf index).
    pub seq: u64,
    /// Shared: a hundred thousand entries name a few thousand (control, item) pairs.
    pub control: Arc<str>,
    pub item: Arc<str>,
    pub kind: Kind,
    pub result: Outcome,
    pub collected: Instant,
    pub covers_from: Date,
    pub covers_to: Date,
    pub summary: String,
    /// For a retraction: the entry it withdraws.
    pub retracts: Option<u64>,
}

impl Record {
    /// When this evidence stops speaking for its item: it is as fresh as the last
    /// day it covers (a March review recorded in November is March's evidence),
    /// and never fresher than when it was collected.
    pub fn speaks_until(&self, fresh_for: Interval) -> Instant {
        self.collected
            .min(Instant::end_of(self.covers_to))
            .plus(fresh_for.seconds())
    }
}

/// A withdrawn entry, and the entry that withdrew it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Retraction {
    /// The retraction's own entry.
    pub entry: u64,
    pub retracts: u64,
    pub control: String,
    pub item: String,
    pub at: Instant,
    pub reason: String,
}

/// The ledger's records split for judging: retractions and the entries they
/// withdraw are set aside (nothing is deleted; every output lists them).
#[derive(Clone, Debug, Default)]
pub struct Records {
    pub judged: Vec<Record>,
    pub retractions: Vec<Retraction>,
    /// The checkpoints witnesses vouched for: when entries were proven.
    pub proofs: Proofs,
    /// Findings the ledger recorded as open, and since when.
    pub noted: Noted,
    /// What importer and population checks observed (their entries' content),
    /// read at the edge for the items that need it: populations and metrics.
    pub observations: Vec<Observation>,
}

/// The content of one check entry: what the check observed, as JSON.
#[derive(Clone, Debug)]
pub struct Observation {
    pub seq: u64,
    pub control: String,
    pub item: String,
    pub collected: Instant,
    pub kind: crate::model::CheckKind,
    pub observed: serde_json::Value,
}

/// The findings `check` recorded as open and has not seen close: for each,
/// when the ledger first recorded it (since its last closing).
#[derive(Clone, Debug, Default)]
pub struct Noted(HashMap<String, Instant>);

impl Noted {
    /// Reads `finding` entries in the ledger's order.
    pub fn new<'r>(records: impl Iterator<Item = &'r Record>) -> Noted {
        let mut open = HashMap::new();
        for r in records.filter(|r| r.kind == Kind::Finding) {
            if r.result == Outcome::Pass {
                open.remove(&*r.item);
            } else {
                open.entry(r.item.to_string()).or_insert(r.collected);
            }
        }
        Noted(open)
    }

    pub fn since(&self, finding: &str) -> Option<Instant> {
        self.0.get(finding).copied()
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl Records {
    pub fn new(all: Vec<Record>) -> Records {
        let retractions: Vec<Retraction> = all
            .iter()
            .filter(|r| r.kind == Kind::Retraction)
            .filter_map(|r| {
                Some(Retraction {
                    entry: r.seq,
                    retracts: r.retracts?,
                    control: r.control.to_string(),
                    item: r.item.to_string(),
                    at: r.collected,
                    reason: r.summary.clone(),
                })
            })
            .collect();
        let withdrawn: HashSet<u64> = retractions.iter().map(|r| r.retracts).collect();
        let noted = Noted::new(all.iter().filter(|r| !withdrawn.contains(&r.seq)));
        let judged = all
            .into_iter()
            .filter(|r| r.kind.is_evidence() && !withdrawn.contains(&r.seq))
            .collect();
        Records {
            judged,
            retractions,
            proofs: Proofs::default(),
            noted,
            observations: Vec::new(),
        }
    }
}
