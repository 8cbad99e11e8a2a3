//! `sarif`: a SARIF 2.1.0 report of a static analyser. Each result has a level
//! (its own, else its rule's default, else `warning`, as SARIF says) and, when
//! the tool gives one, a severity (`security-severity` as CodeQL and Semgrep
//! write it, or Bandit's `issue_severity`). Results whose level or severity is
//! in `fail_on` fail the check, unless the baseline accepts their fingerprint
//! until a day not yet past.

use crate::{CheckResult, Context, report};
use evident_core::model::checks::SarifCheck;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How many failing results the entry names.
const NAMED: usize = 50;

pub fn run(check: &SarifCheck, cx: &Context) -> CheckResult {
    let doc = match report::read_json(&check.path, check.max_age, cx, "SARIF JSON") {
        Ok(d) => d,
        Err(e) => return e,
    };
    let (Some("2.1.0"), Some(runs)) = (doc["version"].as_str(), doc["runs"].as_array()) else {
        return CheckResult::error(format!(
            "{}: not a SARIF 2.1.0 log (no `\"version\": \"2.1.0\"` with `runs`)",
            check.path
        ));
    };
    let Some(today) = crate::today(cx) else {
        return CheckResult::error("the clock is outside the dates evident knows");
    };
    let fail_on: Vec<&str> = if check.fail_on.is_empty() {
        vec!["error"]
    } else {
        check.fail_on.iter().map(String::as_str).collect()
    };
    let mut by_level: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_severity: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut failing, mut accepted) = (Vec::new(), Vec::new());
    let mut tools = Vec::new();
    for run in runs {
        let driver = &run["tool"]["driver"];
        tools.push(driver["name"].as_str().unwrap_or("?").to_string());
        let rules = driver["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        for result in run["results"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let rule_id = result["ruleId"].as_str().unwrap_or("");
            let rule = result["ruleIndex"]
                .as_u64()
                .and_then(|i| rules.get(i as usize))
                .or_else(|| rules.iter().find(|r| r["id"].as_str() == Some(rule_id)));
            let level = result["level"]
                .as_str()
                .or_else(|| rule.and_then(|r| r["defaultConfiguration"]["level"].as_str()))
                .unwrap_or("warning");
            let level = match level {
                "error" => "error",
                "note" => "note",
                "none" => "none",
                _ => "warning",
            };
            let severity = severity(result).or_else(|| rule.and_then(severity));
            *by_level.entry(level).or_default() += 1;
            if let Some(s) = severity {
                *by_severity.entry(s).or_default() += 1;
            }
            let fails = fail_on.contains(&level) || severity.is_some_and(|s| fail_on.contains(&s));
            if !fails {
                continue;
            }
            let location = &result["locations"][0]["physicalLocation"];
            let at = format!(
                "{}:{}",
                location["artifactLocation"]["uri"].as_str().unwrap_or("?"),
                location["region"]["startLine"].as_u64().unwrap_or(0)
            );
            let fingerprint = fingerprint(result, rule_id, &at);
            let shown = json!({
                "rule": rule_id,
                "level": level,
                "severity": severity,
                "at": at,
                "fingerprint": fingerprint,
                "message": result["message"]["text"].as_str().unwrap_or("").chars().take(500).collect::<String>(),
            });
            match check.baseline.iter().find(|a| a.fingerprint == fingerprint) {
                Some(a) if a.until >= today => {
                    accepted.push(json!({ "finding": shown, "accepted_by": a.accepted_by, "until": a.until.to_string() }));
                }
                Some(a) => failing
                    .push(json!({ "finding": shown, "acceptance_expired": a.until.to_string() })),
                None => failing.push(json!({ "finding": shown })),
            }
        }
    }
    let total: u64 = by_level.values().sum();
    let passed = format!(
        "{total} findings{}; none at {}{}",
        report::tally(&by_level),
        fail_on.join("/"),
        report::beyond_accepted(accepted.len())
    );
    let problems: Vec<String> = match failing.first() {
        None => vec![],
        Some(first) => vec![format!(
            "{} findings at {} (first: {} at {})",
            failing.len(),
            fail_on.join("/"),
            first["finding"]["rule"].as_str().unwrap_or("?"),
            first["finding"]["at"].as_str().unwrap_or("?")
        )],
    };
    let named: Vec<&Value> = failing.iter().take(NAMED).collect();
    let detail = json!({
        "path": check.path,
        "tools": tools,
        "findings": total,
        "by_level": by_level,
        "by_severity": by_severity,
        "failing": failing.len(),
        "failing_named": named,
        "accepted": accepted,
    });
    CheckResult::judged(&problems, passed, detail)
}

/// A result's (or rule's) severity: `security-severity` (a CVSS-like score),
/// else Bandit's `issue_severity`.
fn severity(v: &Value) -> Option<&'static str> {
    let props = &v["properties"];
    if let Some(score) = props["security-severity"]
        .as_str()
        .and_then(|s| s.parse::<f64>().ok())
        .or_else(|| props["security-severity"].as_f64())
    {
        return Some(match score {
            s if s >= 9.0 => "critical",
            s if s >= 7.0 => "high",
            s if s >= 4.0 => "medium",
            _ => "low",
        });
    }
    match props["issue_severity"]
        .as_str()?
        .to_ascii_lowercase()
        .as_str()
    {
        "high" => Some("high"),
        "medium" => Some("medium"),
        "low" => Some("low"),
        _ => None,
    }
}

/// The result's own fingerprint (the first, by name), else its partial one,
/// else rule and location: what a baseline names it by.
fn fingerprint(result: &Value, rule: &str, at: &str) -> String {
    for key in ["fingerprints", "partialFingerprints"] {
        if let Some(map) = result[key].as_object()
            && let Some((name, value)) = map.iter().min_by_key(|(k, _)| k.as_str())
            && let Some(v) = value.as_str()
        {
            return format!("{name}:{v}");
        }
    }
    format!("{rule}@{at}")
}
