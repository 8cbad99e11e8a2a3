//! Status derived from evidence: nobody types a status.
//!
//! The rules ("Status, derived" in the design): an evidence item is satisfied when
//! its latest entry passes and is still fresh; a control is implemented when every
//! required item is satisfied and no gap is open, partial when something is
//! satisfied, planned when nothing is. Criteria take their weakest control, and a
//! claim better than the derived state is a discrepancy. The "as of" moment is an
//! argument: entries collected after it are not seen, so status on a past day is
//! what it was then.

use crate::catalog::Catalog;
use crate::coverage::coverage;
use crate::model::{
    AuditType, Control, ControlState, EvidenceItem, Frequency, Gap, Nature, Outcome, TrustProgram,
    Visibility,
};
use crate::time::{Date, Instant};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const STATUS_JSON_VERSION: u32 = 2;

/// One ledger entry, as much of it as status needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub seq: u64,
    /// Shared: a hundred thousand entries name a few thousand (control, item) pairs.
    pub control: Arc<str>,
    pub item: Arc<str>,
    pub result: Outcome,
    pub collected: Instant,
    pub covers_from: Date,
    pub covers_to: Date,
    pub summary: String,
}

/// What judging at a moment reads of an entry, kept by [`History`] in an array
/// of its own beside the entries: judging the program at a dozen moments reads
/// these (adjacent, a few cache lines per item) rather than following a pointer
/// into a hundred thousand scattered entries at every step. With the chart
/// judged control by control (see [`readiness_at`]), judging on the portal
/// bench fell from about 8.3 ms of CPU per build to 6.1 ms, grouping included
/// (perf samples, eight builds each).
#[derive(Clone, Copy)]
struct Brief {
    collected: Instant,
    covers_to: Date,
    result: Outcome,
}

impl Brief {
    fn of(o: &Observed) -> Brief {
        Brief {
            collected: o.collected,
            covers_to: o.covers_to,
            result: o.result,
        }
    }

    /// When this evidence stops speaking for its item: it is as fresh as the last
    /// day it covers (a March review recorded in November is March's evidence),
    /// and never fresher than when it was collected.
    fn speaks_until(&self, fresh_for: crate::time::Interval) -> Instant {
        self.collected
            .min(Instant::end_of(self.covers_to))
            .plus(fresh_for.seconds())
    }
}

/// An evidence item's state, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemState {
    /// Nothing recorded for it yet.
    Missing,
    /// Its latest entry fails or errors.
    Failing,
    /// Its latest entry passed, but longer ago than `fresh_for`.
    Stale,
    Satisfied,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Missing => "missing",
            ItemState::Failing => "failing",
            ItemState::Stale => "stale",
            ItemState::Satisfied => "satisfied",
        }
    }
}

/// A ledger entry named in a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryRef {
    pub entry: u64,
    pub result: Outcome,
    pub collected: Instant,
    pub covers_to: Date,
    pub summary: String,
}

impl From<&Observed> for EntryRef {
    fn from(o: &Observed) -> EntryRef {
        EntryRef {
            entry: o.seq,
            result: o.result,
            collected: o.collected,
            covers_to: o.covers_to,
            summary: o.summary.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemStatus {
    pub id: String,
    pub describe: String,
    pub required: bool,
    pub visibility: Visibility,
    /// `check:<kind>`, `file` or `manual`.
    pub source: String,
    pub state: ItemState,
    /// Failing now after having passed before.
    pub regression: bool,
    /// The entry the state is judged from.
    pub latest: Option<EntryRef>,
    /// The latest passing entry, if any.
    pub last_pass: Option<EntryRef>,
    /// When the latest passing entry stops being fresh.
    pub fresh_until: Option<Instant>,
    /// For a failing item: when it started failing (the first entry after the last pass).
    pub failing_since: Option<Instant>,
}

/// What is wrong with a control beyond its state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// A required item's latest entry fails or errors.
    pub failing: bool,
    /// One of the failing items passed before: a regression.
    pub regression: bool,
    /// A required item's evidence is past `fresh_for`.
    pub stale: bool,
    pub review_overdue: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlStatus {
    pub id: String,
    pub title: String,
    pub file: String,
    pub criteria: Vec<String>,
    pub owner: String,
    pub frequency: Frequency,
    pub nature: Nature,
    pub visibility: Visibility,
    pub claimed: Option<ControlState>,
    pub derived: ControlState,
    pub not_applicable: Option<String>,
    pub flags: Flags,
    pub items: Vec<ItemStatus>,
    pub open_gaps: Vec<Gap>,
    pub review_due: Option<Date>,
}

impl ControlStatus {
    /// The word shown for the control: its derived state, or `failing` over it.
    pub fn headline(&self) -> &'static str {
        if self.flags.failing {
            "failing"
        } else {
            self.derived.as_str()
        }
    }
}

/// A claim better than the evidence supports, and the evidence that contradicts it.
#[derive(Clone, Debug, Serialize)]
pub struct Discrepancy {
    pub control: String,
    pub visibility: Visibility,
    pub claimed: ControlState,
    pub derived: ControlState,
    /// Items short of satisfied, each with its state and latest entry.
    pub contradicting: Vec<Contradiction>,
    /// Open gap ids, which also keep a control from `implemented`.
    pub open_gaps: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Contradiction {
    pub item: String,
    pub state: ItemState,
    pub latest: Option<EntryRef>,
}

/// A criterion's state: the weakest of its controls, or `uncovered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CriterionState {
    Uncovered,
    Planned,
    Partial,
    Implemented,
    NotApplicable,
}

impl CriterionState {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionState::Uncovered => "uncovered",
            CriterionState::Planned => "planned",
            CriterionState::Partial => "partial",
            CriterionState::Implemented => "implemented",
            CriterionState::NotApplicable => "not-applicable",
        }
    }
}

impl From<ControlState> for CriterionState {
    fn from(s: ControlState) -> CriterionState {
        match s {
            ControlState::Planned => CriterionState::Planned,
            ControlState::Partial => CriterionState::Partial,
            ControlState::Implemented => CriterionState::Implemented,
            ControlState::NotApplicable => CriterionState::NotApplicable,
        }
    }
}

/// How many of a criterion's controls are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_applicable: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct CriterionStatus {
    pub id: String,
    pub title: String,
    pub category: String,
    pub in_scope: bool,
    pub controls: Vec<String>,
    pub state: CriterionState,
    /// One of its controls is failing.
    pub failing: bool,
    /// One of its controls has stale evidence.
    pub stale: bool,
    pub counts: Counts,
}

impl CriterionStatus {
    pub fn headline(&self) -> &'static str {
        if self.failing {
            "failing"
        } else {
            self.state.as_str()
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryStatus {
    pub id: String,
    pub title: String,
    pub in_scope: bool,
    /// Criteria that count (not-applicable ones are left out).
    pub criteria: usize,
    pub covered: usize,
    pub implemented: usize,
    /// Share of the counted criteria implemented, 0 to 1.
    pub readiness: f64,
    pub uncovered: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    pub version: u32,
    pub as_of: Instant,
    pub org: String,
    pub audit_type: AuditType,
    /// Share of in-scope criteria implemented, 0 to 1.
    pub readiness: f64,
    pub categories: Vec<CategoryStatus>,
    pub criteria: Vec<CriterionStatus>,
    pub controls: Vec<ControlStatus>,
    pub discrepancies: Vec<Discrepancy>,
}

impl StatusReport {
    pub fn control(&self, id: &str) -> Option<&ControlStatus> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn criterion(&self, id: &str) -> Option<&CriterionStatus> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

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

/// What one item's entries say as of a moment: the part of judging that the
/// full report and the readiness-over-time chart share.
struct Reading<'h, 'e> {
    /// The entries collected by then, oldest first.
    seen: &'h [&'e Observed],
    state: ItemState,
    /// Places in `seen` of the latest judged entry and of the last pass: the
    /// chart needs only the state, and never reads the entries themselves.
    latest: Option<usize>,
    last_pass: Option<usize>,
    fresh_until: Option<Instant>,
}

/// Reads one evidence item as of `as_of` from its entries in the order
/// [`History`] keeps them: by collection time, the ledger's order breaking ties
/// between entries collected in the same second.
fn read_item<'h, 'e>(item: &EvidenceItem, group: Group<'h, 'e>, as_of: Instant) -> Reading<'h, 'e> {
    let seen = group.until(as_of);
    // Newest first, by place in the group; the entries themselves are not read.
    let mut judged = group.briefs[..seen.len()]
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, b)| b.result != Outcome::NotApplicable);
    let latest = judged.next();
    let last_pass = latest
        .filter(|(_, b)| b.result == Outcome::Pass)
        .or_else(|| judged.find(|(_, b)| b.result == Outcome::Pass));
    let fresh_until = last_pass.map(|(_, b)| b.speaks_until(item.fresh_for));
    let state = match latest {
        None => ItemState::Missing,
        Some((_, b)) if b.result != Outcome::Pass => ItemState::Failing,
        Some(_) if fresh_until.is_some_and(|t| t >= as_of) => ItemState::Satisfied,
        Some(_) => ItemState::Stale,
    };
    Reading {
        seen,
        state,
        latest: latest.map(|(k, _)| k),
        last_pass: last_pass.map(|(k, _)| k),
        fresh_until,
    }
}

/// Judges one evidence item as of `as_of` (see [`read_item`]), with the entries
/// a report names.
fn judge_item(item: &EvidenceItem, group: Group<'_, '_>, as_of: Instant) -> ItemStatus {
    let Reading {
        seen,
        state,
        latest,
        last_pass,
        fresh_until,
    } = read_item(item, group, as_of);
    // The first entry after the last pass (or the first of all when none passed).
    let failing_since = (state == ItemState::Failing)
        .then(|| {
            seen.iter()
                .rev()
                .filter(|o| o.result != Outcome::NotApplicable)
                .take_while(|o| o.result != Outcome::Pass)
                .last()
                .map(|o| o.collected)
        })
        .flatten();
    ItemStatus {
        failing_since,
        id: item.id.clone(),
        describe: item.describe.clone(),
        required: item.required,
        visibility: item.visibility,
        source: match &item.source {
            crate::model::EvidenceSource::Check(spec) => format!("check:{}", spec.kind.as_str()),
            crate::model::EvidenceSource::File { .. } => "file".into(),
            crate::model::EvidenceSource::Manual => "manual".into(),
        },
        state,
        regression: state == ItemState::Failing && last_pass.is_some(),
        latest: latest.map(|k| EntryRef::from(seen[k])),
        last_pass: last_pass.map(|k| EntryRef::from(seen[k])),
        fresh_until,
    }
}

/// A control's state from its items' (required, state): implemented when every
/// required item is satisfied, something is, and no gap is open; partial when
/// something is satisfied; planned when nothing is.
fn control_state(
    control: &Control,
    items: impl Iterator<Item = (bool, ItemState)>,
) -> ControlState {
    if control.not_applicable.is_some() {
        return ControlState::NotApplicable;
    }
    let (mut any_satisfied, mut all_required) = (false, true);
    for (required, state) in items {
        let satisfied = state == ItemState::Satisfied;
        any_satisfied |= satisfied;
        all_required &= satisfied || !required;
    }
    if any_satisfied && all_required && control.open_gaps().next().is_none() {
        ControlState::Implemented
    } else if any_satisfied {
        ControlState::Partial
    } else {
        ControlState::Planned
    }
}

/// Judges one control from its items' entries.
fn judge_control(control: &Control, history: &History<'_>, as_of: Instant) -> ControlStatus {
    let items: Vec<ItemStatus> = control
        .evidence
        .iter()
        .map(|item| judge_item(item, history.of(&control.id, &item.id), as_of))
        .collect();
    let open_gaps: Vec<Gap> = control.open_gaps().cloned().collect();
    let required = || items.iter().filter(|i| i.required);
    let derived = control_state(control, items.iter().map(|i| (i.required, i.state)));
    let as_of_day = as_of.date();
    let flags = Flags {
        failing: required().any(|i| i.state == ItemState::Failing),
        regression: required().any(|i| i.regression),
        stale: required().any(|i| i.state == ItemState::Stale),
        review_overdue: control.review.is_some_and(|r| r.overdue(as_of_day)),
    };
    ControlStatus {
        id: control.id.clone(),
        title: control.title.clone(),
        file: control.origin.file.clone(),
        criteria: control.criteria.clone(),
        owner: control.owner.clone(),
        frequency: control.frequency,
        nature: control.nature,
        visibility: control.visibility,
        claimed: control.claimed,
        derived,
        not_applicable: control.not_applicable.clone(),
        flags,
        items,
        open_gaps,
        review_due: control.review.map(|r| r.next_due()),
    }
}

/// A claim better than the derived state, with what contradicts it.
pub fn discrepancy(c: &ControlStatus) -> Option<Discrepancy> {
    let claimed = c.claimed?;
    if claimed <= c.derived || c.derived == ControlState::NotApplicable {
        return None;
    }
    Some(Discrepancy {
        control: c.id.clone(),
        visibility: c.visibility,
        claimed,
        derived: c.derived,
        contradicting: c
            .items
            .iter()
            .filter(|i| i.state != ItemState::Satisfied && i.required)
            .map(|i| Contradiction {
                item: i.id.clone(),
                state: i.state,
                latest: i.latest.clone(),
            })
            .collect(),
        open_gaps: c.open_gaps.iter().map(|g| g.id.clone()).collect(),
    })
}

/// Entries grouped by (control, item) and put in time order once, to judge the
/// program at several moments (the portal's readiness-over-time chart) without
/// regrouping: judging at a moment then reads a prefix of each group.
pub struct History<'e> {
    /// Each (control, item) pair's group number, in the order first recorded.
    index: foldhash::HashMap<(&'e str, &'e str), usize>,
    /// Every entry, group after group, each group in time order.
    sorted: Vec<&'e Observed>,
    /// What judging reads of each of `sorted`, in the same places.
    briefs: Vec<Brief>,
    /// Where each group starts in `sorted` (and, last, where the final one ends).
    starts: Vec<usize>,
}

impl<'e> History<'e> {
    pub fn new(entries: &'e [Observed]) -> History<'e> {
        // A counting sort by group: one pass to number each entry's group, one
        // to place it, then each group put in time order on its own.
        let mut index: foldhash::HashMap<(&str, &str), usize> = foldhash::HashMap::default();
        let mut sizes: Vec<usize> = Vec::new();
        let group_of: Vec<usize> = entries
            .iter()
            .map(|o| {
                let next = sizes.len();
                let at = *index.entry((&*o.control, &*o.item)).or_insert(next);
                if at == next {
                    sizes.push(0);
                }
                sizes[at] += 1;
                at
            })
            .collect();
        let mut starts = Vec::with_capacity(sizes.len() + 1);
        let mut end = 0;
        for size in &sizes {
            starts.push(end);
            end += size;
        }
        starts.push(end);
        let mut fill = starts.clone();
        let mut sorted: Vec<Option<&Observed>> = vec![None; entries.len()];
        for (o, g) in entries.iter().zip(group_of) {
            sorted[fill[g]] = Some(o);
            fill[g] += 1;
        }
        let mut sorted: Vec<&Observed> = sorted.into_iter().flatten().collect();
        for w in starts.windows(2) {
            sorted[w[0]..w[1]].sort_by_key(|o| (o.collected, o.seq));
        }
        let briefs = sorted.iter().map(|o| Brief::of(o)).collect();
        History {
            index,
            sorted,
            briefs,
            starts,
        }
    }

    fn group(&self, g: usize) -> Group<'_, 'e> {
        let range = self.starts[g]..self.starts[g + 1];
        Group {
            entries: &self.sorted[range.clone()],
            briefs: &self.briefs[range],
        }
    }

    /// One item's entries, oldest first.
    pub fn of(&self, control: &str, item: &str) -> Group<'_, 'e> {
        // The map is covariant in its keys, so shorter-lived ones can look up.
        let index: &foldhash::HashMap<(&str, &str), usize> = &self.index;
        match index.get(&(control, item)) {
            Some(&g) => self.group(g),
            None => Group {
                entries: &[],
                briefs: &[],
            },
        }
    }

    /// Every item's entries, oldest first, items in the order first recorded.
    pub fn groups(&self) -> impl Iterator<Item = Group<'_, 'e>> {
        (0..self.starts.len() - 1).map(|g| self.group(g))
    }
}

/// One item's entries in time order (a slice of them, through `Deref`), with
/// what judging reads of each beside them.
#[derive(Clone, Copy)]
pub struct Group<'h, 'e> {
    entries: &'h [&'e Observed],
    briefs: &'h [Brief],
}

impl<'h, 'e> Group<'h, 'e> {
    /// The entries collected by `at`, oldest first.
    pub fn until(&self, at: Instant) -> &'h [&'e Observed] {
        &self.entries[..self.briefs.partition_point(|b| b.collected <= at)]
    }
}

impl<'h, 'e> std::ops::Deref for Group<'h, 'e> {
    type Target = [&'e Observed];

    fn deref(&self) -> &[&'e Observed] {
        self.entries
    }
}

/// Derives the status of the whole program as of `as_of` from `entries`.
pub fn derive(
    program: &TrustProgram,
    catalog: &Catalog,
    entries: &[Observed],
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
    let controls: Vec<ControlStatus> =
        crate::parallel::map(&program.controls, |c| judge_control(c, history, as_of));
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
        .filter(|c| c.in_scope)
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
    let states: Vec<Vec<ControlState>> = crate::parallel::map(&controls, |(c, groups)| {
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
    });
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
    let state = weakest(controls.iter().map(|c| c.derived));
    CriterionStatus {
        id: cr.id,
        title: cr.title,
        category: cr.category,
        in_scope: cr.in_scope,
        controls: cr.controls,
        state,
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
