//! One module per verb, plus what they share: the date, and a loaded trust repo.

mod accounts;
mod build;
mod bundle;
mod catalog;
mod check;
mod demo;
pub(crate) mod evidence;
mod export;
mod findings;
mod gaps;
mod init;
mod judge;
mod ledger;
mod ledger_access;
mod lint;
mod metrics;
mod observations;
mod period;
mod registers;
mod remediation;
mod sample;
mod serve;
mod status;
mod witness;

use crate::cli::{Cli, Command, Report};
use crate::failure::{Failure, VerbResult};
use evident_core::catalog::Catalog;
use evident_core::model::{Control, TrustProgram};
use evident_core::time::{Date, Instant};
use std::path::Path;

pub fn run(cli: Cli) -> VerbResult {
    fixed_clock()?;
    let repo = cli.repo.as_path();
    match cli.command {
        Command::Demo { dir } => demo::run(&dir),
        Command::Init {
            dir,
            org,
            categories,
        } => init::run(dir.as_deref().unwrap_or(repo), &org, &categories),
        Command::Lint { report } => lint::run(repo, &report),
        Command::Catalog { category, report } => catalog::run(category.as_deref(), &report),
        Command::Status { report } => status::run(repo, &report),
        Command::Check {
            only,
            fail_on,
            concurrency,
            json,
        } => check::run(
            repo,
            only.as_deref(),
            usize::from(concurrency),
            json,
            &fail_on,
        ),
        Command::Build { out } => build::run(repo, out.as_deref()),
        Command::Export(command) => export::run(repo, command),
        Command::Gaps { report } => gaps::run(repo, &report),
        Command::Remediation { report } => remediation::run(repo, &report),
        Command::Period { window, report } => period::run(repo, window.as_deref(), &report),
        Command::Metrics { window, report } => metrics::run(repo, window.as_deref(), &report),
        Command::Sample {
            seed,
            window,
            report,
        } => sample::run(repo, seed, window.as_deref(), &report),
        Command::Evidence(command) => evidence::run(repo, command),
        Command::Ledger(command) => ledger::run(repo, command),
        Command::Witness(command) => witness::run(command),
        Command::Serve {
            listen,
            trust_proxy,
        } => serve::run(repo, &listen, trust_proxy),
        Command::User(command) => accounts::user(repo, command),
        Command::Token(command) => accounts::token(repo, command),
    }
}

/// Set `EVIDENT_NOW` to an RFC 3339 moment to run as if it were then: evidence
/// is stamped and status judged at that moment, so a run can be reproduced
/// (as `SOURCE_DATE_EPOCH` does for builds) and tests need no real waiting.
pub const NOW_VAR: &str = "EVIDENT_NOW";

/// The moment `EVIDENT_NOW` fixes, if set; a value that is not a moment is a usage error.
fn fixed_clock() -> Result<Option<jiff::Timestamp>, Failure> {
    match std::env::var(NOW_VAR) {
        Err(_) => Ok(None),
        Ok(text) => text.parse().map(Some).map_err(|_| {
            Failure::input(format!(
                "{NOW_VAR}=`{text}` is not a moment; write RFC 3339, e.g. 2026-11-23T10:15:00Z, or unset it"
            ))
        }),
    }
}

/// Now in UTC: the only place evident reads the clock.
fn clock() -> jiff::civil::DateTime {
    // `run` has already refused a malformed EVIDENT_NOW, so errors mean "unset".
    let now = fixed_clock()
        .ok()
        .flatten()
        .unwrap_or_else(jiff::Timestamp::now);
    now.to_zoned_datetime(jiff::tz::TimeZone::UTC).datetime()
}

/// Now as a `SystemTime`, for checks that judge file ages.
pub fn system_now() -> std::time::SystemTime {
    match fixed_clock().ok().flatten() {
        Some(t) => {
            std::time::SystemTime::try_from(t).unwrap_or_else(|_| std::time::SystemTime::now())
        }
        None => std::time::SystemTime::now(),
    }
}

/// Today in UTC.
pub fn today() -> Date {
    let d = clock().date();
    Date::new(d.year(), d.month(), d.day()).expect("the clock gives a valid day")
}

/// Now as RFC 3339 UTC to the second, the form ledger entries and checkpoints use.
pub fn now() -> String {
    clock().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How far ahead of this machine's real clock a new entry or checkpoint may be
/// dated: clocks of machines that record into one ledger differ by seconds,
/// never by minutes, when they keep time at all.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;

/// The latest moment anything may be written at: the real clock (never
/// `EVIDENT_NOW`) plus [`MAX_CLOCK_SKEW_SECONDS`].
pub fn write_limit() -> Instant {
    Instant::from_unix(jiff::Timestamp::now().as_second())
        .expect("the system clock is in the calendar")
        .plus(MAX_CLOCK_SKEW_SECONDS)
}

/// Now, as the moment status is judged at.
pub fn instant() -> Instant {
    now().parse().expect("the clock gives a valid moment")
}

/// The `--as-of` day, or today.
pub fn as_of(report: &Report) -> Result<Date, Failure> {
    match &report.as_of {
        None => Ok(today()),
        Some(text) => text
            .parse()
            .map_err(|e| Failure::input(format!("--as-of: {e}"))),
    }
}

/// The moment to judge status at: the end of the `--as-of` day, or now.
pub fn as_of_instant(report: &Report) -> Result<Instant, Failure> {
    match &report.as_of {
        None => Ok(instant()),
        Some(_) => as_of(report).map(Instant::end_of),
    }
}

/// A span of days written FROM..TO, for the command-line option `flag`.
pub fn parse_days(flag: &str, text: &str) -> Result<(Date, Date), Failure> {
    let bad = |why: String| Failure::input(format!("{flag} `{text}`: {why}"));
    let (from, to) = text
        .split_once("..")
        .ok_or_else(|| bad("write FROM..TO, e.g. 2026-10-01..2026-10-31".into()))?;
    let from = from
        .trim()
        .parse::<Date>()
        .map_err(|e| bad(e.to_string()))?;
    let to = to.trim().parse::<Date>().map_err(|e| bad(e.to_string()))?;
    if from > to {
        return Err(bad(format!("{from} is after {to}")));
    }
    Ok((from, to))
}

/// The evidence item `item` that `control` declares; the error, for the
/// command-line option `flag`, names the closest item or lists them all.
pub fn find_item<'c>(
    control: &'c Control,
    flag: &str,
    item: &str,
) -> Result<&'c evident_core::model::EvidenceItem, Failure> {
    if let Some(found) = control.evidence.iter().find(|e| e.id == item) {
        return Ok(found);
    }
    let ids: Vec<&str> = control.evidence.iter().map(|e| e.id.as_str()).collect();
    let hint = match evident_core::suggest::closest(item, ids.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("its items are: {}", ids.join(", ")),
    };
    Err(Failure::input(format!(
        "{flag}: control `{}` has no evidence item `{item}`; {hint}",
        control.id
    )))
}

/// Loads the trust repo for a verb that needs it whole: any error is printed with
/// its location and the verb stops with exit 2. Warnings are left to `lint`.
pub fn load_program(repo: &Path, catalog: &Catalog) -> Result<TrustProgram, Failure> {
    let loaded = evident_repo::load(repo, catalog);
    if loaded.diagnostics.has_errors() || loaded.program.is_none() {
        let errors: Vec<_> = loaded
            .diagnostics
            .sorted()
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        for d in &errors {
            say_err!("{d}");
        }
        return Err(Failure::input(format!(
            "{} has {} error(s); fix them (`evident lint` shows all problems)",
            repo.display(),
            errors.len()
        )));
    }
    Ok(loaded.program.expect("checked above"))
}
