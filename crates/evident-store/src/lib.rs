//! Where the evidence ledger lives: a SQLite file in `.evident/` by default, or
//! PostgreSQL, behind one [`store::Store`]; content blobs on the filesystem (or any
//! other [`evident_ledger::blobs::BlobStore`]). The tree arithmetic and the
//! checks are in `evident-ledger`; this crate only moves rows.

pub mod ledger;
pub mod location;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use ledger::{Evidence, Ledger};
pub use location::Location;
pub use store::{Appended, Backend, RequestKey, Snapshot, Store, StoreError, VerifyRow};
