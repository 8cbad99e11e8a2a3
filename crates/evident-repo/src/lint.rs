//! Checks that depend on the date: reviews gone stale, criteria left uncovered.
//!
//! Loading reports what is *wrong* with the files; these are warnings about what
//! the program has let slip as of a given day. They never fail `evident lint`.

use crate::diagnostic::Diagnostic;
use evident_core::catalog::Catalog;
use evident_core::coverage::coverage;
use evident_core::model::{Origin, Review, TrustProgram};
use evident_core::time::Date;

/// Everything `evident lint` reports: the loading diagnostics plus the date checks.
pub fn lint(root: &std::path::Path, catalog: &Catalog, as_of: Date) -> crate::Loaded {
    let mut loaded = crate::load(root, catalog);
    if let Some(program) = &loaded.program {
        for d in date_checks(program, catalog, as_of) {
            loaded.diagnostics.push(d);
        }
    }
    loaded
}

pub fn date_checks(program: &TrustProgram, catalog: &Catalog, as_of: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut overdue = |what: &str, name: &str, review: &Review, origin: &Origin, field: &str| {
        if let Some(due) = review.next_due().filter(|due| *due < as_of) {
            out.push(
                Diagnostic::warning(
                    &origin.file,
                    origin.line,
                    1,
                    field,
                    format!(
                        "{what} `{name}` was due for review on {due} (every {})",
                        review.every
                    ),
                )
                .hint(format!("review it and set `{field}` to the review date")),
            );
        }
    };
    for p in &program.policies {
        overdue("policy", &p.id, &p.review, &p.origin, "review.last");
    }
    for c in &program.controls {
        if let Some(r) = &c.review {
            overdue("control", &c.id, r, &c.origin, "review.last");
        }
    }
    for v in &program.registers.vendors {
        overdue("vendor", &v.name, &v.review, &v.origin, "last_review");
    }
    for r in &program.registers.risks {
        overdue("risk", &r.id, &r.review, &r.origin, "last_review");
    }
    for a in &program.registers.access_reviews {
        let review = Review {
            every: a.every,
            last: Some(a.date),
        };
        overdue("access review", &a.id, &review, &a.origin, "date");
    }
    out.extend(late_targets(program));
    out.extend(not_applicable_but_named(program));
    // One line per category: a fresh program can leave dozens of criteria open.
    let report = coverage(program, catalog, as_of);
    for cat in report
        .categories
        .iter()
        .filter(|c| c.in_scope && !c.uncovered.is_empty())
    {
        out.push(
            Diagnostic::warning(
                crate::CONFIG_FILE,
                1,
                1,
                "audit.categories",
                format!(
                    "{} of {} {} criteria are in scope but no control covers them: {}",
                    cat.uncovered.len(),
                    cat.criteria,
                    cat.title,
                    cat.uncovered.join(", ")
                ),
            )
            .hint("add each id to the `criteria` of the control that implements it"),
        );
    }
    out
}

/// Gaps whose target is later than the SLA allows, with nobody accepting it.
fn late_targets(program: &TrustProgram) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let sla = program.config.sla;
    for c in &program.controls {
        for g in c.open_gaps().filter(|g| g.accepted_by.is_none()) {
            let sla_due = sla.due(g.opened, g.severity);
            if let Some(target) = g.target.filter(|t| *t > sla_due) {
                out.push(
                    Diagnostic::warning(
                        &g.origin.file,
                        g.origin.line,
                        1,
                        "accepted_by",
                        format!(
                            "gap `{}` targets {target}, past the {} SLA ({sla_due}): the SLA's date stands until someone accepts the later one",
                            g.id,
                            g.severity.as_str()
                        ),
                    )
                    .hint("add `accepted_by: <who accepted the later date>` to the gap, or bring the target forward"),
                );
            }
        }
    }
    out
}

/// Criteria declared not applicable that a control names all the same: the
/// declaration wins, and the control's claim to cover it is shown nowhere.
fn not_applicable_but_named(program: &TrustProgram) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in program
        .controls
        .iter()
        .filter(|c| c.not_applicable.is_none())
    {
        for criterion in &c.criteria {
            if program.config.audit.not_applicable(criterion).is_some() {
                out.push(
                    Diagnostic::warning(
                        &c.origin.file,
                        c.origin.line,
                        1,
                        "criteria",
                        format!(
                            "{criterion} is declared not applicable in evident.toml, yet control `{}` names it",
                            c.id
                        ),
                    )
                    .hint(format!(
                        "remove {criterion} from the control's criteria, or from [[audit.not_applicable]]"
                    )),
                );
            }
        }
    }
    out
}
