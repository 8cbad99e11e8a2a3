//! `evident period`: Type II period testing over the observation window.

use super::judge::Loaded;
use crate::cli::Report;
use crate::failure::VerbResult;
use crate::output::{print_json, table};
use evident_core::judgement::Scope;
use evident_core::period::PeriodReport;
use std::path::Path;

pub fn run(repo: &Path, window: Option<&str>, report: &Report) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let scope = Scope {
        window: loaded.window(window)?,
        seed: 1,
    };
    let judgement = loaded.judge(super::as_of_instant(report)?, Some(scope));
    let Some(audit) = &judgement.audit else {
        unreachable!("judged over a window")
    };
    if report.json {
        print_json(&audit.periods);
    } else {
        print_human(&audit.periods);
    }
    Ok(())
}

fn print_human(r: &PeriodReport) {
    say!(
        "Observation window {}..{}, as of {}\n",
        r.window.from,
        r.window.to,
        r.as_of
    );
    let mut t = table([
        "Control",
        "Frequency",
        "Expected",
        "Passed",
        "Pending",
        "Exceptions",
    ]);
    for c in &r.controls {
        let frequency = c.frequency.as_str().to_string();
        let (expected, passed, pending) = match c.frequency {
            evident_core::model::Frequency::Continuous => ("—".into(), "—".into(), "—".into()),
            evident_core::model::Frequency::PerEvent => match &c.population {
                Some(p) => (
                    format!("{} event(s), whole population tested", p.events),
                    (p.events - p.exceptions.len()).to_string(),
                    "—".into(),
                ),
                None => (format!("{} event(s)", c.events), "—".into(), "—".into()),
            },
            _ => (
                c.expected.to_string(),
                c.passed.to_string(),
                c.pending.to_string(),
            ),
        };
        t.add_row([
            c.control.clone(),
            frequency,
            expected,
            passed,
            pending,
            c.exception_count().to_string(),
        ]);
    }
    say!("{t}\n");
    let mut any = false;
    for c in r.controls.iter().filter(|c| c.exception_count() > 0) {
        any = true;
        say!("{}:", c.control);
        for p in &c.exceptions {
            let entries: Vec<String> = p.entries.iter().map(u64::to_string).collect();
            let detail = if entries.is_empty() {
                "no evidence".to_string()
            } else {
                format!("entries {}", entries.join(", "))
            };
            say!(
                "  {} ({}..{}): {} — {detail}",
                p.period.label,
                p.period.from,
                p.period.to,
                p.result.as_str()
            );
        }
        if let Some(p) = &c.population {
            say!(
                "  {} of {} events are exceptions (population check {}, entry {}): {}",
                p.exceptions.len(),
                p.events,
                p.item,
                p.entry,
                p.exceptions.join(", ")
            );
        }
        for l in &c.lapses {
            say!(
                "  {}: no fresh passing evidence from {} to {}",
                l.item,
                l.from,
                l.to
            );
        }
    }
    if !any {
        say!("No exceptions in the window.");
    }
    print_proof(r);
}

/// Whether each period's evidence was witnessed in time (docs/ledger.md).
fn print_proof(r: &PeriodReport) {
    if !r.witnessed {
        say!(
            "\nNo checkpoint is witnessed: every time above is the company's own word. List witnesses under [[witness]] in evident.toml (docs/ledger.md)."
        );
        return;
    }
    let flagged: Vec<_> = r.unproven().collect();
    if flagged.is_empty() {
        say!(
            "\nEvery period's evidence was witnessed within {}d of the period's end.",
            r.proof_grace.whole_days()
        );
        return;
    }
    say!(
        "\nEvidence not proven in time (witnessed more than {}d after its period ended, or not yet):",
        r.proof_grace.whole_days()
    );
    for (c, p) in flagged {
        let proof = p.proof.as_ref().expect("flagged periods have a proof");
        let when = match (&proof.proven_at, &proof.proven_by) {
            (Some(at), Some(by)) => format!("last entry witnessed {at} by {by}"),
            _ => "not all entries witnessed yet".into(),
        };
        say!(
            "  {} {}: {} — {when} (deadline {})",
            c.control,
            p.period.label,
            proof.state.as_str(),
            proof.deadline
        );
    }
}
