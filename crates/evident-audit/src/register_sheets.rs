//! One worksheet sheet per register: vendors and subprocessors, risks,
//! incidents, access reviews, and policies with their approval and review
//! dates. What the company wrote, as it wrote it; nothing is filled in.

use crate::table::{Cell, Table};
use evident_core::judgement::Judgement;
use evident_core::model::Review;

pub fn sheets(s: &Judgement<'_>) -> Vec<Table> {
    vec![
        vendors(s),
        risks(s),
        incidents(s),
        access_reviews(s),
        policies(s),
    ]
}

fn yes(b: bool) -> Cell {
    if b { "yes" } else { "no" }.into()
}

fn next_due(r: &Review) -> Cell {
    r.next_due().into()
}

fn vendors(s: &Judgement<'_>) -> Table {
    let rows = s
        .program
        .registers
        .vendors
        .iter()
        .map(|v| {
            vec![
                v.name.clone().into(),
                v.purpose.clone().into(),
                v.data.join(", ").into(),
                v.location.clone().into(),
                yes(v.subprocessor),
                yes(v.dpa),
                v.soc2.clone().into(),
                yes(v.iso27001),
                v.review.last.into(),
                next_due(&v.review),
                v.origin.to_string().into(),
            ]
        })
        .collect();
    Table {
        name: "Vendors",
        headers: vec![
            "Vendor",
            "Purpose",
            "Data",
            "Location",
            "Subprocessor",
            "DPA",
            "SOC 2",
            "ISO 27001",
            "Last review",
            "Next review due",
            "Written at",
        ],
        rows,
    }
}

fn risks(s: &Judgement<'_>) -> Table {
    let rows = s
        .program
        .registers
        .risks
        .iter()
        .map(|r| {
            vec![
                r.id.clone().into(),
                r.title.clone().into(),
                format!("{:?}", r.likelihood).to_lowercase().into(),
                format!("{:?}", r.impact).to_lowercase().into(),
                format!("{:?}", r.treatment).to_lowercase().into(),
                r.owner.clone().into(),
                r.controls.join(", ").into(),
                r.review.last.into(),
                next_due(&r.review),
                r.origin.to_string().into(),
            ]
        })
        .collect();
    Table {
        name: "Risks",
        headers: vec![
            "Risk",
            "Title",
            "Likelihood",
            "Impact",
            "Treatment",
            "Owner",
            "Controls",
            "Last review",
            "Next review due",
            "Written at",
        ],
        rows,
    }
}

fn incidents(s: &Judgement<'_>) -> Table {
    let rows = s
        .program
        .registers
        .incidents
        .iter()
        .map(|i| {
            vec![
                i.id.clone().into(),
                i.title.clone().into(),
                i64::from(i.tier).into(),
                i.opened.into(),
                i.resolved.into(),
                i.resolved
                    .map_or(Cell::Empty, |r| i.opened.days_until(r).into()),
                i.postmortem.clone().map_or(Cell::Empty, Cell::Text),
                i.origin.to_string().into(),
            ]
        })
        .collect();
    Table {
        name: "Incidents",
        headers: vec![
            "Incident",
            "Title",
            "Tier",
            "Opened",
            "Resolved",
            "Days to resolve",
            "Post-mortem",
            "Written at",
        ],
        rows,
    }
}

fn access_reviews(s: &Judgement<'_>) -> Table {
    let rows = s
        .program
        .registers
        .access_reviews
        .iter()
        .map(|a| {
            vec![
                a.id.clone().into(),
                serde_json::to_value(a.scope)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
                    .into(),
                a.system.clone().into(),
                a.reviewer.clone().into(),
                a.date.into(),
                a.next_due().into(),
                a.findings.clone().into(),
                a.origin.to_string().into(),
            ]
        })
        .collect();
    Table {
        name: "Access reviews",
        headers: vec![
            "Review",
            "Scope",
            "System",
            "Reviewer",
            "Date",
            "Next due",
            "Findings",
            "Written at",
        ],
        rows,
    }
}

fn policies(s: &Judgement<'_>) -> Table {
    let rows = s
        .program
        .policies
        .iter()
        .map(|p| {
            vec![
                p.id.clone().into(),
                p.title.clone().into(),
                p.version.clone().into(),
                p.owner.clone().into(),
                match &p.approval {
                    Some(_) => "approved",
                    None => "draft",
                }
                .into(),
                p.approval
                    .as_ref()
                    .map_or(Cell::Empty, |a| a.by.clone().into()),
                p.approval.as_ref().map(|a| a.on).into(),
                p.review.last.into(),
                next_due(&p.review),
                p.criteria.join(", ").into(),
                p.origin.to_string().into(),
            ]
        })
        .collect();
    Table {
        name: "Policies",
        headers: vec![
            "Policy",
            "Title",
            "Version",
            "Owner",
            "State",
            "Approved by",
            "Approved on",
            "Last review",
            "Next review due",
            "Criteria",
            "Written at",
        ],
        rows,
    }
}
