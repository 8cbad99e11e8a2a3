//! The trust program as evident understands it, independent of how it is written down.
//!
//! `evident-repo` reads Markdown and TOML into these types; everything downstream
//! (status, portal, exports) reads only these types.

use crate::time::{Date, Interval};
use serde::{Deserialize, Serialize};

/// Where something was written: a path relative to the trust repo and a 1-based line.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u32,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Everything in a trust repo, loaded and validated.
#[derive(Clone, Debug, Serialize)]
pub struct TrustProgram {
    pub config: Config,
    pub controls: Vec<Control>,
    pub policies: Vec<Policy>,
    pub registers: Registers,
    /// The optional hand-kept HARDENING-LOG.md, as Markdown.
    pub journal: Option<String>,
    /// Where remediation of each finding stands (`remediation.toml`), reviewed in git.
    pub remediation: Vec<RemediationRecord>,
}

/// The states a remediation item moves through (the remediation procedure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemediationState {
    Open,
    Assessed,
    Remediating,
    /// Needs a ledger entry that shows the fix (`verified_by`).
    Verified,
    Closed,
}

impl RemediationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RemediationState::Open => "open",
            RemediationState::Assessed => "assessed",
            RemediationState::Remediating => "remediating",
            RemediationState::Verified => "verified",
            RemediationState::Closed => "closed",
        }
    }

    pub const ALL: [RemediationState; 5] = [
        RemediationState::Open,
        RemediationState::Assessed,
        RemediationState::Remediating,
        RemediationState::Verified,
        RemediationState::Closed,
    ];
}

/// What the team records about one finding's remediation.
#[derive(Clone, Debug, Serialize)]
pub struct RemediationRecord {
    /// The finding's id as `evident remediation` shows it (`failing:CRYPTO/tls-modern`).
    pub id: String,
    pub state: RemediationState,
    pub owner: Option<String>,
    /// When the finding was first seen, if the team knows better than evident.
    pub opened: Option<Date>,
    pub note: Option<String>,
    /// The ledger entry that shows the fix; required from `verified` on.
    pub verified_by: Option<u64>,
    pub origin: Origin,
}

#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub schema: u32,
    pub org: Org,
    pub audit: Audit,
    pub portal: Portal,
    pub sla: SlaDays,
    pub escalation: Escalation,
    /// Auditor sample sizes by frequency.
    pub sample: crate::sample::SampleSizes,
    pub database: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Org {
    pub name: String,
    pub url: Option<String>,
    pub security_contact: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditType {
    Type1,
    Type2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: Date,
    pub to: Date,
}

#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    #[serde(rename = "type")]
    pub kind: AuditType,
    /// Category ids from the catalog; `security` is always among them.
    pub categories: Vec<String>,
    /// Type I: the date the design of controls is attested at.
    pub point_in_time: Option<Date>,
    /// Type II: the observation window.
    pub window: Option<Window>,
    /// When the company means to be audited, in its own words ("H1 2027").
    pub target: Option<String>,
    pub auditor: Auditor,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Auditor {
    pub engaged: bool,
    pub firm: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Portal {
    pub title: String,
    pub base_url: Option<String>,
    pub languages: Vec<String>,
    pub disclosure_policy: Option<String>,
}

/// Days allowed to remediate, per severity.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct SlaDays {
    pub critical: u32,
    pub major: u32,
    pub minor: u32,
}

impl Default for SlaDays {
    fn default() -> Self {
        SlaDays {
            critical: 1,
            major: 14,
            minor: 30,
        }
    }
}

/// Who hears about overdue items, per severity.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Escalation {
    pub minor: String,
    pub major: String,
    pub critical: String,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation {
            minor: "team lead".into(),
            major: "CTO".into(),
            critical: "executive leadership".into(),
        }
    }
}

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

/// A review cadence and when the last review happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    pub every: Interval,
    pub last: Date,
}

impl Review {
    pub fn next_due(&self) -> Date {
        self.last.add_days(self.every.whole_days())
    }

    pub fn overdue(&self, as_of: Date) -> bool {
        self.next_due() < as_of
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
    /// Markdown of the `## Statement` section.
    pub statement: String,
    /// Markdown of the `## Implementation` section.
    pub implementation: String,
    pub origin: Origin,
}

impl Control {
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
        }
    }
}

/// A check declaration: its kind and its typed settings (see `checks.rs`).
#[derive(Clone, Debug, Serialize)]
pub struct CheckSpec {
    pub kind: CheckKind,
    pub settings: crate::checks::CheckSettings,
}

#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub opened: Date,
    pub owner: Option<String>,
    pub target: Option<Date>,
    pub closed: Option<Date>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub version: String,
    pub approved_by: String,
    pub approved_on: Date,
    pub review: Review,
    pub criteria: Vec<String>,
    pub visibility: Visibility,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Registers {
    pub vendors: Vec<Vendor>,
    pub risks: Vec<Risk>,
    pub incidents: Vec<Incident>,
    pub access_reviews: Vec<AccessReview>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Vendor {
    pub name: String,
    pub purpose: String,
    pub data: Vec<String>,
    pub location: String,
    /// A subprocessor handles customer data and is listed on the portal.
    pub subprocessor: bool,
    pub dpa: bool,
    pub soc2: String,
    pub iso27001: bool,
    pub review: Review,
    pub visibility: Visibility,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

#[derive(Clone, Debug, Serialize)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub likelihood: Level,
    pub impact: Level,
    pub treatment: Treatment,
    pub owner: String,
    pub controls: Vec<String>,
    pub review: Review,
    pub origin: Origin,
}

#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub id: String,
    pub title: String,
    /// Severity tier, 1 (worst) to 4.
    pub tier: u8,
    pub opened: Date,
    pub resolved: Option<Date>,
    pub postmortem: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessScope {
    Users,
    ApiKeys,
    Infrastructure,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccessReview {
    pub id: String,
    pub scope: AccessScope,
    pub system: String,
    pub reviewer: String,
    pub date: Date,
    pub every: Interval,
    pub findings: String,
    pub origin: Origin,
}

impl AccessReview {
    pub fn next_due(&self) -> Date {
        self.date.add_days(self.every.whole_days())
    }
}
