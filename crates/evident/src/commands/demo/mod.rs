//! `evident demo`: a sample company's program, end to end, in one command.

use super::ledger_access::{self, with_ledger};
use crate::failure::{Failure, VerbResult};
use evident_core::catalog::Catalog;
use evident_core::model::TrustProgram;
use std::path::Path;

mod app_repo;
mod exports;
mod story;
mod world;

use crate::cli::{OscalModel, SheetFormat};
use world::World;

pub const DEMO_ORG: &str = "Lumen Analytics";

pub fn run(dir: &Path) -> VerbResult {
    say!(
        "evident demo: building {DEMO_ORG}'s SOC 2 program in {}\n",
        dir.display()
    );
    make_room(dir)?;
    let today = super::today();
    say!("1. start the company's world on this machine (nothing leaves it)");
    let world = World::start(today).map_err(Failure::unmet)?;
    say!(
        "   web app {}, TLS endpoint {}:{}, backups, infrastructure code, app repository",
        world.endpoints.app,
        world.endpoints.tls_host,
        world.endpoints.tls_port
    );

    say!("\n2. scaffold the trust repo (controls, policies, registers) pointing at it");
    let categories = ["security", "availability", "confidentiality"].map(String::from);
    let done = super::init::create(
        dir,
        DEMO_ORG,
        Some(world.endpoints.clone()),
        categories.to_vec(),
    )?;
    super::init::report(dir, &done);
    world.furnish(dir).map_err(Failure::unmet)?;
    exports::write(dir, today).map_err(Failure::unmet)?;
    story::history(dir, today).map_err(Failure::unmet)?;

    say!("\n3. lint it");
    let catalog = Catalog::tsc();
    let loaded = evident_repo::lint::lint(dir, &catalog, today);
    let Some(program) = loaded
        .program
        .as_ref()
        .filter(|_| !loaded.diagnostics.has_errors())
    else {
        for d in loaded.diagnostics.sorted() {
            say_err!("{d}");
        }
        return Err(Failure::input(format!(
            "the demo repo in {} does not lint; remove it and run again",
            dir.display()
        )));
    };
    // No errors past this point, so every diagnostic is a warning.
    let warnings = loaded.diagnostics.0.len();
    say!(
        "   {} controls, {} policies, {} vendors, {} risks: 0 errors, {warnings} warning(s)",
        program.controls.len(),
        program.policies.len(),
        program.registers.vendors.len(),
        program.registers.risks.len()
    );

    say!("\n4. what the company did before evident (each dated in its own files)");
    let approved = program
        .policies
        .iter()
        .filter(|p| p.approval.is_some())
        .count();
    say!(
        "   {approved} of {} policies approved, {} still a draft; {} access review(s), {} vendor(s) in the registers",
        program.policies.len(),
        program.policies.len() - approved,
        program.registers.access_reviews.len(),
        program.registers.vendors.len()
    );

    say!("\n5. run every check against the company's servers, files and repository");
    expected_failures(super::check::run(dir, None, 16, false, &[]))?;

    say!("\n6. a deploy drops the HSTS header from the login page; check AUTH again");
    world.drop_hsts();
    expected_failures(super::check::run(dir, Some("AUTH"), 16, false, &[]))?;

    say!("\n7. status, derived from the evidence");
    let loaded = super::judge::Loaded::read(dir)?;
    let judgement = loaded.judge(super::instant(), None);
    let status = &judgement.status;
    for c in status.categories.iter().filter(|c| c.in_scope) {
        say!(
            "   {:<16} {:>4} ready ({}/{} criteria implemented)",
            c.title,
            evident_core::status::percent(c.readiness),
            c.implemented,
            c.criteria
        );
    }
    let mut counts = std::collections::BTreeMap::new();
    for c in &status.controls {
        *counts.entry(c.headline()).or_insert(0) += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    say!("   controls: {}", counts.join(", "));
    for c in &status.controls {
        for i in c.items.iter().filter(|i| i.regression) {
            say!("   regression: {}/{} passed before, fails now", c.id, i.id);
        }
        if c.flags.review_overdue {
            let due = c.review_due.map(|d| d.to_string()).unwrap_or_default();
            say!("   review overdue: {} was due {due}", c.id);
        }
    }
    for d in &status.discrepancies {
        say!(
            "   discrepancy: {} claims {}, the evidence shows {}",
            d.control,
            d.claimed.as_str(),
            d.derived.as_str()
        );
    }
    let (gaps, plan) = (&judgement.gaps, &judgement.remediation);
    let critical = gaps
        .findings
        .iter()
        .filter(|f| f.severity == evident_core::model::Severity::Critical)
        .count();
    say!(
        "   gaps: {} finding(s) still open, {critical} critical; remediation: {} item(s), {} overdue",
        gaps.findings.len(),
        plan.items.len(),
        plan.items.iter().filter(|i| i.days_overdue > 0).count()
    );

    say!("\n8. sign a checkpoint of the ledger");
    let checkpoint = sign_checkpoint(dir, program)?;
    for line in checkpoint.to_text().lines() {
        say!("   | {line}");
    }
    drop(world);

    say!("\n9. publish the trust portal");
    let index = super::build::write_site(dir, &dir.join("site"))?;
    say!("   {}", index.display());

    say!("\n10. write the auditor's package");
    let audit = dir.join("audit");
    super::export::write_worksheet(
        dir,
        SheetFormat::Xlsx,
        &audit.join("worksheet.xlsx"),
        1,
        None,
    )?;
    for (model, name) in [
        (OscalModel::Catalog, "catalog"),
        (OscalModel::Profile, "profile"),
        (OscalModel::Ssp, "ssp"),
        (OscalModel::AssessmentResults, "assessment-results"),
        (OscalModel::Poam, "poam"),
    ] {
        super::export::write_oscal(dir, model, &audit.join(format!("oscal/{name}.json")), None)?;
    }
    super::bundle::write(dir, &audit.join("evidence-bundle.zip"), 1, None)?;
    for f in [
        "worksheet.xlsx",
        "evidence-bundle.zip",
        "oscal/ssp.json",
        "oscal/profile.json",
        "oscal/catalog.json",
        "oscal/assessment-results.json",
        "oscal/poam.json",
    ] {
        say!("   {}", audit.join(f).display());
    }

    say!("\n11. an owner for the team server (`evident serve`)");
    let password = evident_server::secrets::random_text(15);
    let owner = super::accounts::add_account(
        dir,
        DEMO_OWNER,
        evident_server::roles::Role::Owner,
        Some(&password),
    )?;

    let shown = dir.display();
    // Name the binary as it was run, so the lines below work when pasted (it may not be on PATH).
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "evident".into());
    say!("\nWhere to look:");
    say!("  {shown}/evident.toml          the organisation, audit scope and SLAs");
    say!("  {shown}/controls/             one Markdown page per control");
    say!("  {shown}/policies/             the policies");
    say!("  {shown}/registers/            vendors, risks, incidents, access reviews");
    for (verb, what) in [
        ("status", "derived status, regressions, discrepancies"),
        ("gaps", "everything still missing, worst first"),
        ("remediation", "owners, SLA due dates, escalation"),
        ("lint", "every problem, with file:line"),
        ("evidence list", "what the ledger holds"),
        ("ledger verify", "recheck every entry, blob and signature"),
    ] {
        say!("  {exe} -C {shown} {verb:<14} {what}");
    }
    say!(
        "  (the demo's servers stopped with it: `{exe} -C {shown} check` now shows how an outage is recorded)"
    );
    say!("\nThe team server (the portal, the dashboard, the API):");
    say!("  {exe} -C {shown} serve     then open http://127.0.0.1:8080/app/");
    say!(
        "  sign in as {DEMO_OWNER}, password {password}, with a code from this authenticator enrolment"
    );
    if let Some(uri) = &owner.totp_uri {
        say!("  {uri}");
    }
    say!(
        "  or, without an authenticator app, one of these recovery codes (each works once): {}",
        owner.recovery.join(" ")
    );
    Ok(())
}

/// The demo's owner account on the team server.
const DEMO_OWNER: &str = "owner@demo.example";

/// The demo builds into an empty or missing directory; a previous demo there
/// (known by its CA file) is replaced, anything else is left alone.
fn make_room(dir: &Path) -> VerbResult {
    let empty = |d: &Path| std::fs::read_dir(d).map_or(true, |mut e| e.next().is_none());
    if !dir.exists() || (dir.is_dir() && empty(dir)) {
        return Ok(());
    }
    if dir.join(world::CA_FILE).is_file() && dir.join("evident.toml").is_file() {
        say!("(replacing the previous demo in {})\n", dir.display());
        return std::fs::remove_dir_all(dir)
            .map_err(|e| Failure::unmet(format!("cannot remove {}: {e}", dir.display())));
    }
    Err(Failure::input(format!(
        "{} exists and is not an earlier demo; name a new directory: `evident demo DIR`",
        dir.display()
    )))
}

/// The demo expects some checks to fail: that is what it shows. Anything else
/// (bad input, a damaged ledger) still stops it.
fn expected_failures(outcome: VerbResult) -> VerbResult {
    match outcome {
        Err(f) if f.code == 1 && !f.message.starts_with("ledger") => {
            say!("   ({f})");
            Ok(())
        }
        other => other,
    }
}

fn sign_checkpoint(
    dir: &Path,
    program: &TrustProgram,
) -> Result<evident_ledger::checkpoint::Checkpoint, Failure> {
    let key = ledger_access::signing_key(dir)?;
    let (_, checkpoint) = with_ledger(dir, program, async |ledger| {
        ledger_access::sign_checkpoint(dir, ledger, program, &key).await
    })?;
    Ok(checkpoint)
}
