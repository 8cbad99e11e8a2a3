//! What the judging verbs (status, gaps, remediation, period, sample) share: the
//! trust repo, every ledger entry, and the moment and window to judge at.

use super::ledger_access::{observed, store_failure, with_ledger};
use crate::cli::Report;
use crate::failure::Failure;
use evident_core::catalog::Catalog;
use evident_core::model::{TrustProgram, Window};
use evident_core::status::{Observed, StatusReport, derive};
use evident_core::time::Instant;
use evident_ledger::checkpoint::Checkpoint;
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
        let program = super::load_program(repo, &catalog)?;
        let (entries, checkpoint) = with_ledger(repo, &program, async |ledger| {
            let entries = observed(ledger).await?;
            let checkpoint = ledger.latest_checkpoint().await.map_err(store_failure)?;
            Ok((entries, checkpoint))
        })?;
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
