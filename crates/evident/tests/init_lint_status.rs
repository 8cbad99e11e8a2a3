mod common;

use common::{evident, run_in, write_fixture};
use serde_json::Value;

#[test]
fn init_scaffolds_a_program_that_lints_clean_and_covers_security_availability_confidentiality() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("acme");
    let out = evident()
        .args(["init"])
        .arg(&repo)
        .args(["--org", "Acme \"Cloud\" O'Brien"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let controls = std::fs::read_dir(repo.join("controls")).unwrap().count();
    let policies = std::fs::read_dir(repo.join("policies")).unwrap().count();
    assert!(controls >= 25, "{controls} controls");
    assert!(policies >= 10, "{policies} policies");
    for register in ["vendors", "risks", "incidents", "access-reviews"] {
        assert!(
            repo.join(format!("registers/{register}.toml")).is_file(),
            "{register}"
        );
    }

    let (code, stdout, stderr) = run_in(&repo, &["lint"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");

    // The ledger key pair: private with mode 0600 and gitignored, public beside the config.
    let public = std::fs::read_to_string(repo.join("ledger.pub")).unwrap();
    assert!(
        public.starts_with("evident-ledger-public-key/1\n"),
        "{public}"
    );
    let private = repo.join(".evident/keys/ledger.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let gitignore = std::fs::read_to_string(repo.join(".gitignore")).unwrap();
    assert!(gitignore.contains("/.evident/"));

    let (code, stdout, _) = run_in(&repo, &["status", "--json"]);
    assert_eq!(code, 0);
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["org"], "Acme \"Cloud\" O'Brien");
    for cat in status["categories"].as_array().unwrap() {
        if ["security", "availability", "confidentiality"].contains(&cat["id"].as_str().unwrap()) {
            assert_eq!(cat["in_scope"], true);
            assert_eq!(cat["uncovered"].as_array().unwrap().len(), 0, "{cat}");
        }
    }
    let uncovered: Vec<&Value> = status["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["security", "availability", "confidentiality"]
                .contains(&c["category"].as_str().unwrap())
        })
        .filter(|c| c["covered"] != true)
        .collect();
    assert!(uncovered.is_empty(), "{uncovered:?}");
}

#[test]
fn init_never_overwrites_and_names_what_it_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join("controls")).unwrap();
    std::fs::write(repo.join("controls/authentication.md"), "mine").unwrap();
    std::fs::write(repo.join("evident.toml"), "also mine").unwrap();

    let out = evident().arg("init").arg(repo).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("skipped 2 existing file(s)"), "{text}");
    assert!(text.contains("controls/authentication.md") && text.contains("evident.toml"));
    assert_eq!(
        std::fs::read_to_string(repo.join("controls/authentication.md")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("evident.toml")).unwrap(),
        "also mine"
    );

    let key_before = std::fs::read(repo.join(".evident/keys/ledger.key")).unwrap();
    let again = evident().arg("init").arg(repo).output().unwrap();
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("created 0 file(s)"), "{text}");
    assert!(
        text.contains(".evident/keys/ledger.key"),
        "an existing key is reported as skipped: {text}"
    );
    assert_eq!(
        std::fs::read(repo.join(".evident/keys/ledger.key")).unwrap(),
        key_before,
        "the key is never replaced"
    );
}

#[test]
fn status_json_of_the_fixture_is_stable() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, stdout, stderr) = run_in(tmp.path(), &["status", "--json", "--as-of", "2026-11-23"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!("status_fixture", json);
}

#[test]
fn status_human_output_names_uncovered_criteria_and_overdue_reviews() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, stdout, _) = run_in(tmp.path(), &["status", "--as-of", "2026-11-23"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Fixture Co — SOC 2 Type I, as of 2026-11-23"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2026-10-30 OVERDUE"),
        "AUTH review every 90d from 2026-08-01: {stdout}"
    );
    assert!(stdout.contains("password-plain (critical)"));
    assert!(stdout.contains("in-scope criteria have no control"));
}

#[test]
fn lint_warns_about_stale_reviews_without_failing() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, stdout, _) = run_in(tmp.path(), &["lint", "--as-of", "2027-02-01"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("policies/access.md:2:1: warning: review.last: policy `POL-ACCESS` was due for review on 2027-01-10"), "{stdout}");
    assert!(
        stdout.contains("controls/auth.md:2:1: warning: review.last: control `AUTH`"),
        "{stdout}"
    );

    let (code, stdout, _) = run_in(tmp.path(), &["lint", "--json", "--as-of", "2026-09-01"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["errors"], 0);
    assert!(
        json["warnings"].as_u64().unwrap() > 0,
        "uncovered criteria are warned about"
    );
}

#[test]
fn bad_as_of_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, _, stderr) = run_in(tmp.path(), &["status", "--as-of", "2026-02-31"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--as-of: `2026-02-31` is not a real calendar day"),
        "{stderr}"
    );
}

#[test]
fn demo_runs_end_to_end_and_says_where_to_look() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    for _ in 0..2 {
        let out = evident().arg("demo").arg(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("0 errors"), "{text}");
        assert!(
            text.contains("Security         33/33 criteria covered"),
            "{text}"
        );
        assert!(text.contains("Where to look:"));
        assert!(
            text.contains(
                "   | evident-checkpoint/1\n   | origin: Lumen Analytics evidence ledger\n"
            ),
            "{text}"
        );
    }
    // Both runs recorded the evidence files; the ledger holds and verifies them all.
    let (code, out, err) = run_in(&dir, &["ledger", "verify", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["checkpoints"], 2);
    assert!(report["entries"].as_u64().unwrap() >= 20, "{report}");
}
