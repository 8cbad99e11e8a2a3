//! When each part of the program entered it, as the trust repo's history
//! tells: the commit that declared an evidence item, made a claim, or left a
//! criterion in scope uncovered. Findings date themselves from these facts
//! (see `gaps.rs`), so their SLA clocks run from the day the trouble began,
//! never from the day evident happened to look.
//!
//! The core reads no history itself: `evident-repo` walks the git history and
//! fills this in with the keys below, one definition for both sides.

use crate::time::Date;
use serde::Serialize;
use std::collections::HashMap;

/// Where the dates came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Source {
    /// The git history up to `commit`, `commits` of them read.
    Git { commit: String, commits: usize },
    /// No history to read, and why (not a git repository, no commit yet...).
    None { why: String },
    /// Not looked for (a program built in memory).
    #[default]
    Unread,
}

/// The day each fact began to hold, without a break, up to the latest commit.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Provenance {
    pub source: Source,
    #[serde(skip)]
    pub since: HashMap<String, Date>,
}

impl Provenance {
    pub fn new(source: Source) -> Provenance {
        Provenance {
            source,
            since: HashMap::new(),
        }
    }

    /// Since when `fact` (one of the keys below) has held, if the history says.
    pub fn since(&self, fact: &str) -> Option<Date> {
        self.since.get(fact).copied()
    }
}

/// A required evidence item is declared (`item:AUTH/mfa`).
pub fn item_fact(control: &str, item: &str) -> String {
    format!("item:{control}/{item}")
}

/// A control claims a state (`claim:AUTH=implemented`).
pub fn claim_fact(control: &str, state: &str) -> String {
    format!("claim:{control}={state}")
}

/// A criterion is in scope and no control covers it (`uncovered:CC1.1`).
pub fn uncovered_fact(criterion: &str) -> String {
    format!("uncovered:{criterion}")
}
