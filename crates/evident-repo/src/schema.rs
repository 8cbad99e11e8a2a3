//! The on-disk format of a trust repo, schema version 1, as serde types.
//!
//! These mirror the files exactly (field names, defaults, unknown fields refused);
//! `load` turns them into the core model after checking what serde cannot.
//! docs/trust-repo.md documents every field here; keep the two in step.

use evident_core::model::{
    AccessScope, AuditType, CheckKind, ControlState, Frequency, Level, Nature, Severity, Treatment,
    Visibility, Window,
};
use evident_core::time::{Date, Interval};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

type Y<T> = serde_saphyr::Spanned<T>;
type T<T> = toml::Spanned<T>;

// ---- evident.toml ----------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    pub schema: T<i64>,
    pub org: OrgDoc,
    pub audit: AuditDoc,
    #[serde(default)]
    pub portal: PortalDoc,
    #[serde(default)]
    pub sla: SlaDoc,
    #[serde(default)]
    pub escalation: EscalationDoc,
    #[serde(default)]
    pub sample: SampleDoc,
    pub database: Option<T<String>>,
    /// `[[witness]]`: the witnesses `ledger checkpoint` asks to cosign.
    #[serde(default)]
    pub witness: Vec<T<WitnessDoc>>,
    /// `[timestamp]`: an RFC 3161 time-stamping authority.
    pub timestamp: Option<T<TimestampDoc>>,
    #[serde(default)]
    pub metrics: MetricsDoc,
    /// `[blobs]`: where evidence content is kept when not in `.evident/blobs/`.
    #[serde(default)]
    pub blobs: BlobsDoc,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BlobsDoc {
    pub s3: Option<T<S3Doc>>,
}

/// `[blobs] s3 = {...}`. No credentials: they come from the environment, so
/// the trust repo (in git) never holds a secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Doc {
    pub endpoint: String,
    pub bucket: String,
    pub region: Option<String>,
    pub prefix: Option<String>,
}

/// `[metrics]`: evidence items the metrics read, as `CONTROL/ITEM`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricsDoc {
    #[serde(default)]
    pub backups: Vec<T<String>>,
    #[serde(default)]
    pub uptime: Vec<T<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampDoc {
    pub name: String,
    pub url: String,
    /// The TSA's certificate (PEM), a path in the trust repo.
    pub certificate: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessDoc {
    pub name: String,
    pub url: String,
    /// Its verifier key: `name+keyid+base64(0x04 ‖ ed25519 key)`.
    pub key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDoc {
    pub name: T<String>,
    pub url: Option<T<String>>,
    pub security_contact: T<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditDoc {
    #[serde(rename = "type")]
    pub kind: AuditType,
    pub categories: T<Vec<T<String>>>,
    pub point_in_time: Option<Date>,
    pub window: Option<T<Window>>,
    pub target: Option<String>,
    #[serde(default)]
    pub auditor: AuditorDoc,
    /// How soon after a period ends its evidence must be witnessed (default 2d).
    pub proof_grace: Option<Interval>,
    /// Criteria of an in-scope category that do not apply, with the reason.
    #[serde(default)]
    pub not_applicable: Vec<T<NotApplicableDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotApplicableDoc {
    pub criteria: Vec<String>,
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditorDoc {
    #[serde(default)]
    pub engaged: bool,
    pub firm: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PortalDoc {
    pub title: Option<String>,
    pub base_url: Option<T<String>>,
    #[serde(default)]
    pub languages: Vec<T<String>>,
    pub disclosure_policy: Option<T<String>>,
    pub pages: Option<T<Vec<T<String>>>>,
    pub detail: Option<T<String>>,
    pub report_request: Option<T<String>>,
    #[serde(default)]
    pub disclosure: DisclosureDoc,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DisclosureDoc {
    pub response_time: Option<T<String>>,
    pub safe_harbour: Option<T<String>>,
    pub bounty: Option<T<String>>,
    pub encryption: Option<T<String>>,
    pub acknowledgments: Option<T<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaDoc {
    pub critical: T<i64>,
    pub major: T<i64>,
    pub minor: T<i64>,
}

impl Default for SlaDoc {
    fn default() -> Self {
        let d = evident_core::model::SlaDays::default();
        let t = |n: u32| T::new(0..0, i64::from(n));
        SlaDoc {
            critical: t(d.critical),
            major: t(d.major),
            minor: t(d.minor),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EscalationDoc {
    pub minor: Option<String>,
    pub major: Option<String>,
    pub critical: Option<String>,
}

/// Sample sizes by frequency; unset ones keep the design's table.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SampleDoc {
    pub annual: Option<T<i64>>,
    pub quarterly: Option<T<i64>>,
    pub monthly: Option<T<i64>>,
    pub weekly: Option<T<i64>>,
    pub daily: Option<T<i64>>,
    pub continuous: Option<T<i64>>,
}

// ---- controls/*.md front matter ---------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlDoc {
    pub id: Y<String>,
    pub title: String,
    #[serde(default)]
    pub criteria: Vec<Y<String>>,
    pub owner: String,
    pub frequency: Frequency,
    pub nature: Nature,
    #[serde(default)]
    pub visibility: Visibility,
    pub claimed: Option<Y<ControlState>>,
    pub not_applicable: Option<Y<String>>,
    pub review: Option<ReviewDoc>,
    /// How the auditor tests the control, when the company says.
    pub test_procedure: Option<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceDoc>,
    #[serde(default)]
    pub gaps: Vec<GapDoc>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct ReviewDoc {
    pub every: Interval,
    /// The last review; absent until one has happened.
    pub last: Option<Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceDoc {
    pub id: Y<String>,
    pub describe: String,
    pub fresh_for: Interval,
    #[serde(default = "yes")]
    pub required: bool,
    pub visibility: Option<Visibility>,
    pub check: Option<Y<CheckDoc>>,
    pub file: Option<Y<String>>,
    /// `allowed`: an item with a check also takes hand uploads.
    pub manual: Option<Y<String>>,
    /// What must be set before the item can be collected (a needs-setup item).
    pub setup: Option<String>,
    /// A register whose entries are the evidence (`access-reviews`, ...).
    pub register: Option<Y<String>>,
    /// Which of the register's entries count: `{ scope: users }`.
    #[serde(default)]
    pub filter: BTreeMap<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
pub struct CheckDoc {
    pub kind: CheckKind,
    #[serde(flatten)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapDoc {
    pub id: Y<String>,
    pub title: String,
    pub severity: Severity,
    pub opened: Y<Date>,
    pub owner: Option<String>,
    pub target: Option<Y<Date>>,
    pub accepted_by: Option<String>,
    pub closed: Option<Y<Date>>,
    pub visibility: Option<Visibility>,
}

// ---- policies/*.md front matter ---------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub id: Y<String>,
    pub title: String,
    pub owner: String,
    pub version: VersionText,
    /// Both or neither: a policy without them is a draft.
    pub approved_by: Option<String>,
    pub approved_on: Option<Date>,
    pub review: ReviewDoc,
    #[serde(default)]
    pub criteria: Vec<Y<String>>,
    #[serde(default)]
    pub visibility: Visibility,
}

/// `version: 1.2` reads as a number in YAML; either spelling is accepted.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum VersionText {
    Text(String),
    Number(f64),
}

impl VersionText {
    pub fn into_string(self) -> String {
        match self {
            VersionText::Text(s) => s,
            VersionText::Number(n) => n.to_string(),
        }
    }
}

// ---- remediation.toml -----------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RemediationDoc {
    #[serde(default)]
    pub item: Vec<T<RemediationItemDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationItemDoc {
    pub id: T<String>,
    pub state: T<String>,
    pub owner: Option<String>,
    pub opened: Option<Date>,
    pub note: Option<String>,
    pub verified_by: Option<T<i64>>,
}

// ---- registers/*.toml ---------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegisterDoc {
    #[serde(default)]
    pub vendor: Vec<T<VendorDoc>>,
    #[serde(default)]
    pub risk: Vec<T<RiskDoc>>,
    #[serde(default)]
    pub incident: Vec<T<IncidentDoc>>,
    #[serde(default)]
    pub access_review: Vec<T<AccessReviewDoc>>,
}

fn one_year() -> Interval {
    Interval::days(365)
}

fn ninety_days() -> Interval {
    Interval::days(90)
}

fn none_text() -> String {
    "none".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorDoc {
    pub name: T<String>,
    pub purpose: String,
    #[serde(default)]
    pub data: Vec<String>,
    pub location: String,
    #[serde(default)]
    pub subprocessor: bool,
    #[serde(default)]
    pub dpa: bool,
    #[serde(default = "none_text")]
    pub soc2: String,
    #[serde(default)]
    pub iso27001: bool,
    pub last_review: Date,
    #[serde(default = "one_year")]
    pub review_every: Interval,
    #[serde(default)]
    pub visibility: Visibility,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDoc {
    pub id: T<String>,
    pub title: String,
    pub likelihood: Level,
    pub impact: Level,
    pub treatment: Treatment,
    pub owner: String,
    #[serde(default)]
    pub controls: Vec<T<String>>,
    pub last_review: Date,
    #[serde(default = "one_year")]
    pub review_every: Interval,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentDoc {
    pub id: T<String>,
    pub title: String,
    pub tier: T<i64>,
    pub opened: Date,
    pub resolved: Option<T<Date>>,
    pub postmortem: Option<String>,
    #[serde(default = "private")]
    pub visibility: Visibility,
}

/// Incidents are private unless the company publishes them.
fn private() -> Visibility {
    Visibility::Private
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessReviewDoc {
    pub id: T<String>,
    pub scope: AccessScope,
    pub system: String,
    pub reviewer: String,
    pub date: Date,
    #[serde(default = "ninety_days")]
    pub every: Interval,
    #[serde(default)]
    pub findings: String,
}
