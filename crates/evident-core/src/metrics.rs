//! The five metrics of a security programme's monthly report, derived from
//! facts over a window, month by month: incidents by severity and time to
//! resolve (incidents register), open vulnerabilities by severity (the latest
//! SBOM and SAST imports), access reviews done on time (access-reviews
//! register), backup success rate and uptime (the entries of the items
//! `[metrics]` names, or that their ids suggest). A metric without a source is
//! `needs-setup`, never zero.

use crate::model::{CheckKind, EvidenceSource, Outcome, TrustProgram, Window};
use crate::record::{Kind, Observation, Record};
use crate::time::{Date, Instant};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const METRICS_JSON_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct Metrics {
    pub version: u32,
    pub window: Window,
    pub as_of: Instant,
    pub incidents: Incidents,
    pub vulnerabilities: Vulnerabilities,
    pub access_reviews: AccessReviews,
    pub backups: RateMetric,
    pub uptime: RateMetric,
}

/// `measured`, or `needs-setup` with what to set up.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Source {
    Measured { from: Vec<String> },
    NeedsSetup { how: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct Incidents {
    pub source: Source,
    /// Incidents opened in the window, by tier (`tier-1` most severe).
    pub by_tier: BTreeMap<String, u64>,
    pub resolved: u64,
    pub open: u64,
    /// Days from opened to resolved, over those resolved in the window.
    pub median_days_to_resolve: Option<f64>,
    pub mean_days_to_resolve: Option<f64>,
    pub by_month: Vec<MonthCounts>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MonthCounts {
    /// `2026-10`.
    pub month: String,
    pub counts: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Vulnerabilities {
    pub source: Source,
    /// Known vulnerabilities by severity in the latest SBOM import of each item.
    pub dependencies: BTreeMap<String, u64>,
    /// Findings by severity in the latest SAST (SARIF) import of each item.
    pub code: BTreeMap<String, u64>,
    /// Each month's last imports, dependencies and code together.
    pub by_month: Vec<MonthCounts>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccessReviews {
    pub source: Source,
    /// Reviews in the window that followed an earlier one of the same scope and system.
    pub due: u64,
    pub on_time: u64,
    pub late: u64,
    /// Scopes whose next review is past due as of the judging moment.
    pub overdue_now: Vec<String>,
    pub on_time_rate: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RateMetric {
    pub source: Source,
    pub runs: u64,
    pub passed: u64,
    pub rate: Option<f64>,
    pub by_month: Vec<MonthRate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MonthRate {
    pub month: String,
    pub runs: u64,
    pub passed: u64,
    pub rate: Option<f64>,
}

/// The metrics over `window` as of `as_of`.
pub fn derive(
    program: &TrustProgram,
    records: &[Record],
    observations: &[Observation],
    window: Window,
    as_of: Instant,
) -> Metrics {
    Metrics {
        version: METRICS_JSON_VERSION,
        window,
        as_of,
        incidents: incidents(program, window),
        vulnerabilities: vulnerabilities(observations, window, as_of),
        access_reviews: access_reviews(program, window, as_of),
        backups: rate(
            records,
            &sources(program, &program.config.metrics.backups, |id, _| {
                id.contains("backup")
            }),
            window,
            as_of,
            "name the backup evidence items under [metrics] backups = [\"CONTROL/ITEM\"]",
        ),
        uptime: rate(
            records,
            &sources(program, &program.config.metrics.uptime, |id, kind| {
                kind == Some(CheckKind::Http)
                    && ["uptime", "health", "status", "available"]
                        .iter()
                        .any(|w| id.contains(w))
            }),
            window,
            as_of,
            "name the http checks that watch the service under [metrics] uptime = [\"CONTROL/ITEM\"]",
        ),
    }
}

fn month(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Every month `window` touches, in order.
fn months(window: Window) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut d = window.from;
    while d <= window.to {
        let m = month(d);
        if out.last() != Some(&m) {
            out.push(m);
        }
        d = d.add_days(1);
    }
    out
}

fn incidents(program: &TrustProgram, window: Window) -> Incidents {
    let list = &program.registers.incidents;
    let opened: Vec<_> = list
        .iter()
        .filter(|i| window.meets(i.opened, i.opened))
        .collect();
    let mut by_tier = BTreeMap::new();
    let mut by_month: BTreeMap<String, BTreeMap<String, u64>> = months(window)
        .into_iter()
        .map(|m| (m, BTreeMap::new()))
        .collect();
    for i in &opened {
        let tier = format!("tier-{}", i.tier);
        *by_tier.entry(tier.clone()).or_default() += 1;
        if let Some(m) = by_month.get_mut(&month(i.opened)) {
            *m.entry(tier).or_default() += 1;
        }
    }
    let mut days: Vec<f64> = list
        .iter()
        .filter_map(|i| Some((i, i.resolved?)))
        .filter(|(_, r)| window.meets(*r, *r))
        .map(|(i, r)| i.opened.days_until(r) as f64)
        .collect();
    days.sort_by(f64::total_cmp);
    let median = (!days.is_empty()).then(|| {
        let n = days.len();
        if n % 2 == 1 {
            days[n / 2]
        } else {
            (days[n / 2 - 1] + days[n / 2]) / 2.0
        }
    });
    let mean = (!days.is_empty()).then(|| days.iter().sum::<f64>() / days.len() as f64);
    Incidents {
        // An empty register is a fact (no incidents), once the register exists.
        source: Source::Measured {
            from: vec!["registers: incidents".into()],
        },
        resolved: days.len() as u64,
        open: opened.iter().filter(|i| i.resolved.is_none()).count() as u64,
        by_tier,
        median_days_to_resolve: median,
        mean_days_to_resolve: mean,
        by_month: by_month
            .into_iter()
            .map(|(month, counts)| MonthCounts { month, counts })
            .collect(),
    }
}

fn vulnerabilities(
    observations: &[Observation],
    window: Window,
    as_of: Instant,
) -> Vulnerabilities {
    let imports: Vec<&Observation> = observations
        .iter()
        .filter(|o| matches!(o.kind, CheckKind::Cyclonedx | CheckKind::Sarif))
        .filter(|o| o.collected <= as_of)
        .collect();
    // The latest import of each item as of the end of a day.
    let latest_by = |until: Instant, kind: CheckKind| {
        let mut latest: BTreeMap<(&str, &str), &Observation> = BTreeMap::new();
        for o in imports
            .iter()
            .filter(|o| o.kind == kind && o.collected <= until)
        {
            let slot = latest.entry((&o.control, &o.item)).or_insert(o);
            if o.seq > slot.seq {
                *slot = o;
            }
        }
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for o in latest.values() {
            if let Some(map) = o.observed["by_severity"].as_object() {
                for (severity, n) in map {
                    *counts.entry(severity.clone()).or_default() += n.as_u64().unwrap_or(0);
                }
            }
        }
        counts
    };
    let mut sources: Vec<String> = imports
        .iter()
        .map(|o| format!("{}/{}", o.control, o.item))
        .collect();
    sources.sort();
    sources.dedup();
    let by_month = months(window)
        .into_iter()
        .filter_map(|m| {
            let last_day = month_end(&m)?.min(window.to);
            let until = Instant::end_of(last_day).min(as_of);
            let mut counts = latest_by(until, CheckKind::Cyclonedx);
            for (s, n) in latest_by(until, CheckKind::Sarif) {
                *counts.entry(s).or_default() += n;
            }
            Some(MonthCounts { month: m, counts })
        })
        .collect();
    Vulnerabilities {
        source: if sources.is_empty() {
            Source::NeedsSetup {
                how: "add a cyclonedx or sarif check (docs/checks.md) and run `evident check`"
                    .into(),
            }
        } else {
            Source::Measured { from: sources }
        },
        dependencies: latest_by(as_of, CheckKind::Cyclonedx),
        code: latest_by(as_of, CheckKind::Sarif),
        by_month,
    }
}

/// The last day of `2026-10`.
fn month_end(m: &str) -> Option<Date> {
    let first: Date = format!("{m}-01").parse().ok()?;
    Some(first.first_of_month_plus(1).add_days(-1))
}

fn access_reviews(program: &TrustProgram, window: Window, as_of: Instant) -> AccessReviews {
    let mut series: BTreeMap<String, Vec<&crate::model::AccessReview>> = BTreeMap::new();
    for r in &program.registers.access_reviews {
        series
            .entry(format!("{:?} {}", r.scope, r.system).to_lowercase())
            .or_default()
            .push(r);
    }
    let (mut due, mut on_time) = (0u64, 0u64);
    let mut overdue_now = Vec::new();
    for (name, reviews) in &mut series {
        reviews.sort_by_key(|r| r.date);
        for pair in reviews.windows(2) {
            if window.meets(pair[1].date, pair[1].date) {
                due += 1;
                if pair[1].date <= pair[0].next_due() {
                    on_time += 1;
                }
            }
        }
        if let Some(last) = reviews.last()
            && last.next_due() < as_of.date()
        {
            overdue_now.push(format!("{name} (due {})", last.next_due()));
        }
    }
    AccessReviews {
        source: if series.is_empty() {
            Source::NeedsSetup {
                how: "record access reviews in the access-reviews register (docs/trust-repo.md)"
                    .into(),
            }
        } else {
            Source::Measured {
                from: vec!["registers: access-reviews".into()],
            }
        },
        due,
        on_time,
        late: due - on_time,
        overdue_now,
        on_time_rate: (due > 0).then(|| on_time as f64 / due as f64),
    }
}

/// `CONTROL/ITEM` of the items named, else of those `suggests` picks.
fn sources(
    program: &TrustProgram,
    named: &[String],
    suggests: impl Fn(&str, Option<CheckKind>) -> bool,
) -> Vec<String> {
    if !named.is_empty() {
        return named.to_vec();
    }
    program
        .controls
        .iter()
        .flat_map(|c| c.evidence.iter().map(move |i| (c, i)))
        .filter(|(c, i)| {
            let kind = match &i.source {
                EvidenceSource::Check(check) => Some(check.kind),
                _ => None,
            };
            suggests(&format!("{}/{}", c.id, i.id).to_lowercase(), kind)
        })
        .map(|(c, i)| format!("{}/{}", c.id, i.id))
        .collect()
}

/// The share of passing entries of `items` in the window, month by month.
fn rate(
    records: &[Record],
    items: &[String],
    window: Window,
    as_of: Instant,
    how: &str,
) -> RateMetric {
    let mine: Vec<&Record> = records
        .iter()
        .filter(|r| r.kind != Kind::Finding && r.result != Outcome::NotApplicable)
        .filter(|r| r.collected <= as_of && window.meets(r.collected.date(), r.collected.date()))
        .filter(|r| {
            items
                .iter()
                .any(|i| *i == format!("{}/{}", r.control, r.item))
        })
        .collect();
    let count = |rs: &mut dyn Iterator<Item = &&Record>| {
        let (mut runs, mut passed) = (0u64, 0u64);
        for r in rs {
            runs += 1;
            passed += u64::from(r.result == Outcome::Pass);
        }
        (runs, passed)
    };
    let (runs, passed) = count(&mut mine.iter());
    let by_month = months(window)
        .into_iter()
        .map(|m| {
            let (runs, passed) = count(&mut mine.iter().filter(|r| month(r.collected.date()) == m));
            MonthRate {
                month: m,
                runs,
                passed,
                rate: (runs > 0).then(|| passed as f64 / runs as f64),
            }
        })
        .collect();
    RateMetric {
        source: if items.is_empty() {
            Source::NeedsSetup { how: how.into() }
        } else {
            Source::Measured {
                from: items.to_vec(),
            }
        },
        runs,
        passed,
        rate: (runs > 0).then(|| passed as f64 / runs as f64),
        by_month,
    }
}
