//! Which criteria the program's controls cover, and what each control declares.
//!
//! This is the document-only view of status: it reads the controls as written and
//! needs no evidence. Evidence-derived status builds on it.

use crate::catalog::Catalog;
use crate::model::{AuditType, ControlState, Frequency, Gap, Nature, TrustProgram, Visibility};
use crate::time::Date;
use serde::Serialize;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const STATUS_JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct CoverageReport {
    pub version: u32,
    pub as_of: Date,
    pub org: String,
    pub audit_type: AuditType,
    pub categories: Vec<CategoryCoverage>,
    pub criteria: Vec<CriterionCoverage>,
    pub controls: Vec<ControlDeclaration>,
}

#[derive(Debug, Serialize)]
pub struct CategoryCoverage {
    pub id: String,
    pub title: String,
    pub in_scope: bool,
    pub criteria: usize,
    pub covered: usize,
    pub uncovered: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CriterionCoverage {
    pub id: String,
    pub title: String,
    pub category: String,
    pub in_scope: bool,
    /// Ids of the controls that name this criterion.
    pub controls: Vec<String>,
    pub covered: bool,
}

#[derive(Debug, Serialize)]
pub struct ControlDeclaration {
    pub id: String,
    pub title: String,
    pub file: String,
    pub criteria: Vec<String>,
    pub owner: String,
    pub frequency: Frequency,
    pub nature: Nature,
    pub visibility: Visibility,
    /// The status the control's page claims, if any.
    pub claimed: Option<ControlState>,
    pub not_applicable: Option<String>,
    pub evidence_items: usize,
    pub open_gaps: Vec<Gap>,
    pub review_due: Option<Date>,
    pub review_overdue: bool,
}

impl CoverageReport {
    /// Uncovered criteria in the categories the audit has in scope.
    pub fn uncovered_in_scope(&self) -> impl Iterator<Item = &CriterionCoverage> {
        self.criteria.iter().filter(|c| c.in_scope && !c.covered)
    }
}

pub fn coverage(program: &TrustProgram, catalog: &Catalog, as_of: Date) -> CoverageReport {
    let in_scope = |category: &str| {
        program
            .config
            .audit
            .categories
            .iter()
            .any(|c| c == category)
    };
    let criteria: Vec<CriterionCoverage> = catalog
        .criteria()
        .map(|cr| {
            let controls: Vec<String> = program
                .controls
                .iter()
                .filter(|k| k.criteria.iter().any(|id| id.eq_ignore_ascii_case(&cr.id)))
                .map(|k| k.id.clone())
                .collect();
            CriterionCoverage {
                id: cr.id.clone(),
                title: cr.title.clone(),
                category: cr.category.clone(),
                in_scope: in_scope(&cr.category),
                covered: !controls.is_empty(),
                controls,
            }
        })
        .collect();
    let categories = catalog
        .categories
        .iter()
        .map(|cat| {
            let mine: Vec<&CriterionCoverage> =
                criteria.iter().filter(|c| c.category == cat.id).collect();
            CategoryCoverage {
                id: cat.id.clone(),
                title: cat.title.clone(),
                in_scope: in_scope(&cat.id),
                criteria: mine.len(),
                covered: mine.iter().filter(|c| c.covered).count(),
                uncovered: mine
                    .iter()
                    .filter(|c| !c.covered)
                    .map(|c| c.id.clone())
                    .collect(),
            }
        })
        .collect();
    let controls = program
        .controls
        .iter()
        .map(|k| ControlDeclaration {
            id: k.id.clone(),
            title: k.title.clone(),
            file: k.origin.file.clone(),
            criteria: k.criteria.clone(),
            owner: k.owner.clone(),
            frequency: k.frequency,
            nature: k.nature,
            visibility: k.visibility,
            claimed: k.claimed,
            not_applicable: k.not_applicable.clone(),
            evidence_items: k.evidence.len(),
            open_gaps: k.open_gaps().cloned().collect(),
            review_due: k.review.map(|r| r.next_due()),
            review_overdue: k.review.is_some_and(|r| r.overdue(as_of)),
        })
        .collect();
    CoverageReport {
        version: STATUS_JSON_VERSION,
        as_of,
        org: program.config.org.name.clone(),
        audit_type: program.config.audit.kind,
        categories,
        criteria,
        controls,
    }
}
