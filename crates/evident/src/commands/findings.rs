//! Findings recorded in the ledger: `check` writes a `finding` entry when a
//! finding first appears (`fail`) and when it is gone (`pass`). Where the
//! trust repo's history cannot say when a finding began (no git, or an
//! uncommitted change), that first entry does, so its SLA clock never restarts.

use super::ledger_access::{collected_by_check, record_all, store_failure, with_ledger};
use crate::failure::Failure;
use evident_core::catalog::Catalog;
use evident_core::gaps::{Finding, FindingKind};
use evident_core::judgement::Judgement;
use evident_core::model::TrustProgram;
use evident_core::record::Records;
use evident_ledger::entry::{EntryKind, Outcome};
use evident_store::Evidence;
use std::collections::HashSet;
use std::path::Path;

/// The kinds whose beginning nothing else records: the ledger's entries date
/// failures and staleness, the trust repo dates gaps and reviews.
fn needs_noting(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::Missing | FindingKind::Uncovered | FindingKind::Discrepancy
    )
}

/// Records the findings that appeared or went away since the ledger last
/// noted them; returns how many entries it wrote. `known` is the ledger as
/// the caller has just read it (read here when `None`).
pub fn record(
    repo: &Path,
    program: &TrustProgram,
    catalog: &Catalog,
    known: Option<&Records>,
) -> Result<usize, Failure> {
    let (today, as_of) = (super::today(), super::instant());
    with_ledger(repo, program, async |ledger| {
        let read;
        let records = match known {
            Some(r) => r,
            None => {
                read = Records::new(ledger.store.records().await.map_err(store_failure)?);
                &read
            }
        };
        let judgement = Judgement::new(program, catalog, records, as_of, None);
        let current: Vec<&Finding> = judgement
            .gaps
            .findings
            .iter()
            .filter(|f| needs_noting(f.kind))
            .collect();
        let noted: HashSet<&str> = records.noted.ids().collect();
        let entry = |id: &str, control: &str, result: Outcome, summary: String| {
            let content =
                serde_json::json!({ "finding": id, "result": result.as_str(), "summary": summary });
            collected_by_check(
                (control, id),
                EntryKind::Finding,
                (today, today),
                result,
                summary,
                content.to_string().into_bytes(),
            )
        };
        let opened = current
            .iter()
            .filter(|f| !noted.contains(f.id.as_str()))
            .map(|f| {
                let control = f.control.as_deref().unwrap_or(PROGRAM);
                entry(&f.id, control, Outcome::Fail, f.title.clone())
            });
        let still: HashSet<&str> = current.iter().map(|f| f.id.as_str()).collect();
        let mut gone: Vec<&str> = noted.difference(&still).copied().collect();
        gone.sort_unstable();
        let closed = gone.into_iter().map(|id| {
            let control = match id.split_once(':') {
                Some(("missing" | "discrepancy", rest)) => rest.split('/').next().unwrap_or(rest),
                _ => PROGRAM,
            };
            entry(id, control, Outcome::Pass, "no longer found".into())
        });
        let evidence: Vec<Evidence> = opened.chain(closed).collect();
        let count = evidence.len();
        record_all(ledger, evidence).await?;
        Ok(count)
    })
}

/// The control a finding of the whole program (an uncovered criterion) is filed under.
const PROGRAM: &str = "program";
