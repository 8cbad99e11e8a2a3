//! `evident status`: which criteria the controls cover, and what each control declares.

use crate::cli::Report;
use crate::failure::Outcome;
use crate::output::{print_json, table};
use evident_core::catalog::Catalog;
use evident_core::coverage::{CoverageReport, coverage};
use evident_core::model::AuditType;
use std::path::Path;

pub fn run(repo: &Path, report: &Report) -> Outcome {
    let as_of = super::as_of(report)?;
    let catalog = Catalog::tsc();
    let program = super::load_program(repo, &catalog)?;
    let status = coverage(&program, &catalog, as_of);
    if report.json {
        print_json(&status);
    } else {
        print_human(&status);
    }
    Ok(())
}

fn print_human(s: &CoverageReport) {
    let audit = match s.audit_type {
        AuditType::Type1 => "SOC 2 Type I",
        AuditType::Type2 => "SOC 2 Type II",
    };
    println!("{} — {audit}, as of {}\n", s.org, s.as_of);

    let mut cats = table(["Category", "In scope", "Criteria covered", "Uncovered"]);
    for c in &s.categories {
        cats.add_row([
            c.title.clone(),
            if c.in_scope { "yes" } else { "no" }.to_string(),
            format!("{}/{}", c.covered, c.criteria),
            c.uncovered.join(", "),
        ]);
    }
    println!("{cats}\n");

    let mut crit = table(["Criterion", "Title", "Implemented by", "Coverage"]);
    for c in s.criteria.iter().filter(|c| c.in_scope) {
        let mark = if c.covered {
            "✓ covered"
        } else {
            "✗ uncovered"
        };
        crit.add_row([
            c.id.as_str(),
            c.title.as_str(),
            &c.controls.join(", "),
            mark,
        ]);
    }
    println!("Criteria in scope\n{crit}\n");

    let mut ctl = table([
        "Control",
        "Title",
        "Criteria",
        "Claimed",
        "Open gaps",
        "Review due",
    ]);
    for c in &s.controls {
        let claimed = match (&c.not_applicable, c.claimed) {
            (Some(_), _) => "not-applicable".to_string(),
            (None, Some(state)) => state.as_str().to_string(),
            (None, None) => "—".to_string(),
        };
        let gaps = c
            .open_gaps
            .iter()
            .map(|g| format!("{} ({})", g.id, g.severity.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let review = match (c.review_due, c.review_overdue) {
            (Some(d), true) => format!("{d} OVERDUE"),
            (Some(d), false) => d.to_string(),
            (None, _) => "—".to_string(),
        };
        ctl.add_row([
            c.id.clone(),
            c.title.clone(),
            c.criteria.join(", "),
            claimed,
            gaps,
            review,
        ]);
    }
    println!("Controls\n{ctl}\n");

    let uncovered: Vec<&str> = s.uncovered_in_scope().map(|c| c.id.as_str()).collect();
    if uncovered.is_empty() {
        println!("Every in-scope criterion is covered by at least one control.");
    } else {
        println!(
            "{} in-scope criteria have no control: {}",
            uncovered.len(),
            uncovered.join(", ")
        );
    }
    println!("Status here is declared, not yet derived from evidence.");
}
