//! The Metrics sheet: the programme's five metrics month by month, one row per
//! month, with where each figure comes from (or what it needs) in the last rows.

use crate::table::{Cell, Table};
use evident_core::judgement::Judgement;
use evident_core::metrics::Source;
use std::collections::BTreeMap;

fn counts(map: &BTreeMap<String, u64>) -> Cell {
    if map.is_empty() {
        return Cell::Text("none".into());
    }
    Cell::Text(
        map.iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn rate(r: Option<f64>) -> Cell {
    r.map_or(Cell::Empty, |r| Cell::Number((r * 1000.0).round() / 10.0))
}

fn source(s: &Source) -> String {
    match s {
        Source::Measured { from } => format!("from {}", from.join(", ")),
        Source::NeedsSetup { how } => format!("needs setup: {how}"),
    }
}

pub fn metrics(s: &Judgement<'_>) -> Table {
    let m = &s.metrics;
    let mut rows: Vec<Vec<Cell>> = m
        .incidents
        .by_month
        .iter()
        .enumerate()
        .map(|(k, month)| {
            vec![
                month.month.clone().into(),
                counts(&month.counts),
                m.vulnerabilities
                    .by_month
                    .get(k)
                    .map_or(Cell::Empty, |v| counts(&v.counts)),
                rate(m.backups.by_month.get(k).and_then(|r| r.rate)),
                rate(m.uptime.by_month.get(k).and_then(|r| r.rate)),
            ]
        })
        .collect();
    let a = &m.access_reviews;
    rows.push(vec![
        "Window".into(),
        format!(
            "{} resolved, median {} days to resolve",
            m.incidents.resolved,
            m.incidents
                .median_days_to_resolve
                .map_or("—".into(), |d| format!("{d:.1}"))
        )
        .into(),
        format!(
            "dependencies: {}; code: {}",
            counts(&m.vulnerabilities.dependencies).text(),
            counts(&m.vulnerabilities.code).text()
        )
        .into(),
        rate(m.backups.rate),
        rate(m.uptime.rate),
    ]);
    rows.push(vec![
        "Sources".into(),
        source(&m.incidents.source).into(),
        source(&m.vulnerabilities.source).into(),
        source(&m.backups.source).into(),
        source(&m.uptime.source).into(),
    ]);
    rows.push(vec![
        "Access reviews".into(),
        format!(
            "{} of {} on time{}",
            a.on_time,
            a.due,
            if a.overdue_now.is_empty() {
                String::new()
            } else {
                format!("; overdue now: {}", a.overdue_now.join(", "))
            }
        )
        .into(),
        source(&a.source).into(),
        Cell::Empty,
        Cell::Empty,
    ]);
    Table {
        name: "Metrics",
        headers: vec![
            "Month",
            "Incidents opened (by tier)",
            "Open vulnerabilities (by severity)",
            "Backup success %",
            "Uptime %",
        ],
        rows,
    }
}
