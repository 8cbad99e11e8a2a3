//! Which criteria the program's controls cover, and what each control declares.
//!
//! This is the document-only view: it reads the controls as written and needs no
//! evidence. `lint` warns from it; evidence-derived status (`status.rs`) builds on it.

use crate::catalog::Catalog;
use crate::model::{AuditType, TrustProgram};
use crate::time::Date;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
pub struct CoverageReport {
    pub as_of: Date,
    pub org: String,
    pub audit_type: AuditType,
    pub categories: Vec<CategoryCoverage>,
    pub criteria: Vec<CriterionCoverage>,
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
    /// Declared not applicable in evident.toml: the reason. Such a criterion
    /// needs no control and is never uncovered.
    pub not_applicable: Option<String>,
}

impl CoverageReport {
    /// Uncovered criteria in the categories the audit has in scope.
    pub fn uncovered_in_scope(&self) -> impl Iterator<Item = &CriterionCoverage> {
        self.criteria
            .iter()
            .filter(|c| c.in_scope && !c.covered && c.not_applicable.is_none())
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
    // Controls by the criteria they name (ids compared without case), gathered in
    // one pass: judging at twelve moments for the portal's chart recomputes this.
    let mut naming: HashMap<String, Vec<&str>> = HashMap::new();
    for k in &program.controls {
        for id in &k.criteria {
            let controls = naming.entry(id.to_ascii_lowercase()).or_default();
            if controls.last() != Some(&k.id.as_str()) {
                controls.push(&k.id);
            }
        }
    }
    let criteria: Vec<CriterionCoverage> = catalog
        .criteria()
        .map(|cr| {
            let controls: Vec<String> = naming
                .get(&cr.id.to_ascii_lowercase())
                .map_or_else(Vec::new, |ids| {
                    ids.iter().map(|id| id.to_string()).collect()
                });
            CriterionCoverage {
                id: cr.id.clone(),
                title: cr.title.clone(),
                category: cr.category.clone(),
                in_scope: in_scope(&cr.category),
                covered: !controls.is_empty(),
                controls,
                not_applicable: program
                    .config
                    .audit
                    .not_applicable(&cr.id)
                    .map(str::to_string),
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
                    .filter(|c| !c.covered && c.not_applicable.is_none())
                    .map(|c| c.id.clone())
                    .collect(),
            }
        })
        .collect();
    CoverageReport {
        as_of,
        org: program.config.org.name.clone(),
        audit_type: program.config.audit.kind,
        categories,
        criteria,
    }
}
