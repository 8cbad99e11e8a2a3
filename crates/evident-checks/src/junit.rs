//! `junit`: a JUnit XML report (the de-facto schema pytest, cargo-nextest and
//! Maven Surefire write). Each `<testcase>` is one test: failed when it holds a
//! `<failure>`, errored when it holds an `<error>`, skipped when it holds a
//! `<skipped>`. Passes when none failed or errored and at least `min_tests` ran.

use crate::{CheckResult, Context, report};
use evident_core::model::checks::JunitCheck;
use serde_json::json;

/// How many failing tests the entry names.
const NAMED: usize = 50;

pub fn run(check: &JunitCheck, cx: &Context) -> CheckResult {
    let bytes = match report::read(&check.path, check.max_age, cx) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return CheckResult::error(format!("{}: not UTF-8 text", check.path));
    };
    let doc = match roxmltree::Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let at = e.pos();
            return CheckResult::error(format!(
                "{}:{}:{}: not JUnit XML: {e}",
                check.path, at.row, at.col
            ));
        }
    };
    let root = doc.root_element().tag_name().name();
    if root != "testsuites" && root != "testsuite" {
        return CheckResult::error(format!(
            "{}: not JUnit XML: the root element is <{root}>, not <testsuites> or <testsuite>",
            check.path
        ));
    }
    let (mut ran, mut passed, mut skipped) = (0u64, 0u64, 0u64);
    let mut failed: Vec<serde_json::Value> = Vec::new();
    let (mut failures, mut errors) = (0u64, 0u64);
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let test = case.attribute("name").unwrap_or("?");
        let name = match case.attribute("classname") {
            Some(class) => format!("{class}::{test}"),
            None => test.to_string(),
        };
        let child = |tag: &str| case.children().find(|c| c.has_tag_name(tag));
        if child("skipped").is_some() {
            skipped += 1;
            continue;
        }
        ran += 1;
        let broken = child("failure")
            .map(|n| ("failed", n))
            .or_else(|| child("error").map(|n| ("errored", n)));
        match broken {
            None => passed += 1,
            Some((how, node)) => {
                if how == "failed" {
                    failures += 1;
                } else {
                    errors += 1;
                }
                if failed.len() < NAMED {
                    failed.push(json!({
                        "test": name,
                        "result": how,
                        "message": node.attribute("message").unwrap_or("").chars().take(500).collect::<String>(),
                    }));
                }
            }
        }
    }
    let counts = format!(
        "{ran} tests ran: {passed} passed, {failures} failed, {errors} errored; {skipped} skipped"
    );
    let mut problems = Vec::new();
    if failures + errors > 0 {
        let first = failed
            .first()
            .and_then(|f| f["test"].as_str())
            .unwrap_or("?");
        problems.push(format!("{counts} (first: {first})"));
    }
    if ran < check.min_tests {
        problems.push(format!(
            "{ran} tests ran, fewer than the {} required",
            check.min_tests
        ));
    }
    let detail = json!({
        "path": check.path,
        "tests": ran,
        "passed": passed,
        "failed": failures,
        "errored": errors,
        "skipped": skipped,
        "failing": failed,
    });
    CheckResult::judged(&problems, counts, detail)
}
