//! Whole populations: a per-event control whose `population` check tested every
//! event (each leaver, each merge) is judged on those events, not on the runs
//! of its check. The edge reads the latest population entry of each such
//! control from the ledger and hands its events in; the period test counts
//! them and the auditor's sample takes all of them ("whole population tested").

use crate::model::{CheckKind, Frequency, TrustProgram};
use crate::record::Observation;
use crate::time::{Date, Instant};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// One control's population, as its latest population check recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestedPopulation {
    /// The evidence item whose check tested it.
    pub item: String,
    /// The ledger entry that recorded it.
    pub entry: u64,
    /// Every event, with its date when the population has one.
    pub events: Vec<PopulationEvent>,
    /// The population's size (events beyond those listed are counted here).
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PopulationEvent {
    pub key: String,
    pub date: Option<Date>,
    /// The check's query returned it: an exception.
    pub exception: bool,
}

/// Each control's tested population, by control id.
pub type Populations = BTreeMap<String, TestedPopulation>;

/// A control's population test over a window, as period testing reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PopulationTest {
    pub item: String,
    pub entry: u64,
    /// Events in the window (dateless events count in every window).
    pub events: usize,
    /// The keys of the events in the window that are exceptions.
    pub exceptions: Vec<String>,
}

impl TestedPopulation {
    /// The events that fall in `window` (an event without a date is in every window).
    pub fn in_window(
        &self,
        window: crate::model::Window,
    ) -> impl Iterator<Item = &PopulationEvent> {
        self.events
            .iter()
            .filter(move |e| e.date.is_none_or(|d| window.meets(d, d)))
    }

    pub fn test(&self, window: crate::model::Window) -> PopulationTest {
        let events: Vec<&PopulationEvent> = self.in_window(window).collect();
        PopulationTest {
            item: self.item.clone(),
            entry: self.entry,
            events: events.len(),
            exceptions: events
                .iter()
                .filter(|e| e.exception)
                .map(|e| e.key.clone())
                .collect(),
        }
    }
}

/// The population each per-event control's population check last recorded
/// as of `as_of`, from the entries' observations.
pub fn from_observations(
    program: &TrustProgram,
    observations: &[Observation],
    as_of: Instant,
) -> Populations {
    let mut out = Populations::new();
    for control in &program.controls {
        if control.frequency != Frequency::PerEvent || control.not_applicable.is_some() {
            continue;
        }
        let latest = observations
            .iter()
            .filter(|o| o.kind == CheckKind::Population && o.control == control.id)
            .filter(|o| o.collected <= as_of)
            .max_by_key(|o| o.seq);
        if let Some(o) = latest {
            out.insert(control.id.clone(), tested(o));
        }
    }
    out
}

/// The events and exceptions a population entry lists.
fn tested(o: &Observation) -> TestedPopulation {
    let list = |k: &str| o.observed[k].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let exceptions: HashSet<&str> = list("exceptions_named")
        .iter()
        .filter_map(|e| e["key"].as_str())
        .collect();
    let events = list("events")
        .iter()
        .filter_map(|e| {
            let key = e["key"].as_str()?;
            // A date column may be a date or a timestamp: its day counts.
            let date = e["date"]
                .as_str()
                .and_then(|d| d.get(..10))
                .and_then(|d| d.parse::<Date>().ok());
            Some(PopulationEvent {
                exception: exceptions.contains(key),
                key: key.to_string(),
                date,
            })
        })
        .collect();
    TestedPopulation {
        item: o.item.clone(),
        entry: o.seq,
        events,
        size: o.observed["population_size"].as_u64().unwrap_or(0),
    }
}
