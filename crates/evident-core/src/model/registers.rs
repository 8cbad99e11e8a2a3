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
