//! A per-event control whose population check tests every merge of a real git
//! repository (made here with the git program, dated inside the window): Type
//! II period testing counts the merges and names the unreviewed one, and the
//! auditor's sample is the whole population, each merge by its id.

mod common;

use common::{run_at, write_fixture};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const NOW: &str = "2026-11-20T12:00:00Z";
const WINDOW: &str = "2026-11-01..2026-11-30";

const CHANGE: &str = r#"---
id: CHANGE
title: Change management
criteria: [CC8.1]
owner: eng@example.com
frequency: per-event
nature: automated
evidence:
  - id: merges-reviewed
    describe: Every merge to main carries a reviewer
    fresh_for: 7d
    check:
      kind: population
      tables: { commits: "git:code" }
      population: SELECT id, committed_at FROM commits WHERE merge
      query: SELECT id, summary FROM commits WHERE merge AND reviewed_by IS NULL
      key: id
      date: committed_at
---

# Change management

## Statement

Every change is reviewed before it is merged.

## Implementation

Branch protection asks for a reviewer; the merge message names them.
"#;

fn git(dir: &Path, when: &str, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.com")
        .env("GIT_AUTHOR_DATE", when)
        .env("GIT_COMMITTER_DATE", when)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `code/`: three merges on 11, 12 and 13 November; the second has no reviewer.
/// Returns the merges' ids, oldest first.
fn repository(dir: &Path) -> Vec<String> {
    let code = dir.join("code");
    std::fs::create_dir(&code).unwrap();
    git(&code, "2026-11-10T09:00:00Z", &["init", "-q", "-b", "main"]);
    std::fs::write(code.join("a.txt"), "a").unwrap();
    git(&code, "2026-11-10T09:00:00Z", &["add", "."]);
    git(
        &code,
        "2026-11-10T09:00:00Z",
        &["commit", "-q", "-m", "start"],
    );
    for (i, reviewed) in [(1, true), (2, false), (3, true)] {
        let when = format!("2026-11-1{i}T10:00:00Z");
        git(
            &code,
            &when,
            &["checkout", "-q", "-b", &format!("topic{i}")],
        );
        std::fs::write(code.join(format!("f{i}.txt")), "x").unwrap();
        git(&code, &when, &["add", "."]);
        git(
            &code,
            &when,
            &["commit", "-q", "-m", &format!("change {i}")],
        );
        git(&code, &when, &["checkout", "-q", "main"]);
        let message = if reviewed {
            format!("Merge topic{i}\n\nReviewed-by: Ben <ben@example.com>")
        } else {
            format!("Merge topic{i}")
        };
        git(
            &code,
            &when,
            &[
                "merge",
                "-q",
                "--no-ff",
                "-m",
                &message,
                &format!("topic{i}"),
            ],
        );
    }
    let out = Command::new("git")
        .args(["log", "--merges", "--reverse", "--format=%H"])
        .current_dir(&code)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = run_at(dir, NOW, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn every_merge_is_tested_and_the_sample_is_the_whole_population() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    std::fs::write(dir.join("controls/change.md"), CHANGE).unwrap();
    let merges = repository(dir);
    assert_eq!(merges.len(), 3);

    let (code, out, err) = run_at(dir, NOW, &["check", "--only", "CHANGE"]);
    assert_eq!(code, 1, "the unreviewed merge fails the check: {out}{err}");
    assert!(
        out.contains(&format!(
            "1 of 3 events are exceptions (first: {})",
            merges[1]
        )),
        "{out}"
    );

    let periods = json(dir, &["period", "--json", "--window", WINDOW]);
    let change = common::find(&periods["controls"], "control", "CHANGE");
    assert_eq!(change["events"], 3, "{change}");
    assert_eq!(change["population"]["item"], "merges-reviewed");
    assert_eq!(
        change["population"]["exceptions"],
        serde_json::json!([merges[1]])
    );

    // A window holding only the first merge: one event, no exception.
    let early = json(
        dir,
        &["period", "--json", "--window", "2026-11-01..2026-11-11"],
    );
    let change = common::find(&early["controls"], "control", "CHANGE");
    assert_eq!(change["events"], 1);
    assert_eq!(change["population"]["exceptions"], serde_json::json!([]));

    let sample = json(
        dir,
        &["sample", "--seed", "7", "--json", "--window", WINDOW],
    );
    let change = common::find(&sample["controls"], "control", "CHANGE");
    assert_eq!(change["basis"], "events");
    assert_eq!(change["population"], 3);
    assert_eq!(change["size"], 3);
    assert_eq!(change["whole_population_tested"], true);
    let mut labels: Vec<&str> = change["sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["label"].as_str().unwrap())
        .collect();
    labels.sort();
    let mut expected = vec![
        merges[0].clone(),
        format!("{} (exception)", merges[1]),
        merges[2].clone(),
    ];
    expected.sort();
    assert_eq!(labels, expected);
    let days: Vec<&str> = change["sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["from"].as_str().unwrap())
        .collect();
    assert!(
        days.iter()
            .all(|d| ["2026-11-11", "2026-11-12", "2026-11-13"].contains(d)),
        "{days:?}"
    );

    let (_, out, _) = run_at(dir, NOW, &["period", "--window", WINDOW]);
    assert!(out.contains("3 event(s), whole population tested"), "{out}");
    assert!(
        out.contains("1 of 3 events are exceptions (population check merges-reviewed"),
        "{out}"
    );
    let (_, out, _) = run_at(dir, NOW, &["sample", "--seed", "7", "--window", WINDOW]);
    assert!(out.contains("3 (whole population tested)"), "{out}");
}
