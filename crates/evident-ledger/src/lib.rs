//! The evidence ledger: an append-only Merkle log hashed as RFC 9162
//! (Certificate Transparency 2.0), so anyone holding a checkpoint can verify that
//! an entry is in the log and that the log only ever grew.
//!
//! ```
//! use evident_ledger::merkle::{self, MemoryTree};
//!
//! let mut tree = MemoryTree::default();
//! for entry in [b"first".as_slice(), b"second", b"third"] {
//!     tree.push(merkle::leaf_hash(entry));
//! }
//! let root = tree.root();
//! let proof = merkle::inclusion_proof(&tree, 1, 3);
//! assert!(merkle::verify_inclusion(&merkle::leaf_hash(b"second"), 1, 3, &proof, &root));
//! ```

pub mod blobs;
pub mod checkpoint;
pub mod entry;
pub mod hex;
pub mod keys;
pub mod log;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod timestamp;

/// Why the ledger refused something, by what it was: an entry's text, a
/// checkpoint, a proof file or a key file. Each message names the field or
/// line at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{0}")]
    Entry(String),
    #[error("{0}")]
    Checkpoint(String),
    #[error("{0}")]
    Proof(String),
    #[error("{0}")]
    Key(String),
}
