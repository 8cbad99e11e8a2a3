//! `evident status`: status derived from the ledger's evidence — per category,
//! criterion and control — with regressions and claims the evidence contradicts.

use super::judge::Loaded;
use crate::cli::Report;
use crate::failure::VerbResult;
use crate::output::{print_json, table, terminal};
use evident_core::model::AuditType;
use evident_core::record::Retraction;
use evident_core::status::{StatusDocument, StatusReport, percent, symbol};
use std::path::Path;

pub fn run(repo: &Path, report: &Report) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let judgement = loaded.judge(super::as_of_instant(report)?, None);
    if report.json {
        print_json(&StatusDocument {
            status: &judgement.status,
            retractions: judgement.retractions,
        });
    } else {
        print_human(&judgement.status);
        print_withdrawn(&judgement.status, judgement.retractions);
    }
    Ok(())
}

/// What judging left out, and why: hand uploads a check overrides, and
/// entries withdrawn by later ones.
fn print_withdrawn(s: &StatusReport, retractions: &[Retraction]) {
    let set_aside: Vec<String> = s
        .controls
        .iter()
        .flat_map(|c| c.items.iter().map(move |i| (c, i)))
        .filter_map(|(c, i)| {
            let hand = i.set_aside.as_ref()?;
            Some(format!(
                "  {}/{}: {} by its check; hand upload entry {} ({} {}: {}) does not decide it",
                c.id,
                i.id,
                i.state.as_str(),
                hand.entry,
                hand.result.as_str(),
                hand.collected,
                terminal(&hand.summary)
            ))
        })
        .collect();
    if !set_aside.is_empty() {
        say!("\nHand uploads set aside (an automated check decides these items)");
        for line in &set_aside {
            say!("{line}");
        }
    }
    if !retractions.is_empty() {
        say!("\nRetracted entries (left out of every judgement)");
        for r in retractions {
            say!(
                "  entry {} ({}/{}) withdrawn by entry {} at {}: {}",
                r.retracts,
                r.control,
                r.item,
                r.entry,
                r.at,
                terminal(&r.reason)
            );
        }
    }
}

fn print_human(s: &StatusReport) {
    let audit = match s.audit_type {
        AuditType::Type1 => "SOC 2 Type I",
        AuditType::Type2 => "SOC 2 Type II",
    };
    say!(
        "{} — {audit}, as of {}: {} ready\n",
        s.org,
        s.as_of,
        percent(s.readiness)
    );

    let mut cats = table([
        "Category",
        "In scope",
        "Readiness",
        "Implemented",
        "Uncovered",
    ]);
    for c in &s.categories {
        cats.add_row([
            c.title.clone(),
            if c.in_scope { "yes" } else { "no" }.to_string(),
            percent(c.readiness),
            format!("{}/{}", c.implemented, c.criteria),
            c.uncovered.join(", "),
        ]);
    }
    say!("{cats}\n");

    let mut crit = table(["Criterion", "Title", "Implemented by", "Status"]);
    for c in s.criteria.iter().filter(|c| c.in_scope) {
        let status = format!("{} {}", symbol(c.headline()), c.headline());
        let by = match &c.not_applicable {
            Some(reason) => format!("not applicable: {reason}"),
            None => c.controls.join(", "),
        };
        crit.add_row([&c.id, &c.title, &by, &status]);
    }
    say!("Criteria in scope\n{crit}\n");

    let mut ctl = table([
        "Control",
        "Status",
        "Claimed",
        "Evidence",
        "Open gaps",
        "Review due",
    ]);
    for c in &s.controls {
        ctl.add_row([
            c.id.clone(),
            format!("{} {}", symbol(c.headline()), c.headline()),
            c.claimed.map_or("—", |x| x.as_str()).to_string(),
            c.evidence_summary(),
            c.open_gaps
                .iter()
                .map(|g| format!("{} ({})", g.id, g.severity.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            match (c.review_due, c.flags.review_overdue) {
                (Some(d), true) => format!("{d} OVERDUE"),
                (Some(d), false) => d.to_string(),
                (None, _) => "—".to_string(),
            },
        ]);
    }
    say!("Controls\n{ctl}\n");

    let regressions: Vec<String> = s
        .controls
        .iter()
        .flat_map(|c| c.items.iter().map(move |i| (c, i)))
        .filter(|(_, i)| i.regression)
        .map(|(c, i)| {
            let (pass, now) = (i.last_pass.as_ref(), i.latest.as_ref());
            format!(
                "  {}/{}: passed in entry {} ({}), {} since entry {} ({}): {}",
                c.id,
                i.id,
                pass.map_or(0, |e| e.entry),
                pass.map_or(String::new(), |e| e.collected.to_string()),
                now.map_or("", |e| e.result.as_str()),
                now.map_or(0, |e| e.entry),
                now.map_or(String::new(), |e| e.collected.to_string()),
                now.map_or(String::new(), |e| terminal(&e.summary)),
            )
        })
        .collect();
    if !regressions.is_empty() {
        say!("Regressions (passed before, failing now)");
        for line in &regressions {
            say!("{line}");
        }
        say!();
    }

    if !s.discrepancies.is_empty() {
        say!("Discrepancies (claimed better than the evidence shows)");
        for d in &s.discrepancies {
            say!(
                "  {}: claims {}, evidence shows {}",
                d.control,
                d.claimed.as_str(),
                d.derived.as_str()
            );
            for x in &d.contradicting {
                match &x.latest {
                    Some(e) => say!(
                        "    {} {}: entry {} ({}) {}: {}",
                        x.item,
                        x.state.as_str(),
                        e.entry,
                        e.collected,
                        e.result.as_str(),
                        terminal(&e.summary)
                    ),
                    None => say!("    {} {}: no evidence recorded", x.item, x.state.as_str()),
                }
            }
            if !d.open_gaps.is_empty() {
                say!("    open gaps: {}", d.open_gaps.join(", "));
            }
        }
        say!();
    }
    let uncovered: Vec<&str> = s
        .criteria
        .iter()
        .filter(|c| c.in_scope && c.controls.is_empty())
        .map(|c| c.id.as_str())
        .collect();
    if uncovered.is_empty() {
        say!("Every in-scope criterion is covered by at least one control.");
    } else {
        say!(
            "{} in-scope criteria have no control: {}",
            uncovered.len(),
            uncovered.join(", ")
        );
    }
}
