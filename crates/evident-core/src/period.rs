//! Type II period testing: over the observation window, did each control operate
//! in every period its frequency sets?
//!
//! A control of frequency daily, weekly (ISO weeks, Monday to Sunday), monthly,
//! quarterly or annual is expected once in every calendar period the window
//! touches. An entry of one of its required items counts for a period when the
//! days it covers fall inside that period, and for every period it covers whole
//! (a review of January and February counts for both months). A period is `passed` with a passing
//! entry, `failed` with entries but no pass, `missing` with none, and `pending`
//! while it is not over as of the moment judged and nothing has passed yet.
//! Missing and failed periods are the exceptions. Continuous controls are judged
//! by the gaps between consecutive passing entries, against each item's
//! `fresh_for`. Per-event controls have no expected count: their population is
//! the events their population check tested (see `population.rs`), else their
//! entries (see `sample.rs`); a run that errored is no event.

use crate::model::{Control, Frequency, Outcome, TrustProgram, Window};
use crate::population::{PopulationTest, Populations, TestedPopulation};
use crate::proof::{Proofs, Witnessed};
use crate::record::Record;
use crate::time::{Date, Instant};
use serde::Serialize;
use std::collections::HashMap;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const PERIOD_JSON_VERSION: u32 = 1;

/// One calendar period: a day, ISO week, month, quarter or year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-08-03`, `2026-W32`, `2026-08`, `2026-Q3` or `2026`.
    pub label: String,
    pub from: Date,
    pub to: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodResult {
    Passed,
    Failed,
    Missing,
    Pending,
}

impl PeriodResult {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodResult::Passed => "passed",
            PeriodResult::Failed => "failed",
            PeriodResult::Missing => "missing",
            PeriodResult::Pending => "pending",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PeriodOutcome {
    #[serde(flatten)]
    pub period: Period,
    pub result: PeriodResult,
    /// The entries that fall in the period, in the ledger's order.
    pub entries: Vec<u64>,
    /// Whether those entries were proven (witnessed) in time; `None` when the
    /// period has no entries or nothing in the ledger is witnessed.
    pub proof: Option<PeriodProof>,
}

/// When a period's evidence was proven, against its deadline (the period's
/// end plus `proof_grace`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodProof {
    pub state: ProofState,
    /// When the last of its entries was proven, and by whom.
    pub proven_at: Option<Instant>,
    pub proven_by: Option<String>,
    pub deadline: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProofState {
    /// Every entry was in a checkpoint witnessed by the deadline.
    InTime,
    /// Witnessed, but after the deadline: the times are the company's word.
    Late,
    /// Some entry is in no witnessed checkpoint yet.
    Unproven,
}

impl ProofState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProofState::InTime => "in time",
            ProofState::Late => "late",
            ProofState::Unproven => "unproven",
        }
    }
}

/// A stretch of a continuous control's window without fresh passing evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lapse {
    pub item: String,
    /// When the evidence before it stopped being fresh (or the window began).
    pub from: Instant,
    /// When passing evidence came again (or the window, or the judging, ended).
    pub to: Instant,
    /// The passing entries either side of it, where there are any.
    pub after_entry: Option<u64>,
    pub before_entry: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlPeriods {
    pub control: String,
    pub frequency: Frequency,
    /// Periods expected in the window (periodic controls; 0 otherwise).
    pub expected: usize,
    pub passed: usize,
    pub pending: usize,
    /// Every expected period with its result (periodic controls).
    pub periods: Vec<PeriodOutcome>,
    /// Missing and failed periods: the exceptions.
    pub exceptions: Vec<PeriodOutcome>,
    /// Continuous controls: stretches without fresh passing evidence.
    pub lapses: Vec<Lapse>,
    /// Per-event controls: how many events (else entries) the window holds.
    pub events: usize,
    /// Per-event controls with a population check: every event tested, and
    /// which were exceptions.
    pub population: Option<PopulationTest>,
}

impl ControlPeriods {
    pub fn exception_count(&self) -> usize {
        self.exceptions.len()
            + self.lapses.len()
            + self.population.as_ref().map_or(0, |p| p.exceptions.len())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PeriodReport {
    pub version: u32,
    pub window: Window,
    pub as_of: Instant,
    /// Whether any checkpoint is witnessed: without, every time in the
    /// ledger is the company's own word.
    pub witnessed: bool,
    pub proof_grace: crate::time::Interval,
    pub controls: Vec<ControlPeriods>,
}

impl PeriodReport {
    /// Periods whose evidence was not proven by their deadline.
    pub fn unproven(&self) -> impl Iterator<Item = (&ControlPeriods, &PeriodOutcome)> {
        self.controls.iter().flat_map(|c| {
            c.periods
                .iter()
                .filter(|p| {
                    p.proof
                        .as_ref()
                        .is_some_and(|x| x.state != ProofState::InTime)
                })
                .map(move |p| (c, p))
        })
    }
}

/// Fills in each period's proof from the witnessed checkpoints.
fn prove_periods(controls: &mut [ControlPeriods], proofs: &Proofs, grace: crate::time::Interval) {
    let prove = |p: &mut PeriodOutcome| {
        if p.entries.is_empty() {
            return;
        }
        let deadline = Instant::end_of(p.period.to).plus(grace.seconds());
        let each: Vec<Option<&Witnessed>> =
            p.entries.iter().map(|&s| proofs.proven_by(s)).collect();
        let last = each.iter().flatten().max_by_key(|w| w.at);
        let state = if each.iter().any(Option::is_none) {
            ProofState::Unproven
        } else if last.is_some_and(|w| w.at <= deadline) {
            ProofState::InTime
        } else {
            ProofState::Late
        };
        p.proof = Some(PeriodProof {
            state,
            proven_at: last.map(|w| w.at),
            proven_by: last.map(|w| w.by.clone()),
            deadline,
        });
    };
    for c in controls {
        c.periods.iter_mut().for_each(prove);
        c.exceptions.iter_mut().for_each(prove);
    }
}

/// Tests every applicable control over `window` with the entries seen as of
/// `as_of`, and whether each period's entries were proven in time by `proofs`.
pub fn test_window(
    program: &TrustProgram,
    entries: &[Record],
    proofs: &Proofs,
    populations: &Populations,
    window: Window,
    as_of: Instant,
) -> PeriodReport {
    let grouped = by_control(entries);
    let controls = program
        .controls
        .iter()
        .filter(|c| c.not_applicable.is_none())
        .map(|c| {
            test_control(
                c,
                of(&grouped, &c.id),
                populations.get(&c.id),
                window,
                as_of,
            )
        })
        .collect::<Vec<_>>();
    let mut controls = controls;
    let grace = program.config.audit.proof_grace;
    if !proofs.is_empty() {
        prove_periods(&mut controls, proofs, grace);
    }
    PeriodReport {
        version: PERIOD_JSON_VERSION,
        window,
        as_of,
        witnessed: !proofs.is_empty(),
        proof_grace: grace,
        controls,
    }
}

/// Entries grouped by control, so each control's tests read only its own.
pub fn by_control(entries: &[Record]) -> HashMap<&str, Vec<&Record>> {
    let mut out: HashMap<&str, Vec<&Record>> = HashMap::new();
    for o in entries {
        out.entry(&*o.control).or_default().push(o);
    }
    out
}

/// One control's entries from [`by_control`] (none when it has none).
pub fn of<'m, 'e>(grouped: &'m HashMap<&str, Vec<&'e Record>>, control: &str) -> &'m [&'e Record] {
    grouped.get(control).map_or(&[], Vec::as_slice)
}

/// Of `control`'s own entries, those of its required items seen as of `as_of`. Periods pick
/// their own by the days covered, so a weekly run on the Monday before the window
/// opens still counts for the week the window starts in.
fn relevant<'e>(control: &Control, entries: &[&'e Record], as_of: Instant) -> Vec<&'e Record> {
    let mut mine: Vec<&Record> = entries
        .iter()
        .copied()
        .filter(|o| o.collected <= as_of)
        .filter(|o| o.result != Outcome::NotApplicable)
        .filter(|o| {
            control
                .evidence
                .iter()
                .any(|i| *i.id == *o.item && i.required)
        })
        .collect();
    mine.sort_by_key(|o| o.seq);
    mine
}

/// Tests one control over `window`; `entries` are its own (see [`by_control`]).
pub fn test_control(
    control: &Control,
    entries: &[&Record],
    population: Option<&TestedPopulation>,
    window: Window,
    as_of: Instant,
) -> ControlPeriods {
    let mine = relevant(control, entries, as_of);
    let mut out = ControlPeriods {
        control: control.id.clone(),
        frequency: control.frequency,
        expected: 0,
        passed: 0,
        pending: 0,
        periods: vec![],
        exceptions: vec![],
        lapses: vec![],
        events: 0,
        population: None,
    };
    match control.frequency {
        Frequency::PerEvent if population.is_some() => {
            let tested = population.map(|p| p.test(window));
            out.events = tested.as_ref().map_or(0, |t| t.events);
            out.population = tested;
        }
        Frequency::PerEvent => {
            out.events = mine
                .iter()
                .filter(|o| o.result != Outcome::Error)
                .filter(|o| window.meets(o.covers_from, o.covers_to))
                .count()
        }
        Frequency::Continuous => out.lapses = lapses(control, &mine, window, as_of),
        periodic => {
            for period in periods(periodic, window) {
                let inside: Vec<&&Record> =
                    mine.iter().filter(|o| counts_for(o, &period)).collect();
                let over = Instant::end_of(period.to) <= as_of;
                let result = if inside.iter().any(|o| o.result == Outcome::Pass) {
                    PeriodResult::Passed
                } else if !over {
                    PeriodResult::Pending
                } else if inside.is_empty() {
                    PeriodResult::Missing
                } else {
                    PeriodResult::Failed
                };
                out.periods.push(PeriodOutcome {
                    period,
                    result,
                    entries: inside.iter().map(|o| o.seq).collect(),
                    proof: None,
                });
            }
            out.expected = out.periods.len();
            out.passed = count(&out.periods, PeriodResult::Passed);
            out.pending = count(&out.periods, PeriodResult::Pending);
            out.exceptions = out
                .periods
                .iter()
                .filter(|p| matches!(p.result, PeriodResult::Missing | PeriodResult::Failed))
                .cloned()
                .collect();
        }
    }
    out
}

/// Evidence speaks for a period when the days it covers lie inside it, or
/// take in the whole of it.
fn counts_for(o: &Record, period: &Period) -> bool {
    let inside = o.covers_from >= period.from && o.covers_to <= period.to;
    let whole = o.covers_from <= period.from && o.covers_to >= period.to;
    inside || whole
}

fn count(periods: &[PeriodOutcome], result: PeriodResult) -> usize {
    periods.iter().filter(|p| p.result == result).count()
}

/// Every calendar period of `frequency` that `window` touches, in order.
pub fn periods(frequency: Frequency, window: Window) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = period_start(frequency, window.from);
    while start <= window.to {
        let next = next_start(frequency, start);
        out.push(Period {
            label: label(frequency, start),
            from: start,
            to: next.add_days(-1),
        });
        if next <= start {
            break;
        }
        start = next;
    }
    out
}

fn period_start(frequency: Frequency, day: Date) -> Date {
    match frequency {
        Frequency::Weekly => day.add_days(-day.days_from_monday()),
        Frequency::Monthly => day.first_of_month(),
        Frequency::Quarterly => day.first_of_month_plus(-((i32::from(day.month()) - 1) % 3)),
        Frequency::Annual => day.first_of_month_plus(1 - i32::from(day.month())),
        _ => day,
    }
}

fn next_start(frequency: Frequency, start: Date) -> Date {
    match frequency {
        Frequency::Weekly => start.add_days(7),
        Frequency::Monthly => start.first_of_month_plus(1),
        Frequency::Quarterly => start.first_of_month_plus(3),
        Frequency::Annual => start.first_of_month_plus(12),
        _ => start.add_days(1),
    }
}

fn label(frequency: Frequency, start: Date) -> String {
    match frequency {
        Frequency::Weekly => {
            let (year, week) = start.iso_week();
            format!("{year}-W{week:02}")
        }
        Frequency::Monthly => format!("{}-{:02}", start.year(), start.month()),
        Frequency::Quarterly => format!("{}-Q{}", start.year(), (start.month() - 1) / 3 + 1),
        Frequency::Annual => start.year().to_string(),
        _ => start.to_string(),
    }
}

/// Stretches of the window (up to `as_of`) where an item of a continuous control
/// had no fresh passing entry.
fn lapses(control: &Control, mine: &[&Record], window: Window, as_of: Instant) -> Vec<Lapse> {
    let begin = Instant::start_of(window.from);
    let end = Instant::end_of(window.to).min(as_of);
    let mut out = Vec::new();
    for item in control.evidence.iter().filter(|i| i.required) {
        let mut passes: Vec<&&Record> = mine
            .iter()
            .filter(|o| *o.item == *item.id && o.result == Outcome::Pass)
            .collect();
        passes.sort_by_key(|o| (o.collected, o.seq));
        let fresh = item.fresh_for.seconds();
        // Nothing covers the window's start but a pass from before it that is
        // still fresh; each pass covers `fresh_for` after it.
        let mut covered_until = begin;
        let mut previous: Option<u64> = None;
        for p in passes {
            if p.collected > covered_until {
                out.push(Lapse {
                    item: item.id.clone(),
                    from: covered_until,
                    to: p.collected.min(end),
                    after_entry: previous,
                    before_entry: Some(p.seq),
                });
            }
            covered_until = covered_until.max(p.collected.plus(fresh));
            previous = Some(p.seq);
        }
        if covered_until < end {
            out.push(Lapse {
                item: item.id.clone(),
                from: covered_until,
                to: end,
                after_entry: previous,
                before_entry: None,
            });
        }
    }
    out.retain(|l| l.from < l.to && l.from < end);
    out
}
