//! The control matrix an auditor works from: Controls, Criteria, Periods
//! (Type II: each period's result and whether its evidence was proven in
//! time), Samples, Populations, Remediation, PBC (the provided-by-client
//! request list), Retractions, and a sheet per register (`register_sheets.rs`). Every evidence link is a ledger entry number, which `evident ledger
//! prove N` turns into an inclusion proof.

use crate::table::{Cell, Table};
use evident_core::judgement::Judgement;
use evident_core::model::{Control, Frequency, Nature};
use evident_core::status::ItemState;
use evident_core::time::Date;
use std::collections::HashMap;

pub fn worksheet(s: &Judgement<'_>) -> Vec<Table> {
    let mut sheets = vec![
        controls(s),
        criteria(s),
        periods(s),
        samples(s),
        populations(s),
        remediation(s),
        crate::metrics_sheet::metrics(s),
        pbc(s),
        retractions(s),
    ];
    sheets.extend(crate::register_sheets::sheets(s));
    sheets
}

/// Every expected period of every periodic control in the window, with its
/// result and when its evidence was proven (witnessed or time-stamped).
fn periods(s: &Judgement<'_>) -> Table {
    let mut rows = Vec::new();
    if let Some(audit) = &s.audit {
        let unwitnessed = "not witnessed: the time is the company's own word";
        for c in &audit.periods.controls {
            for p in &c.periods {
                let (proof, at, by, deadline) = match &p.proof {
                    Some(x) => (
                        x.state.as_str().into(),
                        x.proven_at.map_or(Cell::Empty, |t| t.to_string().into()),
                        x.proven_by.clone().map_or(Cell::Empty, Cell::Text),
                        x.deadline.to_string().into(),
                    ),
                    None if p.entries.is_empty() => {
                        (Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty)
                    }
                    None => (unwitnessed.into(), Cell::Empty, Cell::Empty, Cell::Empty),
                };
                rows.push(vec![
                    c.control.clone().into(),
                    p.period.label.clone().into(),
                    p.period.from.into(),
                    p.period.to.into(),
                    p.result.as_str().into(),
                    entry_list(p.entries.iter().copied()),
                    proof,
                    at,
                    by,
                    deadline,
                ]);
            }
        }
    }
    Table {
        name: "Periods",
        headers: vec![
            "Control",
            "Period",
            "From",
            "To",
            "Result",
            "Evidence (ledger entries)",
            "Proven",
            "Proven at",
            "Proven by",
            "Deadline",
        ],
        rows,
    }
}

/// Entries withdrawn by later ones: left out of every judgement, listed here.
fn retractions(s: &Judgement<'_>) -> Table {
    let rows = s
        .retractions
        .iter()
        .map(|r| {
            vec![
                (r.retracts as i64).into(),
                format!("{}/{}", r.control, r.item).into(),
                (r.entry as i64).into(),
                r.at.to_string().into(),
                r.reason.clone().into(),
            ]
        })
        .collect();
    Table {
        name: "Retractions",
        headers: vec![
            "Withdrawn entry",
            "Control/item",
            "Retraction entry",
            "Withdrawn at",
            "Reason",
        ],
        rows,
    }
}

fn entry_list(ids: impl IntoIterator<Item = u64>) -> Cell {
    let list: Vec<String> = ids.into_iter().map(|n| n.to_string()).collect();
    if list.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(list.join(", "))
    }
}

/// How an auditor tests a control of this frequency with evident's outputs.
/// How the auditor tests `control`: its own `test_procedure` when written,
/// else one derived from how it operates (frequency), how it is performed
/// (nature) and what evidences it.
fn test_procedure(control: &Control) -> String {
    if let Some(own) = &control.test_procedure {
        return own.clone();
    }
    let when = match control.frequency {
        Frequency::Continuous => {
            "Inspect the sampled check entries and confirm no lapse without fresh passing evidence in the window (evident period)."
        }
        Frequency::PerEvent => {
            "For each sampled event, inspect its evidence entry and confirm the control operated."
        }
        _ => {
            "For each sampled period, inspect its evidence entries and confirm a passing result within the period."
        }
    };
    let how = match control.nature {
        Nature::Automated => {
            "Reperform: read the check's configuration in the control file and its recorded output (the entry's content in the evidence bundle)."
        }
        Nature::Manual => {
            "Inspect the document or record and confirm who performed the control and when; inquire of the owner."
        }
        Nature::Hybrid => {
            "Reperform the automated part from its recorded output; inspect the manual part's record and confirm who performed it and when."
        }
    };
    let evidence: Vec<String> = control
        .evidence
        .iter()
        .filter(|i| i.required)
        .map(|i| format!("{} ({})", i.id, i.source.label()))
        .collect();
    let evidence = if evidence.is_empty() {
        "No evidence item is declared.".to_string()
    } else {
        format!("Evidence: {}.", evidence.join(", "))
    };
    format!("{when} {how} {evidence}")
}

/// A control's description for the auditor: its title, Statement and
/// Implementation as plain text.
fn description(control: &Control) -> String {
    format!(
        "{}. Statement: {} Implementation: {}",
        control.title,
        plain(control.statement()),
        plain(control.implementation())
    )
}

fn controls(s: &Judgement<'_>) -> Table {
    let exceptions: HashMap<&str, usize> = s
        .audit
        .as_ref()
        .map(|a| {
            let p = &a.periods;
            p.controls
                .iter()
                .map(|c| (c.control.as_str(), c.exception_count()))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::new();
    for cr in s.status.criteria.iter().filter(|c| c.in_scope) {
        for id in &cr.controls {
            let Some(c) = s.status.control(id) else {
                continue;
            };
            let Some(written) = s.program.controls.iter().find(|k| &k.id == id) else {
                continue;
            };
            rows.push(vec![
                cr.id.clone().into(),
                cr.title.clone().into(),
                c.id.clone().into(),
                description(written).into(),
                c.owner.clone().into(),
                c.frequency.as_str().into(),
                format!("{:?}", c.nature).to_lowercase().into(),
                c.items
                    .iter()
                    .map(|i| format!("{} ({})", i.id, i.state.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ")
                    .into(),
                test_procedure(written).into(),
                c.headline().into(),
                exceptions
                    .get(c.id.as_str())
                    .map_or(Cell::Empty, |n| (*n).into()),
                entry_list(
                    c.items
                        .iter()
                        .filter_map(|i| i.latest.as_ref().map(|e| e.entry)),
                ),
                // Left empty for the auditor to fill in.
                Cell::Empty,
                Cell::Empty,
            ]);
        }
    }
    Table {
        name: "Controls",
        headers: vec![
            "Criterion",
            "Criterion title",
            "Control",
            "Control description",
            "Owner",
            "Frequency",
            "Nature",
            "Evidence items",
            "Test procedure",
            "Derived status",
            "Exceptions in window",
            "Evidence (ledger entries)",
            "Auditor result",
            "Auditor notes",
        ],
        rows,
    }
}

/// Markdown as one line of plain text (markup characters kept as written).
fn plain(markdown: &str) -> String {
    markdown.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first paragraph of a Markdown section, as one line of plain text.
pub(crate) fn first_paragraph(markdown: &str) -> String {
    markdown
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn criteria(s: &Judgement<'_>) -> Table {
    let rows = s
        .status
        .criteria
        .iter()
        .map(|c| {
            vec![
                c.id.clone().into(),
                c.title.clone().into(),
                c.category.clone().into(),
                if c.in_scope { "yes" } else { "no" }.into(),
                c.headline().into(),
                c.controls.join(", ").into(),
                c.counts.implemented.into(),
                c.counts.partial.into(),
                c.counts.planned.into(),
                c.counts.not_applicable.into(),
                c.not_applicable.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    Table {
        name: "Criteria",
        headers: vec![
            "Criterion",
            "Title",
            "Category",
            "In scope",
            "Status",
            "Covering controls",
            "Implemented",
            "Partial",
            "Planned",
            "Not applicable",
            "Why not applicable",
        ],
        rows,
    }
}

fn samples(s: &Judgement<'_>) -> Table {
    let mut rows = Vec::new();
    for c in s.audit.iter().map(|a| &a.sample).flat_map(|r| &r.controls) {
        for m in &c.sample {
            rows.push(vec![
                c.control.clone().into(),
                m.label.clone().into(),
                m.from.into(),
                m.to.into(),
                entry_list(m.entries.iter().copied()),
                if m.entries.is_empty() {
                    "no evidence: exception"
                } else {
                    ""
                }
                .into(),
            ]);
        }
    }
    Table {
        name: "Samples",
        headers: vec![
            "Control",
            "Sampled item",
            "From",
            "To",
            "Evidence (ledger entries)",
            "Note",
        ],
        rows,
    }
}

fn populations(s: &Judgement<'_>) -> Table {
    let seed = s.audit.as_ref().map(|a| a.sample.seed);
    let rows = s
        .audit
        .iter()
        .flat_map(|a| &a.sample.controls)
        .map(|c| {
            vec![
                c.control.clone().into(),
                c.frequency.as_str().into(),
                c.basis.into(),
                c.population.into(),
                c.size.into(),
                if c.whole_population_tested {
                    "yes, every event tested by its population check"
                } else if c.whole_population {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                seed.map_or(Cell::Empty, |n| Cell::Number(n as f64)),
            ]
        })
        .collect();
    Table {
        name: "Populations",
        headers: vec![
            "Control",
            "Frequency",
            "Basis",
            "Population",
            "Sample size",
            "Whole population",
            "Seed",
        ],
        rows,
    }
}

fn remediation(s: &Judgement<'_>) -> Table {
    let rows = s
        .remediation
        .items
        .iter()
        .map(|i| {
            vec![
                i.finding.id.clone().into(),
                i.finding.kind.as_str().into(),
                i.finding.severity.as_str().into(),
                i.state.as_str().into(),
                i.finding.owner.clone().unwrap_or_default().into(),
                i.opened.into(),
                i.due.into(),
                i.finding.target.into(),
                i.exception
                    .as_ref()
                    .map(|x| match &x.accepted_by {
                        Some(who) => format!("past the SLA ({}); accepted by {who}", x.sla_due),
                        None => format!("past the SLA ({}); not accepted", x.sla_due),
                    })
                    .unwrap_or_default()
                    .into(),
                i.days_overdue.into(),
                i.escalate_to.clone().unwrap_or_default().into(),
                i.finding.title.clone().into(),
                entry_list(i.verified_by.or(i.finding.entry)),
            ]
        })
        .collect();
    Table {
        name: "Remediation",
        headers: vec![
            "Item",
            "Kind",
            "Severity",
            "State",
            "Owner",
            "Opened",
            "Due",
            "Target",
            "Target exception",
            "Days overdue",
            "Escalate to",
            "What",
            "Evidence (ledger entries)",
        ],
        rows,
    }
}

/// One request per evidence item of every applicable control: what the auditor
/// asks the company to provide, with its status and the entry that provides it.
fn pbc(s: &Judgement<'_>) -> Table {
    let audit = &s.program.config.audit;
    let due: Option<Date> = audit
        .window
        .map(|w| w.to)
        .or(audit.point_in_time)
        .or(Some(s.status.as_of.date()));
    let mut rows = Vec::new();
    for c in s
        .status
        .controls
        .iter()
        .filter(|c| c.not_applicable.is_none())
    {
        for i in &c.items {
            rows.push(vec![
                format!("PBC-{:04}", rows.len() + 1).into(),
                format!("{} / {}: {}", c.id, i.id, i.describe).into(),
                c.criteria.join(", ").into(),
                c.owner.clone().into(),
                due.into(),
                match i.state {
                    ItemState::Satisfied => "provided",
                    ItemState::Stale => "provided, stale",
                    ItemState::Failing => "provided, failing",
                    ItemState::Missing => "outstanding",
                    ItemState::NeedsSetup => "outstanding, needs setup",
                }
                .into(),
                entry_list(i.latest.as_ref().map(|e| e.entry)),
            ]);
        }
    }
    Table {
        name: "PBC",
        headers: vec![
            "Request",
            "Item",
            "Criteria",
            "Owner",
            "Due",
            "Status",
            "Evidence (ledger entries)",
        ],
        rows,
    }
}
