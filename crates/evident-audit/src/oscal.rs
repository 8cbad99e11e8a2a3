//! OSCAL 1.1 exports: the system security plan (each control's implementation by
//! criterion), assessment results (one result for the window: observations are
//! ledger entries, findings are criteria satisfied or not) and the plan of action
//! and milestones (one item per open remediation item, with its deadline).
//!
//! Identifiers are UUIDs derived from names (SHA-256, version-5 layout), so the
//! same program exports the same documents twice. Control ids are the catalog's
//! (`cc6.1`), as in `catalogs/tsc-2017.json`. The SSP imports `profile.json`,
//! which imports `catalog.json`: the three are written side by side.

use evident_core::judgement::Judgement;
use evident_core::status::CriterionState;
use evident_core::time::{Date, Instant};
use serde_json::{Value, json};

pub const OSCAL_VERSION: &str = "1.1.2";

/// A stable UUID for `name` within this program.
pub fn uuid(org: &str, name: &str) -> String {
    let h = evident_ledger::blobs::sha256(format!("{org}\u{0}{name}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = evident_ledger::hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn metadata(s: &Judgement<'_>, title: &str) -> Value {
    json!({
        "title": title,
        "last-modified": s.status.as_of.to_string(),
        "version": s.status.as_of.date().to_string(),
        "oscal-version": OSCAL_VERSION,
        "parties": [{
            "uuid": uuid(&org(s), "party:org"),
            "type": "organization",
            "name": org(s),
            "email-addresses": [s.program.config.org.security_contact],
        }],
    })
}

fn org(s: &Judgement<'_>) -> String {
    s.program.config.org.name.clone()
}

fn control_id(criterion: &str) -> String {
    criterion.to_lowercase()
}

/// The system security plan.
pub fn ssp(s: &Judgement<'_>) -> Value {
    let o = org(s);
    let component = uuid(&o, "component:this-system");
    let requirements: Vec<Value> = s
        .status
        .criteria
        .iter()
        .filter(|c| c.in_scope && (!c.controls.is_empty() || c.not_applicable.is_some()))
        .map(|cr| {
            if let Some(reason) = &cr.not_applicable {
                return json!({
                    "uuid": uuid(&o, &format!("req:{}", cr.id)),
                    "control-id": control_id(&cr.id),
                    "by-components": [{
                        "component-uuid": component,
                        "uuid": uuid(&o, &format!("by:{}:not-applicable", cr.id)),
                        "description": format!("Not applicable: {reason}"),
                        "implementation-status": { "state": "not-applicable", "remarks": reason },
                    }],
                });
            }
            let by: Vec<Value> = cr
                .controls
                .iter()
                .filter_map(|id| s.program.controls.iter().find(|k| &k.id == id))
                .map(|k| {
                    let derived = s.status.control(&k.id).map_or("planned", |c| c.derived.as_str());
                    json!({
                        "component-uuid": component,
                        "uuid": uuid(&o, &format!("by:{}:{}", cr.id, k.id)),
                        "description": format!("{} ({}): {}", k.title, k.id, prose(k.implementation())),
                        "implementation-status": { "state": implementation_state(derived) },
                        "props": [{ "name": "implementation-point", "value": "system" }],
                        "responsible-roles": [{ "role-id": "control-owner", "party-uuids": [uuid(&o, "party:org")] }],
                    })
                })
                .collect();
            json!({
                "uuid": uuid(&o, &format!("req:{}", cr.id)),
                "control-id": control_id(&cr.id),
                "by-components": by,
            })
        })
        .collect();
    let description = format!(
        "{}'s SOC 2 program ({}), kept as code and judged from a tamper-evident evidence ledger.",
        o,
        s.program.config.audit.categories.join(", ")
    );
    let mut meta = metadata(s, &format!("{o} system security plan"));
    meta["roles"] = json!([{ "id": "control-owner", "title": "Control owner" }]);
    json!({ "system-security-plan": {
        "uuid": uuid(&o, &format!("ssp:{}", s.status.as_of)),
        "metadata": meta,
        "import-profile": { "href": "profile.json" },
        "system-characteristics": {
            "system-ids": [{ "identifier-type": "https://ietf.org/rfc/rfc4122", "id": uuid(&o, "system") }],
            "system-name": o,
            "description": description,
            "system-information": { "information-types": [{
                "uuid": uuid(&o, "information-type:customer-data"),
                "title": "Customer data",
                "description": "Data the service processes for its customers.",
                "confidentiality-impact": { "base": "moderate" },
                "integrity-impact": { "base": "moderate" },
                "availability-impact": { "base": "moderate" },
            }]},
            "status": { "state": "operational" },
            "authorization-boundary": { "description": "The production service and the systems that support it." },
        },
        "system-implementation": {
            "users": [{ "uuid": uuid(&o, "user:staff"), "title": "Staff", "role-ids": ["control-owner"] }],
            "components": [{
                "uuid": component,
                "type": "this-system",
                "title": o,
                "description": "The system as a whole.",
                "status": { "state": "operational" },
            }],
        },
        "control-implementation": {
            "description": "Each in-scope criterion with the controls that implement it and their status derived from evidence.",
            "implemented-requirements": requirements,
        },
    }})
}

/// The profile the SSP imports: every criterion of the TSC catalog (`catalog.json`
/// beside it, `evident export oscal --model catalog`).
pub fn profile(s: &Judgement<'_>) -> Value {
    let o = org(s);
    json!({ "profile": {
        "uuid": uuid(&o, "profile:tsc"),
        "metadata": metadata(s, &format!("{o} SOC 2 baseline: the Trust Services Criteria")),
        "imports": [{ "href": "catalog.json", "include-all": {} }],
    }})
}

fn implementation_state(derived: &str) -> &'static str {
    match derived {
        "implemented" => "implemented",
        "partial" => "partial",
        "not-applicable" => "not-applicable",
        _ => "planned",
    }
}

/// The first paragraph of a Markdown section, or a pointer to the page when it is empty.
fn prose(markdown: &str) -> String {
    let text = crate::worksheet::first_paragraph(markdown);
    if text.is_empty() {
        "See the control page.".into()
    } else {
        text
    }
}

fn stamp(d: Date) -> String {
    Instant::start_of(d).to_string()
}

/// Assessment results for `window` (or up to the judging moment).
pub fn assessment_results(s: &Judgement<'_>) -> Value {
    let window = s.audit.as_ref().map(|a| a.window);
    let o = org(s);
    let mut observations = Vec::new();
    let mut obs_of_control: std::collections::HashMap<&str, Vec<String>> = Default::default();
    for c in &s.status.controls {
        for i in &c.items {
            let Some(e) = &i.latest else { continue };
            let id = uuid(&o, &format!("obs:{}", e.entry));
            obs_of_control
                .entry(c.id.as_str())
                .or_default()
                .push(id.clone());
            let mut obs = json!({
                "uuid": id,
                "title": format!("{}/{}: {}", c.id, i.id, e.result.as_str()),
                "description": format!("{} — ledger entry {}: {}", i.describe, e.entry, e.summary),
                "methods": ["TEST"],
                "collected": e.collected.to_string(),
                "relevant-evidence": [{
                    "href": format!("#ledger-entry-{}", e.entry),
                    "description": format!("Ledger entry {} ({}); `evident ledger prove {}` gives its inclusion proof.", e.entry, i.state.as_str(), e.entry),
                }],
            });
            if let Some(until) = i.fresh_until {
                obs["expires"] = json!(until.to_string());
            }
            observations.push(obs);
        }
    }
    // A criterion declared not applicable is not assessed (the SSP says why).
    let findings: Vec<Value> = s
        .status
        .criteria
        .iter()
        .filter(|c| c.in_scope && c.not_applicable.is_none())
        .map(|cr| {
            let related: Vec<Value> = cr
                .controls
                .iter()
                .flat_map(|k| obs_of_control.get(k.as_str()).cloned().unwrap_or_default())
                .map(|u| json!({ "observation-uuid": u }))
                .collect();
            let satisfied = cr.state == CriterionState::Implemented && !cr.failing;
            let mut f = json!({
                "uuid": uuid(&o, &format!("finding:{}", cr.id)),
                "title": format!("{} {}", cr.id, cr.title),
                "description": format!("{}: {} (derived from evidence; controls: {}).", cr.id, cr.headline(), if cr.controls.is_empty() { "none".to_string() } else { cr.controls.join(", ") }),
                "target": {
                    "type": "objective-id",
                    "target-id": format!("{}_obj", control_id(&cr.id)),
                    "status": { "state": if satisfied { "satisfied" } else { "not-satisfied" } },
                },
            });
            if !related.is_empty() {
                f["related-observations"] = json!(related);
            }
            f
        })
        .collect();
    let (start, end) = match window {
        Some(w) => (
            stamp(w.from),
            Instant::end_of(w.to).min(s.status.as_of).to_string(),
        ),
        None => (s.status.as_of.to_string(), s.status.as_of.to_string()),
    };
    let mut result = json!({
        "uuid": uuid(&o, &format!("result:{start}")),
        "title": "Evidence-derived assessment",
        "description": "Status of each in-scope criterion judged from the evidence ledger over the window.",
        "start": start,
        "end": end,
        "reviewed-controls": { "control-selections": [{ "include-all": {} }] },
        "findings": findings,
    });
    if !observations.is_empty() {
        result["observations"] = json!(observations);
    }
    json!({ "assessment-results": {
        "uuid": uuid(&o, &format!("ar:{}", s.status.as_of)),
        "metadata": metadata(s, &format!("{o} assessment results")),
        "import-ap": { "href": "#assessment-plan" },
        "results": [result],
    }})
}

/// The plan of action and milestones: one item per open remediation item.
pub fn poam(s: &Judgement<'_>) -> Value {
    let o = org(s);
    let open: Vec<_> = s
        .remediation
        .items
        .iter()
        .filter(|i| i.state < evident_core::model::RemediationState::Verified)
        .collect();
    let risks: Vec<Value> = open
        .iter()
        .map(|i| {
            json!({
                "uuid": uuid(&o, &format!("risk:{}", i.finding.id)),
                "title": i.finding.id,
                "description": i.finding.title,
                "statement": format!("{} finding ({}), owner {}.", i.finding.severity.as_str(), i.finding.kind.as_str(), i.finding.owner.clone().unwrap_or_else(|| "unassigned".into())),
                "status": "open",
                "deadline": stamp(i.due),
            })
        })
        .collect();
    let findings: Vec<Value> = open
        .iter()
        .map(|i| {
            json!({
                "uuid": uuid(&o, &format!("poam-finding:{}", i.finding.id)),
                "title": i.finding.id,
                "description": i.finding.title,
                "target": {
                    "type": "objective-id",
                    "target-id": i.finding.control.as_deref().map_or_else(|| "program".to_string(), str::to_lowercase),
                    "status": { "state": "not-satisfied" },
                },
            })
        })
        .collect();
    let items: Vec<Value> = open
        .iter()
        .map(|i| {
            json!({
                "uuid": uuid(&o, &format!("poam-item:{}", i.finding.id)),
                "title": i.finding.id,
                "description": format!("{} (state {}, opened {}, due {}{}).", i.finding.title, i.state.as_str(), i.opened, i.due, if i.days_overdue > 0 { format!(", {} day(s) overdue, escalated to {}", i.days_overdue, i.escalate_to.clone().unwrap_or_default()) } else { String::new() }),
                "related-findings": [{ "finding-uuid": uuid(&o, &format!("poam-finding:{}", i.finding.id)) }],
                "related-risks": [{ "risk-uuid": uuid(&o, &format!("risk:{}", i.finding.id)) }],
            })
        })
        .collect();
    let mut doc = json!({
        "uuid": uuid(&o, &format!("poam:{}", s.status.as_of)),
        "metadata": metadata(s, &format!("{o} plan of action and milestones")),
        "import-ssp": { "href": "ssp.json" },
        "poam-items": items,
    });
    if !risks.is_empty() {
        doc["risks"] = json!(risks);
        doc["findings"] = json!(findings);
    }
    json!({ "plan-of-action-and-milestones": doc })
}
