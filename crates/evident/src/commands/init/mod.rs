//! `evident init`: scaffold a starter program.

use crate::failure::{Failure, VerbResult};
use evident_fsio::Created;
use evident_ledger::keys;
use evident_repo::init::{Endpoints, Scaffolded, Starter, scaffold};
use std::path::Path;

mod git;

pub fn run(dir: &Path, org: &str, categories: &[String]) -> VerbResult {
    if org.trim().is_empty() {
        return Err(Failure::input(
            "--org: the organisation name must not be empty",
        ));
    }
    let categories = starter_categories(categories)?;
    let done = create(dir, org, None, categories)?;
    report(dir, &done);
    match git::start(dir) {
        Ok(git::Started::Committed) => say!(
            "made {} a git repository and committed the starter: the history dates every finding (docs/status.md)",
            dir.display()
        ),
        Ok(git::Started::AlreadyInGit) => say!(
            "{} is inside a git repository: commit the new files to date the program from today",
            dir.display()
        ),
        Err(why) => say!(
            "note: {why}; without git history, findings are dated by the ledger (docs/status.md)"
        ),
    }
    say!(
        "next: edit the files, then run `evident -C {} lint` and `evident -C {} status`",
        dir.display(),
        dir.display()
    );
    Ok(())
}

/// The categories `--categories` names, checked against the catalog, with
/// security first and always in.
fn starter_categories(names: &[String]) -> Result<Vec<String>, Failure> {
    let catalog = evident_core::catalog::Catalog::tsc();
    let mut out = vec!["security".to_string()];
    for name in names.iter().map(|n| n.trim().to_ascii_lowercase()) {
        if name.is_empty() || out.contains(&name) {
            continue;
        }
        if catalog.category(&name).is_none() {
            let ids: Vec<&str> = catalog.categories.iter().map(|c| c.id.as_str()).collect();
            return Err(Failure::input(format!(
                "--categories: `{name}` is not a category; choose from {}",
                ids.join(", ")
            )));
        }
        out.push(name);
    }
    Ok(out)
}

pub fn create(
    dir: &Path,
    org: &str,
    endpoints: Option<Endpoints>,
    categories: Vec<String>,
) -> Result<Scaffolded, Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::input(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    let starter = Starter {
        org: org.to_string(),
        today: super::today(),
        endpoints,
        categories,
    };
    let mut done = scaffold(dir, &starter).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    // The ledger's signing key is made with the program, never by hand.
    match keys::create(dir).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })? {
        Created::Written => done.written.extend([
            keys::PRIVATE_KEY_FILE.to_string(),
            keys::PUBLIC_KEY_FILE.to_string(),
        ]),
        Created::Skipped => done.skipped.push(keys::PRIVATE_KEY_FILE.to_string()),
    }
    Ok(done)
}

pub fn report(dir: &Path, done: &Scaffolded) {
    say!(
        "created {} file(s) in {}",
        done.written.len(),
        dir.display()
    );
    if !done.skipped.is_empty() {
        say!(
            "skipped {} existing file(s), left as they were:",
            done.skipped.len()
        );
        for f in &done.skipped {
            say!("  {f}");
        }
    }
    say!(
        "ledger signing key: {} (private, mode 0600, never commit it); {} is its public half: commit and publish it",
        keys::PRIVATE_KEY_FILE,
        keys::PUBLIC_KEY_FILE
    );
}
