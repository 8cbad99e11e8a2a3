//! `http`: one request, and what the answer must hold: status, headers (HSTS in
//! detail), a JSON value. The response head and the start of the body are the
//! evidence.

use crate::{CheckResult, tls_provider};
use evident_core::causes::chain;
use evident_core::model::checks::{HttpCheck, HttpMethod};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Body kept as evidence and read for JSON.
const MAX_BODY: usize = 1 << 20;

pub async fn run(check: &HttpCheck) -> CheckResult {
    tls_provider();
    let client = match reqwest::Client::builder()
        .danger_accept_invalid_certs(check.insecure)
        .user_agent(concat!(
            "evident/",
            env!("CARGO_PKG_VERSION"),
            " (SOC 2 evidence check)"
        ))
        .build()
    {
        Ok(c) => c,
        Err(e) => return CheckResult::error(format!("cannot build an HTTP client: {}", chain(&e))),
    };
    let request = match check.method {
        HttpMethod::Get => client.get(&check.url),
        HttpMethod::Head => client.head(&check.url),
    };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            return CheckResult::error(format!("{} {}: {}", method(check), check.url, chain(&e)));
        }
    };
    let status = response.status().as_u16();
    let final_url = response.url().to_string();
    let headers: BTreeMap<String, String> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Read chunk by chunk and stopped at the cap: an endless or chunked body
    // costs at most MAX_BODY, never what the server chooses to send.
    let mut response = response;
    let mut kept: Vec<u8> = Vec::new();
    while kept.len() < MAX_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            Err(e) => {
                return CheckResult::error(format!(
                    "reading the body of {}: {}",
                    check.url,
                    chain(&e)
                ));
            }
        }
    }
    let body = &kept[..];

    let mut problems = Vec::new();
    if let Some(want) = check.expect_status
        && want != status
    {
        problems.push(format!("status {status}, expected {want}"));
    }
    for (name, must_contain) in &check.expect_header {
        match headers.get(&name.to_ascii_lowercase()) {
            None => problems.push(format!("no `{name}` header")),
            Some(v) if !v.contains(must_contain.as_str()) => {
                problems.push(format!("`{name}: {v}` does not contain `{must_contain}`"))
            }
            Some(_) => {}
        }
    }
    check_hsts(
        check,
        headers.get("strict-transport-security"),
        &mut problems,
    );
    if let (Some(pointer), Some(expected)) = (&check.json_pointer, &check.json_equals) {
        match serde_json::from_slice::<Value>(body) {
            Err(e) => problems.push(format!("the body is not JSON ({e})")),
            Ok(doc) => match doc.pointer(pointer) {
                None => problems.push(format!("the body has nothing at `{pointer}`")),
                Some(found) if found != expected => {
                    problems.push(format!("`{pointer}` is {found}, expected {expected}"))
                }
                Some(_) => {}
            },
        }
    }
    let detail = json!({
        "request": { "method": method(check), "url": check.url },
        "final_url": final_url,
        "status": status,
        "headers": headers,
        "body_start": String::from_utf8_lossy(&body[..body.len().min(4096)]),
    });
    let problems: Vec<String> = problems
        .into_iter()
        .map(|p| format!("{}: {p}", check.url))
        .collect();
    CheckResult::judged(
        &problems,
        format!(
            "{} {} answered {status} as required",
            method(check),
            check.url
        ),
        detail,
    )
}

fn check_hsts(check: &HttpCheck, header: Option<&String>, problems: &mut Vec<String>) {
    let wants = check.hsts_min_age.is_some() || check.hsts_include_subdomains || check.hsts_preload;
    if !wants {
        return;
    }
    let Some(value) = header else {
        problems.push("no Strict-Transport-Security header".into());
        return;
    };
    let directives: Vec<String> = value
        .split(';')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    let max_age = directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age="))
        .and_then(|v| v.trim_matches('"').parse::<u64>().ok());
    if let Some(min) = check.hsts_min_age {
        match max_age {
            None => problems.push(format!("HSTS `{value}` has no max-age")),
            Some(age) if age < min => problems.push(format!("HSTS max-age {age} is below {min}")),
            Some(_) => {}
        }
    }
    if check.hsts_include_subdomains && !directives.iter().any(|d| d == "includesubdomains") {
        problems.push(format!("HSTS `{value}` lacks includeSubDomains"));
    }
    if check.hsts_preload && !directives.iter().any(|d| d == "preload") {
        problems.push(format!("HSTS `{value}` lacks preload"));
    }
}

fn method(check: &HttpCheck) -> &'static str {
    match check.method {
        HttpMethod::Get => "GET",
        HttpMethod::Head => "HEAD",
    }
}
