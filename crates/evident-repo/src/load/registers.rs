//! `registers/*.toml`: vendors and subprocessors, risks, incidents, access reviews.
//!
//! Any register file may hold any of the four tables (`[[vendor]]`, `[[risk]]`,
//! `[[incident]]`, `[[access_review]]`); the starter program keeps one per file.

use super::{Cx, Unique};
use crate::diagnostic::Diagnostic;
use crate::parse_error;
use crate::schema::RegisterDoc;
use crate::source::SourceFile;
use evident_core::model::{
    AccessReview, Control, Incident, Origin, Registers, Review, Risk, Vendor,
};
use evident_core::suggest;

pub const DIR: &str = "registers";

/// `controls` is `None` when some control file could not be read; references are then not checked.
pub(super) fn load(cx: &mut Cx<'_>, controls: Option<&[Control]>) -> Registers {
    let mut regs = Registers::default();
    let (mut vendors, mut risks, mut incidents, mut reviews) = (
        Unique::default(),
        Unique::default(),
        Unique::default(),
        Unique::default(),
    );
    for rel in cx.files_in(DIR, "toml") {
        let Some(src) = cx.read(&rel) else {
            continue;
        };
        let doc: RegisterDoc = match toml::from_str(&src.text) {
            Ok(doc) => doc,
            Err(e) => {
                cx.diags.push(parse_error::toml(&src, &e));
                continue;
            }
        };
        let at = |span: std::ops::Range<usize>| {
            let (line, column) = src.line_col(span.start);
            (
                Origin {
                    file: rel.clone(),
                    line,
                },
                column,
            )
        };
        for v in doc.vendor {
            let (origin, col) = at(v.span());
            let v = v.into_inner();
            if vendors.insert(
                &mut cx.diags,
                "vendor",
                "vendor.name",
                v.name.get_ref(),
                origin.clone(),
                col,
            ) {
                regs.vendors.push(Vendor {
                    name: v.name.into_inner(),
                    purpose: v.purpose,
                    data: v.data,
                    location: v.location,
                    subprocessor: v.subprocessor,
                    dpa: v.dpa,
                    soc2: v.soc2,
                    iso27001: v.iso27001,
                    review: Review {
                        every: v.review_every,
                        last: Some(v.last_review),
                    },
                    visibility: v.visibility,
                    origin,
                });
            }
        }
        for r in doc.risk {
            let (origin, col) = at(r.span());
            let r = r.into_inner();
            for c in r.controls.iter().filter(|_| controls.is_some()) {
                check_control_ref(cx, &src, controls.unwrap_or_default(), c);
            }
            if risks.claim(
                &mut cx.diags,
                "risk",
                "risk.id",
                r.id.get_ref(),
                origin.clone(),
                col,
            ) {
                regs.risks.push(Risk {
                    id: r.id.into_inner(),
                    title: r.title,
                    likelihood: r.likelihood,
                    impact: r.impact,
                    treatment: r.treatment,
                    owner: r.owner,
                    controls: r.controls.into_iter().map(|c| c.into_inner()).collect(),
                    review: Review {
                        every: r.review_every,
                        last: Some(r.last_review),
                    },
                    origin,
                });
            }
        }
        for i in doc.incident {
            let (origin, col) = at(i.span());
            let i = i.into_inner();
            let tier = u8::try_from(*i.tier.get_ref())
                .ok()
                .filter(|t| (1..=4).contains(t));
            if tier.is_none() {
                let (l, c) = src.line_col(i.tier.span().start);
                cx.diags.push(
                    Diagnostic::error(
                        &rel,
                        l,
                        c,
                        "incident.tier",
                        format!("tier {} is not 1 to 4", i.tier.get_ref()),
                    )
                    .hint("tier 1 is the most severe, tier 4 the least"),
                );
            }
            if let Some(res) = &i.resolved
                && *res.get_ref() < i.opened
            {
                let (l, c) = src.line_col(res.span().start);
                cx.diags.push(Diagnostic::error(
                    &rel,
                    l,
                    c,
                    "incident.resolved",
                    "resolved before it was opened",
                ));
            }
            if incidents.claim(
                &mut cx.diags,
                "incident",
                "incident.id",
                i.id.get_ref(),
                origin.clone(),
                col,
            ) {
                regs.incidents.push(Incident {
                    id: i.id.into_inner(),
                    title: i.title,
                    tier: tier.unwrap_or(4),
                    opened: i.opened,
                    resolved: i.resolved.map(|r| r.into_inner()),
                    postmortem: i.postmortem,
                    visibility: i.visibility,
                    origin,
                });
            }
        }
        for a in doc.access_review {
            let (origin, col) = at(a.span());
            let a = a.into_inner();
            if reviews.claim(
                &mut cx.diags,
                "access review",
                "access_review.id",
                a.id.get_ref(),
                origin.clone(),
                col,
            ) {
                regs.access_reviews.push(AccessReview {
                    id: a.id.into_inner(),
                    scope: a.scope,
                    system: a.system,
                    reviewer: a.reviewer,
                    date: a.date,
                    every: a.every,
                    findings: a.findings,
                    origin,
                });
            }
        }
    }
    regs
}

fn check_control_ref(
    cx: &mut Cx<'_>,
    src: &SourceFile,
    controls: &[Control],
    id: &toml::Spanned<String>,
) {
    if controls
        .iter()
        .any(|c| c.id.eq_ignore_ascii_case(id.get_ref()))
    {
        return;
    }
    let (l, c) = src.line_col(id.span().start);
    let d = Diagnostic::error(
        &src.rel,
        l,
        c,
        "risk.controls",
        format!("no control has id `{}`", id.get_ref()),
    );
    cx.diags.push(
        match suggest::closest(id.get_ref(), controls.iter().map(|c| c.id.as_str())) {
            Some(best) => d.hint(format!("did you mean `{best}`?")),
            None => d.hint("list ids of controls defined in controls/*.md"),
        },
    );
}
