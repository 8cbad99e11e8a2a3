//! `evident sample --seed N`: each control's population over the window and a
//! reproducible sample of it for the auditor, with the ledger entries behind each.

use super::judge::Loaded;
use crate::cli::Report;
use crate::failure::VerbResult;
use crate::output::{print_json, table};
use evident_core::judgement::Scope;
use evident_core::sample::SampleReport;
use std::path::Path;

pub fn run(repo: &Path, seed: u64, window: Option<&str>, report: &Report) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let scope = Scope {
        window: loaded.window(window)?,
        seed,
    };
    let judgement = loaded.judge(super::as_of_instant(report)?, Some(scope));
    let Some(audit) = &judgement.audit else {
        unreachable!("judged over a window")
    };
    if report.json {
        print_json(&audit.sample);
    } else {
        print_human(&audit.sample);
    }
    Ok(())
}

fn print_human(r: &SampleReport) {
    say!(
        "Sample with seed {} over {}..{}, as of {} (the same seed always draws the same sample)\n",
        r.seed,
        r.window.from,
        r.window.to,
        r.as_of
    );
    let mut t = table(["Control", "Population", "Sample", "Drawn (ledger entries)"]);
    for c in &r.controls {
        let drawn: Vec<String> = c
            .sample
            .iter()
            .map(|m| {
                let entries: Vec<String> = m.entries.iter().map(u64::to_string).collect();
                if entries.is_empty() {
                    format!("{} (none)", m.label)
                } else if m.label.starts_with("entry ") {
                    m.label.clone()
                } else {
                    format!("{} ({})", m.label, entries.join(", "))
                }
            })
            .collect();
        t.add_row([
            c.control.clone(),
            format!("{} {}", c.population, c.basis),
            if c.whole_population_tested {
                format!("{} (whole population tested)", c.size)
            } else if c.whole_population && c.size > 0 {
                format!("{} (all)", c.size)
            } else {
                c.size.to_string()
            },
            drawn.join(", "),
        ]);
    }
    say!("{t}");
}
