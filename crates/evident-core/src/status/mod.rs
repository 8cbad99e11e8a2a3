//! Status derived from evidence: nobody types a status.
//!
//! The rules ("Status, derived" in the design, docs/status.md): an evidence item
//! is satisfied when its latest entry passes and is still fresh; a control is
//! implemented when every required item is satisfied and no gap is open, partial
//! when something is satisfied, planned when nothing is. Criteria take their
//! weakest control, and a claim better than the derived state is a discrepancy.
//! The "as of" moment is an argument: entries collected after it are not seen,
//! so status on a past day is what it was then.
//!
//! `report` holds the report's types, `history` the records grouped by item,
//! `rules` the judging of one item and one control.

mod history;
mod report;
mod rules;

pub use history::{Group, History};
pub use report::*;
pub use rules::{discrepancy, is_regression, judge_item};

use crate::catalog::Catalog;
use crate::coverage::coverage;
use crate::model::{Control, ControlState, TrustProgram};
use crate::record::Record;
use crate::time::Instant;
use rules::{control_state, judge_control, read_item};
use std::collections::HashMap;

/// The mark shown beside a status word, so it reads without colour:
/// ✓ implemented, ◐ partial, ○ planned, ✗ failing or uncovered, – not applicable.
pub fn symbol(headline: &str) -> &'static str {
    match headline {
        "implemented" => "✓",
        "partial" => "◐",
        "planned" => "○",
        "not-applicable" => "–",
        _ => "✗",
    }
}

/// A share from 0 to 1 as a whole percentage: `0.4375` → `44%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Derives the status of the whole program as of `as_of` from `entries`.
pub fn derive(
    program: &TrustProgram,
    catalog: &Catalog,
    entries: &[Record],
    as_of: Instant,
) -> StatusReport {
    derive_from(program, catalog, &History::new(entries), as_of)
}

/// [`derive`] over entries already grouped.
pub fn derive_from(
    program: &TrustProgram,
    catalog: &Catalog,
    history: &History<'_>,
    as_of: Instant,
) -> StatusReport {
    let controls: Vec<ControlStatus> = program
        .controls
        .iter()
        .map(|c| judge_control(c, history, as_of))
        .collect();
    let index: HashMap<&str, &ControlStatus> =
        controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let covered = coverage(program, catalog, as_of.date());
    let criteria: Vec<CriterionStatus> = covered
        .criteria
        .into_iter()
        .map(|cr| {
            let mine: Vec<&ControlStatus> = cr
                .controls
                .iter()
                .filter_map(|id| index.get(id.as_str()).copied())
                .collect();
            roll_up(cr, &mine)
        })
        .collect();
    let categories: Vec<CategoryStatus> = covered
        .categories
        .into_iter()
        .map(|cat| {
            let (counted, implemented) = readiness_counts(
                criteria
                    .iter()
                    .filter(|c| c.category == cat.id)
                    .map(|c| c.state),
            );
            CategoryStatus {
                readiness: share(implemented, counted),
                criteria: counted,
                implemented,
                id: cat.id,
                title: cat.title,
                in_scope: cat.in_scope,
                covered: cat.covered,
                uncovered: cat.uncovered,
            }
        })
        .collect();
    let (counted, implemented) =
        readiness_counts(criteria.iter().filter(|c| c.in_scope).map(|c| c.state));
    StatusReport {
        version: STATUS_JSON_VERSION,
        as_of,
        org: program.config.org.name.clone(),
        audit_type: program.config.audit.kind,
        readiness: share(implemented, counted),
        discrepancies: controls.iter().filter_map(discrepancy).collect(),
        categories,
        criteria,
        controls,
    }
}

/// The program's readiness ([`StatusReport::readiness`]) at each of `moments`,
/// by the same rules as [`derive_from`] but keeping only the states: the
/// portal's readiness-over-time chart judges the program at a dozen moments, and
/// a whole report for each would be mostly thrown away.
pub fn readiness_at(
    program: &TrustProgram,
    catalog: &Catalog,
    history: &History<'_>,
    moments: &[Instant],
) -> Vec<f64> {
    let Some(first) = moments.first() else {
        return Vec::new();
    };
    // Which controls each criterion in scope has, and each item's entries,
    // looked up once for all the moments.
    let position: HashMap<&str, usize> = program
        .controls
        .iter()
        .enumerate()
        .map(|(k, c)| (c.id.as_str(), k))
        .collect();
    let criteria: Vec<Vec<usize>> = coverage(program, catalog, first.date())
        .criteria
        .iter()
        .filter(|c| c.in_scope && c.not_applicable.is_none())
        .map(|c| {
            c.controls
                .iter()
                .filter_map(|id| position.get(id.as_str()).copied())
                .collect()
        })
        .collect();
    let controls: Vec<(&Control, Vec<Group<'_, '_>>)> = program
        .controls
        .iter()
        .map(|c| {
            let groups = c.evidence.iter().map(|i| history.of(&c.id, &i.id));
            (c, groups.collect())
        })
        .collect();
    // Each control at every moment in turn, so its items' entries are brought
    // into the cache once for all the moments (moment after moment, the whole
    // history passes through the cache a dozen times).
    let states: Vec<Vec<ControlState>> = controls
        .iter()
        .map(|(c, groups)| {
            moments
                .iter()
                .map(|&at| {
                    let items = c.evidence.iter().zip(groups.iter());
                    control_state(
                        c,
                        items.map(|(i, g)| (i.required, read_item(i, *g, at).state)),
                    )
                })
                .collect()
        })
        .collect();
    (0..moments.len())
        .map(|m| {
            let (counted, implemented) = readiness_counts(
                criteria
                    .iter()
                    .map(|ks| weakest(ks.iter().map(|&k| states[k][m]))),
            );
            share(implemented, counted)
        })
        .collect()
}

/// A criterion from its controls: the weakest link, with counts and flags.
fn roll_up(cr: crate::coverage::CriterionCoverage, controls: &[&ControlStatus]) -> CriterionStatus {
    let mut counts = Counts::default();
    for c in controls {
        match c.derived {
            ControlState::Implemented => counts.implemented += 1,
            ControlState::Partial => counts.partial += 1,
            ControlState::Planned => counts.planned += 1,
            ControlState::NotApplicable => counts.not_applicable += 1,
        }
    }
    let state = if cr.not_applicable.is_some() {
        CriterionState::NotApplicable
    } else {
        weakest(controls.iter().map(|c| c.derived))
    };
    CriterionStatus {
        id: cr.id,
        title: cr.title,
        category: cr.category,
        in_scope: cr.in_scope,
        controls: cr.controls,
        state,
        not_applicable: cr.not_applicable,
        failing: controls.iter().any(|c| c.flags.failing),
        stale: controls.iter().any(|c| c.flags.stale),
        counts,
    }
}

/// A criterion's state: its weakest control's, uncovered when none names it.
fn weakest(controls: impl Iterator<Item = ControlState>) -> CriterionState {
    controls
        .map(CriterionState::from)
        .min()
        .unwrap_or(CriterionState::Uncovered)
}

/// (criteria that count, criteria implemented): not-applicable ones do not count.
fn readiness_counts(criteria: impl Iterator<Item = CriterionState>) -> (usize, usize) {
    let (mut counted, mut implemented) = (0, 0);
    for state in criteria.filter(|s| *s != CriterionState::NotApplicable) {
        counted += 1;
        implemented += usize::from(state == CriterionState::Implemented);
    }
    (counted, implemented)
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
