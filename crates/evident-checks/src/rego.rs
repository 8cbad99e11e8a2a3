//! `rego`: an OPA policy from the trust repo evaluated with regorus over an
//! input file (JSON, YAML, TOML, or CSV read as an array of objects whose
//! values are strings): MFA on every account of an identity-provider export,
//! encryption on every store of a Terraform plan. `query` names the rule: a set
//! or array (a `deny` rule) fails when it is not empty, with its messages; a
//! boolean (an `allow` rule) passes when true; an undefined rule means nothing
//! was denied.

use crate::{CheckResult, Context, report};
use evident_core::model::checks::RegoCheck;
use serde_json::{Value, json};

/// A policy is a document of the trust repo; its size is a text file's.
const MAX_POLICY: u64 = 2 << 20;

/// How many messages the entry keeps.
const KEPT: usize = 200;

pub fn run(check: &RegoCheck, cx: &Context) -> CheckResult {
    let policy = match evident_fsio::read_inside(&cx.repo, &check.policy, MAX_POLICY) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return CheckResult::error(format!("{}: {e}", check.policy)),
    };
    let bytes = match report::read(&check.input, check.max_age, cx) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let input = match parse_input(&check.input, &bytes) {
        Ok(v) => v,
        Err(e) => return CheckResult::error(e),
    };
    let records = match &input {
        Value::Array(a) => Some(a.len()),
        _ => None,
    };
    let result = match evaluate(&check.policy, policy, &input, &check.query) {
        Ok(v) => v,
        Err(e) => return CheckResult::error(format!("{}: {e}", check.policy)),
    };
    let (denied, allowed): (Vec<String>, Option<bool>) = match &result {
        Value::Bool(b) => (vec![], Some(*b)),
        Value::Array(items) => (items.iter().map(message).collect(), None),
        Value::Null => (vec![], None),
        other => (vec![message(other)], None),
    };
    let mut problems = Vec::new();
    if allowed == Some(false) {
        problems.push(format!("{} is false", check.query));
    }
    if let Some(first) = denied.first() {
        problems.push(format!("{} denied {}: {first}", check.query, denied.len()));
    }
    let passed = match (allowed, records) {
        (Some(true), _) => format!("{} is true", check.query),
        (_, Some(n)) => format!("{} denied nothing over {n} records", check.query),
        _ => format!("{} denied nothing", check.query),
    };
    let detail = json!({
        "policy": check.policy,
        "input": check.input,
        "query": check.query,
        "records": records,
        "denied": denied.len(),
        "messages": denied.iter().take(KEPT).collect::<Vec<_>>(),
        "allowed": allowed,
    });
    CheckResult::judged(&problems, passed, detail)
}

/// The policy's answer to `query` over `input`, as JSON (`null`: undefined).
fn evaluate(name: &str, policy: String, input: &Value, query: &str) -> Result<Value, String> {
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(name.to_string(), policy)
        .map_err(|e| e.to_string())?;
    let input = regorus::Value::from_json_str(&input.to_string()).map_err(|e| e.to_string())?;
    engine.set_input(input);
    let value = engine
        .eval_rule(query.to_string())
        .map_err(|e| e.to_string())?;
    if value == regorus::Value::Undefined {
        return Ok(Value::Null);
    }
    let text = value.to_json_str().map_err(|e| e.to_string())?;
    // A set comes out as an array, in the set's order.
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// A denial as one line: a string as it is, anything else as JSON.
fn message(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The input file as JSON, by its extension.
fn parse_input(path: &str, bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))?;
    let ext = path
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "json" => serde_json::from_str(text)
            .map_err(|e| format!("{path}:{}:{}: not JSON: {e}", e.line(), e.column())),
        "yaml" | "yml" => {
            serde_saphyr::from_str(text).map_err(|e| format!("{path}: not YAML: {e}"))
        }
        "toml" => toml::from_str(text).map_err(|e| format!("{path}: not TOML: {e}")),
        "csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let headers = reader
                .headers()
                .map_err(|e| format!("{path}: not CSV: {e}"))?
                .clone();
            let mut rows = Vec::new();
            for (n, row) in reader.records().enumerate() {
                let row = row.map_err(|e| format!("{path}:{}: not CSV: {e}", n + 2))?;
                let object: serde_json::Map<String, Value> = headers
                    .iter()
                    .zip(row.iter())
                    .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
                    .collect();
                rows.push(Value::Object(object));
            }
            Ok(Value::Array(rows))
        }
        _ => Err(format!("{path}: an input is .json, .yaml, .toml or .csv")),
    }
}
