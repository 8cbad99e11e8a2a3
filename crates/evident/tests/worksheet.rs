//! `evident export worksheet`: read back with openpyxl (PyPI) for the XLSX, and
//! with the csv crate for the CSV folder.

mod common;

use common::{add_evidence, run_at, write_fixture};
use std::path::Path;

const NOW: &str = "2026-11-23T12:00:00Z";

fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    for day in 10..=16 {
        if day != 12 {
            add_evidence(
                dir,
                &format!("2026-11-{day}T02:00:00Z"),
                "BACKUP/nightly",
                "pass",
            );
        }
    }
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/mfa-enforced", "pass");
    add_evidence(dir, "2026-11-22T09:00:00Z", "AUTH/mfa-enforced", "fail");
    tmp
}

fn export(dir: &Path, args: &[&str]) {
    let mut all = vec![
        "export",
        "worksheet",
        "--window",
        "2026-11-10..2026-11-16",
        "--seed",
        "7",
    ];
    all.extend_from_slice(args);
    let (code, out, err) = run_at(dir, NOW, &all);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn the_xlsx_reads_back_with_every_sheet_control_and_criterion() {
    let tmp = repo();
    let dir = tmp.path();
    let xlsx = dir.join("matrix.xlsx");
    export(dir, &["--out", xlsx.to_str().unwrap()]);
    let script = r#"
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    out[ws.title] = {
        "headers": rows[0],
        "rows": len(rows) - 1,
        "frozen": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "col": {h: [r[i].isoformat() if isinstance(r[i], datetime.datetime) else r[i] for r in rows[1:]] for i, h in enumerate(rows[0])},
    }
print(json.dumps(out))
"#;
    let run = std::process::Command::new("python3")
        .args(["-c", script, xlsx.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let book: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let names: Vec<&str> = book
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for sheet in [
        "Controls",
        "Criteria",
        "Periods",
        "Samples",
        "Populations",
        "Remediation",
        "PBC",
        "Retractions",
        "Vendors",
        "Risks",
        "Incidents",
        "Access reviews",
        "Policies",
        "Metrics",
    ] {
        assert!(names.contains(&sheet), "{sheet} in {names:?}");
        assert_eq!(book[sheet]["frozen"], "A2", "{sheet}: header row frozen");
        assert!(
            book[sheet]["filter"].as_str().unwrap().starts_with("A1:"),
            "{sheet}: filter"
        );
    }
    let controls = &book["Controls"];
    assert_eq!(
        controls["headers"].as_array().unwrap()[..4],
        [
            "Criterion",
            "Criterion title",
            "Control",
            "Control description"
        ]
    );
    let ids: Vec<&str> = controls["col"]["Control"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(ids.contains(&"AUTH") && ids.contains(&"BACKUP"), "{ids:?}");
    // Each control's description carries its Statement and Implementation;
    // its test procedure is its own (derived here from nature, frequency and
    // evidence); the auditor's columns are there, empty.
    let row = ids.iter().position(|i| *i == "AUTH").unwrap();
    let description = controls["col"]["Control description"][row]
        .as_str()
        .unwrap();
    assert_eq!(
        description,
        "Authentication. Statement: Everyone signs in with MFA. Implementation: SSO with enforced MFA."
    );
    let procedure = |id: &str| {
        let at = ids.iter().position(|i| *i == id).unwrap();
        controls["col"]["Test procedure"][at]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        procedure("AUTH").contains("mfa-enforced (check:http)"),
        "{}",
        procedure("AUTH")
    );
    assert!(
        procedure("BACKUP").contains("nightly (manual)"),
        "{}",
        procedure("BACKUP")
    );
    assert_ne!(procedure("AUTH"), procedure("BACKUP"));
    for column in ["Auditor result", "Auditor notes"] {
        let cells = controls["col"][column].as_array().unwrap();
        assert!(
            cells.iter().all(serde_json::Value::is_null),
            "{column}: {cells:?}"
        );
    }
    // Every in-scope criterion (security and availability: 36) is on the Criteria sheet.
    let criteria = &book["Criteria"];
    assert_eq!(criteria["rows"], 61);
    let in_scope = criteria["col"]["In scope"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| *v == "yes")
        .count();
    assert_eq!(in_scope, 36);
    // AUTH covers CC6.1 and CC6.2, BACKUP A1.2: one Controls row each.
    assert_eq!(controls["rows"], 3);
    // Dates are real dates, not text.
    let due = &book["Remediation"]["col"]["Due"];
    assert!(due[0].as_str().unwrap().ends_with("T00:00:00"), "{due}");
    // The sample of the 7-day window: all 7 backup days, the missing one flagged.
    let samples = &book["Samples"];
    let notes = samples["col"]["Note"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n == "no evidence: exception"),
        "{samples}"
    );
    // Without a witness, a period's evidence is dated by the company alone, and says so.
    let periods = &book["Periods"];
    let proven = periods["col"]["Proven"].as_array().unwrap();
    assert!(
        proven
            .iter()
            .any(|p| p == "not witnessed: the time is the company's own word"),
        "{periods}"
    );
    // A sheet per register, as written: the fixture's vendor, its approved
    // policy with approval and review dates, its resolved incident.
    let vendors = &book["Vendors"];
    assert_eq!(vendors["col"]["Vendor"][0], "Cloud Host", "{vendors}");
    assert_eq!(vendors["col"]["DPA"][0], "yes");
    let policies = &book["Policies"];
    assert_eq!(policies["col"]["State"][0], "approved", "{policies}");
    assert_eq!(policies["col"]["Approved by"][0], "CEO");
    assert!(
        policies["col"]["Approved on"][0]
            .as_str()
            .unwrap()
            .starts_with("2026-01-10"),
        "{policies}"
    );
    assert_eq!(book["Incidents"]["col"]["Days to resolve"][0], 0);
    assert_eq!(book["Access reviews"]["col"]["Scope"][0], "api-keys");
    let pbc = &book["PBC"];
    assert_eq!(pbc["rows"], 3, "one request per evidence item");
    assert_eq!(pbc["col"]["Status"][0], "provided, failing");
}

#[test]
fn the_csv_folder_round_trips() {
    let tmp = repo();
    let dir = tmp.path();
    let folder = dir.join("matrix");
    export(dir, &["--format", "csv", "--out", folder.to_str().unwrap()]);
    let xlsx = dir.join("m.xlsx");
    export(dir, &["--out", xlsx.to_str().unwrap()]);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "access-reviews.csv",
            "controls.csv",
            "criteria.csv",
            "incidents.csv",
            "metrics.csv",
            "pbc.csv",
            "periods.csv",
            "policies.csv",
            "populations.csv",
            "remediation.csv",
            "retractions.csv",
            "risks.csv",
            "samples.csv",
            "vendors.csv"
        ]
    );
    // The Metrics sheet: the window's row holds the backup item's six passing nights.
    let mut r = csv::Reader::from_path(folder.join("metrics.csv")).unwrap();
    let metrics: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let window = metrics.iter().find(|r| &r[0] == "Window").unwrap();
    assert_eq!(&window[3], "100", "{window:?}");
    let sources = metrics.iter().find(|r| &r[0] == "Sources").unwrap();
    assert!(sources[3].starts_with("from BACKUP/"), "{sources:?}");
    let mut r = csv::Reader::from_path(folder.join("controls.csv")).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(headers.len(), 14);
    assert_eq!(rows.len(), 3);
    // Written again from what was read, the file is byte-for-byte the same.
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for row in &rows {
        w.write_record(row).unwrap();
    }
    assert_eq!(
        w.into_inner().unwrap(),
        std::fs::read(folder.join("controls.csv")).unwrap()
    );
    let auth = rows.iter().find(|r| &r[2] == "AUTH").unwrap();
    assert_eq!(&auth[9], "failing");
    assert_eq!(
        &auth[11], "7",
        "the latest entry of each evidence item that has one: {auth:?}"
    );
    assert_eq!(
        &auth[10], "2",
        "two lapses of the continuous control in the window"
    );
}
