//! `check` records register entries: each entry an evidence item's register
//! holds (`register: access-reviews`) becomes a `register` entry in the
//! ledger when it is new or its date changed, dated by the fact it records.

use super::ledger_access::{collected_by_check, record_all, store_failure, with_ledger};
use crate::failure::Failure;
use evident_core::model::{EvidenceSource, TrustProgram};
use evident_core::record::Kind;
use evident_core::register_evidence::{facts, key_of};
use evident_ledger::entry::Outcome;
use std::collections::HashSet;
use std::path::Path;

/// Records the register entries of the items `only` selects that the ledger
/// lacks; returns how many it recorded.
pub fn record(repo: &Path, program: &TrustProgram, only: Option<&str>) -> Result<usize, Failure> {
    let wanted: Vec<(&str, &str, Vec<_>)> = super::check::selected(program, only)
        .filter(|(_, i)| i.setup.is_none())
        .filter_map(|(c, i)| match &i.source {
            EvidenceSource::Register { register, filter } => Some((
                c.id.as_str(),
                i.id.as_str(),
                facts(program, *register, filter),
            )),
            _ => None,
        })
        .collect();
    if wanted.iter().all(|(.., f)| f.is_empty()) {
        return Ok(0);
    }
    let names = with_ledger(repo, program, async |ledger| {
        let records = ledger.store.records().await.map_err(store_failure)?;
        let known: HashSet<(&str, &str, &str)> = records
            .iter()
            .filter(|r| r.kind == Kind::Register)
            .map(|r| (&*r.control, &*r.item, key_of(&r.summary)))
            .collect();
        let mut new = Vec::new();
        for (control, item, facts) in &wanted {
            for f in facts
                .iter()
                .filter(|f| !known.contains(&(control, item, f.key.as_str())))
            {
                new.push(collected_by_check(
                    (control, item),
                    Kind::Register,
                    (f.date, f.date),
                    Outcome::Pass,
                    format!("{} {}", f.key, f.summary),
                    serde_json::to_vec(&f.content).unwrap_or_default(),
                ));
            }
        }
        let names: Vec<String> = new
            .iter()
            .map(|e| {
                format!(
                    "{}/{} ({})",
                    e.entry.control,
                    e.entry.item,
                    key_of(&e.entry.summary)
                )
            })
            .collect();
        record_all(ledger, new).await?;
        Ok(names)
    })?;
    for name in &names {
        say_err!("recorded the register entry of {name}");
    }
    Ok(names.len())
}
