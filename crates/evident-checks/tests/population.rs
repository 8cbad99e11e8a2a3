//! The population check over real files: an HR leavers export and an identity
//! provider's accounts (CSV, then the same rows as JSON lines and as Parquet
//! written by DuckDB), where the one leaver whose account stayed active a week
//! after leaving is the one exception; and the merges of a git repository made
//! here with the git program.

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn check(v: Value) -> CheckSettings {
    CheckSettings::parse(CheckKind::Population, &serde_json::from_value(v).unwrap()).unwrap()
}

fn cx(dir: &Path) -> Context {
    Context {
        repo: dir.to_path_buf(),
        now: std::time::SystemTime::now(),
    }
}

const LEAVERS: &str = "employee_id,email,left_on
E100,ana@example.com,2026-09-30
E101,ben@example.com,2026-10-14
E102,caro@example.com,2026-11-02
";

/// ben left on 14 October; his account was switched off on the 21st.
const ACCOUNTS: &str = "email,status,deactivated_on,mfa
ana@example.com,deactivated,2026-09-30,true
ben@example.com,deactivated,2026-10-21,true
caro@example.com,deactivated,2026-11-03,true
dee@example.com,active,,true
";

/// JSON lines carry dates as strings, so the query casts: the same SQL then
/// answers over CSV (dates inferred), JSON lines and Parquet (dates typed).
const LATE: &str = "SELECT l.email, l.left_on, a.deactivated_on \
     FROM leavers l JOIN accounts a ON a.email = l.email \
     WHERE a.deactivated_on IS NULL \
        OR CAST(a.deactivated_on AS DATE) > CAST(l.left_on AS DATE) + INTERVAL '1 day'";

#[tokio::test]
async fn the_leaver_whose_account_outlived_the_leaving_is_the_one_exception() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("exports")).unwrap();
    std::fs::write(d.join("exports/leavers.csv"), LEAVERS).unwrap();
    std::fs::write(d.join("exports/accounts.csv"), ACCOUNTS).unwrap();
    let settings = |leavers: &str, accounts: &str| {
        check(json!({
            "tables": { "leavers": leavers, "accounts": accounts },
            "population": "leavers",
            "query": LATE,
            "key": "email",
            "date": "left_on",
        }))
    };
    let o = run(
        &settings("exports/leavers.csv", "exports/accounts.csv"),
        &cx(d),
    )
    .await;
    assert_eq!(o.outcome, Outcome::Fail, "{}", o.summary);
    assert_eq!(
        o.summary,
        "1 of 3 events are exceptions (first: ben@example.com)"
    );
    assert_eq!(o.detail["population_size"], 3);
    assert_eq!(
        o.detail["events"],
        json!([
            { "key": "ana@example.com", "date": "2026-09-30" },
            { "key": "ben@example.com", "date": "2026-10-14" },
            { "key": "caro@example.com", "date": "2026-11-02" },
        ])
    );
    assert_eq!(
        o.detail["exceptions_named"],
        json!([{ "key": "ben@example.com", "row": {
            "email": "ben@example.com", "left_on": "2026-10-14", "deactivated_on": "2026-10-21"
        }}])
    );

    // The same rows as JSON lines and as Parquet (written by DuckDB) answer alike.
    let out = Command::new("python3")
        .args([
            "-c",
            "import duckdb\n\
             duckdb.sql(\"COPY (SELECT * FROM read_csv('exports/accounts.csv')) TO 'exports/accounts.parquet' (FORMAT parquet)\")\n\
             duckdb.sql(\"COPY (SELECT * FROM read_csv('exports/leavers.csv')) TO 'exports/leavers.jsonl' (FORMAT json)\")",
        ])
        .current_dir(d)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "duckdb (scripts/test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = run(
        &settings("exports/leavers.jsonl", "exports/accounts.parquet"),
        &cx(d),
    )
    .await;
    assert_eq!(
        o.summary, "1 of 3 events are exceptions (first: ben@example.com)",
        "{}",
        o.detail
    );

    // Switched off in time: no exception, every event still counted.
    std::fs::write(
        d.join("exports/accounts.csv"),
        ACCOUNTS.replace("2026-10-21", "2026-10-15"),
    )
    .unwrap();
    let o = run(
        &settings("exports/leavers.csv", "exports/accounts.csv"),
        &cx(d),
    )
    .await;
    assert_eq!(
        (o.outcome, o.summary.as_str()),
        (Outcome::Pass, "all 3 events tested, none an exception")
    );
}

#[tokio::test]
async fn refuses_what_it_cannot_read_or_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("leavers.csv"), LEAVERS).unwrap();
    let one = |query: &str, key: &str| {
        check(json!({ "tables": { "leavers": "leavers.csv" }, "query": query, "key": key }))
    };
    let o = run(&one("SELECT * FROM leavers WHERE 1 = 0", "email"), &cx(d)).await;
    assert_eq!(o.summary, "all 3 events tested, none an exception");

    // Only queries run: nothing may be written.
    for statement in [
        "COPY leavers TO 'out.csv'",
        "CREATE TABLE t AS SELECT * FROM leavers",
        "INSERT INTO leavers VALUES ('x', 'y', '2026-01-01')",
    ] {
        let o = run(&one(statement, "email"), &cx(d)).await;
        assert_eq!(o.outcome, Outcome::Error, "{statement}: {}", o.summary);
        assert!(o.summary.starts_with("the query: "), "{}", o.summary);
    }
    assert!(!d.join("out.csv").exists());

    let o = run(&one("SELECT * FROM leavers", "mail"), &cx(d)).await;
    assert_eq!(
        o.summary,
        "the population has no column `mail` (it has: employee_id, email, left_on)"
    );
    let o = run(&one("SELECT * FROM nowhere", "email"), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.summary.contains("nowhere"), "{}", o.summary);

    let missing = check(json!({ "tables": { "x": "none.csv" }, "query": "SELECT 1", "key": "k" }));
    let o = run(&missing, &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.summary.starts_with("table `x`: "), "{}", o.summary);

    assert!(
        Command::new("mkfifo")
            .arg(d.join("pipe.csv"))
            .status()
            .unwrap()
            .success()
    );
    let fifo = check(json!({ "tables": { "x": "pipe.csv" }, "query": "SELECT 1", "key": "k" }));
    let o = run(&fifo, &cx(d)).await;
    assert_eq!(o.summary, "table `x`: it is a FIFO, not a regular file");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository with three merges, one of them without a reviewer.
pub fn repository_with_merges(d: &Path) -> Vec<String> {
    git(d, &["init", "-q", "-b", "main"]);
    std::fs::write(d.join("a.txt"), "a").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "start"]);
    for (i, reviewed) in [(1, true), (2, false), (3, true)] {
        git(d, &["checkout", "-q", "-b", &format!("topic{i}")]);
        std::fs::write(d.join(format!("f{i}.txt")), "x").unwrap();
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", &format!("change {i}")]);
        git(d, &["checkout", "-q", "main"]);
        let message = if reviewed {
            format!("Merge topic{i}\n\nReviewed-by: Ben <ben@example.com>")
        } else {
            format!("Merge topic{i}")
        };
        git(
            d,
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
        .args(["log", "--merges", "--format=%H"])
        .current_dir(d)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn every_merge_of_a_repository_tested_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let merges = repository_with_merges(d);
    assert_eq!(merges.len(), 3);
    let o = run(
        &check(json!({
            "tables": { "commits": "git:." },
            "population": "SELECT id, committed_at FROM commits WHERE merge",
            "query": "SELECT id, summary FROM commits WHERE merge AND reviewed_by IS NULL",
            "key": "id",
            "date": "committed_at",
        })),
        &cx(d),
    )
    .await;
    assert_eq!(o.outcome, Outcome::Fail, "{}", o.summary);
    assert_eq!(o.detail["population_size"], 3);
    let keys: Vec<&str> = o.detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    let mut expected: Vec<&str> = merges.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(o.detail["exceptions"], 1);
    assert_eq!(
        o.detail["exceptions_named"][0]["row"]["summary"],
        "Merge topic2"
    );
}
