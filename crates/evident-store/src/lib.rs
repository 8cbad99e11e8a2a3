//! Where the evidence ledger lives: a SQLite file in `.evident/` by default, or
//! PostgreSQL, behind one [`store::Store`]; content blobs on the filesystem or in
//! an S3-compatible bucket ([`blobs::Blobs`]). The tree arithmetic and the
//! checks are in `evident-ledger`; this crate only moves rows and objects.

pub mod blobs;
pub mod ledger;
pub mod location;
pub mod s3;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use blobs::Blobs;
pub use ledger::{Evidence, Ledger};
pub use location::Location;
pub use store::{Appended, Backend, RequestKey, Snapshot, Store, StoreError, VerifyRow};
