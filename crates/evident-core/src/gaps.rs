//! The gap inventory: everything still missing for the audit in scope, in one
//! list, worst first (severity, then kind, then age) — uncovered criteria, claims the evidence contradicts
//! (discrepancies, major), failing and missing evidence, open
//! gaps, stale evidence, overdue reviews of controls and policies, and registers
//! past review. Each finding has a stable id, a severity and the day it began, so
//! remediation (`remediation.rs`) can track it.
//!
//! Severities: an open gap keeps the severity it was written with; a regression
//! (a check that passed now fails) is critical; other failing evidence, missing
//! evidence and uncovered criteria are major; stale evidence and overdue reviews
//! are minor.

use crate::model::{ControlState, Severity, TrustProgram, Visibility};
use crate::provenance::{Provenance, Source, claim_fact, item_fact, uncovered_fact};
use crate::record::Noted;
use crate::status::{ItemState, StatusReport};
use crate::time::Date;
use serde::Serialize;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const GAPS_JSON_VERSION: u32 = 1;

/// Kinds of finding, in the order the inventory lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    Uncovered,
    /// An item that cannot be collected until someone sets it up.
    NeedsSetup,
    /// A claim better than the evidence supports.
    Discrepancy,
    Failing,
    Missing,
    Gap,
    Stale,
    ControlReview,
    PolicyReview,
    RegisterReview,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Uncovered => "uncovered",
            FindingKind::NeedsSetup => "needs-setup",
            FindingKind::Discrepancy => "discrepancy",
            FindingKind::Failing => "failing",
            FindingKind::Missing => "missing",
            FindingKind::Gap => "gap",
            FindingKind::Stale => "stale",
            FindingKind::ControlReview => "control-review",
            FindingKind::PolicyReview => "policy-review",
            FindingKind::RegisterReview => "register-review",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Stable across runs: `failing:CRYPTO/tls-modern`, `uncovered:CC1.1`, `gap:AUTH/G-1`...
    pub id: String,
    pub kind: FindingKind,
    pub severity: Severity,
    /// The control (and item), criterion, policy or register entry concerned.
    pub subject: String,
    /// The control it belongs to, where there is one.
    pub control: Option<String>,
    pub title: String,
    pub owner: Option<String>,
    /// The day it began, from facts (docs/status.md): a failure's first
    /// failing entry, the day evidence went stale, a gap's `opened`, a
    /// review's due day, the commit that declared the item, made the claim or
    /// left the criterion uncovered; else the day the ledger first recorded it.
    pub since: Date,
    /// Which fact `since` comes from.
    pub since_from: SinceFrom,
    pub visibility: Visibility,
    /// The ledger entry behind it, where there is one.
    pub entry: Option<u64>,
    /// Where it is written (file:line), where there is such a place.
    pub file: Option<String>,
    /// A gap's target date, and who accepted it when it is past the SLA.
    pub target: Option<Date>,
    pub accepted_by: Option<String>,
}

/// Where a finding's `since` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinceFrom {
    /// The ledger's entries: the first failing one, or freshness running out.
    Ledger,
    /// A date written in the trust repo: a gap's `opened`, a review's due day.
    Declared,
    /// The trust repo's git history.
    Git,
    /// The `finding` entry `check` wrote when it first saw it.
    FindingEntry,
    /// Nothing records it yet: first seen as of this judgement.
    FirstSeen,
}

#[derive(Clone, Debug, Serialize)]
pub struct GapReport {
    pub version: u32,
    pub as_of: crate::time::Instant,
    pub audit_type: crate::model::AuditType,
    /// Where the dates of declarations come from (git, or why not).
    pub history: Source,
    pub findings: Vec<Finding>,
}

/// Dates a finding the ledger alone cannot: from the history's `fact`, else
/// the ledger's `finding` entry, else first seen today.
struct Dating<'a> {
    history: &'a Provenance,
    noted: &'a Noted,
    today: Date,
}

impl Dating<'_> {
    fn date(&self, fact: &str, finding: &str) -> (Date, SinceFrom) {
        if let Some(d) = self.history.since(fact) {
            (d.min(self.today), SinceFrom::Git)
        } else if let Some(at) = self.noted.since(finding) {
            (at.date().min(self.today), SinceFrom::FindingEntry)
        } else {
            (self.today, SinceFrom::FirstSeen)
        }
    }
}

/// Everything still missing as of the status's moment, worst first; `noted`
/// holds the findings the ledger recorded (see [`Noted`]).
pub fn inventory(program: &TrustProgram, status: &StatusReport, noted: &Noted) -> GapReport {
    let today = status.as_of.date();
    let dating = Dating {
        history: &program.history,
        noted,
        today,
    };
    let mut out = Vec::new();
    for c in status
        .criteria
        .iter()
        .filter(|c| c.in_scope && c.controls.is_empty() && c.not_applicable.is_none())
    {
        let id = format!("uncovered:{}", c.id);
        let (since, since_from) = dating.date(&uncovered_fact(&c.id), &id);
        out.push(Finding {
            id,
            kind: FindingKind::Uncovered,
            severity: Severity::Major,
            subject: c.id.clone(),
            control: None,
            title: format!("{} {}: no control covers it", c.id, c.title),
            owner: None,
            since,
            since_from,
            visibility: Visibility::Public,
            entry: None,
            file: None,
            target: None,
            accepted_by: None,
        });
    }
    for c in status
        .controls
        .iter()
        .filter(|c| c.derived != ControlState::NotApplicable)
    {
        let file = Some(c.file.clone());
        for i in c.items.iter().filter(|i| i.required) {
            let visibility = most_private(c.visibility, i.visibility);
            let subject = format!("{}/{}", c.id, i.id);
            let finding =
                |kind: FindingKind, severity, title: String, since: (Date, SinceFrom), entry| {
                    Finding {
                        id: format!("{}:{subject}", kind.as_str()),
                        kind,
                        severity,
                        subject: subject.clone(),
                        control: Some(c.id.clone()),
                        title,
                        owner: Some(c.owner.clone()),
                        since: since.0,
                        since_from: since.1,
                        visibility,
                        entry,
                        file: file.clone(),
                        target: None,
                        accepted_by: None,
                    }
                };
            let latest = i.latest.as_ref();
            match i.state {
                ItemState::Satisfied => {}
                ItemState::NeedsSetup => {
                    let id = format!("{}:{subject}", FindingKind::NeedsSetup.as_str());
                    let since = dating.date(&item_fact(&c.id, &i.id), &id);
                    let what = item_setup(program, &c.id, &i.id).unwrap_or_default();
                    out.push(finding(
                        FindingKind::NeedsSetup,
                        Severity::Minor,
                        format!("needs setup: {what}"),
                        since,
                        None,
                    ))
                }
                ItemState::Failing => out.push(finding(
                    FindingKind::Failing,
                    if i.regression {
                        Severity::Critical
                    } else {
                        Severity::Major
                    },
                    format!(
                        "{}{}",
                        if i.regression { "regression: " } else { "" },
                        latest.map_or(String::new(), |e| e.summary.clone())
                    ),
                    i.failing_since.map_or((today, SinceFrom::FirstSeen), |t| {
                        (t.date(), SinceFrom::Ledger)
                    }),
                    latest.map(|e| e.entry),
                )),
                ItemState::Missing => {
                    let id = format!("{}:{subject}", FindingKind::Missing.as_str());
                    let since = dating.date(&item_fact(&c.id, &i.id), &id);
                    out.push(finding(
                        FindingKind::Missing,
                        Severity::Major,
                        format!("no evidence yet: {}", i.describe),
                        since,
                        None,
                    ))
                }
                ItemState::Stale => out.push(finding(
                    FindingKind::Stale,
                    Severity::Minor,
                    format!("evidence older than its freshness: {}", i.describe),
                    i.fresh_until.map_or((today, SinceFrom::FirstSeen), |t| {
                        (t.date(), SinceFrom::Ledger)
                    }),
                    latest.map(|e| e.entry),
                )),
            }
        }
        for g in &c.open_gaps {
            out.push(Finding {
                id: format!("gap:{}/{}", c.id, g.id),
                kind: FindingKind::Gap,
                severity: g.severity,
                subject: format!("{}/{}", c.id, g.id),
                control: Some(c.id.clone()),
                title: g.title.clone(),
                owner: Some(g.owner.clone().unwrap_or_else(|| c.owner.clone())),
                since: g.opened,
                since_from: SinceFrom::Declared,
                visibility: most_private(c.visibility, g.visibility),
                entry: None,
                file: Some(g.origin.to_string()),
                target: g.target,
                accepted_by: g.accepted_by.clone(),
            });
        }
        if c.flags.review_overdue
            && let Some(due) = c.review_due
        {
            out.push(Finding {
                id: format!("control-review:{}", c.id),
                kind: FindingKind::ControlReview,
                severity: Severity::Minor,
                subject: c.id.clone(),
                control: Some(c.id.clone()),
                title: format!("control review was due {due}"),
                owner: Some(c.owner.clone()),
                since: due,
                since_from: SinceFrom::Declared,
                visibility: c.visibility,
                entry: None,
                file: file.clone(),
                target: None,
                accepted_by: None,
            });
        }
    }
    for d in &status.discrepancies {
        let Some(c) = status.control(&d.control) else {
            continue;
        };
        let against: Vec<String> = d
            .contradicting
            .iter()
            .map(|x| match &x.latest {
                Some(e) => format!("{} {} (entry {})", x.item, x.state.as_str(), e.entry),
                None => format!("{} {}", x.item, x.state.as_str()),
            })
            .chain(d.open_gaps.iter().map(|g| format!("gap {g} open")))
            .collect();
        let id = format!("discrepancy:{}", d.control);
        // It holds while the claim stands and the evidence falls short of it:
        // since the later of the claim and the earliest shortfall still open.
        let claim = dating.date(&claim_fact(&d.control, d.claimed.as_str()), &id);
        let shortfall = out
            .iter()
            .filter(|f| f.control.as_deref() == Some(d.control.as_str()))
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::Failing
                        | FindingKind::Missing
                        | FindingKind::Stale
                        | FindingKind::Gap
                )
            })
            .map(|f| (f.since, f.since_from))
            .min_by_key(|(since, _)| *since);
        let (since, since_from) = match shortfall {
            Some(s) if s.0 > claim.0 => s,
            _ => claim,
        };
        out.push(Finding {
            id,
            kind: FindingKind::Discrepancy,
            severity: Severity::Major,
            subject: d.control.clone(),
            control: Some(d.control.clone()),
            title: format!(
                "claims {}, evidence shows {}: {}",
                d.claimed.as_str(),
                d.derived.as_str(),
                against.join(", ")
            ),
            owner: Some(c.owner.clone()),
            since,
            since_from,
            visibility: d.visibility,
            entry: d
                .contradicting
                .iter()
                .find_map(|x| x.latest.as_ref().map(|e| e.entry)),
            file: Some(c.file.clone()),
            target: None,
            accepted_by: None,
        });
    }
    for (p, due) in program
        .policies
        .iter()
        .filter_map(|p| Some((p, p.review.next_due()?)))
        .filter(|(_, due)| *due < today)
    {
        out.push(Finding {
            id: format!("policy-review:{}", p.id),
            kind: FindingKind::PolicyReview,
            severity: Severity::Minor,
            subject: p.id.clone(),
            control: None,
            title: format!("{} review was due {due}", p.title),
            owner: Some(p.owner.clone()),
            since: due,
            since_from: SinceFrom::Declared,
            visibility: p.visibility,
            entry: None,
            file: Some(p.origin.to_string()),
            target: None,
            accepted_by: None,
        });
    }
    out.extend(register_reviews(program, today));
    // Worst first: severity, then kind, then the oldest.
    out.sort_by(|a, b| {
        (a.severity, a.kind, a.since, &a.id).cmp(&(b.severity, b.kind, b.since, &b.id))
    });
    GapReport {
        version: GAPS_JSON_VERSION,
        as_of: status.as_of,
        audit_type: program.config.audit.kind,
        history: program.history.source.clone(),
        findings: out,
    }
}

/// Vendors, risks and access reviews past their review date.
fn register_reviews(program: &TrustProgram, today: Date) -> Vec<Finding> {
    let regs = &program.registers;
    let vendor = regs.vendors.iter().map(|v| {
        (
            format!("vendor {}", v.name),
            v.review.next_due(),
            None,
            v.visibility,
            v.origin.to_string(),
        )
    });
    let risk = regs.risks.iter().map(|r| {
        (
            format!("risk {}", r.id),
            r.review.next_due(),
            Some(r.owner.clone()),
            Visibility::Private,
            r.origin.to_string(),
        )
    });
    let access = regs.access_reviews.iter().map(|a| {
        (
            format!("access review {}", a.id),
            Some(a.next_due()),
            Some(a.reviewer.clone()),
            Visibility::Private,
            a.origin.to_string(),
        )
    });
    vendor
        .chain(risk)
        .chain(access)
        .filter_map(|(subject, due, owner, visibility, file)| {
            Some((subject, due?, owner, visibility, file))
        })
        .filter(|(_, due, ..)| *due < today)
        .map(|(subject, due, owner, visibility, file)| Finding {
            id: format!("register-review:{subject}"),
            kind: FindingKind::RegisterReview,
            severity: Severity::Minor,
            title: format!("{subject} was due for review {due}"),
            subject,
            control: None,
            owner,
            since: due,
            since_from: SinceFrom::Declared,
            visibility,
            entry: None,
            file: Some(file),
            target: None,
            accepted_by: None,
        })
        .collect()
}

/// What an item declared with `setup:` waits for.
fn item_setup<'p>(program: &'p TrustProgram, control: &str, item: &str) -> Option<&'p str> {
    let c = program.controls.iter().find(|c| c.id == control)?;
    c.evidence.iter().find(|i| i.id == item)?.setup.as_deref()
}

fn most_private(a: Visibility, b: Visibility) -> Visibility {
    if a == Visibility::Private || b == Visibility::Private {
        Visibility::Private
    } else {
        Visibility::Public
    }
}
