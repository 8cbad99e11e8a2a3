//! `policies/*.md`: policy documents with owner, approval and review cadence.

use super::{Cx, Unique, check_id, yaml_options};
use crate::diagnostic::Diagnostic;
use crate::document;
use crate::parse_error;
use crate::schema::PolicyDoc;
use crate::source::to_u32;
use evident_core::model::{Approval, Origin, Policy, Review};

pub const DIR: &str = "policies";

pub(super) fn load(cx: &mut Cx<'_>) -> Vec<Policy> {
    let mut ids = Unique::default();
    let mut out = Vec::new();
    for rel in cx.files_in(DIR, "md") {
        let Some(src) = cx.read(&rel) else {
            continue;
        };
        let Ok(split) = document::split(&src).map_err(|d| cx.diags.push(d)) else {
            continue;
        };
        let off = split.yaml_line_offset;
        let doc: PolicyDoc =
            match serde_saphyr::from_str_with_options(split.front_matter, yaml_options()) {
                Ok(doc) => doc,
                Err(e) => {
                    cx.diags.push(parse_error::yaml(&src, off, &e));
                    continue;
                }
            };
        let line = to_u32(doc.id.referenced.line() as usize) + off;
        let column = to_u32(doc.id.referenced.column() as usize);
        check_id(&mut cx.diags, &rel, line, column, "id", &doc.id.value);
        let criteria = cx.check_criteria(
            &rel,
            doc.criteria.iter().map(|c| {
                (
                    c.value.as_str(),
                    to_u32(c.referenced.line() as usize) + off,
                    to_u32(c.referenced.column() as usize),
                )
            }),
        );
        let approval = match (doc.approved_by, doc.approved_on) {
            (Some(by), Some(on)) => Some(Approval { by, on }),
            (None, None) => None,
            (by, _) => {
                let (missing, has) = if by.is_some() {
                    ("approved_on", "approved_by")
                } else {
                    ("approved_by", "approved_on")
                };
                cx.diags.push(
                    Diagnostic::error(&rel, line, 1, missing, format!("`{has}` is set but `{missing}` is not"))
                        .hint("an approval names who approved and the day they did; remove both while the policy is a draft"),
                );
                None
            }
        };
        if let (Some(last), Some(a)) = (doc.review.last, &approval)
            && last < a.on
        {
            cx.diags.push(
                Diagnostic::warning(
                    &rel,
                    line,
                    1,
                    "review.last",
                    "last review is before the approval date",
                )
                .hint("approval counts as a review: set review.last to the approval date or later"),
            );
        }
        if split.body.trim().is_empty() {
            cx.diags.push(
                Diagnostic::warning(
                    &rel,
                    line,
                    1,
                    "",
                    "policy has no text after its front matter",
                )
                .hint("write the policy itself below the closing `---`"),
            );
        }
        let origin = Origin {
            file: rel.clone(),
            line,
        };
        if !ids.insert(
            &mut cx.diags,
            "policy",
            "id",
            &doc.id.value,
            origin.clone(),
            column,
        ) {
            continue;
        }
        out.push(Policy {
            id: doc.id.value,
            title: doc.title,
            owner: doc.owner,
            version: doc.version.into_string(),
            review: Review {
                every: doc.review.every,
                // An approval is a review: the cadence runs from the later.
                last: doc.review.last.max(approval.as_ref().map(|a| a.on)),
            },
            approval,
            criteria,
            visibility: doc.visibility,
            origin,
        });
    }
    out
}
