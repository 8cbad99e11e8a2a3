//! `rego` over real-shaped inputs: an identity-provider export (CSV), a
//! Terraform plan (`terraform show -json` shape, JSON) and branch-protection
//! settings (YAML and TOML). The expected denials are computed here from the
//! inputs, independently of the policy engine, following OPA's semantics for
//! partial set rules (a `deny` set holds one message per binding that
//! satisfies the body; an `allow` default applies when no body holds).

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use std::path::Path;

fn rego(dir: &Path, policy: &str, input: &str, query: &str) -> evident_checks::CheckResult {
    let settings = CheckSettings::parse(
        CheckKind::Rego,
        &serde_json::from_value(
            serde_json::json!({ "policy": policy, "input": input, "query": query }),
        )
        .unwrap(),
    )
    .unwrap();
    let cx = Context {
        repo: dir.to_path_buf(),
        now: std::time::SystemTime::now(),
    };
    futures_executor(run(&settings, &cx))
}

fn futures_executor<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

const MFA_POLICY: &str = r#"package idp

deny contains msg if {
    some account in input
    account.status == "active"
    account.mfa_enabled != "true"
    msg := sprintf("%s has no MFA", [account.email])
}
"#;

#[test]
fn mfa_on_every_active_account_of_an_identity_provider_export() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An export as Okta or Google Workspace writes it: one row per account.
    let mut csv = String::from("email,status,mfa_enabled,last_login\n");
    let mut expected = Vec::new();
    for i in 0..300 {
        let active = i % 7 != 0;
        let mfa = i % 45 != 3;
        csv.push_str(&format!(
            "user{i}@acme.example,{},{},2026-11-{:02}\n",
            if active { "active" } else { "suspended" },
            mfa,
            1 + i % 28
        ));
        if active && !mfa {
            expected.push(format!("user{i}@acme.example has no MFA"));
        }
    }
    std::fs::write(d.join("idp-users.csv"), csv).unwrap();
    std::fs::write(d.join("mfa.rego"), MFA_POLICY).unwrap();
    let o = rego(d, "mfa.rego", "idp-users.csv", "data.idp.deny");
    assert_eq!(o.outcome, Outcome::Fail, "{}", o.summary);
    let mut got: Vec<String> = o.detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert!(!expected.is_empty());
    assert_eq!(o.detail["records"], 300);
}

const ENCRYPTION_POLICY: &str = r#"package terraform

stores := {"aws_s3_bucket_server_side_encryption_configuration", "aws_db_instance", "aws_ebs_volume"}

deny contains msg if {
    some rc in input.resource_changes
    rc.type == "aws_db_instance"
    not rc.change.after.storage_encrypted
    msg := sprintf("%s is not encrypted at rest", [rc.address])
}

deny contains msg if {
    some rc in input.resource_changes
    rc.type == "aws_ebs_volume"
    not rc.change.after.encrypted
    msg := sprintf("%s is not encrypted at rest", [rc.address])
}

default allow := false

allow if count(deny) == 0
"#;

#[test]
fn encryption_on_every_store_of_a_terraform_plan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let change = |address: &str, kind: &str, after: serde_json::Value| serde_json::json!({ "address": address, "type": kind, "change": { "actions": ["create"], "after": after } });
    let plan = serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": [
            change("aws_db_instance.main", "aws_db_instance", serde_json::json!({ "storage_encrypted": true })),
            change("aws_db_instance.reports", "aws_db_instance", serde_json::json!({ "storage_encrypted": false })),
            change("aws_ebs_volume.data", "aws_ebs_volume", serde_json::json!({ "encrypted": true })),
            change("aws_ebs_volume.scratch", "aws_ebs_volume", serde_json::json!({})),
            change("aws_s3_bucket.logs", "aws_s3_bucket", serde_json::json!({ "bucket": "logs" })),
        ]
    });
    std::fs::write(d.join("plan.json"), plan.to_string()).unwrap();
    std::fs::write(d.join("encryption.rego"), ENCRYPTION_POLICY).unwrap();
    let o = rego(d, "encryption.rego", "plan.json", "data.terraform.deny");
    assert_eq!(o.outcome, Outcome::Fail);
    let mut got: Vec<&str> = o.detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    got.sort();
    // `not x` holds when x is false or undefined (OPA's negation).
    assert_eq!(
        got,
        [
            "aws_db_instance.reports is not encrypted at rest",
            "aws_ebs_volume.scratch is not encrypted at rest"
        ]
    );
    let o = rego(d, "encryption.rego", "plan.json", "data.terraform.allow");
    assert_eq!(
        (o.outcome, o.summary.as_str()),
        (Outcome::Fail, "data.terraform.allow is false")
    );
}

const BRANCH_POLICY: &str = r#"package github

deny contains msg if {
    some name, branch in input.branches
    branch.protected
    branch.required_reviews < 1
    msg := sprintf("%s: merges need no review", [name])
}

deny contains msg if {
    some name, branch in input.branches
    branch.protected
    branch.allow_force_push
    msg := sprintf("%s: force pushes are allowed", [name])
}
"#;

#[test]
fn branch_protection_in_yaml_and_toml_and_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("branches.rego"), BRANCH_POLICY).unwrap();
    std::fs::write(
        d.join("branches.yaml"),
        "branches:\n  main:\n    protected: true\n    required_reviews: 1\n    allow_force_push: false\n  release:\n    protected: true\n    required_reviews: 2\n    allow_force_push: false\n  scratch:\n    protected: false\n    required_reviews: 0\n    allow_force_push: true\n",
    )
    .unwrap();
    let o = rego(d, "branches.rego", "branches.yaml", "data.github.deny");
    assert_eq!(
        (o.outcome, o.summary.as_str()),
        (Outcome::Pass, "data.github.deny denied nothing")
    );
    std::fs::write(
        d.join("branches.toml"),
        "[branches.main]\nprotected = true\nrequired_reviews = 0\nallow_force_push = true\n",
    )
    .unwrap();
    let o = rego(d, "branches.rego", "branches.toml", "data.github.deny");
    assert_eq!(o.outcome, Outcome::Fail);
    assert_eq!(o.detail["denied"], 2);

    // A policy that does not parse, an input that does not, a policy out of the repo.
    std::fs::write(
        d.join("broken.rego"),
        "package x\n\ndeny contains msg if {\n",
    )
    .unwrap();
    let o = rego(d, "broken.rego", "branches.toml", "data.x.deny");
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.summary.starts_with("broken.rego: "), "{}", o.summary);
    std::fs::write(d.join("bad.json"), "{\"branches\": [1, }").unwrap();
    let o = rego(d, "branches.rego", "bad.json", "data.github.deny");
    assert_eq!(
        o.summary.split(": not JSON").next().unwrap(),
        "bad.json:1:18"
    );
    std::os::unix::fs::symlink("/etc/hostname", d.join("outside.rego")).unwrap();
    let o = rego(d, "outside.rego", "branches.toml", "data.x.deny");
    assert!(
        o.summary.contains("outside the folder it belongs to"),
        "{}",
        o.summary
    );
}
