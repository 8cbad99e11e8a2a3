//! `evident export worksheet`: the control matrix an auditor works from, as one
//! XLSX workbook or a folder of CSV files (one per sheet).

use super::judge::Judged;
use crate::cli::{ExportCommand, OscalModel, SheetFormat};
use crate::failure::{Failure, Outcome};
use evident_audit::worksheet::{Sources, worksheet};
use evident_core::gaps::inventory;
use evident_core::period::test_window;
use evident_core::remediation::plan;
use evident_core::sample::draw;
use std::path::Path;

pub fn run(repo: &Path, command: ExportCommand) -> Outcome {
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
            println!("wrote OSCAL: {}", out.display());
            Ok(())
        }
        ExportCommand::Bundle { out, seed, window } => {
            let out = out.unwrap_or_else(|| repo.join("audit/evidence-bundle.zip"));
            write_bundle(repo, &out, seed, window.as_deref())
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
    with_sources(judged, seed, window, |sources, _| worksheet(sources))
}

/// Judges the program once and hands the judgement (and the window, if any) to `f`.
fn with_sources<T>(
    judged: &Judged,
    seed: u64,
    window: Option<&str>,
    f: impl FnOnce(&Sources<'_>, Option<evident_core::model::Window>) -> T,
) -> Result<T, Failure> {
    let status = judged.status();
    let gaps = inventory(&judged.program, &status);
    let remediation = plan(&judged.program, &gaps, &judged.entries);
    // Type I has no window: its Samples and Populations sheets stay empty.
    let window = judged.optional_window(window)?;
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
    Ok(f(
        &Sources {
            program: &judged.program,
            status: &status,
            remediation: &remediation,
            period: period.as_ref(),
            sample: sample.as_ref(),
        },
        window,
    ))
}

/// Writes the evidence bundle, its worksheet judged as the bundle's checkpoint is signed.
pub fn write_bundle(repo: &Path, out: &Path, seed: u64, window: Option<&str>) -> Outcome {
    super::bundle::write(repo, out, seed, window, |judged, s, w| {
        let tables = tables(judged, s, w)?;
        evident_audit::xlsx::to_xlsx(&tables).map_err(Failure::unmet)
    })
}

/// Writes one OSCAL document.
pub fn write_oscal(repo: &Path, model: OscalModel, out: &Path, window: Option<&str>) -> Outcome {
    use evident_audit::oscal;
    let judged = Judged::load_at(repo, super::instant())?;
    if model == OscalModel::Catalog {
        return evident_fsio::replace(out, evident_core::catalog::tsc_oscal_json().as_bytes())
            .map_err(|e| Failure::unmet(format!("{}: {e}", out.display())));
    }
    let doc = with_sources(&judged, 1, window, |s, w| match model {
        OscalModel::Ssp => oscal::ssp(s),
        OscalModel::Profile | OscalModel::Catalog => oscal::profile(s),
        OscalModel::AssessmentResults => oscal::assessment_results(s, w),
        OscalModel::Poam => oscal::poam(s),
    })?;
    let mut text = serde_json::to_vec_pretty(&doc).map_err(|e| Failure::unmet(e.to_string()))?;
    text.push(b'\n');
    evident_fsio::replace(out, &text).map_err(|e| Failure::unmet(format!("{}: {e}", out.display())))
}
