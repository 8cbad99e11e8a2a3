mod common;

use serde_json::Value;

/// The 61 criteria as DESIGN.md lists them, written out independently of the catalog file.
fn expected_ids() -> Vec<String> {
    let mut ids = Vec::new();
    for (series, n) in [
        ("CC1", 5),
        ("CC2", 3),
        ("CC3", 4),
        ("CC4", 2),
        ("CC5", 3),
        ("CC6", 8),
        ("CC7", 5),
        ("CC8", 1),
        ("CC9", 2),
    ] {
        ids.extend((1..=n).map(|i| format!("{series}.{i}")));
    }
    ids.extend((1..=3).map(|i| format!("A1.{i}")));
    ids.extend((1..=2).map(|i| format!("C1.{i}")));
    ids.extend((1..=5).map(|i| format!("PI1.{i}")));
    for (series, n) in [
        ("P1", 1),
        ("P2", 1),
        ("P3", 2),
        ("P4", 3),
        ("P5", 2),
        ("P6", 7),
        ("P7", 1),
        ("P8", 1),
    ] {
        ids.extend((1..=n).map(|i| format!("{series}.{i}")));
    }
    ids
}

#[test]
fn catalog_json_lists_exactly_the_61_criteria_in_order() {
    let out = common::evident()
        .args(["catalog", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<String> = doc["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, expected_ids());
    for c in doc["criteria"].as_array().unwrap() {
        assert!(!c["title"].as_str().unwrap().is_empty());
        assert!(!c["description"].as_str().unwrap().is_empty());
    }
}

#[test]
fn catalog_filters_by_category() {
    let out = common::evident()
        .args(["catalog", "--json", "--category", "availability"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = doc["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["A1.1", "A1.2", "A1.3"]);

    let out = common::evident()
        .args(["catalog", "--category", "securty"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `security`?"));
}

#[test]
fn human_catalog_is_a_table_of_all_criteria() {
    let out = common::evident().arg("catalog").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(61 criteria)"));
    assert!(text.contains("CC6.1") && text.contains("P8.1"));
}
