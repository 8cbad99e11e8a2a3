//! `evident export oscal`: every OSCAL document passes `trestle validate`
//! (compliance-trestle from PyPI), and says what the judgement says.

mod common;

use common::{add_evidence, run_at, write_fixture};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const NOW: &str = "2026-11-23T12:00:00Z";

/// (model flag, file written, trestle folder, trestle file name)
const MODELS: [(&str, &str, &str, &str); 5] = [
    ("catalog", "catalog.json", "catalogs/tsc", "catalog.json"),
    ("profile", "profile.json", "profiles/tsc", "profile.json"),
    (
        "ssp",
        "ssp.json",
        "system-security-plans/x",
        "system-security-plan.json",
    ),
    (
        "assessment-results",
        "assessment-results.json",
        "assessment-results/x",
        "assessment-results.json",
    ),
    (
        "poam",
        "poam.json",
        "plan-of-action-and-milestones/x",
        "plan-of-action-and-milestones.json",
    ),
];

fn trestle_validate(workspace: &Path, file: &str) -> (bool, String) {
    let out = Command::new("trestle")
        .args(["validate", "-f", file])
        .current_dir(workspace)
        .output()
        .expect("trestle runs (scripts/test installs compliance-trestle)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success() && text.contains("VALID: Model") && !text.contains("INVALID"),
        text,
    )
}

#[test]
fn every_oscal_document_passes_trestle_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    // A1.3 (recovery testing) is declared not to apply, with its reason.
    let config = std::fs::read_to_string(dir.join("evident.toml")).unwrap();
    std::fs::write(
        dir.join("evident.toml"),
        config.replace(
            "[sla]",
            "[[audit.not_applicable]]\ncriteria = [\"A1.3\"]\nreason = \"No stored data to recover: the service is stateless.\"\n\n[sla]",
        ),
    )
    .unwrap();
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/mfa-enforced", "pass");
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/password-policy", "pass");
    add_evidence(dir, "2026-11-22T09:00:00Z", "AUTH/mfa-enforced", "fail");
    add_evidence(dir, "2026-11-23T09:00:00Z", "BACKUP/nightly", "pass");
    let out = dir.join("oscal");
    for (model, file, _, _) in MODELS {
        let path = out.join(file);
        let (code, _, err) = run_at(
            dir,
            NOW,
            &[
                "export",
                "oscal",
                "--model",
                model,
                "--window",
                "2026-11-01..2026-11-30",
                "--out",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{model}: {err}");
    }

    // A trestle workspace with each document in its model's folder. Trestle
    // resolves an import's relative href from the workspace root, so the profile
    // and catalog the SSP imports (written side by side) are placed there too.
    let ws = tmp.path().join("trestle");
    std::fs::create_dir_all(&ws).unwrap();
    let init = Command::new("trestle")
        .arg("init")
        .current_dir(&ws)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    for (_, file, folder, name) in MODELS {
        std::fs::create_dir_all(ws.join(folder)).unwrap();
        std::fs::copy(out.join(file), ws.join(folder).join(name)).unwrap();
    }
    for file in ["profile.json", "catalog.json"] {
        std::fs::copy(out.join(file), ws.join(file)).unwrap();
    }
    for (model, _, folder, name) in MODELS {
        let (ok, text) = trestle_validate(&ws, &format!("{folder}/{name}"));
        assert!(ok, "{model} does not validate:\n{text}");
    }

    // The validator is live: a broken UUID is refused.
    let ar_path = ws.join("assessment-results/x/assessment-results.json");
    let mut broken: Value = serde_json::from_slice(&std::fs::read(&ar_path).unwrap()).unwrap();
    broken["assessment-results"]["uuid"] = Value::from("not-a-uuid");
    std::fs::write(&ar_path, serde_json::to_vec(&broken).unwrap()).unwrap();
    assert!(!trestle_validate(&ws, "assessment-results/x/assessment-results.json").0);

    // What they say matches the judgement.
    let read = |file: &str| -> Value {
        serde_json::from_slice(&std::fs::read(out.join(file)).unwrap()).unwrap()
    };
    let ssp = read("ssp.json");
    let reqs = ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .unwrap();
    let cc61 = reqs.iter().find(|r| r["control-id"] == "cc6.1").unwrap();
    assert_eq!(
        cc61["by-components"][0]["implementation-status"]["state"], "partial",
        "{cc61}"
    );
    let a13 = reqs.iter().find(|r| r["control-id"] == "a1.3").unwrap();
    let by = &a13["by-components"][0];
    assert_eq!(
        by["implementation-status"]["state"], "not-applicable",
        "{a13}"
    );
    assert_eq!(
        by["implementation-status"]["remarks"],
        "No stored data to recover: the service is stateless."
    );
    let ar = read("assessment-results.json");
    let findings = ar["assessment-results"]["results"][0]["findings"]
        .as_array()
        .unwrap();
    assert_eq!(
        findings.len(),
        35,
        "one finding per in-scope criterion but the one not applicable"
    );
    let satisfied = |id: &str| {
        findings
            .iter()
            .find(|f| f["target"]["target-id"] == format!("{id}_obj"))
            .unwrap()["target"]["status"]["state"]
            .clone()
    };
    assert_eq!(satisfied("a1.2"), "satisfied", "BACKUP is implemented");
    assert_eq!(
        satisfied("cc6.1"),
        "not-satisfied",
        "AUTH's MFA check fails"
    );
    let observations = ar["assessment-results"]["results"][0]["observations"]
        .as_array()
        .unwrap();
    assert!(
        observations
            .iter()
            .any(|o| o["relevant-evidence"][0]["href"] == "#ledger-entry-2")
    );
    let poam = read("poam.json");
    let items = poam["plan-of-action-and-milestones"]["poam-items"]
        .as_array()
        .unwrap();
    let (_, plan, _) = run_at(dir, NOW, &["remediation", "--json"]);
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(
        items.len(),
        plan["items"].as_array().unwrap().len(),
        "one item per open remediation item"
    );
    let risk = poam["plan-of-action-and-milestones"]["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "gap:AUTH/password-plain")
        .unwrap();
    assert_eq!(
        risk["deadline"], "2026-10-02T00:00:00Z",
        "opened 10-01, critical: one day"
    );
}
