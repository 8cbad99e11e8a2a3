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

/// The fixture with AUTH's check pointed at a closed local port (so `check`
/// records an error at once), with or without `manual: allowed`.
fn with_unreachable_check(dir: &Path, manual: bool) {
    let control = common::CONTROL
        .replace("https://app.example.com/login", "http://127.0.0.1:1/login")
        .replace(
            "    manual: allowed\n",
            if manual { "    manual: allowed\n" } else { "" },
        );
    std::fs::write(dir.join("controls/auth.md"), control).unwrap();
    std::fs::write(
        dir.join("screenshot.txt"),
        "MFA settings page, enforced: yes",
    )
    .unwrap();
}

fn add_screenshot(dir: &Path, url: &Option<String>) -> (i32, String, String) {
    run(
        dir,
        url,
        None,
        &[
            "evidence",
            "add",
            "screenshot.txt",
            "--control",
            "AUTH",
            "--item",
            "mfa-enforced",
        ],
    )
}

fn item_state(dir: &Path, url: &Option<String>, item: &str) -> serde_json::Value {
    let (_, out, err) = run(dir, url, None, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
    let auth = common::find(&status["controls"], "id", "AUTH");
    common::find(&auth["items"], "id", item).clone()
}

#[test]
fn a_hand_upload_never_masks_a_failing_check() {
    for (name, url) in backends() {
        hand_upload_on(name, &url);
    }
}

fn hand_upload_on(name: &str, url: &Option<String>) {
    let dir = repo();
    let d = dir.path();
    with_unreachable_check(d, false);
    let (code, _, err) = add_screenshot(d, url);
    assert_eq!(code, 2, "{name}: {err}");
    assert!(
        err.contains("AUTH/mfa-enforced: this item is collected by its check (http)")
            && err.contains("manual: allowed"),
        "{err}"
    );

    with_unreachable_check(d, true);
    // Before the check has reported, an allowed hand upload counts.
    assert_eq!(add_screenshot(d, url).0, 0);
    assert_eq!(item_state(d, url, "mfa-enforced")["state"], "satisfied");
    let (code, _, err) = run(d, url, None, &["check", "--only", "AUTH/mfa-enforced"]);
    assert_eq!(code, 1, "{name}: {err}");
    // Once it has, the check decides, whatever is uploaded after it.
    assert_eq!(add_screenshot(d, url).0, 0);
    let item = item_state(d, url, "mfa-enforced");
    assert_eq!(item["state"], "failing", "{item}");
    assert_eq!(item["latest"]["result"], "error", "{item}");
    // The upload set aside is the one made after the check (its findings
    // were recorded between).
    assert_eq!(item["set_aside"]["summary"], "screenshot.txt", "{item}");
    let set_aside = item["set_aside"]["entry"].as_u64().unwrap();
    assert!(set_aside > 2, "{item}");
    let (_, out, _) = run(d, url, None, &["status"]);
    assert!(
        out.contains(&format!(
            "AUTH/mfa-enforced: failing by its check; hand upload entry {set_aside} (pass"
        )),
        "{out}"
    );

    // A file item takes its own file only.
    let (code, _, err) = run(
        d,
        url,
        None,
        &[
            "evidence",
            "add",
            "screenshot.txt",
            "--control",
            "AUTH",
            "--item",
            "password-policy",
        ],
    );
    assert_eq!(code, 2, "{name}: {err}");
    assert!(
        err.contains("this item is the file `evidence/password-policy.pdf`"),
        "{err}"
    );
}

#[test]
fn a_retracted_entry_is_left_out_and_shown() {
    for (name, url) in backends() {
        retraction_on(name, &url);
    }
}

fn retraction_on(name: &str, url: &Option<String>) {
    let dir = repo();
    let d = dir.path();
    assert_eq!(add(d, url, None).0, 0);
    let (code, _, err) = add_with(d, url, None, &["--result", "fail"]);
    assert_eq!(code, 0, "{name}: {err}");
    assert_eq!(item_state(d, url, "password-policy")["state"], "failing");

    let retract = |entry: &str| {
        run(
            d,
            url,
            None,
            &[
                "evidence",
                "retract",
                entry,
                "--reason",
                "uploaded the draft by mistake",
            ],
        )
    };
    let (code, out, err) = retract("1");
    assert_eq!(code, 0, "{name}: {err}");
    assert!(
        out.starts_with("recorded entry 2: withdraws entry 1 (AUTH/password-policy, fail"),
        "{out}"
    );
    assert_eq!(item_state(d, url, "password-policy")["state"], "satisfied");

    let (_, out, _) = run(d, url, None, &["status"]);
    assert!(
        out.contains("entry 1 (AUTH/password-policy) withdrawn by entry 2 at")
            && out.contains("uploaded the draft by mistake"),
        "{out}"
    );
    let (_, out, _) = run(d, url, None, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["retractions"][0]["retracts"], 1, "{out}");
    let (_, out, _) = run(d, url, None, &["evidence", "list"]);
    assert!(out.contains("[withdrawn by entry 2]"), "{out}");
    assert!(
        out.contains("withdraws entry 1: uploaded the draft"),
        "{out}"
    );

    let (code, _, err) = retract("1");
    assert_eq!(code, 2);
    assert!(
        err.contains("entry 1 was already withdrawn by entry 2"),
        "{err}"
    );
    let (code, _, err) = retract("2");
    assert_eq!(code, 2);
    assert!(err.contains("is itself a retraction"), "{err}");
    let (code, _, err) = retract("9");
    assert_eq!(code, 2);
    assert!(err.contains("there is no entry 9"), "{err}");
    // The auditor's worksheet lists it too.
    let folder = d.join("matrix");
    let (code, _, err) = run(
        d,
        url,
        None,
        &[
            "export",
            "worksheet",
            "--format",
            "csv",
            "--out",
            folder.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{name}: {err}");
    let sheet = std::fs::read_to_string(folder.join("retractions.csv")).unwrap();
    assert!(
        sheet.contains("1,AUTH/password-policy,2,")
            && sheet.contains("uploaded the draft by mistake"),
        "{name}: {sheet}"
    );
    // The ledger still verifies: nothing was deleted.
    assert_eq!(verify(d, url).0, 0);
}

/// A damaged or foreign database file is named at once, and a foreign one is
/// never written into.
#[test]
fn a_damaged_or_foreign_ledger_file_is_named_at_once() {
    let dir = repo();
    let d = dir.path();
    std::fs::create_dir_all(d.join(".evident")).unwrap();
    let db = d.join(".evident/ledger.db");
    std::fs::write(&db, vec![0x5a; 8192]).unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = run(d, &None, None, &["status"]);
    assert!(
        started.elapsed().as_secs() < 5,
        "it waited {:?}",
        started.elapsed()
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(".evident/ledger.db: not a SQLite database"),
        "{err}"
    );

    std::fs::remove_file(&db).unwrap();
    let (code, _, err) = run(d, &None, None, &["evidence", "list"]);
    assert_eq!(code, 0, "a missing ledger starts empty: {err}");
    std::fs::remove_file(&db).unwrap();
    let status = std::process::Command::new("python3")
        .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('create table invoices (id)'); c.commit()"])
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _, err) = run(d, &None, None, &["status"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not an evident ledger: it holds tables (invoices)"),
        "{err}"
    );
    let tables = std::process::Command::new("python3")
        .args(["-c", "import sqlite3, sys; print([r[0] for r in sqlite3.connect(sys.argv[1]).execute('select name from sqlite_master')])"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&tables.stdout).trim(),
        "['invoices']"
    );
}

/// `check` records a `file:` item whenever its file's content changes, and
/// only then.
#[test]
fn check_records_a_file_item_when_its_content_changes() {
    let dir = repo();
    let d = dir.path();
    let entries = || {
        let (_, out, _) = run(d, &None, None, &["evidence", "list", "--json"]);
        let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
        let evidence = listed["entries"].as_array().unwrap().iter();
        evidence.filter(|e| e["kind"] != "finding").count()
    };
    let check = || run(d, &None, None, &["check", "--only", "AUTH/password-policy"]);
    let (code, _, err) = check();
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "recorded the changed file of AUTH/password-policy (evidence/password-policy.pdf)"
        ),
        "{err}"
    );
    assert_eq!(entries(), 1);
    let (code, _, err) = check();
    assert_eq!(code, 0, "{err}");
    assert_eq!(entries(), 1, "unchanged, not recorded again: {err}");
    std::fs::write(
        d.join("evidence/password-policy.pdf"),
        b"%PDF-1.4 v2, signed",
    )
    .unwrap();
    assert_eq!(check().0, 0);
    assert_eq!(entries(), 2);
    assert_eq!(
        item_state(d, &None, "password-policy")["state"],
        "satisfied"
    );
}
