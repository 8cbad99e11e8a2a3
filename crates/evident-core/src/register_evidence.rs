//! Registers are evidence: an evidence item that names a register
//! (`register: access-reviews`, optionally with a `filter`) is satisfied by
//! the register's entries, each dated by the fact it records (a review's
//! date, a vendor's last review, an incident's post-mortem, a policy's
//! approval). `check` records each entry in the ledger when it is new or
//! changed; judging counts only the recorded entries the register still holds
//! ([`live_keys`]), so removing an entry makes the item missing again.

use crate::model::{EvidenceSource, RegisterName, TrustProgram};
use crate::time::Date;
use serde::Serialize;
use std::collections::HashSet;

/// One register entry as evidence for an item.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterFact {
    /// `access-reviews:AR-1@2026-09-01`: which entry, as of which date. The
    /// ledger entry's summary starts with it; a changed date is a new fact.
    pub key: String,
    pub date: Date,
    pub summary: String,
    /// The entry itself, as the ledger stores it.
    pub content: serde_json::Value,
}

/// The entries of `register` that pass `filter` (field = value, all of
/// them), each with the date it evidences; entries without such a date (a
/// draft policy, an incident without a post-mortem) are no evidence.
pub fn facts(
    program: &TrustProgram,
    register: RegisterName,
    filter: &[(String, String)],
) -> Vec<RegisterFact> {
    let regs = &program.registers;
    let rows: Vec<(String, Option<Date>, String, serde_json::Value)> = match register {
        RegisterName::AccessReviews => regs
            .access_reviews
            .iter()
            .map(|a| {
                let what = format!(
                    "access review of {} ({:?}) by {}",
                    a.system, a.scope, a.reviewer
                );
                (a.id.clone(), Some(a.date), what, to_json(a))
            })
            .collect(),
        RegisterName::Vendors => regs
            .vendors
            .iter()
            .map(|v| {
                let what = format!("review of vendor {}", v.name);
                (v.name.clone(), v.review.last, what, to_json(v))
            })
            .collect(),
        RegisterName::Risks => regs
            .risks
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.review.last,
                    format!("review of risk {}", r.id),
                    to_json(r),
                )
            })
            .collect(),
        RegisterName::Incidents => regs
            .incidents
            .iter()
            .map(|i| {
                let done = i.resolved.filter(|_| i.postmortem.is_some());
                (
                    i.id.clone(),
                    done,
                    format!("post-mortem of incident {}", i.id),
                    to_json(i),
                )
            })
            .collect(),
        RegisterName::Policies => program
            .policies
            .iter()
            .map(|p| {
                let what = format!("approval of policy {} v{}", p.id, p.version);
                (
                    p.id.clone(),
                    p.approval.as_ref().map(|a| a.on),
                    what,
                    to_json(p),
                )
            })
            .collect(),
    };
    rows.into_iter()
        .filter(|(.., content)| matches(content, filter))
        .filter_map(|(id, date, what, content)| {
            let date = date?;
            Some(RegisterFact {
                key: format!("{}:{id}@{date}", register.as_str()),
                summary: format!("{what}, {date}"),
                date,
                content,
            })
        })
        .collect()
}

/// (control, item, key) of every register fact the program holds now: the
/// recorded register entries judging counts.
pub fn live_keys(program: &TrustProgram) -> HashSet<(String, String, String)> {
    let mut out = HashSet::new();
    for c in &program.controls {
        for i in &c.evidence {
            if let EvidenceSource::Register { register, filter } = &i.source {
                for f in facts(program, *register, filter) {
                    out.insert((c.id.clone(), i.id.clone(), f.key));
                }
            }
        }
    }
    out
}

/// The key a register entry's ledger summary starts with.
pub fn key_of(summary: &str) -> &str {
    summary.split(' ').next().unwrap_or("")
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Whether every `field = value` of the filter holds (text compared as
/// written; a list field holds when one of its values does).
fn matches(content: &serde_json::Value, filter: &[(String, String)]) -> bool {
    filter.iter().all(|(field, want)| match content.get(field) {
        Some(serde_json::Value::String(s)) => s == want,
        Some(serde_json::Value::Array(list)) => list.iter().any(|v| v.as_str() == Some(want)),
        Some(serde_json::Value::Bool(b)) => b.to_string() == *want,
        Some(serde_json::Value::Number(n)) => n.to_string() == *want,
        _ => false,
    })
}
