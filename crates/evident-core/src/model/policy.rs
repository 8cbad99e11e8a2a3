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
    pub approved_by: String,
    pub approved_on: Date,
    pub review: Review,
    pub criteria: Vec<String>,
    pub visibility: Visibility,
    pub origin: Origin,
}
