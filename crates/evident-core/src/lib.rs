//! The pure core of evident: what a trust program *is* and the rules that judge it.
//!
//! This crate never touches the file system, the network, a database or the clock.
//! Everything it needs is passed in — including "today", as an [`time::Date`] — so
//! every rule can be tested with plain values and gives the same answer twice.
//!
//! ```
//! use evident_core::catalog::Catalog;
//!
//! let tsc = Catalog::tsc();
//! assert_eq!(tsc.criteria().count(), 61);
//! assert_eq!(tsc.criterion("CC6.1").unwrap().title, "Access security");
//! ```

pub mod catalog;
pub mod causes;
pub mod coverage;
pub mod gaps;
pub mod judgement;
pub mod metrics;
pub mod model;
pub mod period;
pub mod population;
pub mod proof;
pub mod provenance;
pub mod record;
pub mod register_evidence;
pub mod remediation;
pub mod sample;
pub mod slug;
pub mod status;
pub mod suggest;
pub mod terminal;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;

/// What the core refuses: text that is not a date, a moment, an interval or a
/// catalog. Each message names the text and says how to write it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("`{0}` is not a date; write it as YYYY-MM-DD, e.g. 2026-08-01")]
    NotADate(String),
    #[error("`{0}` is not a real calendar day")]
    NoSuchDay(String),
    #[error("`{0}` is not a moment; write it in RFC 3339 UTC, e.g. 2026-11-23T10:15:00Z")]
    NotAMoment(String),
    #[error("`{0}` is not an interval; write a number and a unit: 30s, 5m, 12h, 30d, 2w or 1y")]
    NotAnInterval(String),
    #[error("`{0}` has no known unit; write a number and a unit: 30s, 5m, 12h, 30d, 2w or 1y")]
    NoUnit(String),
    #[error("`{0}` is zero; an interval must be at least 1s")]
    ZeroInterval(String),
    #[error("`{0}` is longer than 100 years")]
    TooLong(String),
    #[error("not an OSCAL catalog evident reads: {0}")]
    Catalog(String),
}
