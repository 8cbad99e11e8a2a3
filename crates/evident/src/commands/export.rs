//! `evident export worksheet`: the control matrix an auditor works from, as one
//! XLSX workbook or a folder of CSV files (one per sheet).

use super::judge::Loaded;
use crate::cli::{ExportCommand, OscalModel, SheetFormat};
use crate::failure::{Failure, VerbResult};
use evident_audit::worksheet::worksheet;
use std::path::Path;

pub fn run(repo: &Path, command: ExportCommand) -> VerbResult {
    match command {
        ExportCommand::Oscal { model, out, window } => {
            let out = out.unwrap_or_else(|| {
                repo.join(format!(
                    "audit/oscal/{}.json",
                    match model {
                        OscalModel::Ssp => "ssp",
                        OscalModel::Profile => "profile",
                        OscalModel::Catalog => "catalog",
                        OscalModel::AssessmentResults => "assessment-results",
                        OscalModel::Poam => "poam",
                    }
                ))
            });
            write_oscal(repo, model, &out, window.as_deref())?;
            say!("wrote OSCAL: {}", out.display());
            Ok(())
        }
        ExportCommand::Bundle { out, seed, window } => {
            let out = out.unwrap_or_else(|| repo.join("audit/evidence-bundle.zip"));
            super::bundle::write(repo, &out, seed, window.as_deref())
        }
        ExportCommand::Worksheet {
            format,
            out,
            seed,
            window,
        } => {
            let out = out.unwrap_or_else(|| {
                repo.join(match format {
                    SheetFormat::Xlsx => "audit/worksheet.xlsx",
                    SheetFormat::Csv => "audit/worksheet",
                })
            });
            write_worksheet(repo, format, &out, seed, window.as_deref())?;
            say!("wrote the worksheet: {}", out.display());
            Ok(())
        }
    }
}

pub fn write_worksheet(
    repo: &Path,
    format: SheetFormat,
    out: &Path,
    seed: u64,
    window: Option<&str>,
) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let scope = loaded.optional_scope(window, seed)?;
    let tables = worksheet(&loaded.judge(super::instant(), scope));
    let failed = |e: &dyn std::fmt::Display| Failure::unmet(format!("{}: {e}", out.display()));
    match format {
        SheetFormat::Xlsx => {
            let bytes = evident_audit::xlsx::to_xlsx(&tables).map_err(|e| failed(&e))?;
            evident_fsio::replace(out, &bytes).map_err(|e| failed(&e))
        }
        SheetFormat::Csv => {
            let files: Vec<(String, Vec<u8>)> = tables
                .iter()
                .map(|t| {
                    let bytes = evident_audit::csv_out::to_csv(t)?;
                    Ok((
                        format!("{}.csv", t.name.to_lowercase().replace(' ', "-")),
                        bytes,
                    ))
                })
                .collect::<Result<_, evident_audit::AuditError>>()
                .map_err(|e| failed(&e))?;
            evident_fsio::replace_dir(out, files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
                .map_err(|e| failed(&e))
        }
    }
}

/// Writes one OSCAL document.
pub fn write_oscal(repo: &Path, model: OscalModel, out: &Path, window: Option<&str>) -> VerbResult {
    use evident_audit::oscal;
    let written = |text: &[u8]| {
        evident_fsio::replace(out, text)
            .map_err(|e| Failure::unmet(format!("{}: {e}", out.display())))
    };
    if model == OscalModel::Catalog {
        return written(evident_core::catalog::tsc_oscal_json().as_bytes());
    }
    let loaded = Loaded::read(repo)?;
    let scope = loaded.optional_scope(window, 1)?;
    let judgement = loaded.judge(super::instant(), scope);
    let doc = match model {
        OscalModel::Ssp => oscal::ssp(&judgement),
        OscalModel::Profile | OscalModel::Catalog => oscal::profile(&judgement),
        OscalModel::AssessmentResults => oscal::assessment_results(&judgement),
        OscalModel::Poam => oscal::poam(&judgement),
    };
    let mut text = serde_json::to_vec_pretty(&doc).map_err(|e| Failure::unmet(e.to_string()))?;
    text.push(b'\n');
    written(&text)
}
