//! The registers: vendors and subprocessors, risks, incidents, access reviews.

use super::{Origin, Review, Visibility};
use crate::time::{Date, Interval};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize)]
pub struct Registers {
    pub vendors: Vec<Vendor>,
    pub risks: Vec<Risk>,
    pub incidents: Vec<Incident>,
    pub access_reviews: Vec<AccessReview>,
}

/// The registers an evidence item can name (`register: access-reviews`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegisterName {
    AccessReviews,
    Vendors,
    Risks,
    Incidents,
    Policies,
}

impl RegisterName {
    pub const ALL: [RegisterName; 5] = [
        RegisterName::AccessReviews,
        RegisterName::Vendors,
        RegisterName::Risks,
        RegisterName::Incidents,
        RegisterName::Policies,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegisterName::AccessReviews => "access-reviews",
            RegisterName::Vendors => "vendors",
            RegisterName::Risks => "risks",
            RegisterName::Incidents => "incidents",
            RegisterName::Policies => "policies",
        }
    }

    pub fn parse(text: &str) -> Option<RegisterName> {
        RegisterName::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The fields a `filter` may name (as the entries are written).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            RegisterName::AccessReviews => &["id", "scope", "system", "reviewer"],
            RegisterName::Vendors => &["name", "location", "subprocessor", "dpa", "soc2"],
            RegisterName::Risks => &["id", "owner", "treatment", "likelihood", "impact"],
            RegisterName::Incidents => &["id", "tier"],
            RegisterName::Policies => &["id", "owner"],
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Vendor {
    pub name: String,
    pub purpose: String,
    pub data: Vec<String>,
    pub location: String,
    /// A subprocessor handles customer data and is listed on the portal.
    pub subprocessor: bool,
    pub dpa: bool,
    pub soc2: String,
    pub iso27001: bool,
    pub review: Review,
    pub visibility: Visibility,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

#[derive(Clone, Debug, Serialize)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub likelihood: Level,
    pub impact: Level,
    pub treatment: Treatment,
    pub owner: String,
    pub controls: Vec<String>,
    pub review: Review,
    pub origin: Origin,
}

#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub id: String,
    pub title: String,
    /// Severity tier, 1 (worst) to 4.
    pub tier: u8,
    pub opened: Date,
    pub resolved: Option<Date>,
    pub postmortem: Option<String>,
    /// `public`: listed on the portal's Records page (id, title, tier, dates).
    pub visibility: Visibility,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessScope {
    Users,
    ApiKeys,
    Infrastructure,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccessReview {
    pub id: String,
    pub scope: AccessScope,
    pub system: String,
    pub reviewer: String,
    pub date: Date,
    pub every: Interval,
    pub findings: String,
    pub origin: Origin,
}

impl AccessReview {
    pub fn next_due(&self) -> Date {
        self.date.add_days(self.every.whole_days())
    }
}
