//! What the judging verbs (status, gaps, remediation, period, sample) share: the
//! trust repo, every ledger entry, and the moment and window to judge at.

use super::ledger_access::{observed, store_failure, with_ledger, with_ledger_of};
use crate::cli::Report;
use crate::failure::Failure;
use evident_core::catalog::Catalog;
use evident_core::model::{TrustProgram, Window};
use evident_core::parallel;
use evident_core::status::{Observed, StatusReport, derive};
use evident_core::time::Instant;
use evident_ledger::blobs::FsBlobs;
use evident_ledger::checkpoint::Checkpoint;
use evident_store::Ledger;
use std::path::Path;

pub struct Judged {
    pub catalog: Catalog,
    pub program: TrustProgram,
    pub entries: Vec<Observed>,
    /// The latest signed checkpoint, read with the entries.
    pub checkpoint: Option<Checkpoint>,
    pub as_of: Instant,
}

impl Judged {
    /// Loads the trust repo and reads the ledger, to judge as of `--as-of` or now.
    pub fn load(repo: &Path, report: &Report) -> Result<Judged, Failure> {
        let as_of = super::as_of_instant(report)?;
        Judged::load_at(repo, as_of)
    }

    pub fn load_at(repo: &Path, as_of: Instant) -> Result<Judged, Failure> {
        let catalog = Catalog::tsc();
        // The ledger is read while the trust repo loads: it needs only evident.toml,
        // and never opens (or creates) a ledger for a repo whose evident.toml is broken.
        let (read, program) = parallel::both(
            || {
                let config = evident_repo::load_config(repo, &catalog)?;
                Some(with_ledger_of(repo, &config, read_ledger))
            },
            || super::load_program(repo, &catalog),
        );
        let program = program?;
        let (entries, checkpoint) = match read {
            Some(read) => read?,
            // evident.toml read cleanly in full but not alone: cannot happen, but
            // reading the ledger afresh is always right.
            None => with_ledger(repo, &program, read_ledger)?,
        };
        Ok(Judged {
            catalog,
            program,
            entries,
            checkpoint,
            as_of,
        })
    }

    pub fn status(&self) -> StatusReport {
        derive(&self.program, &self.catalog, &self.entries, self.as_of)
    }

    /// `--window FROM..TO`, else `[audit] window`, else none (a Type I program).
    pub fn optional_window(&self, flag: Option<&str>) -> Result<Option<Window>, Failure> {
        match (flag, self.program.config.audit.window) {
            (None, None) => Ok(None),
            (flag, _) => self.window(flag).map(Some),
        }
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
}

/// Every entry as judging reads it, and the latest checkpoint.
async fn read_ledger(
    ledger: &Ledger<FsBlobs>,
) -> Result<(Vec<Observed>, Option<Checkpoint>), Failure> {
    let entries = observed(ledger).await?;
    let checkpoint = ledger.latest_checkpoint().await.map_err(store_failure)?;
    Ok((entries, checkpoint))
}
