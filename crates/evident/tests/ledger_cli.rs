//! `evident evidence` and `evident ledger` end to end, on SQLite (the default) and
//! on PostgreSQL (through `EVIDENT_DATABASE_URL`): the same assertions for both.

mod common;

use common::{postgres_url, run_with_db as run, write_fixture};
use evident_ledger::keys;
use std::path::Path;

/// The fixture trust repo with a ledger key pair, and the database URL to use
/// (`None`: the SQLite default in `.evident/`).
fn repo(backend: &str) -> (tempfile::TempDir, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    keys::create(dir.path()).unwrap();
    let url = match backend {
        "sqlite" => None,
        _ => Some(postgres_url(backend)),
    };
    (dir, url)
}

fn ok(dir: &Path, url: &Option<String>, args: &[&str]) -> String {
    let (code, out, err) = run(dir, url, args);
    assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
    out
}

#[test]
fn add_list_checkpoint_prove_and_verify_on_both_backends() {
    for backend in ["sqlite", "postgres"] {
        let (tmp, url) = repo(backend);
        let dir = tmp.path();
        let out = ok(
            dir,
            &url,
            &[
                "evidence",
                "add",
                "evidence/password-policy.pdf",
                "--control",
                "AUTH",
                "--item",
                "password-policy",
                "--covers",
                "2026-01-10..2026-03-31",
                "--note",
                "signed by the CEO",
                "--by",
                "security@fixture.example",
            ],
        );
        assert!(
            out.starts_with("recorded entry 0: AUTH/password-policy password-policy.pdf (sha256 "),
            "{backend}: {out}"
        );
        let cp1 = ok(dir, &url, &["ledger", "checkpoint"]);
        assert!(
            cp1.starts_with("fixture.example/evidence-ledger\n1\n"),
            "{backend}: {cp1}"
        );
        std::fs::write(dir.join("cp1.txt"), &cp1).unwrap();
        std::fs::write(dir.join("screenshot.png"), b"\x89PNG fixture").unwrap();
        ok(
            dir,
            &url,
            &[
                "evidence",
                "add",
                "screenshot.png",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
            ],
        );
        ok(
            dir,
            &url,
            &[
                "evidence",
                "add",
                "screenshot.png",
                "--control",
                "BACKUP",
                "--item",
                "nightly",
                "--result",
                "fail",
            ],
        );
        ok(dir, &url, &["ledger", "checkpoint"]);

        let listed: serde_json::Value = serde_json::from_str(&ok(
            dir,
            &url,
            &["evidence", "list", "--json", "--control", "AUTH"],
        ))
        .unwrap();
        let entries = listed["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{backend}: {listed}");
        assert_eq!(entries[0]["entry"], 0);
        assert_eq!(entries[0]["covers_from"], "2026-01-10");
        assert_eq!(entries[0]["collector"], "security@fixture.example");
        assert_eq!(
            entries[0]["summary"],
            "password-policy.pdf: signed by the CEO"
        );
        assert_eq!(entries[1]["item"], "mfa-enforced");
        let table = ok(dir, &url, &["evidence", "list"]);
        assert!(
            table.contains("nightly") && table.contains("fail"),
            "{backend}: {table}"
        );

        let verified = ok(dir, &url, &["ledger", "verify"]);
        assert!(
            verified.starts_with("ledger verified: 3 entries, 2 checkpoint(s)")
                && verified.contains("time and stored column checked"),
            "{backend}: {verified}"
        );

        let proof = ok(dir, &url, &["ledger", "prove", "1", "--json"]);
        std::fs::write(dir.join("proof.json"), &proof).unwrap();
        let said = ok(
            dir,
            &url,
            &[
                "ledger",
                "verify-proof",
                "proof.json",
                "--key",
                "ledger.pub",
            ],
        );
        assert!(
            said.starts_with("verified: entry 1 (AUTH/mfa-enforced, pass collected"),
            "{backend}: {said}"
        );

        // The auditor's side: only the proof and the public key, in another directory.
        let auditor = tempfile::tempdir().unwrap();
        std::fs::copy(dir.join("proof.json"), auditor.path().join("proof.json")).unwrap();
        std::fs::copy(dir.join("ledger.pub"), auditor.path().join("ledger.pub")).unwrap();
        let check = [
            "ledger",
            "verify-proof",
            "proof.json",
            "--key",
            "ledger.pub",
        ];
        ok(auditor.path(), &None, &check);
        std::fs::write(
            auditor.path().join("proof.json"),
            proof.replace("mfa-enforced", "password-policy"),
        )
        .unwrap();
        let (code, _, err) = run(auditor.path(), &None, &check);
        assert_eq!(code, 1);
        assert!(err.contains("entry 1 is not proven to be in the checkpointed log"));

        let grew = ok(dir, &url, &["ledger", "consistency", "--from", "cp1.txt"]);
        assert!(
            grew.starts_with("\"fixture.example/evidence-ledger\" only grew from 1 entries"),
            "{backend}: {grew}"
        );
        std::fs::write(
            dir.join("c.json"),
            ok(
                dir,
                &url,
                &["ledger", "consistency", "--from", "cp1.txt", "--json"],
            ),
        )
        .unwrap();
        ok(
            dir,
            &url,
            &["ledger", "verify-proof", "c.json", "--key", "ledger.pub"],
        );
    }
}

#[test]
fn bad_requests_exit_2_and_say_how_to_fix() {
    let (tmp, url) = repo("sqlite");
    let dir = tmp.path();
    std::fs::write(dir.join("e.txt"), "x").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUHT",
                "--item",
                "x",
            ],
            "--control: no control `AUHT` in the trust repo; did you mean `AUTH`?",
        ),
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUTH",
                "--item",
                "mfa",
            ],
            "--item: control `AUTH` has no evidence item `mfa`; its items are: mfa-enforced, password-policy",
        ),
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
                "--covers",
                "2026-01-01",
            ],
            "--covers `2026-01-01`: write FROM..TO",
        ),
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
                "--covers",
                "2026-02-01..2026-01-01",
            ],
            "2026-02-01 is after 2026-01-01",
        ),
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
                "--covers",
                "2026-01-01..2999-01-01",
            ],
            "is in the future",
        ),
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
                "--covers",
                "2026-01-01..2026-13-01",
            ],
            "--covers `2026-01-01..2026-13-01`:",
        ),
        (
            &[
                "evidence",
                "add",
                "missing.pdf",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
            ],
            "missing.pdf: no such file",
        ),
        (
            &[
                "evidence",
                "add",
                "e.txt",
                "--control",
                "AUTH",
                "--item",
                "mfa-enforced",
                "--result",
                "maybe",
            ],
            "invalid value 'maybe'",
        ),
        (
            &["ledger", "prove", "one"],
            "ENTRY `one` is not an entry number",
        ),
        (
            &["ledger", "prove", "0"],
            "no checkpoint yet; run `evident ledger checkpoint` first",
        ),
        (
            &["ledger", "consistency", "--from", "e.txt"],
            "e.txt: not a checkpoint: no blank line between the text and its signatures",
        ),
        (
            &["ledger", "verify-proof", "e.txt", "--key", "ledger.pub"],
            "e.txt: not an evident proof file",
        ),
        (
            &["ledger", "verify-proof", "e.txt", "--key", "e.txt"],
            "e.txt:1: expected `evident-ledger-public-key/1`",
        ),
    ];
    for (args, expected) in cases {
        let (code, out, err) = run(dir, &url, args);
        assert_eq!(code, 2, "{args:?}\n{out}{err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in\n{err}"
        );
    }
    let (code, _, err) = run(dir, &Some("mysql://nope".into()), &["evidence", "list"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("EVIDENT_DATABASE_URL: `mysql://nope` is not a database evident can use"),
        "{err}"
    );
    // Nothing above wrote an entry.
    let listed = ok(dir, &url, &["evidence", "list", "--json"]);
    assert!(listed.contains("\"entries\": []"), "{listed}");
}

#[test]
fn verify_exits_1_and_names_a_changed_blob() {
    let (tmp, url) = repo("sqlite");
    let dir = tmp.path();
    ok(
        dir,
        &url,
        &[
            "evidence",
            "add",
            "evidence/password-policy.pdf",
            "--control",
            "AUTH",
            "--item",
            "password-policy",
        ],
    );
    ok(dir, &url, &["ledger", "checkpoint"]);
    let listed: serde_json::Value =
        serde_json::from_str(&ok(dir, &url, &["evidence", "list", "--json"])).unwrap();
    let hash = listed["entries"][0]["content_sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = dir.join(".evident/blobs").join(&hash[..2]).join(&hash);
    std::fs::write(&blob, b"%PDF-1.4 edited").unwrap();
    let (code, out, err) = run(dir, &url, &["ledger", "verify"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with(&format!(
            "entry 0 (AUTH/password-policy): blob {hash} was altered"
        )),
        "{out}"
    );
    let (code, out, _) = run(dir, &url, &["ledger", "verify", "--json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["problems"][0]["subject"],
        "entry 0 (AUTH/password-policy)"
    );
}

#[test]
fn a_readable_private_key_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, url) = repo("sqlite");
    let dir = tmp.path();
    let key = dir.join(keys::PRIVATE_KEY_FILE);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = run(dir, &url, &["ledger", "checkpoint"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("private key is accessible to others (mode 644)"),
        "{err}"
    );
}

/// `ledger verify` reads one snapshot of the ledger: run again and again while
/// another process appends, it never reports damage a half-seen append caused.
#[test]
fn verify_never_fails_while_another_process_appends() {
    for backend in ["sqlite", "postgres"] {
        let (tmp, url) = repo(backend);
        let dir = tmp.path().to_path_buf();
        let add = [
            "evidence",
            "add",
            "evidence/password-policy.pdf",
            "--control",
            "AUTH",
            "--item",
            "password-policy",
        ];
        ok(&dir, &url, &add);
        ok(&dir, &url, &["ledger", "checkpoint"]);
        let appender = {
            let (dir, url) = (dir.clone(), url.clone());
            std::thread::spawn(move || {
                for n in 0..40 {
                    ok(&dir, &url, &add);
                    if n % 10 == 9 {
                        ok(&dir, &url, &["ledger", "checkpoint"]);
                    }
                }
            })
        };
        let mut verified = 0;
        while !appender.is_finished() {
            let (code, out, err) = run(&dir, &url, &["ledger", "verify"]);
            assert_eq!(
                code, 0,
                "{backend}: verify {verified} failed:\n{out}\n{err}"
            );
            verified += 1;
        }
        appender.join().unwrap();
        assert!(verified >= 3, "{backend}: only {verified} verifies ran");
        let out = ok(&dir, &url, &["ledger", "verify"]);
        assert!(
            out.contains("ledger verified: 41 entries"),
            "{backend}: {out}"
        );
    }
}
