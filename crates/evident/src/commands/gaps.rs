//! `evident gaps`: everything still missing for the audit in scope, worst first.

use super::judge::Loaded;
use crate::cli::Report;
use crate::failure::VerbResult;
use crate::output::{print_json, table};
use evident_core::gaps::GapReport;
use evident_core::model::AuditType;
use evident_core::provenance::Source;
use std::path::Path;

pub fn run(repo: &Path, report: &Report) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let judgement = loaded.judge(super::as_of_instant(report)?, None);
    if report.json {
        print_json(&judgement.gaps);
    } else {
        print_human(&judgement.gaps);
    }
    Ok(())
}

fn print_human(g: &GapReport) {
    let audit = match g.audit_type {
        AuditType::Type1 => "Type I",
        AuditType::Type2 => "Type II",
    };
    if g.findings.is_empty() {
        say!("Nothing is missing for {audit} as of {}.", g.as_of);
        return;
    }
    say!(
        "What's still missing for {audit}, as of {}: {} finding(s), worst first\n",
        g.as_of,
        g.findings.len()
    );
    let mut t = table(["Severity", "Kind", "Subject", "Since", "What", "Owner"]);
    for f in &g.findings {
        t.add_row([
            f.severity.as_str(),
            f.kind.as_str(),
            &f.subject,
            &f.since.to_string(),
            &f.title,
            f.owner.as_deref().unwrap_or("—"),
        ]);
    }
    say!("{t}");
    if let Source::None { why } = &g.history {
        say!(
            "\nnote: the trust repo's history cannot be read ({why}): a finding is dated by the first `finding` entry `evident check` recorded for it, else today"
        );
    }
}
