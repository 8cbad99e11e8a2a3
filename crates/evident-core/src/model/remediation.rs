//! What the team records in remediation.toml about each finding.

use super::Origin;
use crate::time::Date;
use serde::{Deserialize, Serialize};

/// The states a remediation item moves through (the remediation procedure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemediationState {
    Open,
    Assessed,
    Remediating,
    /// Needs a ledger entry that shows the fix (`verified_by`).
    Verified,
    Closed,
}

impl RemediationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RemediationState::Open => "open",
            RemediationState::Assessed => "assessed",
            RemediationState::Remediating => "remediating",
            RemediationState::Verified => "verified",
            RemediationState::Closed => "closed",
        }
    }

    pub const ALL: [RemediationState; 5] = [
        RemediationState::Open,
        RemediationState::Assessed,
        RemediationState::Remediating,
        RemediationState::Verified,
        RemediationState::Closed,
    ];
}

/// What the team records about one finding's remediation.
#[derive(Clone, Debug, Serialize)]
pub struct RemediationRecord {
    /// The finding's id as `evident remediation` shows it (`failing:CRYPTO/tls-modern`).
    pub id: String,
    pub state: RemediationState,
    pub owner: Option<String>,
    /// When the finding was first seen, if the team knows better than evident.
    pub opened: Option<Date>,
    pub note: Option<String>,
    /// The ledger entry that shows the fix; required from `verified` on.
    pub verified_by: Option<u64>,
    pub origin: Origin,
}
