//! The cyclonedx importer over SBOMs `cyclonedx-py` (PyPI) makes here: one of a
//! fresh virtual environment (its pip and setuptools, from Python's own
//! ensurepip wheels) matched against real OSV records of the GitHub Advisory
//! Database stored as fixtures (tests/fixtures/osv: GHSA-mq26-g339-26xf,
//! GHSA-5xp3-jfq3-5q8x, GHSA-cx63-2mw6-8hw5, GHSA-r9hx-vwmv-q579). Which record
//! affects which component is computed independently, in Python, with the
//! `packaging` library's PEP 440 versions.

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn check(extra: Value) -> CheckSettings {
    let mut v = json!({ "path": "sbom.json", "advisories": "advisories" });
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    CheckSettings::parse(CheckKind::Cyclonedx, &serde_json::from_value(v).unwrap()).unwrap()
}

fn cx(dir: &Path) -> Context {
    Context {
        repo: dir.to_path_buf(),
        now: std::time::SystemTime::now(),
    }
}

fn ok(out: std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A virtual environment's SBOM, by cyclonedx-py, at `d/sbom.json`; and the
/// OSV fixtures copied to `d/advisories`.
fn environment_sbom(d: &Path) {
    ok(
        Command::new("python3")
            .args(["-m", "venv", "env"])
            .current_dir(d)
            .output()
            .unwrap(),
        "python3 -m venv",
    );
    ok(
        Command::new("cyclonedx-py")
            .args([
                "environment",
                "env/bin/python",
                "--of",
                "JSON",
                "--sv",
                "1.6",
                "-o",
                "sbom.json",
            ])
            .current_dir(d)
            .output()
            .expect("cyclonedx-py runs (scripts/test installs cyclonedx-bom)"),
        "cyclonedx-py environment",
    );
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv");
    std::fs::create_dir(d.join("advisories")).unwrap();
    for f in std::fs::read_dir(fixtures).unwrap() {
        let f = f.unwrap().path();
        if f.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&f, d.join("advisories").join(f.file_name().unwrap())).unwrap();
        }
    }
}

/// (advisory id, component name, severity) of every record that affects a
/// component of the SBOM, decided by Python's `packaging` (pip's own copy).
fn expected_by_python(d: &Path) -> BTreeSet<(String, String, String)> {
    let script = r#"
import json, pathlib, sys
from pip._vendor.packaging.version import Version
sbom = json.load(open("sbom.json"))
names = {"MODERATE": "medium", "HIGH": "high", "CRITICAL": "critical", "LOW": "low"}
for f in sorted(pathlib.Path("advisories").glob("*.json")):
    rec = json.load(open(f))
    for a in rec["affected"]:
        for c in sbom["components"]:
            if c["name"].lower() != a["package"]["name"].lower():
                continue
            v = Version(c["version"])
            for r in a["ranges"]:
                ev = r["events"]
                intro = Version(ev[0]["introduced"]); fixed = Version(ev[1]["fixed"])
                if intro <= v < fixed:
                    print(rec["id"], c["name"], names[rec["database_specific"]["severity"]])
"#;
    let out = Command::new("env/bin/python")
        .args(["-c", script])
        .current_dir(d)
        .output()
        .unwrap();
    ok(out.clone(), "the independent match");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0].into(), f[1].into(), f[2].into())
        })
        .collect()
}

fn reported(o: &evident_checks::CheckResult) -> BTreeSet<(String, String, String)> {
    let failing = o.detail["failing_named"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["vulnerability"]);
    let accepted = o.detail["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["vulnerability"]);
    let below = o.detail["below_fail_on"].as_array().unwrap().iter();
    failing
        .chain(accepted)
        .chain(below)
        .map(|v| {
            (
                v["id"].as_str().unwrap().into(),
                v["component"].as_str().unwrap().into(),
                v["severity"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_environment_sbom_matched_against_osv_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    environment_sbom(d);
    let expected = expected_by_python(d);
    assert!(
        expected.len() >= 2,
        "the environment's pip and setuptools are old enough to be affected: {expected:?}"
    );

    let o = run(&check(json!({})), &cx(d)).await;
    assert_eq!(reported(&o), expected, "{}", o.summary);
    assert_eq!(o.detail["advisories_read"], 4);
    let high: Vec<&(String, String, String)> =
        expected.iter().filter(|(_, _, s)| s == "high").collect();
    assert_eq!(o.outcome, Outcome::Fail);
    assert!(
        o.summary.starts_with(&format!(
            "{} vulnerabilities at critical/high (first: ",
            high.len()
        )),
        "{}",
        o.summary
    );
    // GHSA-5xp3-jfq3-5q8x affects pip before 21.1 only.
    assert!(!expected.iter().any(|(id, ..)| id == "GHSA-5xp3-jfq3-5q8x"));

    // Accepting every high one (one by its CVE alias) until a day to come passes.
    let accept = |until: &str| {
        let list: Vec<Value> = high
            .iter()
            .map(|(id, ..)| {
                let id = if id == "GHSA-cx63-2mw6-8hw5" {
                    "CVE-2024-6345"
                } else {
                    id
                };
                json!({ "id": id, "accepted_by": "CTO", "until": until })
            })
            .collect();
        json!({ "accepted": list })
    };
    let o = run(&check(accept("2099-12-31")), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    assert!(
        o.summary
            .contains(&format!("beyond {} accepted", high.len())),
        "{}",
        o.summary
    );
    let o = run(&check(accept("2020-01-01")), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Fail);
    assert_eq!(
        o.detail["failing_named"][0]["acceptance_expired"],
        "2020-01-01"
    );

    // fail_on medium catches pip's advisory as well.
    let o = run(&check(json!({ "fail_on": ["medium"] })), &cx(d)).await;
    let medium = expected.iter().filter(|(_, _, s)| s == "medium").count();
    assert!(
        o.summary
            .starts_with(&format!("{medium} vulnerabilities at medium")),
        "{}",
        o.summary
    );
}

#[tokio::test]
async fn vulnerabilities_the_scanner_wrote_and_unmatched_components() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An unpinned requirement has no version: cyclonedx-py says so, and so must we.
    std::fs::write(d.join("req.txt"), "requests>=2.0\nurllib3==1.26.4\n").unwrap();
    ok(
        Command::new("cyclonedx-py")
            .args([
                "requirements",
                "req.txt",
                "--of",
                "JSON",
                "--sv",
                "1.5",
                "-o",
                "sbom.json",
            ])
            .current_dir(d)
            .output()
            .unwrap(),
        "cyclonedx-py requirements",
    );
    std::fs::create_dir(d.join("advisories")).unwrap();
    let o = run(&check(json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    assert_eq!(
        o.summary,
        "2 components, 0 known vulnerabilities; none at critical/high; 1 components cannot be matched"
    );
    assert_eq!(
        o.detail["unmatched_named"],
        json!(["requests (no version)"])
    );

    // A scanner (Trivy, Grype) writes what it found into the SBOM: one
    // vulnerability affecting urllib3 by its bom-ref, one it analysed away.
    let mut sbom: Value =
        serde_json::from_slice(&std::fs::read(d.join("sbom.json")).unwrap()).unwrap();
    let urllib3 = sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "urllib3")
        .unwrap()["bom-ref"]
        .clone();
    sbom["vulnerabilities"] = json!([
        { "id": "CVE-2021-33503", "source": { "name": "NVD" },
          "ratings": [{ "severity": "high", "method": "CVSSv31" }],
          "affects": [{ "ref": urllib3 }] },
        { "id": "CVE-2023-43804", "ratings": [{ "severity": "high" }],
          "analysis": { "state": "not_affected" },
          "affects": [{ "ref": urllib3 }] }
    ]);
    std::fs::write(d.join("sbom.json"), sbom.to_string()).unwrap();
    let o = run(&check(json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Fail);
    assert_eq!(
        o.summary,
        "1 vulnerabilities at critical/high (first: CVE-2021-33503 in urllib3 1.26.4)"
    );
    assert_eq!(
        o.detail["dismissed_by_analysis"],
        json!([{ "id": "CVE-2023-43804", "analysis": "not_affected" }])
    );
    assert_eq!(o.detail["by_severity"], json!({ "high": 1 }));
}

#[tokio::test]
async fn refuses_what_is_not_an_sbom_and_a_broken_advisory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    environment_sbom(d);
    let text = std::fs::read_to_string(d.join("sbom.json")).unwrap();
    std::fs::write(d.join("sbom.json"), &text[..text.len() / 2]).unwrap();
    let o = run(&check(json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(
        o.summary.starts_with("sbom.json:") && o.summary.contains("not CycloneDX JSON"),
        "{}",
        o.summary
    );
    std::fs::write(d.join("sbom.json"), r#"{"bomFormat": "SPDX"}"#).unwrap();
    let o = run(&check(json!({})), &cx(d)).await;
    assert_eq!(
        o.summary,
        "sbom.json: not a CycloneDX 1.4–1.6 SBOM (bomFormat `SPDX`, specVersion ``)"
    );
    std::fs::write(d.join("sbom.json"), &text).unwrap();
    let big = std::fs::File::create(d.join("big.json")).unwrap();
    big.set_len(65 << 20).unwrap();
    let o = run(&check(json!({ "path": "big.json" })), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.summary.contains("more than the 64 MiB"), "{}", o.summary);

    std::fs::write(d.join("advisories/broken.json"), "{\"id\": ").unwrap();
    let o = run(&check(json!({})), &cx(d)).await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(
        o.summary.starts_with("advisories/broken.json:1:"),
        "{}",
        o.summary
    );
}
