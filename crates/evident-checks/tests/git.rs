//! The `git` check over a real repository built here with the git CLI: signed
//! and unsigned commits (an SSH signing key made with ssh-keygen), a reviewed
//! and an unreviewed merge, and required files.

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is needed by the git check tests");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// main: README, SECURITY.md (signed), a reviewed merge and an unreviewed one.
fn repository(dir: &Path) {
    let key = dir.join("signing-key");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen (openssh-client) is needed to sign commits");
    assert!(out.status.success());
    let repo = dir.join("app");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "app\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    std::fs::write(repo.join("SECURITY.md"), "report to security@example.com\n").unwrap();
    git(&repo, &["add", "."]);
    let signing_key = format!("user.signingkey={}", key.display());
    git(
        &repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing_key,
            "commit",
            "-q",
            "-S",
            "-m",
            "security policy",
        ],
    );
    for (branch, message) in [
        (
            "feature-a",
            "Merge feature-a\n\nReviewed-by: Alice <alice@example.com>",
        ),
        ("feature-b", "Merge feature-b without review"),
    ] {
        git(&repo, &["checkout", "-q", "-b", branch]);
        std::fs::write(repo.join(format!("{branch}.txt")), branch).unwrap();
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", branch]);
        git(&repo, &["checkout", "-q", "main"]);
        git(&repo, &["merge", "-q", "--no-ff", branch, "-m", message]);
    }
}

fn check(settings: serde_json::Value) -> CheckSettings {
    CheckSettings::parse(CheckKind::Git, &serde_json::from_value(settings).unwrap()).unwrap()
}

#[tokio::test]
async fn files_reviews_and_signatures_from_real_history() {
    let dir = tempfile::tempdir().unwrap();
    repository(dir.path());
    let cx = Context {
        repo: dir.path().to_path_buf(),
        now: std::time::SystemTime::now(),
    };

    let o = run(&check(serde_json::json!({ "repo": "app", "branch": "main", "require_files": ["SECURITY.md", "README.md"], "min_commits": 3 })), &cx).await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    assert_eq!(o.detail["commits"], 6);
    assert_eq!(o.detail["signed_commits"], 1);
    assert_eq!(
        (
            o.detail["merges"].as_u64(),
            o.detail["reviewed_merges"].as_u64()
        ),
        (Some(2), Some(1))
    );

    let o = run(
        &check(serde_json::json!({ "repo": "app", "require_files": ["CODEOWNERS", "Cargo.lock"] })),
        &cx,
    )
    .await;
    assert_eq!(o.summary, "main lacks CODEOWNERS, Cargo.lock");

    let o = run(
        &check(serde_json::json!({ "repo": "app", "reviewed_merges_at_least": 1.0 })),
        &cx,
    )
    .await;
    assert_eq!(
        o.summary,
        "1 of 2 merge(s) on main carry review evidence, below 100%"
    );
    assert_eq!(o.detail["unreviewed_merges"].as_array().unwrap().len(), 1);
    let o = run(
        &check(serde_json::json!({ "repo": "app", "reviewed_merges_at_least": 0.5 })),
        &cx,
    )
    .await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);

    let o = run(
        &check(serde_json::json!({ "repo": "app", "signed_commits_at_least": 0.9 })),
        &cx,
    )
    .await;
    assert_eq!(o.summary, "1 of 6 commit(s) on main are signed, below 90%");

    let o = run(
        &check(serde_json::json!({ "repo": "app", "branch": "release" })),
        &cx,
    )
    .await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(
        o.summary
            .starts_with("git repository app: branch `release`"),
        "{}",
        o.summary
    );
    let o = run(&check(serde_json::json!({ "repo": "nowhere" })), &cx).await;
    assert_eq!(o.outcome, Outcome::Error, "{}", o.summary);
}
