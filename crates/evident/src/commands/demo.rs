//! `evident demo`: a sample company's program, end to end, in one command.

use super::ledger_access::{self, store_failure, with_ledger};
use crate::failure::{Failure, Outcome};
use evident_core::catalog::Catalog;
use evident_core::coverage::coverage;
use evident_core::model::{EvidenceSource, TrustProgram};
use evident_ledger::entry::{Entry, EntryKind, Outcome as Result_};
use evident_store::Evidence;
use std::path::Path;

pub const DEMO_ORG: &str = "Lumen Analytics";

pub fn run(dir: &Path) -> Outcome {
    println!(
        "evident demo: building {DEMO_ORG}'s SOC 2 program in {}\n",
        dir.display()
    );

    println!("1. scaffold the trust repo (controls, policies, registers)");
    let done = super::init::create(dir, DEMO_ORG)?;
    super::init::report(dir, &done);

    println!("\n2. lint it");
    let today = super::today();
    let catalog = Catalog::tsc();
    let loaded = evident_repo::lint::lint(dir, &catalog, today);
    let Some(program) = loaded
        .program
        .as_ref()
        .filter(|_| !loaded.diagnostics.has_errors())
    else {
        for d in loaded.diagnostics.sorted() {
            eprintln!("{d}");
        }
        return Err(Failure::input(format!(
            "the demo repo in {} does not lint; remove it and run again",
            dir.display()
        )));
    };
    // No errors past this point, so every diagnostic is a warning.
    let warnings = loaded.diagnostics.0.len();
    println!(
        "   {} controls, {} policies, {} vendors, {} risks: 0 errors, {warnings} warning(s)",
        program.controls.len(),
        program.policies.len(),
        program.registers.vendors.len(),
        program.registers.risks.len()
    );

    println!("\n3. criteria coverage");
    let status = coverage(program, &catalog, today);
    for c in status.categories.iter().filter(|c| c.in_scope) {
        println!(
            "   {:<16} {}/{} criteria covered",
            c.title, c.covered, c.criteria
        );
    }

    println!("\n4. record the evidence files in the ledger, and sign a checkpoint");
    let (recorded, checkpoint) = record_file_evidence(dir, program)?;
    println!("   {recorded} evidence file(s) recorded; checkpoint:");
    for line in checkpoint.to_text().lines() {
        println!("   | {line}");
    }

    let shown = dir.display();
    // Name the binary as it was run, so the lines below work when pasted (it may not be on PATH).
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "evident".into());
    println!("\nWhere to look:");
    println!("  {shown}/evident.toml          the organisation, audit scope and SLAs");
    println!("  {shown}/controls/             one Markdown page per control");
    println!("  {shown}/policies/             the policies");
    println!("  {shown}/registers/            vendors, risks, incidents, access reviews");
    for (verb, what) in [
        ("status", "controls and criteria"),
        ("lint", "every problem, with file:line"),
        ("evidence list", "what the ledger holds"),
        ("ledger verify", "recheck every entry, blob and signature"),
    ] {
        println!("  {exe} -C {shown} {verb:<14} {what}");
    }
    Ok(())
}

/// Records every file-backed evidence item of the demo program as one batch,
/// then signs a checkpoint. Automated checks come with `evident check`.
fn record_file_evidence(
    dir: &Path,
    program: &TrustProgram,
) -> Result<(usize, evident_ledger::checkpoint::Checkpoint), Failure> {
    let today = super::today();
    let now = super::now();
    let mut evidence = Vec::new();
    for control in &program.controls {
        for item in &control.evidence {
            let EvidenceSource::File { path } = &item.source else {
                continue;
            };
            let content = std::fs::read(dir.join(path))
                .map_err(|e| Failure::input(format!("{}: {e}", dir.join(path).display())))?;
            evidence.push(Evidence {
                content,
                entry: Entry {
                    control: control.id.clone(),
                    item: item.id.clone(),
                    kind: EntryKind::File,
                    collector: "evident demo".into(),
                    collected_at: now.clone(),
                    covers_from: today,
                    covers_to: today,
                    result: Result_::Pass,
                    summary: path.clone(),
                    content_sha256: String::new(),
                },
            });
        }
    }
    let count = evidence.len();
    let key = ledger_access::signing_key(dir)?;
    let origin = ledger_access::origin(program);
    let (_, checkpoint) = with_ledger(dir, program, async |ledger| {
        ledger.record(evidence).await.map_err(store_failure)?;
        (ledger.checkpoint(&origin, &now, &key).await).map_err(store_failure)
    })?;
    Ok((count, checkpoint))
}
