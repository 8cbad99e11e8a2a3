//! A control: its evidence items (and how each is collected), gaps and review.

use super::Origin;
use crate::time::{Date, Interval};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    Continuous,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Annual,
    PerEvent,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Continuous => "continuous",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Annual => "annual",
            Frequency::PerEvent => "per-event",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Nature {
    Automated,
    Manual,
    Hybrid,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Private,
}

/// The states a control can be in. Ordered worst first, so `min` is the weakest link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlState {
    Planned,
    Partial,
    Implemented,
    NotApplicable,
}

impl ControlState {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::Planned => "planned",
            ControlState::Partial => "partial",
            ControlState::Implemented => "implemented",
            ControlState::NotApplicable => "not-applicable",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Major,
    Minor,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
        }
    }
}

/// A review cadence and when the last review happened (`None`: not yet
/// reviewed; evident never assumes a review nobody recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    pub every: Interval,
    pub last: Option<Date>,
}

impl Review {
    /// When the next review is due; `None` before a first review.
    pub fn next_due(&self) -> Option<Date> {
        Some(self.last?.add_days(self.every.whole_days()))
    }

    pub fn overdue(&self, as_of: Date) -> bool {
        self.next_due().is_some_and(|due| due < as_of)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub criteria: Vec<String>,
    pub owner: String,
    pub frequency: Frequency,
    pub nature: Nature,
    pub visibility: Visibility,
    /// What the page claims; compared with the derived status.
    pub claimed: Option<ControlState>,
    /// Set when the control is declared not applicable: the reason.
    pub not_applicable: Option<String>,
    pub review: Option<Review>,
    pub evidence: Vec<EvidenceItem>,
    pub gaps: Vec<Gap>,
    /// Every `##` section of the body in the order written, Statement and
    /// Implementation among them (a "Key management" section is kept too).
    pub sections: Vec<Section>,
    /// How the auditor tests it, in the company's words (`test_procedure`);
    /// else the worksheet derives one from its nature, frequency and evidence.
    pub test_procedure: Option<String>,
    pub origin: Origin,
}

/// A `## Heading` section of a control's body.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub title: String,
    pub markdown: String,
}

impl Control {
    /// Markdown of the section titled `title` (case aside), empty without one.
    pub fn section(&self, title: &str) -> &str {
        self.sections
            .iter()
            .find(|s| s.title.eq_ignore_ascii_case(title))
            .map_or("", |s| s.markdown.as_str())
    }

    /// What the control promises (`## Statement`).
    pub fn statement(&self) -> &str {
        self.section("Statement")
    }

    /// How it is done (`## Implementation`).
    pub fn implementation(&self) -> &str {
        self.section("Implementation")
    }

    pub fn open_gaps(&self) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().filter(|g| g.closed.is_none())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EvidenceItem {
    pub id: String,
    pub describe: String,
    pub fresh_for: Interval,
    /// Optional items count toward `partial` but never block `implemented`.
    pub required: bool,
    pub visibility: Visibility,
    pub source: EvidenceSource,
    /// `manual: allowed`: an item with a check also takes hand uploads, which
    /// count only while the check has recorded nothing (a check decides).
    pub manual_allowed: bool,
    /// `setup: "what to set"`: the item cannot be collected yet; it is
    /// `needs-setup` (never failing) and `check` leaves it alone.
    pub setup: Option<String>,
}

/// How an evidence item is collected.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum EvidenceSource {
    /// An automated check run by `evident check`.
    Check(CheckSpec),
    /// A file kept in the trust repo (a path relative to it).
    File { path: String },
    /// Added by a person with `evident evidence add`.
    Manual,
    /// The entries of a register (docs/trust-repo.md), those that pass `filter`.
    Register {
        register: super::RegisterName,
        /// `field = value` pairs an entry must all match.
        filter: Vec<(String, String)>,
    },
}

/// Whether a person may add evidence to an item by hand (the command line's
/// `evidence add`, the server's upload API), and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandUploads {
    Accepted,
    /// Only this file of the trust repo (which `check` records when it changes).
    OnlyFile(String),
    Refused(String),
}

impl EvidenceItem {
    /// An automated check is authoritative for its item: a hand upload is
    /// refused unless the item says `manual: allowed`. An item kept as a file
    /// in the trust repo takes that file only; a register's item takes the
    /// register's entries only.
    pub fn hand_uploads(&self, control: &str) -> HandUploads {
        match &self.source {
            EvidenceSource::Check(spec) if !self.manual_allowed => HandUploads::Refused(format!(
                "{control}/{}: this item is collected by its check ({}); a hand upload cannot stand in for it. Run `evident check --only {control}`, or, if people may also add evidence to it, add `manual: allowed` to the item (the check still decides while it reports)",
                self.id,
                spec.kind.as_str()
            )),
            EvidenceSource::File { path } => HandUploads::OnlyFile(path.clone()),
            EvidenceSource::Register { register, .. } => HandUploads::Refused(format!(
                "{control}/{}: this item is evidenced by the {} register; add the entry to registers/*.toml (or the policy's approval to its file) and run `evident check`",
                self.id,
                register.as_str()
            )),
            _ => HandUploads::Accepted,
        }
    }
}

impl EvidenceSource {
    /// `check:<kind>`, `file` or `manual`, as reports name the source.
    pub fn label(&self) -> String {
        match self {
            EvidenceSource::Check(spec) => format!("check:{}", spec.kind.as_str()),
            EvidenceSource::File { .. } => "file".into(),
            EvidenceSource::Manual => "manual".into(),
            EvidenceSource::Register { register, .. } => format!("register:{}", register.as_str()),
        }
    }
}

/// What the evidence says about its item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "error")]
    Error,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Outcome {
    /// What a person may say of evidence they add: `pass`, `fail` or `n/a`
    /// (never `error`, which only a check reports).
    pub fn stated(text: &str) -> Option<Outcome> {
        match text {
            "pass" => Some(Outcome::Pass),
            "fail" => Some(Outcome::Fail),
            "n/a" => Some(Outcome::NotApplicable),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::NotApplicable => "n/a",
        }
    }
}

/// The kinds of automated check evident knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    File,
    Http,
    Tls,
    Command,
    Git,
    Rego,
    Sarif,
    Cyclonedx,
    Junit,
    Population,
}

impl CheckKind {
    /// The name written in a trust repo's `check: { kind: ... }`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::File => "file",
            CheckKind::Http => "http",
            CheckKind::Tls => "tls",
            CheckKind::Command => "command",
            CheckKind::Git => "git",
            CheckKind::Rego => "rego",
            CheckKind::Sarif => "sarif",
            CheckKind::Cyclonedx => "cyclonedx",
            CheckKind::Junit => "junit",
            CheckKind::Population => "population",
        }
    }
}

/// A check declaration: its kind and its typed settings (see `checks.rs`).
#[derive(Clone, Debug, Serialize)]
pub struct CheckSpec {
    pub kind: CheckKind,
    pub settings: super::checks::CheckSettings,
}

impl CheckSpec {
    /// The days a check's result speaks for: a check observes the moment it
    /// runs, so its result covers the day it ran and no other.
    pub fn covers(&self, today: Date) -> (Date, Date) {
        (today, today)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub opened: Date,
    pub owner: Option<String>,
    /// The day the team means to close it by (a roadmap date): its due date.
    pub target: Option<Date>,
    /// Who accepted a target later than the SLA allows.
    pub accepted_by: Option<String>,
    pub closed: Option<Date>,
    pub visibility: Visibility,
    pub origin: Origin,
}
