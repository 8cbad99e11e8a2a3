//! `evident gaps`: everything still missing for the audit in scope, worst first.

use super::judge::Judged;
use crate::cli::Report;
use crate::failure::Outcome;
use crate::output::{print_json, table};
use evident_core::gaps::{GapReport, inventory};
use evident_core::model::AuditType;
use std::path::Path;

pub fn run(repo: &Path, report: &Report) -> Outcome {
    let judged = Judged::load(repo, report)?;
    let gaps = inventory(&judged.program, &judged.status());
    if report.json {
        print_json(&gaps);
    } else {
        print_human(&gaps);
    }
    Ok(())
}

fn print_human(g: &GapReport) {
    let audit = match g.audit_type {
        AuditType::Type1 => "Type I",
        AuditType::Type2 => "Type II",
    };
    if g.findings.is_empty() {
        println!("Nothing is missing for {audit} as of {}.", g.as_of);
        return;
    }
    println!(
        "What's still missing for {audit}, as of {}: {} finding(s), worst first\n",
        g.as_of,
        g.findings.len()
    );
    let mut t = table(["Kind", "Severity", "Subject", "Since", "What", "Owner"]);
    for f in &g.findings {
        t.add_row([
            f.kind.as_str(),
            f.severity.as_str(),
            &f.subject,
            &f.since.to_string(),
            &f.title,
            f.owner.as_deref().unwrap_or("—"),
        ]);
    }
    println!("{t}");
}
