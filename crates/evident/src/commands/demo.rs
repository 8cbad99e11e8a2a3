//! `evident demo`: a sample company's program, end to end, in one command.

use crate::failure::{Failure, Outcome};
use evident_core::catalog::Catalog;
use evident_core::coverage::coverage;
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
    println!("  {exe} -C {shown} status     controls and criteria");
    println!("  {exe} -C {shown} lint       every problem, with file:line");
    Ok(())
}
