//! The judgement: everything evident concludes about a program as of a moment,
//! built once and rendered by every output (terminal, JSON, portal, worksheet,
//! OSCAL, bundle), so no two outputs can disagree.
//!
//! ```text
//! // program: the trust repo as evident-repo loads it; records: the ledger's.
//! let judgement = Judgement::new(&program, &Catalog::tsc(), &Records::new(records), as_of, None);
//! println!("{} findings", judgement.gaps.findings.len());
//! ```

use crate::catalog::Catalog;
use crate::gaps::{GapReport, inventory};
use crate::model::{TrustProgram, Window};
use crate::period::{PeriodReport, test_window};
use crate::record::{Kind, Record, Records, Retraction};
use crate::register_evidence::{key_of, live_keys};
use crate::remediation::{RemediationReport, plan};
use crate::sample::{SampleReport, draw};
use crate::status::{History, ItemState, ItemStatus, StatusReport, derive_from};
use crate::time::Instant;
use std::borrow::Cow;

/// What a Type II audit adds: the window's period testing and the sample.
pub struct AuditWindow {
    pub window: Window,
    pub periods: PeriodReport,
    pub sample: SampleReport,
}

/// The window and seed an audit judgement is made for.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    pub window: Window,
    /// The auditor's sample seed: the same seed always draws the same sample.
    pub seed: u64,
}

pub struct Judgement<'a> {
    pub program: &'a TrustProgram,
    pub catalog: &'a Catalog,
    pub as_of: Instant,
    /// The records grouped by item in time order (the portal's history and chart).
    pub history: History<'a>,
    pub status: StatusReport,
    pub gaps: GapReport,
    pub remediation: RemediationReport,
    /// Period testing and the sample, when judged over a window.
    pub audit: Option<AuditWindow>,
    /// The programme's metrics over the audit window, else the year to `as_of`.
    pub metrics: crate::metrics::Metrics,
    /// Entries withdrawn by later entries: left out of every judgement above,
    /// listed by every output.
    pub retractions: &'a [Retraction],
}

impl<'a> Judgement<'a> {
    /// Judges `program` from `records` as of `as_of`, and over `scope`'s window
    /// when one is given (a Type I program without a window has none).
    pub fn new(
        program: &'a TrustProgram,
        catalog: &'a Catalog,
        ledger: &'a Records,
        as_of: Instant,
        scope: Option<Scope>,
    ) -> Judgement<'a> {
        // A recorded register entry counts while the register still holds it:
        // for status, periods, samples and remediation alike.
        let live = live_keys(program);
        let counts = |r: &Record| {
            r.kind != Kind::Register
                || live.contains(&(
                    r.control.to_string(),
                    r.item.to_string(),
                    key_of(&r.summary).to_string(),
                ))
        };
        let history = History::of_records(ledger.judged.iter().filter(|r| counts(r)));
        // Only a register entry since removed costs a copy of the records.
        let records: Cow<'_, [Record]> = if ledger.judged.iter().all(counts) {
            Cow::Borrowed(&ledger.judged)
        } else {
            Cow::Owned(
                ledger
                    .judged
                    .iter()
                    .filter(|r| counts(r))
                    .cloned()
                    .collect(),
            )
        };
        let records = &records[..];
        let status = derive_from(program, catalog, &history, as_of);
        let gaps = inventory(program, &status, &ledger.noted);
        let remediation = plan(program, &gaps, records);
        let populations =
            crate::population::from_observations(program, &ledger.observations, as_of);
        let metrics_window = scope.map_or(
            Window {
                from: as_of.date().add_days(-364),
                to: as_of.date(),
            },
            |s| s.window,
        );
        let metrics = crate::metrics::derive(
            program,
            records,
            &ledger.observations,
            metrics_window,
            as_of,
        );
        let audit = scope.map(|s| AuditWindow {
            window: s.window,
            periods: test_window(
                program,
                records,
                &ledger.proofs,
                &populations,
                s.window,
                as_of,
            ),
            sample: draw(
                program,
                records,
                &populations,
                s.window,
                as_of,
                s.seed,
                &program.config.sample,
            ),
        });
        Judgement {
            program,
            catalog,
            as_of,
            history,
            status,
            gaps,
            remediation,
            audit,
            metrics,
            retractions: &ledger.retractions,
        }
    }

    /// Why the program is not where `--fail-on` requires it to be: one line per
    /// condition chosen that holds, naming what holds it (empty when none does).
    pub fn unmet(&self, fail_on: &[FailOn]) -> Vec<String> {
        let required = || {
            self.status.controls.iter().flat_map(|c| {
                c.items
                    .iter()
                    .filter(|i| i.required && c.not_applicable.is_none())
                    .map(move |i| (c, i))
            })
        };
        let items = |keep: &dyn Fn(&ItemStatus) -> bool| -> Vec<String> {
            required()
                .filter(|(_, i)| keep(i))
                .map(|(c, i)| format!("{}/{}", c.id, i.id))
                .collect()
        };
        let mut reasons = Vec::new();
        for f in fail_on {
            let held = match f {
                FailOn::Regression => items(&|i| i.regression),
                FailOn::Failing => items(&|i| i.state == ItemState::Failing),
                FailOn::Stale => items(&|i| i.state == ItemState::Stale),
                FailOn::Overdue => self
                    .remediation
                    .items
                    .iter()
                    .filter(|i| i.days_overdue > 0)
                    .map(|i| format!("{} ({} day(s))", i.finding.id, i.days_overdue))
                    .collect(),
            };
            if !held.is_empty() {
                reasons.push(format!("{}: {}", f.as_str(), held.join(", ")));
            }
        }
        reasons
    }
}

/// The conditions `evident check --fail-on` can stop a pipeline on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// A required item fails after having passed before.
    Regression,
    /// A required item's latest result fails or errors.
    Failing,
    /// A required item's evidence is past `fresh_for`.
    Stale,
    /// A remediation item is past its due date.
    Overdue,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Regression => "regression",
            FailOn::Failing => "failing",
            FailOn::Stale => "stale",
            FailOn::Overdue => "overdue",
        }
    }
}

/// What one new result did to its item, from the item judged just before and
/// just after it was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The item had no result before.
    New,
    /// The item became a regression: it fails now after having passed before
    /// (the one definition, [`crate::status::is_regression`]).
    Regression,
    /// The item was failing and is not now.
    Fixed,
    Same,
}

impl Change {
    pub fn between(before: &ItemStatus, after: &ItemStatus) -> Change {
        if before.latest.is_none() {
            Change::New
        } else if after.regression && !before.regression {
            Change::Regression
        } else if before.state == ItemState::Failing && after.state != ItemState::Failing {
            Change::Fixed
        } else {
            Change::Same
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Regression => "regression",
            Change::Fixed => "fixed",
            Change::Same => "same",
        }
    }
}
