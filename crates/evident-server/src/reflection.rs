//! What the server shows of the trust repo and its ledger, rendered once per
//! change from one judgement: the public portal's files (the same pages
//! `evident build` writes), the CLI's JSON reports, the dashboard's figures,
//! and which items take uploads. The caller loads and judges; this renders.

use evident_core::judgement::Judgement;
use evident_core::model::HandUploads;
use evident_core::status::StatusDocument;
use evident_ledger::checkpoint::Checkpoint;
use serde::Serialize;
use std::collections::HashMap;

/// What a judgement is rendered with.
pub struct Inputs<'a> {
    pub judgement: &'a Judgement<'a>,
    pub checkpoint: Option<&'a Checkpoint>,
    /// The ledger's public key file, as text (the portal's verify page).
    pub public_key: Option<String>,
    /// The trust repo's portal templates that replace built-in ones.
    pub overrides: Vec<(String, String)>,
    /// The checkout's commit, when the trust repo is a git repository.
    pub commit: Option<String>,
    /// How many entries the ledger held when it was read.
    pub ledger_size: u64,
}

/// The rendered program, shared by every request until the next reload.
pub struct Reflection {
    pub commit: Option<String>,
    pub ledger_size: u64,
    pub as_of: String,
    pub org: String,
    /// The public portal: path inside the site → bytes (shared by every
    /// request that serves the page, not copied).
    pub site: HashMap<String, axum::body::Bytes>,
    pub status: Vec<u8>,
    pub gaps: Vec<u8>,
    pub remediation: Vec<u8>,
    pub dashboard: Dashboard,
    /// Which (control, item) pairs exist, and whether they take uploads.
    pub uploads: HashMap<(String, String), HandUploads>,
    /// The observation window, for the auditor's scope.
    pub window: Option<(String, String)>,
}

/// The team dashboard's figures.
#[derive(Serialize)]
pub struct Dashboard {
    pub readiness: String,
    pub categories: Vec<CategoryLine>,
    /// Open findings, overdue ones first, then by due date.
    pub findings: Vec<FindingLine>,
    pub charts: Vec<evident_portal::charts::MetricChart>,
    pub checkpoint: Option<CheckpointLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryLine {
    pub title: String,
    pub readiness: String,
    pub covered: usize,
    pub criteria: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct FindingLine {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub owner: String,
    pub state: String,
    pub due: String,
    pub days_overdue: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckpointLine {
    pub size: u64,
    pub time: String,
    pub witnesses: Vec<String>,
}

impl Reflection {
    pub fn render(inputs: Inputs<'_>) -> Result<Reflection, String> {
        let j = inputs.judgement;
        let mut site = HashMap::new();
        let portal = evident_portal::Inputs {
            judgement: j,
            checkpoint: inputs.checkpoint.map(|c| c.to_text()),
            public_key: inputs.public_key,
            overrides: inputs.overrides,
        };
        evident_portal::build(&portal, |path, bytes| {
            site.insert(path.to_string(), axum::body::Bytes::copy_from_slice(bytes));
            Ok::<(), String>(())
        })
        .map_err(|e| match e {
            evident_portal::Failed::Template(t) => t,
            evident_portal::Failed::Put(p) => p,
        })?;
        let status = json(&StatusDocument {
            status: &j.status,
            retractions: j.retractions,
        });
        let mut uploads = HashMap::new();
        for c in &j.program.controls {
            for item in &c.evidence {
                uploads.insert((c.id.clone(), item.id.clone()), item.hand_uploads(&c.id));
            }
        }
        Ok(Reflection {
            commit: inputs.commit,
            ledger_size: inputs.ledger_size,
            as_of: j.as_of.to_string(),
            org: j.program.config.org.name.clone(),
            site,
            status,
            gaps: json(&j.gaps),
            remediation: json(&j.remediation),
            dashboard: dashboard(j, inputs.checkpoint)?,
            uploads,
            window: j
                .program
                .config
                .audit
                .window
                .map(|w| (w.from.to_string(), w.to.to_string())),
        })
    }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn dashboard(j: &Judgement<'_>, checkpoint: Option<&Checkpoint>) -> Result<Dashboard, String> {
    let mut findings: Vec<FindingLine> = j
        .remediation
        .items
        .iter()
        .map(|i| FindingLine {
            id: i.finding.id.clone(),
            title: i.finding.title.clone(),
            severity: i.finding.severity.as_str().into(),
            owner: i.finding.owner.clone().unwrap_or_else(|| "no owner".into()),
            state: i.state.as_str().into(),
            due: i.due.to_string(),
            days_overdue: i.days_overdue,
        })
        .collect();
    findings.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.due.cmp(&b.due)));
    Ok(Dashboard {
        readiness: percent(j.status.readiness),
        categories: j
            .status
            .categories
            .iter()
            .filter(|c| c.in_scope)
            .map(|c| CategoryLine {
                title: c.title.clone(),
                readiness: percent(c.readiness),
                covered: c.covered,
                criteria: c.criteria,
            })
            .collect(),
        findings,
        charts: evident_portal::metric_charts(&j.metrics)?,
        checkpoint: checkpoint.map(|c| CheckpointLine {
            size: c.head.size,
            time: c.head.time.clone(),
            witnesses: c.cosignatures.iter().map(|w| w.name.clone()).collect(),
        }),
    })
}

/// A report as JSON bytes, the way the CLI prints it.
fn json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("reports serialise");
    out.push(b'\n');
    out
}
