//! The rules of evidence, end to end on SQLite and PostgreSQL: time only moves
//! forward, and the trust repo remembers the ledger (an emptied, truncated,
//! rolled-back or swapped ledger fails `ledger verify`).

mod common;

use common::{postgres_url, write_fixture};
use evident_ledger::keys;
use std::path::Path;

use common::run_env as run;

/// Adds the fixture's policy file to AUTH/password-policy, with `more` options.
fn add_with(
    dir: &Path,
    url: &Option<String>,
    now: Option<&str>,
    more: &[&str],
) -> (i32, String, String) {
    let mut args = vec![
        "evidence",
        "add",
        "evidence/password-policy.pdf",
        "--control",
        "AUTH",
        "--item",
        "password-policy",
    ];
    args.extend_from_slice(more);
    run(dir, url, now, &args)
}

fn add(dir: &Path, url: &Option<String>, now: Option<&str>) -> (i32, String, String) {
    add_with(dir, url, now, &[])
}

fn backends() -> Vec<(&'static str, Option<String>)> {
    vec![
        ("sqlite", None),
        ("postgres", Some(postgres_url("integrity"))),
    ]
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    keys::create(dir.path()).unwrap();
    dir
}

/// An hour ago and a day ago, by the real clock (the write limit is real time).
fn hours_ago(h: i64) -> String {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(h))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn back_dated_and_future_evidence_is_refused() {
    for (name, url) in backends() {
        let dir = repo();
        let d = dir.path();
        let (code, _, err) = add(d, &url, Some(&hours_ago(1)));
        assert_eq!(code, 0, "{name}: {err}");
        // The clock set back a day: refused, nothing written.
        let (code, _, err) = add(d, &url, Some(&hours_ago(24)));
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains("before entry 0") && err.contains("cannot be back-dated"),
            "{name}: {err}"
        );
        // A week ahead of the real clock: refused.
        let (code, _, err) = add(d, &url, Some(&hours_ago(-24 * 7)));
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains("cannot be dated in the future"),
            "{name}: {err}"
        );
        let (_, listed, _) = run(d, &url, None, &["evidence", "list", "--json"]);
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        assert_eq!(listed["entries"].as_array().unwrap().len(), 1, "{name}");
        // EVIDENT_NOW still judges as of another moment.
        let (code, out, err) = run(d, &url, Some(&hours_ago(24)), &["status", "--json"]);
        assert!(code <= 1, "{name}: {err}");
        assert!(out.contains("\"controls\""), "{name}: {out}");
        // A checkpoint cannot be back-dated either.
        let (code, _, err) = run(d, &url, Some(&hours_ago(2)), &["ledger", "checkpoint"]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains("the checkpoint is dated"), "{name}: {err}");
    }
}

fn verify(dir: &Path, url: &Option<String>) -> (i32, String) {
    let (code, out, err) = run(dir, url, None, &["ledger", "verify"]);
    (code, format!("{out}{err}"))
}

#[test]
fn the_committed_checkpoint_catches_an_emptied_or_swapped_ledger() {
    for (name, url) in backends() {
        let dir = repo();
        let d = dir.path();
        for _ in 0..3 {
            assert_eq!(add(d, &url, None).0, 0, "{name}");
        }
        let (code, cp, err) = run(d, &url, None, &["ledger", "checkpoint"]);
        assert_eq!(code, 0, "{name}: {err}");
        let committed = std::fs::read_to_string(d.join("ledger/checkpoint")).unwrap();
        assert_eq!(
            committed, cp,
            "{name}: ledger checkpoint writes ledger/checkpoint"
        );
        let (code, said) = verify(d, &url);
        assert_eq!(code, 0, "{name}: {said}");
        assert!(said.contains("it extends the checkpoint committed in the trust repo (ledger/checkpoint: 3 entries"), "{name}: {said}");

        // Emptied: a fresh database where the ledger was.
        let empty = match name {
            "sqlite" => {
                std::fs::rename(d.join(".evident/ledger.db"), d.join("kept.db")).unwrap();
                None
            }
            _ => Some(postgres_url("integrity_empty")),
        };
        let (code, said) = verify(d, &empty);
        assert_eq!(code, 1, "{name}: {said}");
        assert!(
            said.contains("ledger/checkpoint (committed in the trust repo): signs 3 entries but the local ledger holds 0: it was emptied, truncated or rolled back"),
            "{name}: {said}"
        );

        // Swapped: another ledger of the same key, longer, with different entries.
        for _ in 0..5 {
            let (code, _, err) = add_with(d, &empty, None, &["--note", "another ledger"]);
            assert_eq!(code, 0, "{name}: {err}");
        }
        let (code, said) = verify(d, &empty);
        assert_eq!(code, 1, "{name}: {said}");
        assert!(
            said.contains("the local ledger is not the one it signed: its first 3 entries hash to a different root"),
            "{name}: {said}"
        );
    }
}

/// A copy of the database from before the last entries, put back: the stored
/// checkpoints agree with it, the committed one does not.
#[test]
fn a_rolled_back_sqlite_file_fails_against_the_committed_checkpoint() {
    let dir = repo();
    let d = dir.path();
    assert_eq!(add(d, &None, None).0, 0);
    assert_eq!(run(d, &None, None, &["ledger", "checkpoint"]).0, 0);
    let (code, said) = verify(d, &None);
    assert_eq!(code, 0, "{said}");
    std::fs::copy(d.join(".evident/ledger.db"), d.join("old.db")).unwrap();
    assert_eq!(add(d, &None, None).0, 0);
    assert_eq!(add(d, &None, None).0, 0);
    assert_eq!(run(d, &None, None, &["ledger", "checkpoint"]).0, 0);
    std::fs::copy(d.join("old.db"), d.join(".evident/ledger.db")).unwrap();
    let (code, said) = verify(d, &None);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("signs 3 entries but the local ledger holds 1"),
        "{said}"
    );
}
