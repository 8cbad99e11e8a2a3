//! `evident serve`: one trust program for a team, its CI and its auditor.
//!
//! The server reflects a checkout of the trust repo and its ledger
//! ([`reflection`]: the public portal, the CLI's reports and the team
//! dashboard, rendered from one judgement the caller loads), keeps its own
//! state (accounts, sessions, tokens, throttling) in the ledger's database
//! ([`db`]), decides every request with one rule ([`authz`]), and records
//! every change in the ledger's audit log ([`audit`]). Nothing lives only in
//! the process, so several processes can serve one program.

pub mod accounts;
pub mod audit;
pub mod authz;
pub mod client;
pub mod db;
mod error;
mod http;
pub mod password;
pub mod reflection;
pub mod roles;
pub mod secrets;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod totp;

pub use error::ServerError;
pub use http::{Config, Loader, serve};
