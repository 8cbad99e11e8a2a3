//! The trust repo's git history, read with gix: when each evidence item was
//! declared, each claim made, each in-scope criterion left uncovered
//! ([`evident_core::provenance`]). Findings date themselves from it.
//!
//! The walk follows first parents from HEAD back to the root (the history as
//! the branch lived it) and reads `evident.toml` and `controls/*.md` of each
//! commit, parsing only versions not seen before. A fact's date is the first
//! commit of its latest unbroken run: an item removed and declared again dates
//! from the second declaration. Files that do not parse at some commit simply
//! say nothing there; the loader reports today's problems.

use crate::document;
use crate::load::{CONFIG_FILE, controls::DIR as CONTROLS_DIR};
use evident_core::catalog::Catalog;
use evident_core::provenance::{Provenance, Source, claim_fact, item_fact, uncovered_fact};
use evident_core::time::{Date, Instant};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// History is read back this many commits at most; older facts date from the
/// oldest commit read.
const MAX_COMMITS: usize = 50_000;
/// A version of a file larger than this says nothing (the loader caps what it reads too).
const MAX_BLOB: usize = 4 << 20;

/// Reads the history of the git repository holding `root`, if there is one.
pub fn read(root: &Path, catalog: &Catalog) -> Provenance {
    match walk(root, catalog) {
        Ok(p) => p,
        Err(why) => Provenance::new(Source::None { why }),
    }
}

fn walk(root: &Path, catalog: &Catalog) -> Result<Provenance, String> {
    let repo = gix::discover(root).map_err(|_| "not a git repository".to_string())?;
    let workdir = repo
        .workdir()
        .ok_or("a bare git repository has no files to date")?
        .to_path_buf();
    let (root, workdir) = (canonical(root), canonical(&workdir));
    let prefix = root
        .strip_prefix(&workdir)
        .map_err(|_| "the trust repo is outside its git work tree".to_string())?
        .to_string_lossy()
        .replace('\\', "/");
    let at = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    };
    let (config_path, controls_path) = (at(CONFIG_FILE), at(CONTROLS_DIR));
    let head = repo
        .head_commit()
        .map_err(|_| "the git repository has no commit yet".to_string())?;
    let head_id = head.id.to_string();

    // Newest first, then replayed oldest first.
    let mut chain = Vec::new();
    let mut next = Some(head);
    while let Some(commit) = next.take() {
        if chain.len() == MAX_COMMITS {
            break;
        }
        let time = commit.time().map_err(|e| e.to_string())?.seconds;
        let tree = commit.tree().map_err(|e| e.to_string())?;
        let config = blob_at(&tree, &config_path);
        let controls = files_in(&repo, &tree, &controls_path);
        chain.push((time, config, controls));
        next = match commit.parent_ids().next() {
            Some(id) => Some(id.object().map_err(|e| e.to_string())?.into_commit()),
            None => None,
        };
    }

    let mut parsed: HashMap<gix::ObjectId, ControlFacts> = HashMap::new();
    let mut configs: HashMap<gix::ObjectId, Scope> = HashMap::new();
    let mut since: HashMap<String, Date> = HashMap::new();
    let mut last_key: Option<(Option<gix::ObjectId>, Vec<gix::ObjectId>)> = None;
    let mut facts: HashSet<String> = HashSet::new();
    let commits = chain.len();
    for (time, config, controls) in chain.into_iter().rev() {
        let key = (config, controls.clone());
        if last_key.as_ref() != Some(&key) {
            let scope = config.map(|id| {
                configs
                    .entry(id)
                    .or_insert_with(|| Scope::parse(&read_blob(&repo, id)))
                    .clone()
            });
            for id in &controls {
                parsed
                    .entry(*id)
                    .or_insert_with(|| ControlFacts::parse(&read_blob(&repo, *id)));
            }
            let controls: Vec<&ControlFacts> = controls.iter().map(|id| &parsed[id]).collect();
            facts = facts_of(scope.as_ref(), &controls, catalog);
            last_key = Some(key);
        }
        // A commit dated outside what a date can say tells nothing about when.
        let Some(day) = Instant::from_unix(time).map(Instant::date) else {
            continue;
        };
        since.retain(|fact, _| facts.contains(fact));
        for f in &facts {
            since.entry(f.clone()).or_insert(day);
        }
    }
    Ok(Provenance {
        source: Source::Git {
            commit: head_id,
            commits,
        },
        since,
    })
}

fn canonical(p: &Path) -> std::path::PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn blob_at(tree: &gix::Tree<'_>, path: &str) -> Option<gix::ObjectId> {
    let entry = tree.lookup_entry_by_path(path).ok()??;
    entry.mode().is_blob().then(|| entry.object_id())
}

/// The blobs of `dir/*.md`, in name order.
fn files_in(repo: &gix::Repository, tree: &gix::Tree<'_>, dir: &str) -> Vec<gix::ObjectId> {
    let Some(entry) = tree.lookup_entry_by_path(dir).ok().flatten() else {
        return Vec::new();
    };
    let Ok(sub) = repo.find_tree(entry.object_id()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in sub.iter().flatten() {
        if e.mode().is_blob() && e.filename().to_string().ends_with(".md") {
            out.push(e.object_id());
        }
    }
    out
}

fn read_blob(repo: &gix::Repository, id: gix::ObjectId) -> String {
    match repo.find_blob(id) {
        Ok(b) if b.data.len() <= MAX_BLOB => String::from_utf8_lossy(&b.data).into_owned(),
        _ => String::new(),
    }
}

/// What one version of `evident.toml` puts in scope.
#[derive(Clone, Default)]
struct Scope {
    categories: Vec<String>,
    not_applicable: HashSet<String>,
}

impl Scope {
    fn parse(text: &str) -> Scope {
        #[derive(Deserialize)]
        struct File {
            audit: Option<Audit>,
        }
        #[derive(Deserialize)]
        struct Audit {
            #[serde(default)]
            categories: Vec<String>,
            #[serde(default)]
            not_applicable: Vec<NotApplicable>,
        }
        #[derive(Deserialize)]
        struct NotApplicable {
            #[serde(default)]
            criteria: Vec<String>,
        }
        let Ok(File { audit: Some(audit) }) = toml::from_str::<File>(text) else {
            return Scope::default();
        };
        Scope {
            categories: audit.categories,
            not_applicable: audit
                .not_applicable
                .into_iter()
                .flat_map(|n| n.criteria)
                .collect(),
        }
    }
}

/// What one version of a control file declares.
#[derive(Default)]
struct ControlFacts {
    id: String,
    applicable: bool,
    criteria: Vec<String>,
    claimed: Option<String>,
    required_items: Vec<String>,
}

impl ControlFacts {
    fn parse(text: &str) -> ControlFacts {
        #[derive(Deserialize)]
        struct Front {
            id: String,
            #[serde(default)]
            criteria: Vec<String>,
            claimed: Option<String>,
            not_applicable: Option<String>,
            #[serde(default)]
            evidence: Vec<Item>,
        }
        #[derive(Deserialize)]
        struct Item {
            id: String,
            #[serde(default = "yes")]
            required: bool,
        }
        fn yes() -> bool {
            true
        }
        let Some(yaml) = document::front_matter(text) else {
            return ControlFacts::default();
        };
        let Ok(f) = serde_saphyr::from_str::<Front>(yaml) else {
            return ControlFacts::default();
        };
        ControlFacts {
            applicable: f.not_applicable.is_none(),
            criteria: f.criteria,
            claimed: f.claimed,
            required_items: f
                .evidence
                .into_iter()
                .filter(|i| i.required)
                .map(|i| i.id)
                .collect(),
            id: f.id,
        }
    }
}

fn facts_of(
    scope: Option<&Scope>,
    controls: &[&ControlFacts],
    catalog: &Catalog,
) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut covered = BTreeSet::new();
    for c in controls.iter().filter(|c| !c.id.is_empty() && c.applicable) {
        for i in &c.required_items {
            out.insert(item_fact(&c.id, i));
        }
        if let Some(claim) = &c.claimed {
            out.insert(claim_fact(&c.id, claim));
        }
        covered.extend(c.criteria.iter().map(String::as_str));
    }
    if let Some(scope) = scope {
        for criterion in catalog
            .criteria()
            .filter(|c| c.category == "security" || scope.categories.contains(&c.category))
        {
            if !covered.contains(criterion.id.as_str())
                && !scope.not_applicable.contains(&criterion.id)
            {
                out.insert(uncovered_fact(&criterion.id));
            }
        }
    }
    out
}
