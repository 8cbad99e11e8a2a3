//! Inline SVG charts: numbers are laid out here, the drawing is in the
//! `chart-*.svg` templates. No JavaScript, so they print and work everywhere.

use crate::Inputs;
use evident_core::status::{CriterionState, readiness_at};
use evident_core::time::Instant;
use serde::Serialize;

#[derive(Serialize)]
pub struct Charts {
    pub by_category: String,
    /// Empty until the ledger holds evidence from more than one day.
    pub over_time: String,
    /// The day the ledger's history starts.
    pub since: Option<String>,
}

#[derive(Serialize)]
struct Segment {
    x: u32,
    width: u32,
    color: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Row {
    y: u32,
    title: String,
    segments: Vec<Segment>,
}

const LABEL: u32 = 130;
const BAR: u32 = 470;

pub fn render(env: &minijinja::Environment<'_>, inputs: &Inputs<'_>) -> Result<Charts, String> {
    let status = &inputs.judgement.status;
    let mut rows = Vec::new();
    for (n, cat) in status.categories.iter().filter(|c| c.in_scope).enumerate() {
        let mine: Vec<_> = status
            .criteria
            .iter()
            .filter(|c| c.category == cat.id)
            .collect();
        let total = mine.len().max(1) as u32;
        let mut x = LABEL;
        let mut segments = Vec::new();
        for (state, color) in [
            (CriterionState::Implemented, "#1a7f37"),
            (CriterionState::Partial, "#bf8700"),
            (CriterionState::Planned, "#8c959f"),
            (CriterionState::Uncovered, "#cf222e"),
        ] {
            let count = mine.iter().filter(|c| c.state == state).count() as u32;
            if count == 0 {
                continue;
            }
            let width = BAR * count / total;
            segments.push(Segment {
                x,
                width,
                color,
                label: format!("{}: {count} {}", cat.title, state.as_str()),
            });
            x += width;
        }
        rows.push(Row {
            y: n as u32 * 24,
            title: cat.title.clone(),
            segments,
        });
    }
    let draw = |name: &str, ctx: minijinja::Value| {
        env.get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| format!("template {name}: {e:#}"))
    };
    let by_category = draw(
        "chart-bars.svg",
        minijinja::context! { width => LABEL + BAR, height => rows.len() as u32 * 24, rows => crate::v(&rows) },
    )?;
    let since = first_evidence(inputs);
    Ok(Charts {
        by_category,
        over_time: match since {
            Some(start) if start.date() < status.as_of.date() => over_time(&draw, inputs, start)?,
            // One day of history draws a flat line with the same date at both ends.
            _ => String::new(),
        },
        since: since.map(|t| t.date().to_string()),
    })
}

/// When the ledger's first evidence was collected.
fn first_evidence(inputs: &Inputs<'_>) -> Option<Instant> {
    inputs
        .judgement
        .history
        .groups()
        .filter_map(|g| g.first().map(|e| e.collected))
        .min()
}

/// Readiness at 12 moments from the first entry to now, as a line.
fn over_time(
    draw: &dyn Fn(&str, minijinja::Value) -> Result<String, String>,
    inputs: &Inputs<'_>,
    start: Instant,
) -> Result<String, String> {
    let end = inputs.judgement.status.as_of;
    let history = &inputs.judgement.history;
    let span = end.seconds_since(start).max(0);
    const POINTS: i64 = 12;
    let (width, height) = (600i64, 120i64);
    let moments: Vec<Instant> = (0..POINTS)
        .map(|k| Instant::from_unix(start.unix() + span * k / (POINTS - 1)).unwrap_or(end))
        .collect();
    let readiness = readiness_at(
        inputs.judgement.program,
        inputs.judgement.catalog,
        history,
        &moments,
    );
    let (from_percent, to_percent) = (
        readiness
            .first()
            .map_or(String::new(), |r| evident_core::status::percent(*r)),
        readiness
            .last()
            .map_or(String::new(), |r| evident_core::status::percent(*r)),
    );
    let points: Vec<String> = (0..POINTS)
        .zip(readiness)
        .map(|(k, r)| {
            let x = width * k / (POINTS - 1);
            let y = (height - 16) - ((height - 24) as f64 * r) as i64;
            format!("{x},{y}")
        })
        .collect();
    draw(
        "chart-line.svg",
        minijinja::context! {
            width => width, height => height, points => points.join(" "),
            first => start.date().to_string(), last => end.date().to_string(),
            from_percent => from_percent, to_percent => to_percent,
        },
    )
}

/// One metric drawn month by month: a bar per month (stacked when counts are
/// by severity or tier), with its legend and the figures as a table.
#[derive(Serialize)]
pub struct MetricChart {
    pub title: String,
    pub svg: String,
    pub legend: Vec<LegendEntry>,
    /// Month → its figure as text, for the table beside the chart.
    pub rows: Vec<(String, String)>,
    /// Where the figures come from, or why there are none.
    pub source: String,
    pub measured: bool,
}

#[derive(Serialize)]
pub struct LegendEntry {
    pub label: String,
    /// The swatch's class (`swatch-high`): colours live in the stylesheet.
    pub class: String,
}

#[derive(Serialize)]
struct MonthBar {
    x: u32,
    label: String,
    segments: Vec<BarSegment>,
}

#[derive(Serialize)]
struct BarSegment {
    y: u32,
    height: u32,
    color: &'static str,
    label: String,
}

const PLOT: u32 = 120;
const STEP: u32 = 48;

/// Severity (or tier) names in order, worst first, with their colours.
const SCALE: [(&str, &str); 9] = [
    ("critical", "#82071e"),
    ("tier-1", "#82071e"),
    ("high", "#cf222e"),
    ("tier-2", "#cf222e"),
    ("medium", "#bf8700"),
    ("tier-3", "#bf8700"),
    ("low", "#0969da"),
    ("tier-4", "#0969da"),
    ("unknown", "#8c959f"),
];

fn colour(name: &str) -> &'static str {
    SCALE
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("#8c959f", |(_, c)| c)
}

/// The metrics page's charts.
pub fn metrics(
    env: &minijinja::Environment<'_>,
    m: &evident_core::metrics::Metrics,
) -> Result<Vec<MetricChart>, String> {
    use evident_core::metrics::Source;
    use std::collections::BTreeMap;
    let draw = |title: &str, bars: Vec<MonthBar>| {
        env.get_template("chart-months.svg")
            .and_then(|t| {
                t.render(minijinja::context! {
                    title => title, width => bars.len() as u32 * STEP + 8,
                    height => PLOT + 20, base => PLOT, bars => crate::v(&bars),
                })
            })
            .map_err(|e| format!("template chart-months.svg: {e:#}"))
    };
    let source = |s: &Source| match s {
        Source::Measured { .. } => (
            "From the company's registers and recorded evidence.".to_string(),
            true,
        ),
        Source::NeedsSetup { .. } => ("Not measured yet.".to_string(), false),
    };
    // Stacked counts: bar heights scaled to the largest month.
    let stacked = |title: &str, months: Vec<(String, BTreeMap<String, u64>)>, s: &Source| {
        let top = months
            .iter()
            .map(|(_, c)| c.values().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut names: Vec<&String> = months.iter().flat_map(|(_, c)| c.keys()).collect();
        names.sort_by_key(|n| {
            SCALE
                .iter()
                .position(|(s, _)| s == n)
                .unwrap_or(SCALE.len())
        });
        names.dedup();
        let bars = months
            .iter()
            .enumerate()
            .map(|(k, (month, counts))| {
                let mut y = PLOT;
                let mut segments = Vec::new();
                for name in names.iter().rev() {
                    let n = counts.get(*name).copied().unwrap_or(0);
                    if n == 0 {
                        continue;
                    }
                    let height = (PLOT as u64 * n / top) as u32;
                    y -= height;
                    segments.push(BarSegment {
                        y,
                        height,
                        color: colour(name),
                        label: format!("{month}: {n} {name}"),
                    });
                }
                MonthBar {
                    x: k as u32 * STEP + 4,
                    label: month[5..].to_string(),
                    segments,
                }
            })
            .collect();
        let rows = months
            .iter()
            .map(|(month, counts)| {
                let text = if counts.is_empty() {
                    "none".to_string()
                } else {
                    counts
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                (month.clone(), text)
            })
            .collect();
        let (source, measured) = source(s);
        Ok::<_, String>(MetricChart {
            title: title.into(),
            svg: draw(title, bars)?,
            legend: names
                .iter()
                .map(|n| LegendEntry {
                    label: n.to_string(),
                    class: n.to_string(),
                })
                .collect(),
            rows,
            source,
            measured,
        })
    };
    let rate = |title: &str, r: &evident_core::metrics::RateMetric| {
        let bars = r
            .by_month
            .iter()
            .enumerate()
            .map(|(k, month)| MonthBar {
                x: k as u32 * STEP + 4,
                label: month.month[5..].to_string(),
                segments: month
                    .rate
                    .map(|rate| {
                        let height = (PLOT as f64 * rate) as u32;
                        BarSegment {
                            y: PLOT - height,
                            height,
                            color: "#1a7f37",
                            label: format!("{}: {:.1}%", month.month, rate * 100.0),
                        }
                    })
                    .into_iter()
                    .collect(),
            })
            .collect();
        let (source, measured) = source(&r.source);
        Ok::<_, String>(MetricChart {
            title: title.into(),
            svg: draw(title, bars)?,
            legend: vec![LegendEntry {
                label: "share of passing runs (bar height: 0 to 100%)".into(),
                class: "rate".into(),
            }],
            rows: r
                .by_month
                .iter()
                .map(|b| {
                    let text = b.rate.map_or("no runs".into(), |r| {
                        format!("{:.1}% ({} of {})", r * 100.0, b.passed, b.runs)
                    });
                    (b.month.clone(), text)
                })
                .collect(),
            source,
            measured,
        })
    };
    let months = |list: &[evident_core::metrics::MonthCounts]| {
        list.iter()
            .map(|b| (b.month.clone(), b.counts.clone()))
            .collect::<Vec<_>>()
    };
    Ok(vec![
        stacked(
            "Incidents opened, by tier",
            months(&m.incidents.by_month),
            &m.incidents.source,
        )?,
        stacked(
            "Open vulnerabilities, by severity",
            months(&m.vulnerabilities.by_month),
            &m.vulnerabilities.source,
        )?,
        rate("Backup success", &m.backups)?,
        rate("Uptime checks passing", &m.uptime)?,
    ])
}
