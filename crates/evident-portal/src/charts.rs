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
