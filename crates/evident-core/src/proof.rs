//! When evidence was *proven* to exist: a company's own signature proves
//! nothing about time, so an entry is proven by the earliest checkpoint
//! including it that a witness cosigned (or a TSA stamped), at that party's
//! time. Type II period testing asks whether each period's evidence was
//! proven within `proof_grace` of the period's end (docs/ledger.md).

use crate::time::Instant;
use serde::Serialize;

/// A checkpoint vouched for by someone other than the company.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witnessed {
    /// The checkpoint's tree size: it includes entries `0..size`.
    pub size: u64,
    /// The earliest time a witness or TSA put on it.
    pub at: Instant,
    /// Who: a witness's name, or `tsa:<url>`.
    pub by: String,
}

/// Every witnessed checkpoint of the ledger.
#[derive(Clone, Debug, Default)]
pub struct Proofs {
    /// By size; `earliest[i]` is the earliest proof among `list[i..]`.
    list: Vec<Witnessed>,
    earliest: Vec<usize>,
}

impl Proofs {
    pub fn new(mut list: Vec<Witnessed>) -> Proofs {
        list.sort_by_key(|w| (w.size, w.at));
        let mut earliest = vec![0; list.len()];
        for i in (0..list.len()).rev() {
            earliest[i] = match earliest.get(i + 1) {
                Some(&j) if list[j].at < list[i].at => j,
                _ => i,
            };
        }
        Proofs { list, earliest }
    }

    /// Whether anyone but the company vouched for any checkpoint.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The earliest proof of entry `seq`: among checkpoints that include it.
    pub fn proven_by(&self, seq: u64) -> Option<&Witnessed> {
        let first = self.list.partition_point(|w| w.size <= seq);
        self.earliest.get(first).map(|&i| &self.list[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(size: u64, at: &str) -> Witnessed {
        Witnessed {
            size,
            at: at.parse().unwrap(),
            by: "w".into(),
        }
    }

    #[test]
    fn an_entry_is_proven_by_the_earliest_checkpoint_including_it() {
        let p = Proofs::new(vec![
            w(10, "2026-11-02T00:00:00Z"),
            w(5, "2026-11-01T00:00:00Z"),
            w(20, "2026-10-30T00:00:00Z"),
        ]);
        assert_eq!(
            p.proven_by(3).unwrap().at.to_string(),
            "2026-10-30T00:00:00Z"
        );
        assert_eq!(p.proven_by(19).unwrap().size, 20);
        assert!(p.proven_by(20).is_none());
        assert!(Proofs::default().proven_by(0).is_none());
    }
}
