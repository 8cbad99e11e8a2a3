//! `evident export worksheet`: the control matrix an auditor works from, as one
//! XLSX workbook or a folder of CSV files (one per sheet).

use super::judge::Judged;
use crate::cli::{ExportCommand, SheetFormat};
use crate::failure::{Failure, Outcome};
use evident_audit::worksheet::{Sources, worksheet};
use evident_core::gaps::inventory;
use evident_core::period::test_window;
use evident_core::remediation::plan;
use evident_core::sample::draw;
use std::path::Path;

pub fn run(repo: &Path, command: ExportCommand) -> Outcome {
    match command {
        ExportCommand::Bundle { out, seed, window } => {
            let out = out.unwrap_or_else(|| repo.join("audit/evidence-bundle.zip"));
            super::bundle::write(repo, &out, seed, window.as_deref(), |judged, s, w| {
                let tables = tables(judged, s, w)?;
                evident_audit::xlsx::to_xlsx(&tables).map_err(Failure::unmet)
            })
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
            println!("wrote the worksheet: {}", out.display());
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
) -> Outcome {
    let judged = Judged::load_at(repo, super::instant())?;
    let tables = tables(&judged, seed, window)?;
    let failed = |e: String| Failure::unmet(format!("{}: {e}", out.display()));
    match format {
        SheetFormat::Xlsx => {
            let bytes = evident_audit::xlsx::to_xlsx(&tables).map_err(failed)?;
            evident_fsio::replace(out, &bytes).map_err(|e| failed(e.to_string()))
        }
        SheetFormat::Csv => {
            let files: Vec<(String, Vec<u8>)> = tables
                .iter()
                .map(|t| {
                    let bytes = evident_audit::csv_out::to_csv(t)?;
                    Ok((format!("{}.csv", t.name.to_lowercase()), bytes))
                })
                .collect::<Result<_, String>>()
                .map_err(failed)?;
            evident_fsio::replace_dir(out, files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
                .map_err(|e| failed(e.to_string()))
        }
    }
}

/// The worksheet's tables, judged now.
fn tables(
    judged: &Judged,
    seed: u64,
    window: Option<&str>,
) -> Result<Vec<evident_audit::table::Table>, Failure> {
    let status = judged.status();
    let gaps = inventory(&judged.program, &status);
    let remediation = plan(&judged.program, &gaps, &judged.entries);
    // Type I has no window: its Samples and Populations sheets stay empty.
    let window = match (window, judged.program.config.audit.window) {
        (None, None) => None,
        (flag, _) => Some(judged.window(flag)?),
    };
    let period = window.map(|w| test_window(&judged.program, &judged.entries, w, judged.as_of));
    let sample = window.map(|w| {
        draw(
            &judged.program,
            &judged.entries,
            w,
            judged.as_of,
            seed,
            &judged.program.config.sample,
        )
    });
    Ok(worksheet(&Sources {
        program: &judged.program,
        status: &status,
        remediation: &remediation,
        period: period.as_ref(),
        sample: sample.as_ref(),
    }))
}
