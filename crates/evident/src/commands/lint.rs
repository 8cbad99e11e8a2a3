//! `evident lint`: every problem in the trust repo, with file:line:column and a hint.

use crate::cli::Report;
use crate::failure::{Failure, VerbResult};
use crate::output::print_json;
use evident_core::catalog::Catalog;
use evident_repo::Diagnostic;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct LintJson {
    version: u32,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(repo: &Path, report: &Report) -> VerbResult {
    let as_of = super::as_of(report)?;
    let catalog = Catalog::tsc();
    let diags = evident_repo::lint::lint(repo, &catalog, as_of).diagnostics;
    let diags = diags.sorted();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if report.json {
        print_json(&LintJson {
            version: 1,
            errors,
            warnings,
            diagnostics: diags,
        });
    } else {
        for d in &diags {
            say!("{d}");
        }
        say!("{errors} error(s), {warnings} warning(s)");
    }
    if errors > 0 {
        Err(Failure::silent(2))
    } else {
        Ok(())
    }
}
