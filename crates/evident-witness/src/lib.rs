//! An independent witness of evident ledgers, and the client a ledger uses to
//! reach witnesses, over the C2SP `tlog-witness` protocol (c2sp.org/tlog-witness).
//!
//! A witness keeps, for each log it was told to trust, the last checkpoint it
//! cosigned; it cosigns a newer one only when a consistency proof shows the log
//! only grew, and its cosignature (c2sp.org/tlog-cosignature) carries its own
//! clock. An auditor, a customer or a second team runs one; a company cannot
//! then back-date its evidence past the witness's clock, nor fork its log
//! without a witness refusing.

pub mod client;
pub mod protocol;
pub mod server;
pub mod state;
pub mod tsa;

/// Why a witness, or a request to one, failed.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The witness's state directory or key.
    #[error("{0}")]
    State(String),
    /// A request or response that does not follow the protocol.
    #[error("{0}")]
    Protocol(String),
    /// The witness could not be reached or answered with an error status.
    #[error("{0}")]
    Refused(String),
}
