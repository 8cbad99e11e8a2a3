//! Automated checks. Each kind observes one thing and returns an
//! [`CheckResult`]: an outcome, a one-line summary, and the raw observation (JSON)
//! that is stored as the evidence blob. Checks only read: a check never changes
//! what it looks at. A check that cannot observe (no such host, a timeout) says
//! `error` with the reason; nothing here panics on what it finds.

mod command;
mod cyclonedx;
mod file;
mod git;
mod http;
mod junit;
mod osv;
mod population;
mod rego;
mod report;
mod sarif;
mod tls;

use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// What a check is run against: the trust repo (relative paths) and the time
/// (for ages), both handed in.
#[derive(Clone, Debug)]
pub struct Context {
    pub repo: PathBuf,
    pub now: SystemTime,
}

/// How many checks run at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The default limit for one check.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    pub outcome: Outcome,
    pub summary: String,
    /// The raw observation, kept as the entry's content.
    pub detail: Value,
}

impl CheckResult {
    pub fn pass(summary: impl Into<String>, detail: Value) -> CheckResult {
        CheckResult {
            outcome: Outcome::Pass,
            summary: summary.into(),
            detail,
        }
    }

    pub fn fail(summary: impl Into<String>, detail: Value) -> CheckResult {
        CheckResult {
            outcome: Outcome::Fail,
            summary: summary.into(),
            detail,
        }
    }

    pub fn error(summary: impl Into<String>) -> CheckResult {
        let summary = summary.into();
        CheckResult {
            outcome: Outcome::Error,
            detail: serde_json::json!({ "error": summary }),
            summary,
        }
    }

    /// Pass with `passed` when nothing is wrong; else fail naming the first
    /// problem and how many more there are.
    pub fn judged(problems: &[String], passed: impl Into<String>, detail: Value) -> CheckResult {
        match problems {
            [] => CheckResult::pass(passed, detail),
            [only] => CheckResult::fail(only.clone(), detail),
            [first, rest @ ..] => {
                CheckResult::fail(format!("{first} (and {} more)", rest.len()), detail)
            }
        }
    }

    /// The blob stored as evidence: the observation as pretty JSON.
    pub fn content(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(&serde_json::json!({
            "result": self.outcome.as_str(),
            "summary": self.summary,
            "observed": self.detail,
        }))
        .expect("JSON values serialise");
        v.push(b'\n');
        v
    }
}

/// Runs one check within its time limit.
pub async fn run(settings: &CheckSettings, cx: &Context) -> CheckResult {
    let limit = timeout_of(settings);
    let work = async {
        match settings {
            CheckSettings::File(f) => blocking(f, cx, file::run).await,
            CheckSettings::Command(c) => command::run(c, cx).await,
            CheckSettings::Http(h) => http::run(h).await,
            CheckSettings::Tls(t) => tls::run(t, cx).await,
            CheckSettings::Git(g) => blocking(g, cx, git::run).await,
            CheckSettings::Junit(j) => blocking(j, cx, junit::run).await,
            CheckSettings::Sarif(s) => blocking(s, cx, sarif::run).await,
            CheckSettings::Rego(r) => blocking(r, cx, rego::run).await,
            CheckSettings::Cyclonedx(c) => blocking(c, cx, cyclonedx::run).await,
            CheckSettings::Population(p) => blocking(p, cx, population::run).await,
        }
    };
    match tokio::time::timeout(limit, work).await {
        Ok(observation) => observation,
        Err(_) => CheckResult::error(format!("timed out after {}s", limit.as_secs())),
    }
}

/// The day `cx.now` falls on (UTC), for acceptances that hold until a day.
fn today(cx: &Context) -> Option<evident_core::time::Date> {
    let unix = cx
        .now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    evident_core::time::Instant::from_unix(unix).map(|t| t.date())
}

/// Runs a check that reads files or repositories with blocking calls off the
/// async threads, so it cannot stall the checks running beside it.
async fn blocking<S: Clone + Send + 'static>(
    settings: &S,
    cx: &Context,
    check: fn(&S, &Context) -> CheckResult,
) -> CheckResult {
    let (settings, cx) = (settings.clone(), cx.clone());
    tokio::task::spawn_blocking(move || check(&settings, &cx))
        .await
        .unwrap_or_else(|e| CheckResult::error(format!("the check stopped: {e}")))
}

/// rustls with the `ring` provider (pure Rust and C, no C++ or CMake build),
/// installed once for the process.
pub fn tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one first; either serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn timeout_of(settings: &CheckSettings) -> Duration {
    let declared = match settings {
        CheckSettings::Command(c) => c.timeout,
        CheckSettings::Http(h) => h.timeout,
        CheckSettings::Tls(t) => t.timeout,
        _ => None,
    };
    declared
        .map(|i| Duration::from_secs(i.seconds()))
        .unwrap_or(DEFAULT_TIMEOUT)
}
