//! What importer and population checks observed: their entries' content,
//! read from the ledger's blobs for the judgement (populations, metrics). Only
//! the items that need it are read, and an entry whose blob is unreadable is
//! left out here (`ledger verify` reports it).

use super::ledger_access::store_failure;
use crate::failure::Failure;
use evident_core::model::{CheckKind, EvidenceSource, Outcome, TrustProgram};
use evident_core::record::{Kind, Observation, Records};
use evident_ledger::blobs::BlobStore;
use evident_store::{Blobs, Ledger};
use std::collections::HashMap;

/// Kinds whose content the judgement reads.
const OBSERVED: [CheckKind; 3] = [
    CheckKind::Population,
    CheckKind::Cyclonedx,
    CheckKind::Sarif,
];

pub async fn read(
    ledger: &Ledger<Blobs>,
    program: &TrustProgram,
    records: &Records,
) -> Result<Vec<Observation>, Failure> {
    let mut kinds: HashMap<(&str, &str), CheckKind> = HashMap::new();
    for control in &program.controls {
        for item in &control.evidence {
            if let EvidenceSource::Check(c) = &item.source
                && OBSERVED.contains(&c.kind)
            {
                kinds.insert((&control.id, &item.id), c.kind);
            }
        }
    }
    let mut out = Vec::new();
    if kinds.is_empty() {
        return Ok(out);
    }
    for r in records.judged.iter() {
        if r.kind != Kind::Check || r.result == Outcome::Error {
            continue;
        }
        let Some(&kind) = kinds.get(&(&*r.control, &*r.item)) else {
            continue;
        };
        let Some(stored) = ledger.store.entry(r.seq).await.map_err(store_failure)? else {
            continue;
        };
        let fields = stored.fields().map_err(store_failure)?;
        let Some(hash) = evident_ledger::hex::decode::<32>(&fields.content_sha256) else {
            continue;
        };
        let Ok(bytes) = ledger.blobs.get(&hash).await else {
            continue;
        };
        let Ok(content) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        out.push(Observation {
            seq: r.seq,
            control: r.control.to_string(),
            item: r.item.to_string(),
            collected: r.collected,
            kind,
            observed: content["observed"].clone(),
        });
    }
    Ok(out)
}
