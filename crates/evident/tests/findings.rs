//! Findings remember when they began: dated from the trust repo's git history
//! (commits back-dated with `GIT_COMMITTER_DATE`), or, without git, from the
//! `finding` entry `check` wrote; gap targets and their accepted exceptions.

mod common;

use common::{run_at, write_fixture};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs `git ARGS` in `dir` as if at `date` (author and committer).
fn git(dir: &Path, date: &str, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Security Lead")
        .env("GIT_AUTHOR_EMAIL", "lead@fixture.example")
        .env("GIT_COMMITTER_NAME", "Security Lead")
        .env("GIT_COMMITTER_EMAIL", "lead@fixture.example")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn commit(dir: &Path, date: &str, message: &str) {
    git(dir, date, &["add", "-A"]);
    git(dir, date, &["commit", "-q", "-m", message]);
}

fn json(dir: &Path, now: &str, args: &[&str]) -> Value {
    let (code, out, err) = run_at(dir, now, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn finding<'a>(report: &'a Value, list: &str, id: &str) -> &'a Value {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

/// The fixture's backup control, with a restore test declared and two
/// roadmap gaps: one targeted past its SLA with nobody accepting it, one
/// past its SLA and accepted.
const BACKUP_WITH_RESTORE_TEST: &str = r#"---
id: BACKUP
title: Backups
criteria: [A1.2]
owner: ops@example.com
frequency: daily
nature: automated
evidence:
  - id: nightly
    describe: Nightly backup exists
    fresh_for: 26h
  - id: restore-test
    describe: Quarterly restore test
    fresh_for: 100d
gaps:
  - id: offsite
    title: Copy backups to a second region
    severity: major
    opened: 2026-10-24
    target: 2026-12-31
  - id: encrypt
    title: Encrypt backups at rest
    severity: minor
    opened: 2026-10-24
    target: 2027-02-01
    accepted_by: CTO
---

## Statement

Data is backed up daily and restores are tested.

## Implementation

Snapshots, copied off-site; a restore is rehearsed each quarter.
"#;

/// A git trust repo: the fixture committed on 1 September, the restore test
/// declared on 24 October.
fn git_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    git(dir, "2026-09-01T10:00:00Z", &["init", "-q", "-b", "main"]);
    commit(dir, "2026-09-01T10:00:00Z", "Start the program");
    std::fs::write(dir.join("controls/backup.md"), BACKUP_WITH_RESTORE_TEST).unwrap();
    commit(dir, "2026-10-24T15:00:00Z", "Declare the restore test");
    tmp
}

#[test]
fn a_finding_dates_from_the_commit_that_declared_it_and_never_restarts() {
    let tmp = git_repo();
    let dir = tmp.path();
    for (now, overdue) in [("2026-11-23T12:00:00Z", 16), ("2026-11-24T12:00:00Z", 17)] {
        let gaps = json(dir, now, &["gaps", "--json"]);
        assert_eq!(gaps["history"]["from"], "git", "{}", gaps["history"]);
        let missing = finding(&gaps, "findings", "missing:BACKUP/restore-test");
        assert_eq!(missing["since"], "2026-10-24", "{missing}");
        assert_eq!(missing["since_from"], "git");
        // An uncovered criterion dates from the first commit that left it so.
        let uncovered = finding(&gaps, "findings", "uncovered:CC1.1");
        assert_eq!(uncovered["since"], "2026-09-01", "{uncovered}");

        let plan = json(dir, now, &["remediation", "--json"]);
        let item = finding(&plan, "items", "missing:BACKUP/restore-test");
        assert_eq!(item["opened"], "2026-10-24");
        assert_eq!(item["due"], "2026-11-07", "major: 14 days");
        assert_eq!(item["days_overdue"], overdue, "{item}");
        assert_eq!(item["escalate_to"], "CTO");
    }
    // A discrepancy dates from the later of the claim and the earliest
    // shortfall: AUTH claimed `implemented` from its first commit, when its
    // evidence items were already declared and missing.
    let gaps = json(dir, "2026-11-23T12:00:00Z", &["gaps", "--json"]);
    let d = finding(&gaps, "findings", "discrepancy:AUTH");
    assert_eq!(
        (&d["since"], &d["since_from"]),
        (&"2026-09-01".into(), &"git".into()),
        "{d}"
    );
}

#[test]
fn gap_targets_are_due_dates_and_late_ones_are_exceptions() {
    let tmp = git_repo();
    let dir = tmp.path();
    let now = "2026-11-23T12:00:00Z";
    let gaps = json(dir, now, &["gaps", "--json"]);
    let offsite = finding(&gaps, "findings", "gap:BACKUP/offsite");
    assert_eq!(offsite["target"], "2026-12-31");
    assert_eq!(offsite["accepted_by"], Value::Null);
    assert_eq!(
        finding(&gaps, "findings", "gap:BACKUP/encrypt")["accepted_by"],
        "CTO"
    );
    // Worst first: severity before kind, so the critical gap leads and the
    // minor accepted gap follows every major finding.
    let ids: Vec<&str> = gaps["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], "gap:AUTH/password-plain", "{ids:?}");
    let severities: Vec<u8> = gaps["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| match f["severity"].as_str().unwrap() {
            "critical" => 0,
            "major" => 1,
            _ => 2,
        })
        .collect();
    assert!(severities.is_sorted(), "{ids:?}");

    let plan = json(dir, now, &["remediation", "--json"]);
    // Not accepted: the SLA's date stands (opened 24 Oct + 14 days) and it
    // is overdue; the exception is shown, not hidden.
    let offsite = finding(&plan, "items", "gap:BACKUP/offsite");
    assert_eq!(offsite["due"], "2026-11-07", "{offsite}");
    assert_eq!(offsite["exception"]["target"], "2026-12-31");
    assert_eq!(offsite["exception"]["accepted_by"], Value::Null);
    assert_eq!(offsite["escalate_to"], "CTO");
    // Accepted: the target is the due date; not overdue, not escalated.
    let encrypt = finding(&plan, "items", "gap:BACKUP/encrypt");
    assert_eq!(encrypt["due"], "2027-02-01", "{encrypt}");
    assert_eq!(encrypt["exception"]["sla_due"], "2026-11-23");
    assert_eq!(encrypt["exception"]["accepted_by"], "CTO");
    assert_eq!(encrypt["days_overdue"], 0);
    assert_eq!(encrypt["escalate_to"], Value::Null);

    // lint warns about the unaccepted one, naming file, line and field.
    let (code, out, err) = run_at(dir, now, &["lint"]);
    let text = format!("{out}{err}");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("controls/backup.md:16") && text.contains("accepted_by"),
        "{text}"
    );
    assert!(!text.contains("gap `encrypt`"), "{text}");

    // The worksheet's Remediation sheet says the same.
    let folder = dir.join("sheets");
    let (code, _, err) = run_at(
        dir,
        now,
        &[
            "export",
            "worksheet",
            "--format",
            "csv",
            "--out",
            folder.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let mut r = csv::Reader::from_path(folder.join("remediation.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let row = |id: &str| rows.iter().find(|r| &r[0] == id).unwrap();
    assert_eq!(&row("gap:BACKUP/encrypt")[col("Due")], "2027-02-01");
    assert_eq!(
        &row("gap:BACKUP/encrypt")[col("Target exception")],
        "past the SLA (2026-11-23); accepted by CTO"
    );
    assert_eq!(
        &row("gap:BACKUP/offsite")[col("Target exception")],
        "past the SLA (2026-11-07); not accepted"
    );
}

#[test]
fn without_git_a_finding_dates_from_the_entry_check_first_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    std::fs::write(dir.join("controls/backup.md"), BACKUP_WITH_RESTORE_TEST).unwrap();
    // Before any check, nothing records it: first seen as of the judgement.
    let first = json(dir, "2026-11-20T12:00:00Z", &["gaps", "--json"]);
    assert_eq!(first["history"]["from"], "none");
    let missing = finding(&first, "findings", "missing:BACKUP/restore-test");
    assert_eq!(missing["since_from"], "first-seen");
    assert_eq!(missing["since"], "2026-11-20");

    // `check` records it (its http check fails here: exit 1 is expected).
    let (code, _, err) = run_at(dir, "2026-11-20T12:00:00Z", &["check"]);
    assert_eq!(code, 1, "{err}");
    for now in ["2026-11-21T12:00:00Z", "2026-11-30T12:00:00Z"] {
        let gaps = json(dir, now, &["gaps", "--json"]);
        let missing = finding(&gaps, "findings", "missing:BACKUP/restore-test");
        assert_eq!(missing["since"], "2026-11-20", "{missing}");
        assert_eq!(missing["since_from"], "finding-entry");
    }
    let (_, text, _) = run_at(dir, "2026-11-30T12:00:00Z", &["gaps"]);
    assert_eq!(text.matches("history cannot be read").count(), 1, "{text}");

    // Running check again writes nothing new for it; once evidence arrives,
    // the ledger records the finding gone.
    let entries = |dir: &Path| -> Vec<Value> {
        let list = json(dir, "2026-11-30T12:00:00Z", &["evidence", "list", "--json"]);
        list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "finding" && e["item"] == "missing:BACKUP/restore-test")
            .cloned()
            .collect()
    };
    run_at(dir, "2026-11-25T12:00:00Z", &["check"]);
    assert_eq!(entries(dir).len(), 1, "{:?}", entries(dir));
    common::add_evidence(dir, "2026-11-26T12:00:00Z", "BACKUP/restore-test", "pass");
    run_at(dir, "2026-11-26T12:05:00Z", &["check"]);
    let written = entries(dir);
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!(written[1]["result"], "pass");
}
