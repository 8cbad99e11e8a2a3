//! The ledger's records grouped by evidence item, each group in time order, so
//! the program can be judged at several moments (the portal's readiness chart)
//! without regrouping: judging at a moment reads a prefix of each group.

use crate::model::Outcome;
use crate::record::Record;
use crate::time::Instant;
use std::collections::HashMap;

pub struct History<'e> {
    /// Each (control, item) pair's place in `groups`.
    index: HashMap<(&'e str, &'e str), usize>,
    /// Each item's records, oldest first; the ledger's order breaks ties
    /// between records collected in the same second.
    groups: Vec<Vec<&'e Record>>,
}

impl<'e> History<'e> {
    pub fn new(records: &'e [Record]) -> History<'e> {
        History::of_records(records.iter())
    }

    /// The history of the records `records` yields.
    pub fn of_records(records: impl Iterator<Item = &'e Record>) -> History<'e> {
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        let mut groups: Vec<Vec<&Record>> = Vec::new();
        for r in records {
            let next = groups.len();
            let at = *index.entry((&r.control, &r.item)).or_insert(next);
            if at == next {
                groups.push(Vec::new());
            }
            groups[at].push(r);
        }
        for group in &mut groups {
            group.sort_by_key(|r| (r.collected, r.seq));
        }
        History { index, groups }
    }

    /// One item's records, oldest first.
    pub fn of(&self, control: &str, item: &str) -> Group<'_, 'e> {
        // The map is covariant in its keys, so shorter-lived ones can look up.
        let index: &HashMap<(&str, &str), usize> = &self.index;
        Group(
            index
                .get(&(control, item))
                .map_or(&[], |&g| &self.groups[g]),
        )
    }

    /// Every item's records, oldest first, items in the order first recorded.
    pub fn groups(&self) -> impl Iterator<Item = Group<'_, 'e>> {
        self.groups.iter().map(|g| Group(g))
    }
}

/// One item's records in time order (a slice of them, through `Deref`).
#[derive(Clone, Copy)]
pub struct Group<'h, 'e>(&'h [&'e Record]);

impl<'h, 'e> Group<'h, 'e> {
    /// The records collected by `at`, oldest first.
    pub fn until(&self, at: Instant) -> &'h [&'e Record] {
        &self.0[..self.0.partition_point(|r| r.collected <= at)]
    }

    /// Each record collected by `at` whose result differs from the one before
    /// it (the first record changes from none), with the result it changed from:
    /// the item's change journal.
    pub fn result_changes(&self, at: Instant) -> Vec<(&'e Record, Option<Outcome>)> {
        let mut before = None;
        let mut out = Vec::new();
        for r in self.until(at) {
            if before != Some(r.result) {
                out.push((*r, before));
                before = Some(r.result);
            }
        }
        out
    }
}

impl<'h, 'e> std::ops::Deref for Group<'h, 'e> {
    type Target = [&'e Record];

    fn deref(&self) -> &[&'e Record] {
        self.0
    }
}
