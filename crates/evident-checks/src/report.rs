//! Reading a report a CI job wrote (JUnit XML, SARIF): a regular file, at most
//! [`MAX_REPORT`] bytes, no older than the item's freshness. A report that
//! cannot be read, is too old or does not parse is an error: evident cannot
//! know what it would have said.

use crate::{CheckResult, Context};
use evident_core::time::Interval;
use std::path::PathBuf;
use std::time::Duration;

/// Reports are text, written per CI run; past this they are not one.
pub const MAX_REPORT: u64 = 64 << 20;

/// The report at `path` (relative to the trust repo), read whole.
pub fn read(path: &str, max_age: Option<Interval>, cx: &Context) -> Result<Vec<u8>, CheckResult> {
    let full: PathBuf = cx.repo.join(path);
    let file = open_fresh(&full, path, max_age, cx)?;
    evident_fsio::read_open(file, MAX_REPORT).map_err(|e| match e {
        evident_fsio::ReadError::TooLarge(n) => CheckResult::error(format!(
            "{path}: {n} bytes, more than the {} MiB a report may hold",
            MAX_REPORT >> 20
        )),
        e => CheckResult::error(format!("{path}: {e}")),
    })
}

/// An export at `full` (named `path`) that is a regular file no older than `max_age`.
pub fn fresh(
    full: &std::path::Path,
    path: &str,
    max_age: Interval,
    cx: &Context,
) -> Result<(), CheckResult> {
    open_fresh(full, path, Some(max_age), cx).map(drop)
}

fn open_fresh(
    full: &std::path::Path,
    path: &str,
    max_age: Option<Interval>,
    cx: &Context,
) -> Result<std::fs::File, CheckResult> {
    let file =
        evident_fsio::open_regular(full).map_err(|e| CheckResult::error(format!("{path}: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| CheckResult::error(format!("{path}: {e}")))?;
    if let (Some(max), Ok(written)) = (max_age, meta.modified()) {
        let age = cx.now.duration_since(written).unwrap_or(Duration::ZERO);
        if age.as_secs() > max.seconds() {
            return Err(CheckResult::error(format!(
                "{path}: written {} ago, older than {max}: the job that writes it may have stopped",
                crate::file::human_age(age)
            )));
        }
    }
    Ok(file)
}

/// The report at `path` read as JSON; one that does not parse is an error
/// naming the line and column and saying it is not `what`.
pub fn read_json(
    path: &str,
    max_age: Option<Interval>,
    cx: &Context,
    what: &str,
) -> Result<serde_json::Value, CheckResult> {
    let bytes = read(path, max_age, cx)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        CheckResult::error(format!(
            "{path}:{}:{}: not {what}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// `" (2 error, 1 note)"` for counts by name; empty when there are none.
pub fn tally(counts: &std::collections::BTreeMap<&str, u64>) -> String {
    if counts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!(" ({})", parts.join(", "))
}

/// `" beyond N accepted"` when some findings were accepted.
pub fn beyond_accepted(accepted: usize) -> String {
    match accepted {
        0 => String::new(),
        n => format!(" beyond {n} accepted"),
    }
}
