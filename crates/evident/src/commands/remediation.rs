//! `evident remediation`: every finding as a remediation item with its SLA, state
//! (from remediation.toml) and escalation. Exit 1 when a recorded state cannot
//! stand (verified without a ledger entry that shows the fix).

use super::judge::Loaded;
use crate::cli::Report;
use crate::failure::{Failure, VerbResult};
use crate::output::{print_json, table, terminal};
use evident_core::remediation::RemediationReport;
use std::path::Path;

pub fn run(repo: &Path, report: &Report) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let judgement = loaded.judge(super::as_of_instant(report)?, None);
    let plan = &judgement.remediation;
    if report.json {
        print_json(plan);
    } else {
        print_human(plan);
    }
    let problems: Vec<String> = plan
        .problems()
        .map(|(id, why)| format!("{id}: {why}"))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::unmet(format!(
            "{} recorded state(s) in remediation.toml cannot stand:\n  {}",
            problems.len(),
            problems.join("\n  ")
        )))
    }
}

fn print_human(r: &RemediationReport) {
    say!(
        "Remediation as of {} (SLA: critical {}d, major {}d, minor {}d)\n",
        r.as_of,
        r.sla.critical,
        r.sla.major,
        r.sla.minor
    );
    let mut t = table([
        "Item",
        "Severity",
        "State",
        "Owner",
        "Opened",
        "Due",
        "Overdue",
        "Escalate to",
    ]);
    for i in &r.items {
        t.add_row([
            i.finding.id.clone(),
            i.finding.severity.as_str().to_string(),
            i.state.as_str().to_string(),
            i.finding.owner.clone().unwrap_or_else(|| "—".into()),
            i.opened.to_string(),
            match &i.exception {
                Some(x) => match &x.accepted_by {
                    Some(who) => format!(
                        "{} (target past SLA {}, accepted by {who})",
                        i.due, x.sla_due
                    ),
                    None => format!(
                        "{} (target {} past SLA: needs accepted_by)",
                        i.due, x.target
                    ),
                },
                None if i.finding.target.is_some() => format!("{} (target)", i.due),
                None => i.due.to_string(),
            },
            if i.days_overdue > 0 {
                format!("{} day(s)", i.days_overdue)
            } else {
                "—".into()
            },
            i.escalate_to.clone().unwrap_or_else(|| "—".into()),
        ]);
    }
    say!("{t}");
    let overdue = r.items.iter().filter(|i| i.days_overdue > 0).count();
    say!(
        "{} item(s), {overdue} overdue; state is kept in remediation.toml",
        r.items.len()
    );
    if !r.resolved.is_empty() {
        say!("\nRecorded, no longer found (fixed):");
        for x in &r.resolved {
            say!("  {} ({})", terminal(&x.id), x.state.as_str());
        }
    }
}
