//! The example trust repo (examples/tidewater) tells what a real hand-written
//! trust page says, as an evident program: a Type II pursuit, every row of its
//! criteria table, three privacy rows with the rest of Privacy not applicable,
//! encryption at rest partial with its roadmap date, subprocessors with DPAs.

mod common;

use common::{find, run_at};
use serde_json::Value;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-06-15T12:00:00Z";

/// A copy of the example (judging opens a ledger beside it).
fn example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tidewater");
    copy(&from, tmp.path());
    tmp
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = run_at(dir, NOW, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn the_example_says_what_the_hand_written_page_says_and_builds() {
    let tmp = example();
    let dir = tmp.path();
    // No errors; lint warns only about the criteria the page never addressed.
    let (code, out, err) = run_at(dir, NOW, &["lint"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 error(s)"), "{out}");

    let status = json(dir, &["status", "--json"]);
    assert_eq!(status["audit_type"], "type2");
    // Every row of the page's criteria table is a criterion a control implements.
    let rows = [
        "CC6.1", "CC6.2", "CC6.3", "CC6.4", "CC6.6", "CC6.7", "CC6.8", "CC7.1", "CC7.2", "CC7.3",
        "CC8.1", "CC9.1", "A1.2", "A1.3", "C1.1", "C1.2", "P1.1", "P5.2", "P6.1",
    ];
    for id in rows {
        let c = find(&status["criteria"], "id", id);
        assert_eq!(c["in_scope"], true, "{c}");
        assert!(!c["controls"].as_array().unwrap().is_empty(), "{c}");
    }
    // The other fifteen privacy criteria do not apply, each with its reason.
    let privacy: Vec<&Value> = status["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["category"] == "privacy")
        .collect();
    assert_eq!(privacy.len(), 18);
    let na: Vec<&&Value> = privacy
        .iter()
        .filter(|c| c["state"] == "not-applicable")
        .collect();
    assert_eq!(na.len(), 15, "{na:?}");
    assert!(
        na.iter()
            .all(|c| c["not_applicable"].as_str().is_some_and(|r| r.len() > 40))
    );

    // Encryption at rest claims partial, with the SQLCipher roadmap date as an
    // accepted exception to the SLA.
    let at_rest = find(&status["controls"], "id", "AT-REST");
    assert_eq!(at_rest["claimed"], "partial", "{at_rest}");
    let plan = json(dir, &["remediation", "--json"]);
    let sqlcipher = find(&plan["items"], "id", "gap:AT-REST/sqlcipher");
    assert_eq!(sqlcipher["due"], "2026-08-25", "{sqlcipher}");
    assert_eq!(sqlcipher["exception"]["accepted_by"], "CTO");
    assert_eq!(sqlcipher["days_overdue"], 0);

    // The portal: the subprocessors with their DPAs, the Key management
    // section kept on the encryption page, the privacy rows and the reasons.
    let site = dir.join("site");
    let (code, _, err) = run_at(dir, NOW, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let page = |name: &str| std::fs::read_to_string(site.join(name)).unwrap();
    let subprocessors = page("subprocessors.html");
    assert!(
        subprocessors.contains("Cloudflare") && subprocessors.contains("Hosting provider"),
        "{subprocessors}"
    );
    let at_rest = page("controls/AT-REST.html");
    for text in [
        "Key management",
        "rotated annually or on suspected compromise",
        "SQLCipher",
        "target 2026-08-25, later than the SLA, accepted by CTO",
    ] {
        assert!(at_rest.contains(text), "{text} in {at_rest}");
    }
    let criteria = page("criteria.html");
    assert!(
        criteria.contains("P5.2") && criteria.contains("P6.1"),
        "{criteria}"
    );
    assert!(
        criteria.contains("Not applicable: Data subject access"),
        "{criteria}"
    );
    let access = page("controls/ACCESS.html");
    assert!(
        access.contains("SMS-based two-factor authentication is not supported"),
        "{access}"
    );
    // The page's disclosure terms, in its own words, and nothing it did not say.
    let disclosure = page("disclosure.html");
    assert!(disclosure.contains("1 business day"), "{disclosure}");
    assert!(
        disclosure.contains("do not yet operate a paid bug bounty"),
        "{disclosure}"
    );
    assert!(!disclosure.contains("Safe harbour"), "{disclosure}");
    let txt = page(".well-known/security.txt");
    assert!(txt.contains("# Response time: 1 business day\n"), "{txt}");
}
