//! What a status report says: the shapes `evident status --json` prints and
//! every other output reads.

use crate::model::{AuditType, ControlState, Frequency, Gap, Nature, Outcome, Visibility};
use crate::record::Record;
use crate::time::{Date, Instant};
use serde::Serialize;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const STATUS_JSON_VERSION: u32 = 2;

/// An evidence item's state, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemState {
    /// Declared with `setup:`: it cannot be collected until someone sets
    /// what the text says (a host, a repository, a tool). Not a failure.
    NeedsSetup,
    /// Nothing recorded for it yet.
    Missing,
    /// Its latest entry fails or errors.
    Failing,
    /// Its latest entry passed, but longer ago than `fresh_for`.
    Stale,
    Satisfied,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::NeedsSetup => "needs-setup",
            ItemState::Missing => "missing",
            ItemState::Failing => "failing",
            ItemState::Stale => "stale",
            ItemState::Satisfied => "satisfied",
        }
    }
}

/// A ledger entry named in a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryRef {
    pub entry: u64,
    pub result: Outcome,
    pub collected: Instant,
    pub covers_to: Date,
    pub summary: String,
}

impl From<&Record> for EntryRef {
    fn from(o: &Record) -> EntryRef {
        EntryRef {
            entry: o.seq,
            result: o.result,
            collected: o.collected,
            covers_to: o.covers_to,
            summary: o.summary.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemStatus {
    pub id: String,
    pub describe: String,
    pub required: bool,
    pub visibility: Visibility,
    /// `check:<kind>`, `file` or `manual`.
    pub source: String,
    pub state: ItemState,
    /// Failing now after having passed before.
    pub regression: bool,
    /// The entry the state is judged from.
    pub latest: Option<EntryRef>,
    /// The latest passing entry, if any.
    pub last_pass: Option<EntryRef>,
    /// When the latest passing entry stops being fresh.
    pub fresh_until: Option<Instant>,
    /// For a failing item: when it started failing (the first entry after the last pass).
    pub failing_since: Option<Instant>,
    /// For an item with a check: the latest hand upload the judging set aside
    /// (the check decides; a hand upload never masks it), shown beside it.
    pub set_aside: Option<EntryRef>,
}

/// What is wrong with a control beyond its state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// A required item's latest entry fails or errors.
    pub failing: bool,
    /// One of the failing items passed before: a regression.
    pub regression: bool,
    /// A required item's evidence is past `fresh_for`.
    pub stale: bool,
    pub review_overdue: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlStatus {
    pub id: String,
    pub title: String,
    pub file: String,
    pub criteria: Vec<String>,
    pub owner: String,
    pub frequency: Frequency,
    pub nature: Nature,
    pub visibility: Visibility,
    pub claimed: Option<ControlState>,
    pub derived: ControlState,
    pub not_applicable: Option<String>,
    pub flags: Flags,
    pub items: Vec<ItemStatus>,
    pub open_gaps: Vec<Gap>,
    pub review_due: Option<Date>,
}

impl ControlStatus {
    /// The word shown for the control: its derived state, or `failing` over it.
    pub fn headline(&self) -> &'static str {
        if self.flags.failing {
            "failing"
        } else {
            self.derived.as_str()
        }
    }

    /// "2/3 satisfied, 1 stale" for the control's evidence items.
    pub fn evidence_summary(&self) -> String {
        let count = |st| self.items.iter().filter(|i| i.state == st).count();
        let satisfied = count(ItemState::Satisfied);
        let mut parts = vec![format!("{satisfied}/{} satisfied", self.items.len())];
        for st in [ItemState::Failing, ItemState::Stale, ItemState::Missing] {
            let n = count(st);
            if n > 0 {
                parts.push(format!("{n} {}", st.as_str()));
            }
        }
        parts.join(", ")
    }
}

/// A claim better than the evidence supports, and the evidence that contradicts it.
#[derive(Clone, Debug, Serialize)]
pub struct Discrepancy {
    pub control: String,
    pub visibility: Visibility,
    pub claimed: ControlState,
    pub derived: ControlState,
    /// Items short of satisfied, each with its state and latest entry.
    pub contradicting: Vec<Contradiction>,
    /// Open gap ids, which also keep a control from `implemented`.
    pub open_gaps: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Contradiction {
    pub item: String,
    pub state: ItemState,
    pub latest: Option<EntryRef>,
}

/// A criterion's state: the weakest of its controls, or `uncovered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CriterionState {
    Uncovered,
    Planned,
    Partial,
    Implemented,
    NotApplicable,
}

impl CriterionState {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionState::Uncovered => "uncovered",
            CriterionState::Planned => "planned",
            CriterionState::Partial => "partial",
            CriterionState::Implemented => "implemented",
            CriterionState::NotApplicable => "not-applicable",
        }
    }
}

impl From<ControlState> for CriterionState {
    fn from(s: ControlState) -> CriterionState {
        match s {
            ControlState::Planned => CriterionState::Planned,
            ControlState::Partial => CriterionState::Partial,
            ControlState::Implemented => CriterionState::Implemented,
            ControlState::NotApplicable => CriterionState::NotApplicable,
        }
    }
}

/// How many of a criterion's controls are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_applicable: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct CriterionStatus {
    pub id: String,
    pub title: String,
    pub category: String,
    pub in_scope: bool,
    pub controls: Vec<String>,
    pub state: CriterionState,
    /// Declared not applicable (`[[audit.not_applicable]]`): the reason.
    pub not_applicable: Option<String>,
    /// One of its controls is failing.
    pub failing: bool,
    /// One of its controls has stale evidence.
    pub stale: bool,
    pub counts: Counts,
}

impl CriterionStatus {
    pub fn headline(&self) -> &'static str {
        if self.failing {
            "failing"
        } else {
            self.state.as_str()
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryStatus {
    pub id: String,
    pub title: String,
    pub in_scope: bool,
    /// Criteria that count (not-applicable ones are left out).
    pub criteria: usize,
    pub covered: usize,
    pub implemented: usize,
    /// Share of the counted criteria implemented, 0 to 1.
    pub readiness: f64,
    pub uncovered: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    pub version: u32,
    pub as_of: Instant,
    pub org: String,
    pub audit_type: AuditType,
    /// Share of in-scope criteria implemented, 0 to 1.
    pub readiness: f64,
    pub categories: Vec<CategoryStatus>,
    pub criteria: Vec<CriterionStatus>,
    pub controls: Vec<ControlStatus>,
    pub discrepancies: Vec<Discrepancy>,
}

impl StatusReport {
    pub fn control(&self, id: &str) -> Option<&ControlStatus> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn criterion(&self, id: &str) -> Option<&CriterionStatus> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// `status --json` (and the server's `GET /api/v1/status`): the report, and
/// the entries withdrawn from it.
#[derive(Serialize)]
pub struct StatusDocument<'a> {
    #[serde(flatten)]
    pub status: &'a StatusReport,
    pub retractions: &'a [crate::record::Retraction],
}
