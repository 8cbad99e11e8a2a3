//! `evident metrics`: the programme's five metrics over a window, month by month.

use super::judge::Loaded;
use crate::cli::Report;
use crate::failure::VerbResult;
use crate::output::{print_json, table};
use evident_core::metrics::{Metrics, RateMetric, Source};
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(repo: &Path, window: Option<&str>, report: &Report) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let scope = loaded.optional_scope(window, 1)?;
    let judgement = loaded.judge(super::as_of_instant(report)?, scope);
    if report.json {
        print_json(&judgement.metrics);
    } else {
        print_human(&judgement.metrics);
    }
    Ok(())
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn source(s: &Source) -> String {
    match s {
        Source::Measured { from } => format!("from {}", from.join(", ")),
        Source::NeedsSetup { how } => format!("needs setup: {how}"),
    }
}

fn print_human(m: &Metrics) {
    say!(
        "Metrics over {}..{}, as of {}\n",
        m.window.from,
        m.window.to,
        m.as_of
    );
    let i = &m.incidents;
    let days = |d: Option<f64>| d.map_or("—".into(), |d| format!("{d:.1} days"));
    say!(
        "Incidents: {} opened ({}), {} resolved, {} open; time to resolve: median {}, mean {} ({})",
        i.by_tier.values().sum::<u64>(),
        counts(&i.by_tier),
        i.resolved,
        i.open,
        days(i.median_days_to_resolve),
        days(i.mean_days_to_resolve),
        source(&i.source)
    );
    let v = &m.vulnerabilities;
    say!(
        "Open vulnerabilities: dependencies {}; code {} ({})",
        counts(&v.dependencies),
        counts(&v.code),
        source(&v.source)
    );
    let a = &m.access_reviews;
    say!(
        "Access reviews on time: {} of {} ({}){} ({})",
        a.on_time,
        a.due,
        percent(a.on_time_rate),
        if a.overdue_now.is_empty() {
            String::new()
        } else {
            format!("; overdue now: {}", a.overdue_now.join(", "))
        },
        source(&a.source)
    );
    let rate = |name: &str, r: &RateMetric| match &r.source {
        Source::NeedsSetup { .. } => say!("{name}: {}", source(&r.source)),
        Source::Measured { .. } => say!(
            "{name}: {} ({} of {} runs passed) ({})",
            percent(r.rate),
            r.passed,
            r.runs,
            source(&r.source)
        ),
    };
    rate("Backup success", &m.backups);
    rate("Uptime", &m.uptime);
    say!("");
    let mut t = table([
        "Month",
        "Incidents",
        "Vulnerabilities",
        "Backup success",
        "Uptime",
    ]);
    for (k, month) in m.incidents.by_month.iter().enumerate() {
        let vulns = m
            .vulnerabilities
            .by_month
            .get(k)
            .map_or("—".into(), |v| counts(&v.counts));
        t.add_row([
            month.month.clone(),
            counts(&month.counts),
            vulns,
            percent(m.backups.by_month.get(k).and_then(|r| r.rate)),
            percent(m.uptime.by_month.get(k).and_then(|r| r.rate)),
        ]);
    }
    say!("{t}");
}
