//! The public view of the program: what the templates may show. Everything
//! private is dropped here, before rendering, so no template can leak it.

use crate::Inputs;
use crate::markdown::Prose;
use evident_core::model::{AuditType, ControlState, Outcome, Visibility};
use evident_core::record::Record;
use evident_core::status::{ControlStatus, ItemState, percent};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Serialize)]
pub struct Meta {
    pub title: String,
    pub org: String,
    pub language: String,
    pub languages: Vec<String>,
    pub security_contact: String,
    pub disclosure_policy: Option<String>,
    pub base_url: Option<String>,
    pub as_of: String,
    pub updated: String,
}

#[derive(Serialize)]
pub struct Statement {
    pub headline: String,
    pub audit: String,
    pub window: Option<String>,
    pub target: Option<String>,
    pub auditor: String,
    pub readiness: String,
}

#[derive(Serialize)]
pub struct Category {
    pub title: String,
    pub criteria: usize,
    pub implemented: usize,
    pub readiness: String,
}

#[derive(Serialize)]
pub struct Link {
    pub id: String,
    pub title: String,
}

#[derive(Serialize)]
pub struct Criterion {
    pub id: String,
    pub title: String,
    pub controls: Vec<Link>,
    /// How many private controls also implement it (named nowhere).
    pub internal: usize,
    /// Declared not applicable: why.
    pub not_applicable: Option<String>,
    pub headline: &'static str,
    pub freshness: String,
}

#[derive(Serialize)]
pub struct Item {
    pub describe: String,
    pub state: &'static str,
    pub regression: bool,
    pub last_verified: String,
    pub fresh_until: String,
}

#[derive(Serialize)]
pub struct GapView {
    pub title: String,
    pub severity: &'static str,
    pub opened: String,
    /// Its target date, and who accepted it past the SLA.
    pub target: Option<String>,
}

#[derive(Serialize)]
pub struct DiscrepancyView {
    pub claimed: &'static str,
    pub derived: &'static str,
    pub why: String,
}

#[derive(Serialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub criteria: Vec<String>,
    pub owner: String,
    pub frequency: &'static str,
    /// The body's sections in order, each with an anchor unique on the page.
    pub sections: Vec<SectionView>,
    pub headline: &'static str,
    pub not_applicable: Option<String>,
    pub discrepancy: Option<DiscrepancyView>,
    pub items: Vec<Item>,
    pub gaps: Vec<GapView>,
}

#[derive(Serialize)]
pub struct Records {
    pub incidents: Vec<PublicIncident>,
    pub access_reviews: usize,
    pub last_access_review: Option<String>,
}

#[derive(Serialize)]
pub struct PublicIncident {
    pub id: String,
    pub title: String,
    pub tier: u8,
    pub opened: String,
    pub resolved: Option<String>,
    pub postmortem: bool,
}

#[derive(Serialize)]
pub struct SectionView {
    pub anchor: String,
    pub title: String,
    pub html: String,
}

#[derive(Serialize)]
pub struct FindingView {
    pub severity: &'static str,
    pub kind: &'static str,
    pub subject: String,
    pub title: String,
    pub since: String,
    /// A gap's roadmap date, and who accepted it past the SLA.
    pub target: Option<String>,
    /// The public control it belongs to, whose page it links to.
    pub control: Option<String>,
}

#[derive(Serialize)]
pub struct Subprocessor {
    pub name: String,
    pub purpose: String,
    pub data: Vec<String>,
    pub location: String,
    pub dpa: bool,
    pub soc2: String,
}

#[derive(Serialize)]
pub struct Change {
    pub date: String,
    pub control: String,
    pub item: String,
    pub from: &'static str,
    pub to: &'static str,
}

/// Evidence of a public item withdrawn by a later entry, and why.
#[derive(Serialize)]
pub struct Withdrawn {
    pub date: String,
    pub control: String,
    pub item: String,
    pub entry: u64,
    pub reason: String,
}

pub struct Site {
    pub meta: Meta,
    pub statement: Statement,
    pub categories: Vec<Category>,
    pub criteria: Vec<Criterion>,
    pub controls: Vec<Control>,
    pub findings: Vec<FindingView>,
    pub subprocessors: Vec<Subprocessor>,
    /// The registers' public part: incidents marked public, and when access
    /// was last reviewed (never who or which system).
    pub records: Records,
    pub changes: Vec<Change>,
    pub withdrawn: Vec<Withdrawn>,
    pub journal: Option<String>,
    pub security_txt_expires: String,
    pub security_txt_canonical: Option<String>,
}

impl Site {
    pub fn new(inputs: &Inputs<'_>, prose: &Prose) -> Site {
        let program = inputs.judgement.program;
        let status = &inputs.judgement.status;
        let config = &program.config;
        let public: HashSet<&str> = status
            .controls
            .iter()
            .filter(|c| c.visibility == Visibility::Public)
            .map(|c| c.id.as_str())
            .collect();
        let by_id: HashMap<&str, &ControlStatus> =
            status.controls.iter().map(|c| (c.id.as_str(), c)).collect();
        let today = status.as_of.date();
        let base_url = config
            .portal
            .base_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_string());
        let meta = Meta {
            title: config.portal.title.clone(),
            org: config.org.name.clone(),
            language: config
                .portal
                .languages
                .first()
                .cloned()
                .unwrap_or_else(|| "en".into()),
            languages: config.portal.languages.clone(),
            security_contact: config.org.security_contact.clone(),
            disclosure_policy: config.portal.disclosure_policy.clone(),
            base_url: base_url.clone(),
            as_of: status.as_of.to_string(),
            // Each group is in time order: its last entry by then is found by bisection.
            updated: inputs
                .judgement
                .history
                .groups()
                .filter_map(|g| g.until(status.as_of).last().map(|e| e.collected))
                .max()
                .map_or_else(|| today.to_string(), |t| t.date().to_string()),
        };
        let audit = match config.audit.kind {
            AuditType::Type1 => "SOC 2 Type I",
            AuditType::Type2 => "SOC 2 Type II",
        };
        let window = config
            .audit
            .window
            .map(|w| format!("{} to {}", w.from, w.to));
        let headline = match (config.audit.kind, config.audit.window) {
            (AuditType::Type2, Some(w)) if today < w.from => {
                format!("{audit} planned: the observation window opens {}.", w.from)
            }
            (AuditType::Type2, Some(w)) if today <= w.to => {
                format!("{audit} observation window in progress until {}.", w.to)
            }
            (AuditType::Type2, _) => format!("{audit} observation window complete."),
            (AuditType::Type1, _) if status.readiness >= 1.0 => {
                format!("{audit}: every in-scope criterion is implemented.")
            }
            (AuditType::Type1, _) => format!("{audit} in progress."),
        };
        let statement = Statement {
            headline,
            audit: audit.to_string(),
            window,
            target: config.audit.target.clone(),
            auditor: match (&config.audit.auditor.engaged, &config.audit.auditor.firm) {
                (true, Some(firm)) => format!("engaged: {firm}"),
                (true, None) => "engaged".into(),
                (false, _) => "not yet engaged".into(),
            },
            readiness: percent(status.readiness),
        };
        let categories = status
            .categories
            .iter()
            .filter(|c| c.in_scope)
            .map(|c| Category {
                title: c.title.clone(),
                criteria: c.criteria,
                implemented: c.implemented,
                readiness: percent(c.readiness),
            })
            .collect();
        let criteria = status
            .criteria
            .iter()
            .filter(|c| c.in_scope)
            .map(|c| {
                let mine: Vec<&ControlStatus> = c
                    .controls
                    .iter()
                    .filter_map(|id| by_id.get(id.as_str()).copied())
                    .collect();
                let shown: Vec<&&ControlStatus> = mine
                    .iter()
                    .filter(|k| public.contains(k.id.as_str()))
                    .collect();
                Criterion {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    controls: shown
                        .iter()
                        .map(|k| Link {
                            id: k.id.clone(),
                            title: k.title.clone(),
                        })
                        .collect(),
                    internal: mine.len() - shown.len(),
                    not_applicable: c.not_applicable.clone(),
                    headline: c.headline(),
                    freshness: freshness(&mine),
                }
            })
            .collect();
        let shown: Vec<(&ControlStatus, &Vec<(String, String)>)> = status
            .controls
            .iter()
            .filter(|c| public.contains(c.id.as_str()))
            .filter_map(|c| Some((c, prose.control(&c.id)?)))
            .collect();
        let controls = shown
            .iter()
            .map(|(c, html)| control_view(c, html, status))
            .collect();
        let findings = inputs
            .judgement
            .gaps
            .findings
            .iter()
            .filter(|f| f.visibility == Visibility::Public)
            .filter(|f| f.control.as_deref().is_none_or(|c| public.contains(c)))
            .filter(|f| {
                // Register and policy findings name internal records: only their count is public.
                !matches!(f.kind, evident_core::gaps::FindingKind::RegisterReview)
            })
            .map(|f| FindingView {
                severity: f.severity.as_str(),
                kind: f.kind.as_str(),
                subject: f.subject.clone(),
                title: f.title.clone(),
                since: f.since.to_string(),
                target: f.target.map(|t| match &f.accepted_by {
                    Some(who) => format!("{t} (later than the SLA; accepted by {who})"),
                    None => t.to_string(),
                }),
                control: f.control.clone(),
            })
            .collect();
        let subprocessors = program
            .registers
            .vendors
            .iter()
            .filter(|v| v.subprocessor && v.visibility == Visibility::Public)
            .map(|v| Subprocessor {
                name: v.name.clone(),
                purpose: v.purpose.clone(),
                data: v.data.clone(),
                location: v.location.clone(),
                dpa: v.dpa,
                soc2: v.soc2.clone(),
            })
            .collect();
        let regs = &program.registers;
        let records = Records {
            incidents: regs
                .incidents
                .iter()
                .filter(|i| i.visibility == Visibility::Public)
                .map(|i| PublicIncident {
                    id: i.id.clone(),
                    title: i.title.clone(),
                    tier: i.tier,
                    opened: i.opened.to_string(),
                    resolved: i.resolved.map(|d| d.to_string()),
                    postmortem: i.postmortem.is_some(),
                })
                .collect(),
            access_reviews: regs.access_reviews.len(),
            last_access_review: regs
                .access_reviews
                .iter()
                .map(|a| a.date)
                .max()
                .map(|d| d.to_string()),
        };
        Site {
            meta,
            records,
            statement,
            categories,
            criteria,
            controls,
            findings,
            subprocessors,
            changes: changes(inputs, &public),
            withdrawn: withdrawn(inputs, &public),
            journal: prose.journal().map(str::to_string),
            // RFC 9116 asks for an expiry under a year away; 180 days from the build.
            security_txt_expires: format!("{}T00:00:00Z", today.add_days(180)),
            security_txt_canonical: base_url.map(|u| format!("{u}/.well-known/security.txt")),
        }
    }
}

fn control_view(
    c: &ControlStatus,
    sections: &[(String, String)],
    status: &evident_core::status::StatusReport,
) -> Control {
    let discrepancy = status
        .discrepancies
        .iter()
        .find(|d| d.control == c.id)
        .map(|d| DiscrepancyView {
            claimed: d.claimed.as_str(),
            derived: d.derived.as_str(),
            why: d
                .contradicting
                .iter()
                .filter(|x| {
                    c.items
                        .iter()
                        .any(|i| i.id == x.item && i.visibility == Visibility::Public)
                })
                .map(|x| {
                    let describe = c
                        .items
                        .iter()
                        .find(|i| i.id == x.item)
                        .map_or(x.item.as_str(), |i| i.describe.as_str());
                    format!("{describe}: {}.", x.state.as_str())
                })
                .chain(
                    c.open_gaps
                        .iter()
                        .filter(|g| g.visibility == Visibility::Public)
                        .map(|g| format!("Open gap: {}.", g.title)),
                )
                .collect::<Vec<_>>()
                .join(" "),
        });
    Control {
        id: c.id.clone(),
        title: c.title.clone(),
        criteria: c.criteria.clone(),
        owner: c.owner.clone(),
        frequency: c.frequency.as_str(),
        sections: section_views(sections),
        headline: c.headline(),
        not_applicable: (c.derived == ControlState::NotApplicable)
            .then(|| c.not_applicable.clone())
            .flatten(),
        discrepancy,
        items: c
            .items
            .iter()
            .filter(|i| i.visibility == Visibility::Public)
            .map(|i| Item {
                describe: i.describe.clone(),
                state: i.state.as_str(),
                regression: i.regression,
                last_verified: i
                    .last_pass
                    .as_ref()
                    .map_or("never".into(), |e| e.collected.date().to_string()),
                fresh_until: i.fresh_until.map_or("—".into(), |t| t.date().to_string()),
            })
            .collect(),
        gaps: c
            .open_gaps
            .iter()
            .filter(|g| g.visibility == Visibility::Public)
            .map(|g| GapView {
                title: g.title.clone(),
                severity: g.severity.as_str(),
                opened: g.opened.to_string(),
                target: g.target.map(|t| match &g.accepted_by {
                    Some(who) => format!("{t}, later than the SLA, accepted by {who}"),
                    None => t.to_string(),
                }),
            })
            .collect(),
    }
}

/// "3 of 4 items fresh" over a criterion's controls.
fn freshness(controls: &[&ControlStatus]) -> String {
    let items: Vec<_> = controls.iter().flat_map(|c| c.items.iter()).collect();
    if items.is_empty() {
        return "—".into();
    }
    let fresh = items
        .iter()
        .filter(|i| i.state == ItemState::Satisfied)
        .count();
    format!("{fresh} of {} evidence items fresh", items.len())
}

/// Every retraction of a public item's evidence, newest first: a withdrawn
/// entry is left out of the status, and the page says so rather than let a
/// result vanish unexplained.
fn withdrawn(inputs: &Inputs<'_>, public: &HashSet<&str>) -> Vec<Withdrawn> {
    let public_item = |control: &str, item: &str| {
        public.contains(control)
            && inputs.judgement.status.controls.iter().any(|c| {
                c.id == control
                    && c.items
                        .iter()
                        .any(|i| i.id == item && i.visibility == Visibility::Public)
            })
    };
    let mut out: Vec<Withdrawn> = inputs
        .judgement
        .retractions
        .iter()
        .filter(|r| r.at <= inputs.judgement.status.as_of && public_item(&r.control, &r.item))
        .map(|r| Withdrawn {
            date: r.at.date().to_string(),
            control: r.control.clone(),
            item: r.item.clone(),
            entry: r.retracts,
            reason: r.reason.clone(),
        })
        .collect();
    out.reverse();
    out
}

/// Every change of result of a public item, newest first, from the ledger.
fn changes(inputs: &Inputs<'_>, public: &HashSet<&str>) -> Vec<Change> {
    let as_of = inputs.judgement.status.as_of;
    let mut found: Vec<(&Record, &'static str)> = Vec::new();
    let controls = inputs.judgement.status.controls.iter();
    for control in controls.filter(|c| public.contains(c.id.as_str())) {
        for item in control
            .items
            .iter()
            .filter(|i| i.visibility == Visibility::Public)
        {
            let group = inputs.judgement.history.of(&control.id, &item.id);
            for (e, from) in group.result_changes(as_of) {
                found.push((e, from.map_or("none", Outcome::as_str)));
            }
        }
    }
    // Newest first; the ledger's order breaks ties within a second.
    found.sort_unstable_by_key(|(e, _)| std::cmp::Reverse((e.collected, e.seq)));
    found
        .into_iter()
        .map(|(e, from)| Change {
            date: e.collected.date().to_string(),
            control: e.control.to_string(),
            item: e.item.to_string(),
            from,
            to: e.result.as_str(),
        })
        .collect()
}

/// Sections with anchors made from their titles, unique on the page (the
/// page's own `status` section keeps its name).
fn section_views(sections: &[(String, String)]) -> Vec<SectionView> {
    let mut taken = vec!["status".to_string()];
    sections
        .iter()
        .map(|(title, html)| {
            let slug = evident_core::slug::slug(title);
            let base = if slug.is_empty() {
                "section".to_string()
            } else {
                slug
            };
            let mut anchor = base.clone();
            let mut n = 2;
            while taken.contains(&anchor) {
                anchor = format!("{base}-{n}");
                n += 1;
            }
            taken.push(anchor.clone());
            SectionView {
                anchor,
                title: title.clone(),
                html: html.clone(),
            }
        })
        .collect()
}
