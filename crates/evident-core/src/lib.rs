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
pub mod coverage;
pub mod gaps;
pub mod judgement;
pub mod model;
pub mod period;
pub mod record;
pub mod remediation;
pub mod sample;
pub mod status;
pub mod suggest;
pub mod time;
