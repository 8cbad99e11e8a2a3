//! The public view of the program: what the templates may show. Everything
//! private is dropped here, before rendering, so no template can leak it.

use crate::Inputs;
use crate::markdown::Prose;
use evident_core::gaps::Finding;
use evident_core::model::{AuditType, ControlState, Detail, Outcome, Page, Visibility};
use evident_core::record::Record;
use evident_core::status::{ControlStatus, CriterionState, ItemState, percent};
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
    /// "summary" or "full" (`[portal] detail`).
    pub detail: &'static str,
    /// The pages published, by name (the overview always is).
    pub pages: Vec<&'static str>,
    /// The navigation: (file, label) of each published page.
    pub nav: Vec<NavLink>,
    /// Whether control pages are published, so other pages may link to them.
    pub control_pages: bool,
    /// Where to ask for the SOC 2 report: a mailto: or https address.
    pub report_request: Option<String>,
}

#[derive(Serialize)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// The company's disclosure terms as the disclosure page and security.txt show them.
#[derive(Serialize)]
pub struct Disclosure {
    /// DISCLOSURE.md, rendered safe.
    pub policy_html: Option<String>,
    pub response_time: Option<String>,
    pub safe_harbour: Option<String>,
    pub bounty: Option<String>,
    pub encryption: Option<String>,
    pub acknowledgments: Option<String>,
}

/// The latest signed checkpoint, read for the "How to verify" page.
#[derive(Serialize)]
pub struct CheckpointView {
    pub origin: String,
    pub size: String,
    pub root: String,
    pub text: String,
}

#[derive(Serialize)]
pub struct Statement {
    pub headline: String,
    pub audit: String,
    pub window: Option<String>,
    pub target: Option<String>,
    pub auditor: String,
    pub readiness: String,
    /// "12 of 40": in-scope criteria implemented, of those that count.
    pub implemented: String,
}

#[derive(Serialize)]
pub struct Category {
    pub title: String,
    pub criteria: usize,
    pub implemented: usize,
    pub readiness: String,
    /// How many criteria are in each state, for the legend under the bars.
    pub partial: usize,
    pub planned: usize,
    pub uncovered: usize,
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
    /// "3 of 4 evidence items fresh".
    pub freshness: String,
    /// The newest passing evidence of its public items.
    pub last_verified: String,
    pub not_applicable: Option<String>,
    /// Only with `detail = "full"`: what the evidence says against the claim.
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
    /// What it concerns, in public words: a control's title, a criterion.
    pub subject: String,
    pub title: String,
    pub since: String,
    /// Days open as of the build.
    pub days: i64,
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
    pub iso27001: bool,
}

#[derive(Serialize)]
pub struct Change {
    pub date: String,
    /// When, as RFC 3339 (the feed's `updated`).
    pub at: String,
    /// The ledger entry's position: unique, so the feed's entry id.
    pub seq: u64,
    pub control: String,
    pub control_title: String,
    /// The item's public description.
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
    pub disclosure: Disclosure,
    pub checkpoint: Option<CheckpointView>,
    /// The feed's own address and id (an absolute URL needs `base_url`).
    pub feed_id: String,
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
        let full = config.portal.detail == Detail::Full;
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
            .map(|u| one_line(u.trim_end_matches('/')));
        let pages = &config.portal.pages;
        let control_pages = pages.contains(&Page::Controls);
        let meta = Meta {
            title: config.portal.title.clone(),
            org: config.org.name.clone(),
            language: config
                .portal
                .languages
                .first()
                .map(|l| one_line(l))
                .unwrap_or_else(|| "en".into()),
            languages: config
                .portal
                .languages
                .iter()
                .map(|l| one_line(l))
                .collect(),
            security_contact: one_line(&config.org.security_contact),
            disclosure_policy: config.portal.disclosure_policy.as_deref().map(one_line),
            base_url: base_url.clone(),
            as_of: status.as_of.to_string(),
            // Each group is in time order: its last entry by then is found by bisection.
            updated: inputs
                .judgement
                .history
                .groups()
                .filter_map(|g| g.until(status.as_of).last().map(|e| e.collected))
                .max()
                .map_or_else(|| "never".to_string(), |t| t.date().to_string()),
            detail: if full { "full" } else { "summary" },
            pages: pages.iter().map(|p| p.as_str()).collect(),
            nav: std::iter::once(NavLink {
                href: "index.html",
                label: "Overview",
            })
            .chain(pages.iter().filter_map(|p| nav_link(*p)))
            .collect(),
            control_pages,
            report_request: config.portal.report_request.as_deref().map(one_line),
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
        let in_scope = status.categories.iter().filter(|c| c.in_scope);
        let (counted, implemented) = in_scope
            .clone()
            .fold((0, 0), |(n, i), c| (n + c.criteria, i + c.implemented));
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
            implemented: format!("{implemented} of {counted}"),
        };
        let categories = in_scope
            .map(|c| {
                let count = |state| {
                    status
                        .criteria
                        .iter()
                        .filter(|k| k.category == c.id && k.state == state)
                        .count()
                };
                Category {
                    title: c.title.clone(),
                    criteria: c.criteria,
                    implemented: c.implemented,
                    readiness: percent(c.readiness),
                    partial: count(CriterionState::Partial),
                    planned: count(CriterionState::Planned),
                    uncovered: count(CriterionState::Uncovered),
                }
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
            .map(|(c, html)| control_view(c, html, status, full))
            .collect();
        let findings = inputs
            .judgement
            .gaps
            .findings
            .iter()
            .filter(|f| f.visibility == Visibility::Public)
            .filter(|f| f.control.as_deref().is_none_or(|c| public.contains(c)))
            .filter_map(|f| finding_view(f, &by_id, full, today))
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
                iso27001: v.iso27001,
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
        let terms = &config.portal.disclosure;
        let disclosure = Disclosure {
            policy_html: prose.disclosure().map(str::to_string),
            response_time: terms.response_time.as_deref().map(one_line),
            safe_harbour: terms.safe_harbour.as_deref().map(one_line),
            bounty: terms.bounty.as_deref().map(one_line),
            encryption: terms.encryption.as_deref().map(one_line),
            acknowledgments: terms.acknowledgments.as_deref().map(one_line),
        };
        let mut changes = changes(inputs, &public);
        if !full {
            // The state and since when: each item's latest change only, not
            // every missed run.
            let mut seen = HashSet::new();
            changes.retain(|c| seen.insert((c.control.clone(), c.item.clone())));
        }
        let feed_id = match &base_url {
            Some(u) => format!("{u}/feed.xml"),
            None => format!(
                "tag:{},{}:trust-portal",
                meta.security_contact,
                config.audit.window.map_or(today, |w| w.from)
            ),
        };
        Site {
            checkpoint: inputs.checkpoint.as_deref().map(checkpoint_view),
            disclosure,
            feed_id,
            meta,
            records,
            statement,
            categories,
            criteria,
            controls,
            findings,
            subprocessors,
            changes,
            withdrawn: if full {
                withdrawn(inputs, &public)
            } else {
                Vec::new()
            },
            journal: prose.journal().map(str::to_string),
            // RFC 9116 asks for an expiry under a year away; 180 days from the build.
            security_txt_expires: format!("{}T00:00:00Z", today.add_days(180)),
            security_txt_canonical: base_url.map(|u| format!("{u}/.well-known/security.txt")),
        }
    }
}

/// A value bound for one line of a line-based file (security.txt) or an
/// attribute: control characters become spaces. Load refuses them already;
/// this keeps a template's output one line whatever reaches it.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn nav_link(page: Page) -> Option<NavLink> {
    let (href, label) = match page {
        Page::Criteria => ("criteria.html", "Criteria"),
        // Control pages are reached from the criteria and findings.
        Page::Controls => return None,
        Page::Missing => ("missing.html", "What's missing"),
        Page::Subprocessors => ("subprocessors.html", "Subprocessors"),
        Page::Records => ("records.html", "Records"),
        Page::Disclosure => ("disclosure.html", "Vulnerability disclosure"),
        Page::Changes => ("changes.html", "Changes"),
        Page::Verify => ("verify.html", "How to verify"),
        Page::Metrics => ("metrics.html", "Metrics"),
    };
    Some(NavLink { href, label })
}

/// The checkpoint's first three lines (origin, tree size, root hash) and the whole text.
fn checkpoint_view(text: &str) -> CheckpointView {
    let mut lines = text.lines();
    let mut next = || lines.next().unwrap_or("").to_string();
    CheckpointView {
        origin: next(),
        size: next(),
        root: next(),
        text: text.to_string(),
    }
}

/// A public finding as the "What's missing" page shows it. With `detail =
/// "summary"` it says the state and since when in the company's public words
/// (the item's description, the gap's title), never what a check printed
/// (hosts, ports, tool errors) or an item id; a discrepancy is left out (the
/// public pages show the derived status only).
fn finding_view(
    f: &Finding,
    by_id: &HashMap<&str, &ControlStatus>,
    full: bool,
    today: evident_core::time::Date,
) -> Option<FindingView> {
    use evident_core::gaps::FindingKind as K;
    let control = f.control.as_deref().and_then(|c| by_id.get(c).copied());
    let item = control.and_then(|c| {
        let id = f.subject.split_once('/')?.1;
        c.items.iter().find(|i| i.id == id)
    });
    let describe = item.map_or(String::new(), |i| i.describe.clone());
    let title = match f.kind {
        // Register findings name internal records: never public.
        K::RegisterReview => return None,
        K::Discrepancy if !full => return None,
        K::Discrepancy => {
            let c = control?;
            discrepancy_why(c, c.claimed.map_or("—", |s| s.as_str()), c.derived.as_str())
        }
        K::Failing if !full => {
            let regression = item.is_some_and(|i| i.regression);
            format!(
                "{describe}: {}",
                if regression {
                    "failing again after passing"
                } else {
                    "failing"
                }
            )
        }
        K::Stale if !full => format!("{describe}: evidence out of date"),
        K::NeedsSetup if !full => format!("{describe}: being set up"),
        _ => f.title.clone(),
    };
    let subject = control.map_or_else(|| f.subject.clone(), |c| c.title.clone());
    Some(FindingView {
        severity: f.severity.as_str(),
        kind: f.kind.as_str(),
        subject,
        title,
        since: f.since.to_string(),
        days: f.since.days_until(today).max(0),
        target: f.target.map(|t| match &f.accepted_by {
            Some(who) => format!("{t} (later than the SLA; accepted by {who})"),
            None => t.to_string(),
        }),
        control: f.control.clone(),
    })
}

/// Why a control's claim is better than its evidence, in public words only:
/// its public items' descriptions and states, and its public gaps' titles.
fn discrepancy_why(c: &ControlStatus, claimed: &str, derived: &str) -> String {
    let reasons: Vec<String> = c
        .items
        .iter()
        .filter(|i| i.visibility == Visibility::Public && i.state != ItemState::Satisfied)
        .map(|i| format!("{}: {}", i.describe, i.state.as_str()))
        .chain(
            c.open_gaps
                .iter()
                .filter(|g| g.visibility == Visibility::Public)
                .map(|g| format!("open gap: {}", g.title)),
        )
        .collect();
    let mut out = format!("claims {claimed}, evidence shows {derived}");
    if !reasons.is_empty() {
        out.push_str(": ");
        out.push_str(&reasons.join("; "));
    }
    out
}

fn control_view(
    c: &ControlStatus,
    sections: &[(String, String)],
    status: &evident_core::status::StatusReport,
    full: bool,
) -> Control {
    // The claim beside the evidence only with `detail = "full"`; the public
    // status is the derived one either way.
    let discrepancy = status
        .discrepancies
        .iter()
        .filter(|_| full)
        .find(|d| d.control == c.id)
        .map(|d| DiscrepancyView {
            claimed: d.claimed.as_str(),
            derived: d.derived.as_str(),
            why: discrepancy_why(c, d.claimed.as_str(), d.derived.as_str()),
        });
    let items: Vec<&evident_core::status::ItemStatus> = c
        .items
        .iter()
        .filter(|i| i.visibility == Visibility::Public)
        .collect();
    Control {
        id: c.id.clone(),
        title: c.title.clone(),
        criteria: c.criteria.clone(),
        owner: c.owner.clone(),
        frequency: c.frequency.as_str(),
        sections: section_views(sections),
        headline: c.headline(),
        freshness: freshness(&[c]),
        last_verified: items
            .iter()
            .filter_map(|i| i.last_pass.as_ref().map(|e| e.collected))
            .max()
            .map_or("never".into(), |t| t.date().to_string()),
        not_applicable: (c.derived == ControlState::NotApplicable)
            .then(|| c.not_applicable.clone())
            .flatten(),
        discrepancy,
        items: items
            .iter()
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
    let mut found: Vec<(&Record, &'static str, &ControlStatus, &str)> = Vec::new();
    let controls = inputs.judgement.status.controls.iter();
    for control in controls.filter(|c| public.contains(c.id.as_str())) {
        for item in control
            .items
            .iter()
            .filter(|i| i.visibility == Visibility::Public)
        {
            let group = inputs.judgement.history.of(&control.id, &item.id);
            for (e, from) in group.result_changes(as_of) {
                found.push((
                    e,
                    from.map_or("none", Outcome::as_str),
                    control,
                    &item.describe,
                ));
            }
        }
    }
    // Newest first; the ledger's order breaks ties within a second.
    found.sort_unstable_by_key(|(e, ..)| std::cmp::Reverse((e.collected, e.seq)));
    found
        .into_iter()
        .map(|(e, from, control, describe)| Change {
            date: e.collected.date().to_string(),
            at: e.collected.to_string(),
            seq: e.seq,
            control: control.id.clone(),
            control_title: control.title.clone(),
            item: describe.to_string(),
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
