//! A policy: owner, approval and review cadence.

use super::{Origin, Review, Visibility};
use crate::time::Date;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub version: String,
    /// Who approved it and when; `None` while it is a draft. A draft is no
    /// evidence of anything.
    pub approval: Option<Approval>,
    pub review: Review,
    pub criteria: Vec<String>,
    pub visibility: Visibility,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub by: String,
    pub on: Date,
}
