//! The importers over real tool output made here: a JUnit report from
//! `pytest --junitxml` (PyPI) with a failing test, and a SARIF log from Bandit
//! (PyPI, its SARIF formatter) over a small vulnerable file. Each refuses a
//! corrupt, an oversized, a stale and a non-regular file cleanly.

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use std::path::Path;
use std::process::Command;

fn settings(kind: CheckKind, v: serde_json::Value) -> CheckSettings {
    CheckSettings::parse(kind, &serde_json::from_value(v).unwrap()).unwrap()
}

/// The settings of `kind` reading `path`, with `extra` settings.
fn with_path(kind: CheckKind, path: &str, extra: serde_json::Value) -> CheckSettings {
    let mut v = serde_json::json!({ "path": path });
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    settings(kind, v)
}

fn cx(dir: &Path) -> Context {
    Context {
        repo: dir.to_path_buf(),
        now: std::time::SystemTime::now(),
    }
}

const TESTS: &str = r#"
import pytest

def test_adds():
    assert 1 + 1 == 2

def test_rounds():
    assert round(2.5) == 3, "banker's rounding"

@pytest.mark.skip(reason="needs a database")
def test_database():
    pass
"#;

/// Runs pytest in `d`, writing report.xml.
fn pytest(d: &Path) -> std::process::Output {
    Command::new("python3")
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--junitxml=report.xml",
        ])
        .current_dir(d)
        .output()
        .expect("pytest runs (scripts/test installs it)")
}

#[tokio::test]
async fn junit_from_pytest_counts_and_judges() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("test_sample.py"), TESTS).unwrap();
    let out = pytest(d);
    assert_eq!(out.status.code(), Some(1), "one test fails");
    let junit = |extra| with_path(CheckKind::Junit, "report.xml", extra);
    let o = run(&junit(serde_json::json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Fail, "{}", o.summary);
    assert_eq!(
        o.summary,
        "2 tests ran: 1 passed, 1 failed, 0 errored; 1 skipped (first: test_sample::test_rounds)"
    );
    assert_eq!(
        o.detail["failing"][0]["message"],
        "AssertionError: banker's rounding\nassert 2 == 3\n +  where 2 = round(2.5)"
    );

    // Fixed: passes, unless fewer tests ran than required.
    std::fs::write(d.join("test_sample.py"), TESTS.replace("== 3", "== 2")).unwrap();
    let out = pytest(d);
    assert!(out.status.success());
    let o = run(&junit(serde_json::json!({})), &cx(d)).await;
    assert_eq!(
        (o.outcome, o.summary.as_str()),
        (
            Outcome::Pass,
            "2 tests ran: 2 passed, 0 failed, 0 errored; 1 skipped"
        )
    );
    let o = run(&junit(serde_json::json!({ "min_tests": 3 })), &cx(d)).await;
    assert_eq!(o.summary, "2 tests ran, fewer than the 3 required");

    refusals(d, CheckKind::Junit, "report.xml").await;
}

const VULNERABLE: &str = r#"import subprocess
import hashlib


def run(cmd):
    return subprocess.call(cmd, shell=True)


def digest(data):
    return hashlib.md5(data).hexdigest()


def check(x):
    assert x > 0
"#;

#[tokio::test]
async fn sarif_from_bandit_fails_on_levels_and_severities_with_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("vulnerable.py"), VULNERABLE).unwrap();
    let out = Command::new("bandit")
        .args(["-q", "-f", "sarif", "-o", "bandit.sarif", "vulnerable.py"])
        .current_dir(d)
        .output()
        .expect("bandit runs (scripts/test installs bandit[sarif])");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif = |extra| with_path(CheckKind::Sarif, "bandit.sarif", extra);
    // Bandit: shell=True (B602) and MD5 (B324) are errors of high severity;
    // importing subprocess (B404) and assert (B101) are notes of low severity.
    let o = run(&sarif(serde_json::json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Fail);
    assert_eq!(
        o.summary,
        "2 findings at error (first: B602 at vulnerable.py:6)"
    );
    assert_eq!(
        o.detail["by_level"],
        serde_json::json!({ "error": 2, "note": 2 })
    );
    assert_eq!(
        o.detail["by_severity"],
        serde_json::json!({ "high": 2, "low": 2 })
    );
    let o = run(
        &sarif(serde_json::json!({ "fail_on": ["critical"] })),
        &cx(d),
    )
    .await;
    assert_eq!(
        (o.outcome, o.summary.as_str()),
        (
            Outcome::Pass,
            "4 findings (2 error, 2 note); none at critical"
        )
    );
    let o = run(&sarif(serde_json::json!({ "fail_on": ["low"] })), &cx(d)).await;
    assert_eq!(
        o.summary,
        "2 findings at low (first: B404 at vulnerable.py:1)"
    );

    // Accepted until a day to come: passes, and says so; an expired acceptance fails.
    let accept = |until: &str| {
        serde_json::json!({ "baseline": [
            { "fingerprint": "B602@vulnerable.py:6", "accepted_by": "CTO", "until": until, "reason": "admin tool" },
            { "fingerprint": "B324@vulnerable.py:10", "accepted_by": "CTO", "until": "2099-01-01" },
        ]})
    };
    let o = run(&sarif(accept("2099-01-01")), &cx(d)).await;
    assert_eq!(
        (o.outcome, o.summary.as_str()),
        (
            Outcome::Pass,
            "4 findings (2 error, 2 note); none at error beyond 2 accepted"
        )
    );
    assert_eq!(o.detail["accepted"][0]["accepted_by"], "CTO");
    let o = run(&sarif(accept("2020-01-01")), &cx(d)).await;
    assert_eq!(
        o.summary,
        "1 findings at error (first: B602 at vulnerable.py:6)"
    );
    assert_eq!(
        o.detail["failing_named"][0]["acceptance_expired"],
        "2020-01-01"
    );

    refusals(d, CheckKind::Sarif, "bandit.sarif").await;
}

/// A corrupt, an oversized, a stale and a non-regular report are errors that
/// name the file (and, when it does not parse, the position).
async fn refusals(d: &Path, kind: CheckKind, good: &str) {
    let check = |path: &str, extra| with_path(kind, path, extra);
    let text = std::fs::read_to_string(d.join(good)).unwrap();
    std::fs::write(d.join("cut.report"), &text[..text.len() / 2]).unwrap();
    let o = run(&check("cut.report", serde_json::json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.summary.starts_with("cut.report:"), "{}", o.summary);
    assert!(
        o.summary.contains(":") && o.summary.contains("not "),
        "{}",
        o.summary
    );

    let big = std::fs::File::create(d.join("big.report")).unwrap();
    big.set_len(65 << 20).unwrap();
    let o = run(&check("big.report", serde_json::json!({})), &cx(d)).await;
    assert_eq!(
        o.summary,
        format!(
            "big.report: {} bytes, more than the 64 MiB a report may hold",
            65u64 << 20
        )
    );

    let old = Command::new("touch")
        .args(["-d", "2026-01-01", good])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(old.success());
    let o = run(&check(good, serde_json::json!({ "max_age": "1d" })), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.summary.contains("older than 1d"), "{}", o.summary);

    let fifo = Command::new("mkfifo")
        .arg(d.join("pipe.report"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let o = run(&check("pipe.report", serde_json::json!({})), &cx(d)).await;
    assert_eq!(o.summary, "pipe.report: it is a FIFO, not a regular file");
}
