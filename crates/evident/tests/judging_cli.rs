//! `gaps`, `remediation`, `period` and `sample` end to end on the fixture with an
//! evidence history made at fixed moments (`EVIDENT_NOW`). Their JSON is
//! snapshot-tested: the shapes are documented in docs/json.md.

mod common;

use common::{add_evidence, find, run_at, write_fixture};
use serde_json::Value;
use std::path::Path;

const NOW: &str = "2026-11-23T12:00:00Z";

/// A week of nightly backups (one night missing, one failing) and MFA checks
/// that passed and then failed.
fn history() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    for day in 10..=16 {
        let now = format!("2026-11-{day}T02:00:00Z");
        match day {
            12 => {}
            14 => add_evidence(dir, &now, "BACKUP/nightly", "fail"),
            _ => add_evidence(dir, &now, "BACKUP/nightly", "pass"),
        }
    }
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/mfa-enforced", "pass");
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/password-policy", "pass");
    add_evidence(dir, "2026-11-22T09:00:00Z", "AUTH/mfa-enforced", "fail");
    tmp
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = run_at(dir, NOW, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn gaps_lists_everything_missing_worst_first() {
    let tmp = history();
    let gaps = json(tmp.path(), &["gaps", "--json"]);
    let ids: Vec<&str> = gaps["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    // Worst first: severity, then kind, then age. The critical regression
    // and the critical gap lead; the major uncovered criteria and the
    // discrepancy follow; the stale backup and the overdue review close.
    assert_eq!(ids[0], "failing:AUTH/mfa-enforced", "{ids:?}");
    let pos = |id: &str| {
        ids.iter()
            .position(|x| *x == id)
            .unwrap_or_else(|| panic!("{id} in {ids:?}"))
    };
    assert!(pos("gap:AUTH/password-plain") < pos("uncovered:CC1.1"));
    assert!(pos("uncovered:CC1.1") < pos("discrepancy:AUTH"));
    let d = &gaps["findings"][pos("discrepancy:AUTH")];
    assert_eq!(
        d["title"],
        "claims implemented, evidence shows partial: mfa-enforced failing (entry 8), gap password-plain open"
    );
    assert!(pos("failing:AUTH/mfa-enforced") < pos("gap:AUTH/password-plain"));
    assert!(pos("discrepancy:AUTH") < pos("stale:BACKUP/nightly"));
    assert!(pos("stale:BACKUP/nightly") < pos("control-review:AUTH"));
    let failing = &gaps["findings"][pos("failing:AUTH/mfa-enforced")];
    assert_eq!(failing["severity"], "critical", "a regression: {failing}");
    assert_eq!(failing["since"], "2026-11-22");
    insta::assert_json_snapshot!("gaps_fixture", gaps);

    // By March the policy, the vendor and the access review are past their reviews too.
    let later = json(tmp.path(), &["gaps", "--json", "--as-of", "2027-03-05"]);
    let ids: Vec<&str> = later["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let tail: Vec<&str> = ids
        .iter()
        .copied()
        .skip_while(|i| !i.starts_with("policy-review:"))
        .collect();
    assert_eq!(
        tail,
        [
            "policy-review:POL-ACCESS",
            "register-review:access review AR-1",
            "register-review:risk R-1",
            "register-review:vendor Cloud Host",
        ],
        "{ids:?}"
    );

    let (code, text, _) = run_at(tmp.path(), NOW, &["gaps"]);
    assert_eq!(code, 0);
    assert!(text.contains("What's still missing for Type I"), "{text}");
}

#[test]
fn remediation_applies_slas_escalates_and_demands_proof_of_fixes() {
    let tmp = history();
    let dir = tmp.path();
    let plan = json(dir, &["remediation", "--json"]);
    let item = |plan: &Value, id: &str| -> Value { find(&plan["items"], "id", id).clone() };
    // Critical gap opened 2026-10-01, 1-day SLA: due 10-02, 52 days overdue by 11-23.
    let gap = item(&plan, "gap:AUTH/password-plain");
    assert_eq!(
        (gap["due"].as_str(), gap["days_overdue"].as_i64()),
        (Some("2026-10-02"), Some(52))
    );
    assert_eq!(gap["escalate_to"], "executive leadership");
    assert_eq!(gap["state"], "open");
    // The regression began 11-22: critical, due 11-23, not overdue yet.
    let reg = item(&plan, "failing:AUTH/mfa-enforced");
    assert_eq!(
        (reg["due"].as_str(), reg["days_overdue"].as_i64()),
        (Some("2026-11-23"), Some(0))
    );
    assert_eq!(reg["escalate_to"], Value::Null);
    insta::assert_json_snapshot!("remediation_fixture", plan);

    // Claiming the fix without evidence of it is refused...
    let record = |body: &str| std::fs::write(dir.join("remediation.toml"), body).unwrap();
    record("[[item]]\nid = \"failing:AUTH/mfa-enforced\"\nstate = \"verified\"\n");
    let (code, _, err) = run_at(dir, NOW, &["remediation"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("remediation.toml:3:9: error: item.verified_by"),
        "{err}"
    );
    // ...and so is evidence that shows no fix: entry 8 is the failing run itself.
    record(
        "[[item]]\nid = \"failing:AUTH/mfa-enforced\"\nstate = \"verified\"\nverified_by = 8\nowner = \"alex@example.com\"\n",
    );
    let (code, _, err) = run_at(dir, NOW, &["remediation"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("failing:AUTH/mfa-enforced: verified_by: entry 8 is a fail, not a pass"),
        "{err}"
    );
    // A passing check after the failure fixes it; the record now stands, and the
    // finding is gone from the open items.
    add_evidence(dir, "2026-11-23T10:00:00Z", "AUTH/mfa-enforced", "pass");
    record("[[item]]\nid = \"failing:AUTH/mfa-enforced\"\nstate = \"verified\"\nverified_by = 9\n");
    let plan = json(dir, &["remediation", "--json"]);
    assert!(
        plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != "failing:AUTH/mfa-enforced")
    );
    assert_eq!(plan["resolved"][0]["id"], "failing:AUTH/mfa-enforced");
    assert_eq!(plan["resolved"][0]["problem"], Value::Null);
    // An owner and state recorded for a live item show up on it.
    record(
        "[[item]]\nid = \"gap:AUTH/password-plain\"\nstate = \"remediating\"\nowner = \"alex@example.com\"\n",
    );
    let plan = json(dir, &["remediation", "--json"]);
    let gap = item(&plan, "gap:AUTH/password-plain");
    assert_eq!(
        (gap["state"].as_str(), gap["owner"].as_str()),
        (Some("remediating"), Some("alex@example.com"))
    );
    record("[[item]]\nid = \"gap:AUTH/password-plain\"\nstate = \"fixed\"\n");
    let (code, _, err) = run_at(dir, NOW, &["remediation"]);
    assert_eq!(code, 2);
    assert!(err.contains("`fixed` is not a remediation state"), "{err}");
}

#[test]
fn period_reports_the_missing_and_failing_nights() {
    let tmp = history();
    let report = json(
        tmp.path(),
        &["period", "--window", "2026-11-10..2026-11-16", "--json"],
    );
    let backup = find(&report["controls"], "control", "BACKUP");
    assert_eq!(
        (backup["expected"].as_u64(), backup["passed"].as_u64()),
        (Some(7), Some(5))
    );
    let exceptions: Vec<(&str, &str)> = backup["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["label"].as_str().unwrap(), e["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        exceptions,
        [("2026-11-12", "missing"), ("2026-11-14", "failed")]
    );
    insta::assert_json_snapshot!("period_fixture", report);

    let (code, text, _) = run_at(
        tmp.path(),
        NOW,
        &["period", "--window", "2026-11-10..2026-11-16"],
    );
    assert_eq!(code, 0);
    assert!(
        text.contains("2026-11-12 (2026-11-12..2026-11-12): missing — no evidence"),
        "{text}"
    );
    // Type I has no window of its own.
    let (code, _, err) = run_at(tmp.path(), NOW, &["period"]);
    assert_eq!(code, 2);
    assert!(err.contains("no observation window"), "{err}");
}

#[test]
fn sample_is_reproducible_and_names_the_entries() {
    let tmp = history();
    let args = [
        "sample",
        "--seed",
        "42",
        "--window",
        "2026-11-10..2026-11-16",
        "--json",
    ];
    let first = json(tmp.path(), &args);
    assert_eq!(first, json(tmp.path(), &args), "same seed, same sample");
    let backup = find(&first["controls"], "control", "BACKUP");
    // Daily: 25 wanted, 7 days in the population, so all of them.
    assert_eq!(
        (backup["population"].as_u64(), backup["size"].as_u64()),
        (Some(7), Some(7))
    );
    assert_eq!(backup["whole_population"], true);
    insta::assert_json_snapshot!("sample_fixture", first);
}

#[test]
fn metrics_month_by_month_from_registers_and_entries() {
    let tmp = history();
    let dir = tmp.path();
    let registers = std::fs::read_to_string(dir.join("registers/main.toml")).unwrap();
    std::fs::write(
        dir.join("registers/main.toml"),
        format!(
            "{registers}
[[incident]]
id = \"INC-2\"
title = \"Queue backlog\"
tier = 2
opened = 2026-11-03
resolved = 2026-11-06

[[incident]]
id = \"INC-3\"
title = \"Slow search\"
tier = 4
opened = 2026-11-15

[[access_review]]
id = \"AR-2\"
scope = \"api-keys\"
system = \"Production\"
reviewer = \"cto@example.com\"
date = 2026-11-15
"
        ),
    )
    .unwrap();
    let m = json(
        dir,
        &["metrics", "--json", "--window", "2026-09-01..2026-11-30"],
    );
    assert_eq!(
        m["incidents"]["by_tier"],
        serde_json::json!({ "tier-2": 1, "tier-4": 1 })
    );
    assert_eq!(m["incidents"]["resolved"], 1);
    assert_eq!(m["incidents"]["open"], 1);
    assert_eq!(m["incidents"]["median_days_to_resolve"], 3.0);
    // BACKUP/nightly: six nights recorded, one failed.
    assert_eq!(
        m["backups"]["source"]["from"],
        serde_json::json!(["BACKUP/nightly"])
    );
    assert_eq!(
        (
            m["backups"]["runs"].as_u64(),
            m["backups"]["passed"].as_u64()
        ),
        (Some(6), Some(5))
    );
    // Nothing imports an SBOM or watches uptime here: needs setup, not zero.
    assert_eq!(m["vulnerabilities"]["source"]["state"], "needs-setup");
    assert_eq!(m["uptime"]["source"]["state"], "needs-setup");
    assert_eq!(m["uptime"]["rate"], Value::Null);
    assert_eq!(
        (
            m["access_reviews"]["due"].as_u64(),
            m["access_reviews"]["on_time"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let months: Vec<&str> = m["incidents"]["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-09", "2026-10", "2026-11"]);
    insta::assert_json_snapshot!("metrics_fixture", m);

    let (code, out, err) = run_at(dir, NOW, &["metrics", "--window", "2026-09-01..2026-11-30"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Backup success: 83.3% (5 of 6 runs passed) (from BACKUP/nightly)"),
        "{out}"
    );
    assert!(out.contains("Uptime: needs setup: "), "{out}");
}
