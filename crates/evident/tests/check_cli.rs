//! `evident check` end to end on real files and programs: results land in the
//! ledger, a pass turning into a failure is a regression, failures exit 1.

mod common;

use common::{run_in, write_fixture};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const KEYS_CONTROL: &str = r#"---
id: KEYS
title: Key storage
criteria: [CC6.1]
owner: security@example.com
frequency: continuous
nature: automated
evidence:
  - id: key-mode
    describe: Private keys are readable by their owner only
    fresh_for: 1d
    check: { kind: file, path: secrets, max_mode: "0600", non_empty: true }
  - id: tool-works
    describe: The backup tool runs
    fresh_for: 1d
    check: { kind: command, run: ["sh", "-c", "echo backup ok"], stdout_must_match: "backup ok" }
---

## Statement

Keys are stored with mode 0600.

## Implementation

A file check.
"#;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    evident_ledger::keys::create(dir.path()).unwrap();
    std::fs::write(dir.path().join("controls/keys.md"), KEYS_CONTROL).unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    let key = dir.path().join("secrets/api.key");
    std::fs::write(&key, "k").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    dir
}

fn checks(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run_in(dir, &all);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, report)
}

#[test]
fn results_are_recorded_and_a_new_failure_is_a_regression() {
    let tmp = repo();
    let dir = tmp.path();
    let (code, report) = checks(dir, &["--only", "KEYS"]);
    assert_eq!(code, 0, "{report}");
    let first = &report["checks"][0];
    assert_eq!(
        (
            first["item"].as_str(),
            first["result"].as_str(),
            first["change"].as_str()
        ),
        (Some("key-mode"), Some("pass"), Some("new"))
    );
    assert_eq!(report["checks"][1]["summary"], "`sh` exited 0");

    std::fs::set_permissions(
        dir.join("secrets/api.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let (code, report) = checks(dir, &["--only", "KEYS"]);
    assert_eq!(code, 1, "{report}");
    let first = &report["checks"][0];
    assert_eq!(first["result"], "fail");
    assert_eq!(first["change"], "regression");
    assert_eq!(first["previous"], "pass");
    assert_eq!(
        first["summary"],
        "secrets/api.key has mode 0644, more than 0600"
    );
    assert_eq!(report["checks"][1]["change"], "same");
    assert_eq!(report["regressions"], 1);

    // Every run is evidence: four check entries, the observation kept as content.
    let (_, out, _) = run_in(dir, &["evidence", "list", "--json", "--control", "KEYS"]);
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let entries = listed["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e["kind"] == "check"));
    assert_eq!(entries[2]["collector"], "check:file");
    let (code, out, _) = run_in(dir, &["ledger", "verify"]);
    assert_eq!(code, 0, "{out}");

    // The human table names the regression too.
    let (code, out, _) = run_in(dir, &["check", "--only", "KEYS/key-mode"]);
    assert_eq!(code, 1);
    assert!(out.contains("key-mode") && out.contains("same"), "{out}");
    std::fs::set_permissions(
        dir.join("secrets/api.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let (code, report) = checks(dir, &["--only", "KEYS/key-mode"]);
    assert_eq!(
        (code, report["checks"][0]["change"].as_str()),
        (0, Some("fixed"))
    );
}

#[test]
fn only_names_what_it_cannot_find() {
    let tmp = repo();
    for (only, expected) in [
        ("KEYZ", "--only: no control `KEYZ`; did you mean `KEYS`?"),
        (
            "KEYS/nope",
            "--only: control `KEYS` has no evidence item `nope`; its items are: key-mode, tool-works",
        ),
        ("BACKUP", "--only: `BACKUP` declares no check"),
    ] {
        let (code, _, err) = run_in(tmp.path(), &["check", "--only", only]);
        assert_eq!(code, 2, "{only}");
        assert!(err.contains(expected), "{only}: {err}");
    }
}

#[test]
fn fail_on_gates_a_pipeline_on_exactly_what_is_chosen() {
    let tmp = repo();
    let dir = tmp.path();
    let only = ["--only", "KEYS"];
    let run = |now: &str, extra: &[&str]| {
        let mut args = vec!["check"];
        args.extend_from_slice(&only);
        args.extend_from_slice(extra);
        common::run_at(dir, now, &args)
    };
    // All pass; AUTH and BACKUP evidence is missing, but that is not asked about.
    let (code, _, err) = run(
        "2026-11-20T10:00:00Z",
        &["--fail-on", "regression,failing,stale"],
    );
    assert_eq!(code, 0, "{err}");

    // The key becomes world-readable: a regression.
    let key = dir.join("secrets/api.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = run("2026-11-21T10:00:00Z", &["--fail-on", "stale"]);
    assert_eq!(code, 0, "only stale evidence fails this gate: {err}");
    let (code, _, err) = run("2026-11-21T10:05:00Z", &["--fail-on", "regression"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--fail-on: regression: KEYS/key-mode"),
        "{err}"
    );

    // Fixed again, then a day and a half without checks: stale, not failing.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, _, err) = run("2026-11-21T11:00:00Z", &["--fail-on", "failing"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = common::run_at(dir, "2026-11-23T00:00:00Z", &["status", "--json"]);
    assert_eq!(code, 0, "{err}");
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys = status["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "KEYS")
        .unwrap();
    assert_eq!(keys["flags"]["stale"], true, "{keys}");
    // A run of one check leaves the other stale: the stale gate names it.
    let (code, _, err) = common::run_at(
        dir,
        "2026-11-23T00:00:00Z",
        &[
            "check",
            "--only",
            "KEYS/key-mode",
            "--fail-on",
            "stale,failing",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("stale: KEYS/tool-works"), "{err}");
    assert!(!err.contains("failing:"), "{err}");

    // Overdue: the fixture's AUTH gap (critical, opened 2026-10-01) is long past its 1-day SLA.
    let (code, _, err) = run("2026-11-23T00:01:00Z", &["--fail-on", "overdue"]);
    assert_eq!(code, 1);
    assert!(err.contains("overdue: gap:AUTH/password-plain"), "{err}");

    let (code, _, err) = run("2026-11-23T00:02:00Z", &["--fail-on", "sometimes"]);
    assert_eq!(code, 2, "{err}");
}
