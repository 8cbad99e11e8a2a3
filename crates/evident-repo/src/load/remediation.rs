//! `remediation.toml`: where the remediation of each finding stands, kept in the
//! trust repo so state changes are reviewed in git like any other change.

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::parse_error;
use crate::schema::RemediationDoc;
use evident_core::model::{Origin, RemediationRecord, RemediationState};
use evident_core::suggest;
use std::collections::HashSet;

pub const FILE: &str = "remediation.toml";

pub(super) fn load(cx: &mut Cx<'_>) -> Vec<RemediationRecord> {
    let Some(src) = cx.read_optional(FILE) else {
        return Vec::new();
    };
    let doc: RemediationDoc = match toml::from_str(&src.text) {
        Ok(doc) => doc,
        Err(e) => {
            cx.diags.push(parse_error::toml(&src, &e));
            return Vec::new();
        }
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in doc.item {
        let (line, _) = src.line_col(item.span().start);
        let item = item.into_inner();
        let err = |span: std::ops::Range<usize>, field: &str, message: String| {
            let (l, c) = src.line_col(span.start);
            Diagnostic::error(FILE, l, c, field, message)
        };
        let names = RemediationState::ALL.map(|s| s.as_str());
        let Some(state) = RemediationState::ALL
            .into_iter()
            .find(|s| s.as_str() == item.state.get_ref())
        else {
            let hint = match suggest::closest(item.state.get_ref(), names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use one of: {}", names.join(", ")),
            };
            cx.diags.push(
                err(
                    item.state.span(),
                    "item.state",
                    format!("`{}` is not a remediation state", item.state.get_ref()),
                )
                .hint(hint),
            );
            continue;
        };
        let verified_by = match &item.verified_by {
            None => None,
            Some(v) => match u64::try_from(*v.get_ref()) {
                Ok(n) => Some(n),
                Err(_) => {
                    cx.diags.push(err(
                        v.span(),
                        "item.verified_by",
                        format!("{} is not a ledger entry number", v.get_ref()),
                    ));
                    continue;
                }
            },
        };
        if state >= RemediationState::Verified && verified_by.is_none() {
            cx.diags.push(
                err(
                    item.state.span(),
                    "item.verified_by",
                    format!(
                        "`{}` is {} but names no ledger entry that shows the fix",
                        item.id.get_ref(),
                        state.as_str()
                    ),
                )
                .hint(
                    "add `verified_by = N`, the entry (`evident evidence list`) that shows the fix",
                ),
            );
            continue;
        }
        if !seen.insert(item.id.get_ref().clone()) {
            cx.diags.push(err(
                item.id.span(),
                "item.id",
                format!(
                    "`{}` is listed twice; keep one entry per finding",
                    item.id.get_ref()
                ),
            ));
            continue;
        }
        out.push(RemediationRecord {
            id: item.id.into_inner(),
            state,
            owner: item.owner,
            opened: item.opened,
            note: item.note,
            verified_by,
            origin: Origin {
                file: FILE.into(),
                line,
            },
        });
    }
    out
}
