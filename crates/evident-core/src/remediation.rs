//! Remediation: every finding of the gap inventory becomes an item with an owner,
//! a due date from the SLA for its severity, days overdue and, once overdue, who
//! it escalates to. The team records each item's state in `remediation.toml`
//! (open → assessed → remediating → verified → closed); `verified` and `closed`
//! stand only with a ledger entry that shows the fix: a passing entry of the same
//! control, recorded on or after the day the finding began, while the finding
//! itself is gone.

use crate::gaps::{Finding, GapReport};
use crate::model::{Outcome, RemediationRecord, RemediationState, Severity, SlaDays, TrustProgram};
use crate::record::Record;
use crate::time::{Date, Instant};
use serde::Serialize;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const REMEDIATION_JSON_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct RemediationItem {
    #[serde(flatten)]
    pub finding: Finding,
    pub state: RemediationState,
    /// The day the clock started: the recorded `opened`, else the finding's `since`.
    pub opened: Date,
    /// The target when one is set (and, past the SLA, accepted), else
    /// `opened` plus the SLA for its severity.
    pub due: Date,
    /// A target later than the SLA allows, and who accepted it.
    pub exception: Option<Exception>,
    /// Days past due as of the report (0 when not overdue).
    pub days_overdue: i64,
    /// Who hears about it, once it is overdue.
    pub escalate_to: Option<String>,
    pub note: Option<String>,
    pub verified_by: Option<u64>,
    /// Why the recorded state cannot stand, if it cannot.
    pub problem: Option<String>,
}

/// A target date past the SLA: an exception someone has to accept.
#[derive(Clone, Debug, Serialize)]
pub struct Exception {
    pub target: Date,
    /// When the SLA would have had it done.
    pub sla_due: Date,
    /// Who accepted it; `None` until someone does (then the SLA's date stands).
    pub accepted_by: Option<String>,
}

/// A recorded item whose finding evident no longer sees.
#[derive(Clone, Debug, Serialize)]
pub struct Resolved {
    pub id: String,
    pub state: RemediationState,
    pub verified_by: Option<u64>,
    pub problem: Option<String>,
    pub file: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RemediationReport {
    pub version: u32,
    pub as_of: Instant,
    pub sla: SlaDays,
    pub items: Vec<RemediationItem>,
    pub resolved: Vec<Resolved>,
}

impl RemediationReport {
    pub fn problems(&self) -> impl Iterator<Item = (&str, &str)> {
        let live = self
            .items
            .iter()
            .filter_map(|i| Some((i.finding.id.as_str(), i.problem.as_deref()?)));
        let gone = self
            .resolved
            .iter()
            .filter_map(|r| Some((r.id.as_str(), r.problem.as_deref()?)));
        live.chain(gone)
    }
}

pub fn plan(program: &TrustProgram, gaps: &GapReport, entries: &[Record]) -> RemediationReport {
    let today = gaps.as_of.date();
    let sla = program.config.sla;
    let record = |id: &str| program.remediation.iter().find(|r| r.id == id);
    let items = gaps
        .findings
        .iter()
        .map(|f| {
            let rec = record(&f.id);
            let opened = rec.and_then(|r| r.opened).unwrap_or(f.since);
            let sla_due = sla.due(opened, f.severity);
            let exception = f.target.filter(|t| *t > sla_due).map(|target| Exception {
                target,
                sla_due,
                accepted_by: f.accepted_by.clone(),
            });
            // A target is the due date when it is within the SLA or accepted
            // past it; an unaccepted one is not honoured (nor hidden: the
            // exception is listed and lint warns).
            let due = match (&exception, f.target) {
                (Some(x), _) if x.accepted_by.is_none() => sla_due,
                (_, Some(target)) => target,
                (_, None) => sla_due,
            };
            let days_overdue = due.days_until(today).max(0);
            let state = rec.map_or(RemediationState::Open, |r| r.state);
            let problem = rec.and_then(|r| {
                if r.state < RemediationState::Verified {
                    return None;
                }
                let fix = proof_problem(r, f.control.as_deref(), opened, entries, gaps.as_of);
                Some(fix.unwrap_or_else(|| {
                    format!(
                        "recorded as {} but the finding is still present as of {today}",
                        r.state.as_str()
                    )
                }))
            });
            let mut owner = f.owner.clone();
            if let Some(o) = rec.and_then(|r| r.owner.clone()) {
                owner = Some(o);
            }
            RemediationItem {
                finding: Finding { owner, ..f.clone() },
                state,
                opened,
                due,
                exception,
                days_overdue,
                escalate_to: (days_overdue > 0 && state < RemediationState::Verified)
                    .then(|| escalation(program, f.severity)),
                note: rec.and_then(|r| r.note.clone()),
                verified_by: rec.and_then(|r| r.verified_by),
                problem,
            }
        })
        .collect();
    let resolved = program
        .remediation
        .iter()
        .filter(|r| !gaps.findings.iter().any(|f| f.id == r.id))
        .map(|r| Resolved {
            id: r.id.clone(),
            state: r.state,
            verified_by: r.verified_by,
            problem: (r.state >= RemediationState::Verified)
                .then(|| proof_problem(r, control_of(&r.id), Date::MIN, entries, gaps.as_of))
                .flatten(),
            file: r.origin.to_string(),
        })
        .collect();
    RemediationReport {
        version: REMEDIATION_JSON_VERSION,
        as_of: gaps.as_of,
        sla,
        items,
        resolved,
    }
}

/// Whether `r.verified_by` names an entry that shows the fix; `None` when it does.
fn proof_problem(
    r: &RemediationRecord,
    control: Option<&str>,
    opened: Date,
    entries: &[Record],
    as_of: Instant,
) -> Option<String> {
    let n = r.verified_by?;
    let Some(e) = entries.iter().find(|e| e.seq == n && e.collected <= as_of) else {
        return Some(format!("verified_by: the ledger has no entry {n}"));
    };
    if let Some(c) = control
        && &*e.control != c
    {
        return Some(format!(
            "verified_by: entry {n} is evidence for {}, not {c}",
            e.control
        ));
    }
    if e.result != Outcome::Pass {
        return Some(format!(
            "verified_by: entry {n} is a {}, not a pass",
            e.result.as_str()
        ));
    }
    if e.collected.date() < opened {
        return Some(format!(
            "verified_by: entry {n} was recorded {}, before the finding began on {opened}",
            e.collected.date()
        ));
    }
    None
}

/// The control a finding id names (`failing:CRYPTO/tls-modern` → `CRYPTO`), if any.
fn control_of(id: &str) -> Option<&str> {
    let (kind, rest) = id.split_once(':')?;
    match kind {
        "failing" | "missing" | "stale" | "gap" | "control-review" => {
            Some(rest.split('/').next().unwrap_or(rest))
        }
        _ => None,
    }
}

fn escalation(program: &TrustProgram, severity: Severity) -> String {
    let e = &program.config.escalation;
    match severity {
        Severity::Critical => e.critical.clone(),
        Severity::Major => e.major.clone(),
        Severity::Minor => e.minor.clone(),
    }
}
