//! Registers are evidence: an access review written in the register satisfies
//! the item that names the register, once `check` has recorded it; removing
//! the entry makes the item missing again.

mod common;

use common::{run_at, write_fixture};
use serde_json::Value;
use std::path::Path;

const NOW: &str = "2026-11-23T12:00:00Z";

const ACCESS_CONTROL: &str = r#"---
id: ACCESS
title: Access reviews
criteria: [CC6.3]
owner: security@example.com
frequency: quarterly
nature: manual
evidence:
  - id: user-review
    describe: Quarterly review of user accounts
    fresh_for: 100d
    register: access-reviews
    filter: { scope: users }
---

## Statement

Who can reach production is reviewed every quarter.

## Implementation

The CTO reviews every account against the HR roster.
"#;

const USERS_REVIEW: &str = r#"
[[access_review]]
id = "AR-2"
scope = "users"
system = "Production"
reviewer = "cto@example.com"
date = 2026-10-05
findings = "two leavers removed"
"#;

fn item(dir: &Path) -> Value {
    let (code, out, err) = run_at(dir, NOW, &["status", "--json"]);
    assert_eq!(code, 0, "{err}");
    let status: Value = serde_json::from_str(&out).unwrap();
    let control = common::find(&status["controls"], "id", "ACCESS");
    common::find(&control["items"], "id", "user-review").clone()
}

/// The fixture with the ACCESS control and a users access review (AR-2)
/// added to its register: the repo, the register file, its text without AR-2.
fn with_users_review() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    std::fs::write(dir.join("controls/access.md"), ACCESS_CONTROL).unwrap();
    let registers = dir.join("registers/main.toml");
    let without = std::fs::read_to_string(&registers).unwrap();
    std::fs::write(&registers, format!("{without}{USERS_REVIEW}")).unwrap();
    (tmp, registers, without)
}

#[test]
fn an_access_review_in_the_register_satisfies_the_item_and_its_removal_undoes_it() {
    let (tmp, registers, without) = with_users_review();
    let dir = tmp.path();

    // The fixture's api-keys review does not pass the filter; the users one does.
    let (_, _, err) = run_at(dir, NOW, &["check", "--only", "ACCESS"]);
    assert!(
        err.contains(
            "recorded the register entry of ACCESS/user-review (access-reviews:AR-2@2026-10-05)"
        ),
        "{err}"
    );
    assert!(!err.contains("AR-1"), "{err}");
    let satisfied = item(dir);
    assert_eq!(satisfied["state"], "satisfied", "{satisfied}");
    assert_eq!(satisfied["source"], "register:access-reviews");
    // Fresh for 100 days from the review's own date, not from when it was recorded.
    assert_eq!(
        satisfied["fresh_until"], "2027-01-13T23:59:59Z",
        "{satisfied}"
    );
    // Recorded once: a second check writes nothing.
    let (_, _, err) = run_at(dir, NOW, &["check", "--only", "ACCESS"]);
    assert!(!err.contains("recorded the register entry"), "{err}");

    // A hand upload cannot stand in for the register.
    let (code, _, err) = run_at(
        dir,
        NOW,
        &[
            "evidence",
            "add",
            "evidence/password-policy.pdf",
            "--control",
            "ACCESS",
            "--item",
            "user-review",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("access-reviews register"), "{err}");

    std::fs::write(&registers, without).unwrap();
    let missing = item(dir);
    assert_eq!(missing["state"], "missing", "{missing}");
}

#[test]
fn a_filter_on_a_field_the_register_lacks_is_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    let wrong = ACCESS_CONTROL.replace("filter: { scope: users }", "filter: { team: users }");
    std::fs::write(dir.join("controls/access.md"), wrong).unwrap();
    let (code, out, err) = run_at(dir, NOW, &["lint"]);
    let text = format!("{out}{err}");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("controls/access.md:12:15: error: evidence[0].filter.team: `team` is not a field of the access-reviews register"),
        "{text}"
    );
}

/// Period testing counts the register's entries too, and only those the
/// register still holds.
#[test]
fn periods_count_register_entries_the_register_still_holds() {
    let (tmp, registers, without) = with_users_review();
    let dir = tmp.path();
    run_at(dir, NOW, &["check", "--only", "ACCESS"]);
    let q4 = |dir: &Path| -> Value {
        let (code, out, err) = run_at(
            dir,
            NOW,
            &["period", "--json", "--window", "2026-10-01..2026-12-31"],
        );
        assert_eq!(code, 0, "{err}");
        let report: Value = serde_json::from_str(&out).unwrap();
        let control = common::find(&report["controls"], "control", "ACCESS").clone();
        control["periods"][0].clone()
    };
    assert_eq!(q4(dir)["result"], "passed", "{}", q4(dir));
    std::fs::write(&registers, without).unwrap();
    assert_eq!(q4(dir)["entries"], serde_json::json!([]), "{}", q4(dir));
}

/// The portal publishes what each register's visibility allows: incidents
/// marked public, and when access was last reviewed, never by whom.
#[test]
fn the_portal_shows_only_what_registers_make_public() {
    let (tmp, registers, _) = with_users_review();
    let dir = tmp.path();
    let public = "\n[[incident]]\nid = \"INC-2\"\ntitle = \"Login outage <b>30 min</b>\"\ntier = 2\nopened = 2026-10-10\nresolved = 2026-10-10\npostmortem = \"https://fixture.example/pm/2\"\nvisibility = \"public\"\n";
    let text = std::fs::read_to_string(&registers).unwrap();
    std::fs::write(&registers, format!("{text}{public}")).unwrap();
    let site = dir.join("site");
    let (code, _, err) = run_at(dir, NOW, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(site.join("records.html")).unwrap();
    assert!(
        page.contains("INC-2: Login outage &lt;b&gt;30 min&lt;&#x2f;b&gt;"),
        "{page}"
    );
    assert!(
        !page.contains("INC-1") && !page.contains("Expired certificate"),
        "{page}"
    );
    assert!(
        page.contains("2 access review(s) recorded; the latest on 2026-10-05"),
        "{page}"
    );
    assert!(
        !page.contains("cto@example.com") && !page.contains("Production"),
        "{page}"
    );
}
