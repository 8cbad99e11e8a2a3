//! One ledger entry as judging reads it: the fields status, periods, samples
//! and remediation need, without the content or the tree.

use crate::model::Outcome;
use crate::time::{Date, Instant, Interval};
use std::sync::Arc;

/// One ledger entry, as much of it as judging needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its place in the log (its leaf index).
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

impl Record {
    /// When this evidence stops speaking for its item: it is as fresh as the last
    /// day it covers (a March review recorded in November is March's evidence),
    /// and never fresher than when it was collected.
    pub fn speaks_until(&self, fresh_for: Interval) -> Instant {
        self.collected
            .min(Instant::end_of(self.covers_to))
            .plus(fresh_for.seconds())
    }
}
