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
    let file = evident_fsio::open_regular(&full)
        .map_err(|e| CheckResult::error(format!("{path}: {e}")))?;
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
    evident_fsio::read_open(file, MAX_REPORT).map_err(|e| match e {
        evident_fsio::ReadError::TooLarge(n) => CheckResult::error(format!(
            "{path}: {n} bytes, more than the {} MiB a report may hold",
            MAX_REPORT >> 20
        )),
        e => CheckResult::error(format!("{path}: {e}")),
    })
}
