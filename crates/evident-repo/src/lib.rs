//! Trust repos on disk: reading them into evident's model, checking them, and
//! scaffolding new ones.
//!
//! A trust repo is plain text in git (`evident.toml`, `controls/*.md`,
//! `policies/*.md`, `registers/*.toml`); docs/trust-repo.md is its reference.
//! Reading never panics on bad input: every problem becomes a [`Diagnostic`]
//! naming the file, line, column and field, with a hint.
//!
//! ```no_run
//! use evident_core::catalog::Catalog;
//!
//! let loaded = evident_repo::load(std::path::Path::new("."), &Catalog::tsc());
//! for d in loaded.diagnostics.sorted() {
//!     eprintln!("{d}");
//! }
//! ```

pub mod diagnostic;
mod document;
pub mod history;
pub mod init;
pub mod lint;
mod load;
mod parse_error;
mod schema;
mod source;

pub use diagnostic::{Diagnostic, Diagnostics, Level};
pub use load::{CONFIG_FILE, DISCLOSURE_FILE, JOURNAL_FILE, Loaded, load, load_config};
pub use schema::SCHEMA_VERSION;
pub use source::MAX_TEXT_FILE_BYTES;
