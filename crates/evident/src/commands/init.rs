//! `evident init`: scaffold a starter program.

use crate::failure::{Failure, VerbResult};
use evident_fsio::Created;
use evident_ledger::keys;
use evident_repo::init::{Endpoints, Scaffolded, Starter, scaffold};
use std::path::Path;

pub fn run(dir: &Path, org: &str) -> VerbResult {
    if org.trim().is_empty() {
        return Err(Failure::input(
            "--org: the organisation name must not be empty",
        ));
    }
    let done = create(dir, org, None)?;
    report(dir, &done);
    println!(
        "next: edit the files, then run `evident -C {} lint` and `evident -C {} status`",
        dir.display(),
        dir.display()
    );
    Ok(())
}

pub fn create(dir: &Path, org: &str, endpoints: Option<Endpoints>) -> Result<Scaffolded, Failure> {
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
    println!(
        "created {} file(s) in {}",
        done.written.len(),
        dir.display()
    );
    if !done.skipped.is_empty() {
        println!(
            "skipped {} existing file(s), left as they were:",
            done.skipped.len()
        );
        for f in &done.skipped {
            println!("  {f}");
        }
    }
    println!(
        "ledger signing key: {} (private, mode 0600, never commit it); {} is its public half: commit and publish it",
        keys::PRIVATE_KEY_FILE,
        keys::PUBLIC_KEY_FILE
    );
}
