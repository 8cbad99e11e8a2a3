//! evident.toml: the organisation, the audit, the portal, SLAs and escalation.

use crate::time::{Date, Interval};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub schema: u32,
    pub org: Org,
    pub audit: Audit,
    pub portal: Portal,
    pub sla: SlaDays,
    pub escalation: Escalation,
    /// Auditor sample sizes by frequency.
    pub sample: SampleSizes,
    pub database: Option<String>,
    /// The witnesses `ledger checkpoint` asks to cosign each checkpoint.
    pub witnesses: Vec<Witness>,
    /// An RFC 3161 time-stamping authority `ledger checkpoint` asks to stamp it.
    pub timestamp: Option<TimestampAuthority>,
    /// Which evidence items the metrics read (`[metrics]`).
    pub metrics: MetricSources,
    /// `[blobs] s3 = {...}`: evidence content in an S3-compatible bucket
    /// instead of the checkout's `.evident/blobs/`.
    pub s3: Option<S3Location>,
}

/// Where an S3-compatible bucket keeps evidence content, addressed path-style
/// (`ENDPOINT/BUCKET/PREFIXhash`), so any endpoint serves. The credentials are
/// never here: they come from the environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S3Location {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub prefix: String,
}

impl S3Location {
    pub const DEFAULT_REGION: &str = "us-east-1";

    /// The first field that cannot be used, with what is wrong and how to fix it.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let e = &self.endpoint;
        let rest = e
            .strip_prefix("https://")
            .or_else(|| e.strip_prefix("http://"));
        match rest {
            None => {
                return Some((
                    "endpoint",
                    format!("`{e}` is not a web address; write https://s3.example.com"),
                ));
            }
            Some(r) if r.is_empty() || r.contains(['?', '#', '@', ' ']) || r.starts_with('/') => {
                return Some((
                    "endpoint",
                    format!(
                        "`{e}` must be scheme://host[:port][/path], with no query, user or fragment"
                    ),
                ));
            }
            Some(_) => {}
        }
        let b = &self.bucket;
        let bucket_ok = (3..=63).contains(&b.len())
            && b.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
            && b.as_bytes()[0].is_ascii_alphanumeric()
            && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric();
        if !bucket_ok {
            return Some((
                "bucket",
                format!(
                    "`{b}` is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens"
                ),
            ));
        }
        let r = &self.region;
        if r.is_empty() || !r.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
            return Some((
                "region",
                format!("`{r}` is not a region; write {}", Self::DEFAULT_REGION),
            ));
        }
        let p = &self.prefix;
        let prefix_ok = !p.starts_with('/')
            && !p.split('/').any(|s| s == "." || s == "..")
            && p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'-' | b'_' | b'.'));
        if !prefix_ok {
            return Some((
                "prefix",
                format!(
                    "`{p}` may hold letters, digits, `/`, `-`, `_` and `.`, and must not start with `/`"
                ),
            ));
        }
        None
    }
}

/// `[metrics]`: the items whose entries are the backup success rate and the
/// uptime, as `CONTROL/ITEM`; when empty, items whose ids say so.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MetricSources {
    pub backups: Vec<String>,
    pub uptime: Vec<String>,
}

/// A name a signature line may carry (C2SP signed notes): not empty, no
/// spaces, no `+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// A TSA: the name its stamps carry in a checkpoint, where it listens, and
/// its certificate (a PEM file in the trust repo) that tokens must verify with.
#[derive(Clone, Debug, Serialize)]
pub struct TimestampAuthority {
    pub name: String,
    pub url: String,
    pub certificate: String,
}

/// A witness the program relies on: its name, where it listens, and its key
/// (a C2SP verifier key, checked where it is used).
#[derive(Clone, Debug, Serialize)]
pub struct Witness {
    pub name: String,
    pub url: String,
    pub key: String,
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

impl Window {
    /// Whether evidence covering `from..=to` speaks for some day of the window.
    pub fn meets(&self, from: Date, to: Date) -> bool {
        to >= self.from && from <= self.to
    }
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
    /// How soon after a period ends the checkpoint proving its evidence must
    /// be witnessed or timestamped; later, the period is flagged.
    pub proof_grace: Interval,
    /// Criteria of in-scope categories that do not apply, each with the reason.
    pub not_applicable: Vec<NotApplicable>,
}

/// Criteria declared not applicable to the system, and why (`[[audit.not_applicable]]`).
#[derive(Clone, Debug, Serialize)]
pub struct NotApplicable {
    pub criteria: Vec<String>,
    pub reason: String,
}

impl Audit {
    /// Why `criterion` does not apply, when it is declared so.
    pub fn not_applicable(&self, criterion: &str) -> Option<&str> {
        self.not_applicable
            .iter()
            .find(|n| n.criteria.iter().any(|c| c.eq_ignore_ascii_case(criterion)))
            .map(|n| n.reason.as_str())
    }
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
    /// The pages published beside the overview, in the navigation's order.
    pub pages: Vec<Page>,
    /// How failing or missing evidence is shown.
    pub detail: Detail,
    /// Where a prospect asks for the SOC 2 report: a `mailto:` or https address.
    pub report_request: Option<String>,
    pub disclosure: DisclosureTerms,
}

/// A page of the trust portal the company may publish or leave out (the
/// overview is always published).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Page {
    Criteria,
    Controls,
    Missing,
    Subprocessors,
    Records,
    Disclosure,
    Changes,
    Verify,
    /// The programme's metrics month by month: published only when listed.
    Metrics,
}

impl Page {
    /// Published when `[portal] pages` is not set: every page but the metrics,
    /// which a company chooses to publish.
    pub const DEFAULT: [Page; 8] = [
        Page::Criteria,
        Page::Controls,
        Page::Missing,
        Page::Subprocessors,
        Page::Records,
        Page::Disclosure,
        Page::Changes,
        Page::Verify,
    ];

    pub const ALL: [Page; 9] = [
        Page::Criteria,
        Page::Controls,
        Page::Missing,
        Page::Subprocessors,
        Page::Records,
        Page::Disclosure,
        Page::Changes,
        Page::Verify,
        Page::Metrics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Page::Criteria => "criteria",
            Page::Controls => "controls",
            Page::Missing => "missing",
            Page::Subprocessors => "subprocessors",
            Page::Records => "records",
            Page::Disclosure => "disclosure",
            Page::Changes => "changes",
            Page::Verify => "verify",
            Page::Metrics => "metrics",
        }
    }

    pub fn parse(name: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// How much of failing or missing evidence the public pages say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Detail {
    /// The state and how long, never internal text (hosts, tool output,
    /// item ids, each missed run).
    #[default]
    Summary,
    /// What the evidence says too, and every change of result.
    Full,
}

/// The company's own terms for vulnerability reports (`[portal.disclosure]`),
/// shown on the disclosure page and, where RFC 9116 has a field, in security.txt.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DisclosureTerms {
    /// How soon a report is acknowledged ("1 business day").
    pub response_time: Option<String>,
    /// The promise not to pursue good-faith research, in the company's words.
    pub safe_harbour: Option<String>,
    /// A bug bounty's address.
    pub bounty: Option<String>,
    /// The key to encrypt reports with (security.txt `Encryption:`).
    pub encryption: Option<String>,
    /// Where reporters are thanked (security.txt `Acknowledgments:`).
    pub acknowledgments: Option<String>,
}

/// Days allowed to remediate, per severity.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct SlaDays {
    pub critical: u32,
    pub major: u32,
    pub minor: u32,
}

impl SlaDays {
    pub fn days(self, severity: super::Severity) -> u32 {
        match severity {
            super::Severity::Critical => self.critical,
            super::Severity::Major => self.major,
            super::Severity::Minor => self.minor,
        }
    }

    /// When something of `severity` begun on `opened` is due.
    pub fn due(self, opened: Date, severity: super::Severity) -> Date {
        opened.add_days(i64::from(self.days(severity)))
    }
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

/// Sample sizes by control frequency (`[sample]`; how they are used is in `sample.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SampleSizes {
    pub annual: usize,
    pub quarterly: usize,
    pub monthly: usize,
    pub weekly: usize,
    pub daily: usize,
    pub continuous: usize,
}

impl Default for SampleSizes {
    fn default() -> Self {
        SampleSizes {
            annual: 1,
            quarterly: 2,
            monthly: 2,
            weekly: 5,
            daily: 25,
            continuous: 25,
        }
    }
}
