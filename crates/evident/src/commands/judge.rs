//! What every judging verb does first: load the trust repo and the ledger's
//! records, then judge them once ([`Judgement`]) as of a moment.

use super::ledger_access::{self, store_failure, with_ledger};
use crate::failure::Failure;
use evident_core::catalog::Catalog;
use evident_core::judgement::{Judgement, Scope};
use evident_core::model::{TrustProgram, Window};
use evident_core::record::Records;
use evident_core::time::Instant;
use evident_ledger::checkpoint::Checkpoint;
use std::path::Path;

/// The inputs of a judgement, as read from the trust repo and its ledger.
pub struct Loaded {
    pub catalog: Catalog,
    pub program: TrustProgram,
    /// The ledger's records, retractions set apart.
    pub records: Records,
    /// The latest signed checkpoint, read with the records.
    pub checkpoint: Option<Checkpoint>,
    /// How many entries the ledger held when its records were read (at most
    /// as many as were read: the size is taken first).
    pub size: u64,
}

impl Loaded {
    /// Loads the trust repo (any error stops here, before a ledger is opened)
    /// and reads every ledger record and the latest checkpoint.
    pub fn read(repo: &Path) -> Result<Loaded, Failure> {
        let catalog = Catalog::tsc();
        let program = super::load_program(repo, &catalog)?;
        let witnesses = ledger_access::witnesses(&program)?;
        let tsa = ledger_access::timestamp_authority(repo, &program)?;
        let (records, checkpoint, size) = with_ledger(repo, &program, async |ledger| {
            let size = ledger.store.size().await.map_err(store_failure)?;
            let mut records = Records::new(ledger.store.records().await.map_err(store_failure)?);
            records.observations = super::observations::read(ledger, &program, &records).await?;
            let checkpoint = ledger.latest_checkpoint().await.map_err(store_failure)?;
            if !witnesses.is_empty() || tsa.is_some() {
                let stored = ledger.store.checkpoints().await.map_err(store_failure)?;
                let parsed: Vec<Checkpoint> = stored
                    .iter()
                    .filter_map(|s| Checkpoint::parse(&s.text).ok())
                    .collect();
                records.proofs = ledger_access::proofs(&parsed, &witnesses, tsa.as_ref())?;
            }
            Ok((records, checkpoint, size))
        })?;
        Ok(Loaded {
            catalog,
            program,
            records,
            checkpoint,
            size,
        })
    }

    pub fn judge(&self, as_of: Instant, scope: Option<Scope>) -> Judgement<'_> {
        Judgement::new(&self.program, &self.catalog, &self.records, as_of, scope)
    }

    /// The observation window: `--window FROM..TO`, else `[audit] window`.
    pub fn window(&self, flag: Option<&str>) -> Result<Window, Failure> {
        if let Some(text) = flag {
            let (from, to) = super::parse_days("--window", text)?;
            return Ok(Window { from, to });
        }
        self.program.config.audit.window.ok_or_else(|| {
            Failure::input(
                "no observation window: set `window = { from = 2026-07-01, to = 2026-12-31 }` under [audit] in evident.toml, or pass --window FROM..TO",
            )
        })
    }

    /// [`Loaded::window`] with `seed`, or none for a program without a window
    /// (Type I): the scope of the auditor's exports.
    pub fn optional_scope(&self, flag: Option<&str>, seed: u64) -> Result<Option<Scope>, Failure> {
        if flag.is_none() && self.program.config.audit.window.is_none() {
            return Ok(None);
        }
        let window = self.window(flag)?;
        Ok(Some(Scope { window, seed }))
    }
}
