//! The trust program as evident understands it, independent of how it is written down.
//!
//! `evident-repo` reads Markdown and TOML into these types; everything downstream
//! (status, portal, exports) reads only these types. One file a part of the
//! program: `config` (evident.toml), `control` (controls, evidence items, gaps),
//! `checks` (each check kind's typed settings), `policy`, `registers`,
//! `remediation` (remediation.toml).

pub mod checks;
mod config;
mod control;
mod policy;
mod registers;
mod remediation;

pub use config::*;
pub use control::*;
pub use policy::*;
pub use registers::*;
pub use remediation::*;

use serde::Serialize;

/// Where something was written: a path relative to the trust repo and a 1-based line.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u32,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Everything in a trust repo, loaded and validated.
#[derive(Clone, Debug, Serialize)]
pub struct TrustProgram {
    pub config: Config,
    pub controls: Vec<Control>,
    pub policies: Vec<Policy>,
    pub registers: Registers,
    /// The optional hand-kept HARDENING-LOG.md, as Markdown.
    pub journal: Option<String>,
    /// The optional DISCLOSURE.md: the company's disclosure policy, as Markdown.
    pub disclosure: Option<String>,
    /// Where remediation of each finding stands (`remediation.toml`), reviewed in git.
    pub remediation: Vec<RemediationRecord>,
    /// When each part entered the program, from the trust repo's history.
    pub history: crate::provenance::Provenance,
}
