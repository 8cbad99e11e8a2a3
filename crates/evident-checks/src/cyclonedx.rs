//! `cyclonedx`: a CycloneDX 1.4–1.6 JSON SBOM. Its known vulnerabilities are
//! those the SBOM carries (as Trivy and Grype write them, unless their analysis
//! says resolved, false positive or not affected) and those the OSV records in
//! the trust repo's `advisories` folder say affect a component's package and
//! version. A vulnerability whose severity is in `fail_on` fails the check
//! unless `accepted` names it (by id or alias) until a day not yet past.
//! Components without a version or package URL cannot be matched, so they are
//! named.

use crate::osv::{self, Advisory, Package};
use crate::{CheckResult, Context, report};
use evident_core::model::checks::CyclonedxCheck;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// An advisory record is a small document; a folder of them a bounded set.
const MAX_ADVISORY: u64 = 1 << 20;
const MAX_ADVISORIES: usize = 20_000;

/// How many vulnerabilities and unmatched components the entry names.
const NAMED: usize = 200;

struct Component {
    name: String,
    version: Option<String>,
    package: Option<Package>,
}

struct Found {
    id: String,
    aliases: Vec<String>,
    severity: &'static str,
    component: usize,
    source: String,
    summary: String,
    fixed: Option<String>,
}

pub fn run(check: &CyclonedxCheck, cx: &Context) -> CheckResult {
    let doc = match report::read_json(&check.path, check.max_age, cx, "CycloneDX JSON") {
        Ok(d) => d,
        Err(e) => return e,
    };
    let spec = doc["specVersion"].as_str().unwrap_or("");
    if doc["bomFormat"].as_str() != Some("CycloneDX") || !["1.4", "1.5", "1.6"].contains(&spec) {
        return CheckResult::error(format!(
            "{}: not a CycloneDX 1.4–1.6 SBOM (bomFormat `{}`, specVersion `{spec}`)",
            check.path,
            doc["bomFormat"].as_str().unwrap_or("")
        ));
    }
    let advisories = match &check.advisories {
        Some(folder) => match read_advisories(folder, cx) {
            Ok(a) => a,
            Err(e) => return e,
        },
        None => vec![],
    };
    let Some(today) = crate::today(cx) else {
        return CheckResult::error("the clock is outside the dates evident knows");
    };

    let mut components = Vec::new();
    let mut by_ref = HashMap::new();
    collect(&doc["components"], &mut components, &mut by_ref);
    let mut found: Vec<Found> = Vec::new();
    let mut dismissed = Vec::new();
    for v in doc["vulnerabilities"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let id = v["id"].as_str().unwrap_or("?").to_string();
        let state = v["analysis"]["state"].as_str().unwrap_or("");
        if matches!(state, "resolved" | "false_positive" | "not_affected") {
            dismissed.push(json!({ "id": id, "analysis": state }));
            continue;
        }
        let severity = v["ratings"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|r| r["severity"].as_str().and_then(osv::named_severity))
            .min_by_key(|s| osv::rank(s))
            .unwrap_or("unknown");
        let aliases = v["references"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|r| r["id"].as_str().map(String::from))
            .collect::<Vec<_>>();
        for affects in v["affects"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let Some(&component) = affects["ref"].as_str().and_then(|r| by_ref.get(r)) else {
                continue;
            };
            found.push(Found {
                id: id.clone(),
                aliases: aliases.clone(),
                severity,
                component,
                source: format!(
                    "{} (SBOM)",
                    v["source"]["name"].as_str().unwrap_or("scanner")
                ),
                summary: v["description"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(300)
                    .collect(),
                fixed: None,
            });
        }
    }
    for (index, component) in components.iter().enumerate() {
        let Some(package) = &component.package else {
            continue;
        };
        for advisory in advisories.iter().filter(|a| a.affects(package)) {
            let names = |f: &Found| {
                std::iter::once(&f.id)
                    .chain(&f.aliases)
                    .any(|n| *n == advisory.id || advisory.aliases.contains(n))
            };
            // The scanner may have reported it already, under an alias.
            if found.iter().any(|f| f.component == index && names(f)) {
                continue;
            }
            found.push(Found {
                id: advisory.id.clone(),
                aliases: advisory.aliases.clone(),
                severity: advisory.severity,
                component: index,
                source: advisory.file.clone(),
                summary: advisory.summary.clone(),
                fixed: advisory.fixed_for(package).map(String::from),
            });
        }
    }
    found.sort_by(|a, b| {
        (osv::rank(a.severity), &a.id, a.component).cmp(&(
            osv::rank(b.severity),
            &b.id,
            b.component,
        ))
    });

    let mut by_severity: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut failing, mut accepted, mut listed) = (Vec::new(), Vec::new(), Vec::new());
    for f in &found {
        *by_severity.entry(f.severity).or_default() += 1;
        let c = &components[f.component];
        let shown = json!({
            "id": f.id,
            "aliases": f.aliases,
            "severity": f.severity,
            "component": c.name,
            "version": c.version,
            "fixed": f.fixed,
            "source": f.source,
            "summary": f.summary,
        });
        if !check.fail_on.iter().any(|s| s == f.severity) {
            listed.push(shown);
            continue;
        }
        let acceptance = check
            .accepted
            .iter()
            .find(|a| a.id == f.id || f.aliases.contains(&a.id));
        match acceptance {
            Some(a) if a.until >= today => accepted.push(
                json!({ "vulnerability": shown, "accepted_by": a.accepted_by, "until": a.until.to_string() }),
            ),
            Some(a) => failing
                .push(json!({ "vulnerability": shown, "acceptance_expired": a.until.to_string() })),
            None => failing.push(json!({ "vulnerability": shown })),
        }
    }
    let unmatched: Vec<String> = components
        .iter()
        .filter(|c| c.version.is_none() || c.package.is_none())
        .map(|c| match (&c.version, &c.package) {
            (None, _) => format!("{} (no version)", c.name),
            _ => format!("{} (no package URL evident can match)", c.name),
        })
        .collect();

    let unmatched_note = match unmatched.len() {
        0 => String::new(),
        n => format!("; {n} components cannot be matched"),
    };
    let passed = format!(
        "{} components, {} known vulnerabilities{}; none at {}{}{unmatched_note}",
        components.len(),
        found.len(),
        report::tally(&by_severity),
        check.fail_on.join("/"),
        report::beyond_accepted(accepted.len())
    );
    let problems: Vec<String> = match failing.first() {
        None => vec![],
        Some(first) => {
            let v = &first["vulnerability"];
            vec![format!(
                "{} vulnerabilities at {} (first: {} in {} {})",
                failing.len(),
                check.fail_on.join("/"),
                v["id"].as_str().unwrap_or("?"),
                v["component"].as_str().unwrap_or("?"),
                v["version"].as_str().unwrap_or("")
            )]
        }
    };
    let detail = json!({
        "path": check.path,
        "spec_version": spec,
        "components": components.len(),
        "advisories_read": advisories.len(),
        "vulnerabilities": found.len(),
        "by_severity": by_severity,
        "failing": failing.len(),
        "failing_named": failing.iter().take(NAMED).collect::<Vec<_>>(),
        "accepted": accepted,
        "below_fail_on": listed.iter().take(NAMED).collect::<Vec<_>>(),
        "dismissed_by_analysis": dismissed,
        "unmatched_components": unmatched.len(),
        "unmatched_named": unmatched.iter().take(NAMED).collect::<Vec<_>>(),
    });
    CheckResult::judged(&problems, passed, detail)
}

/// Every component, nested ones included, indexed by `bom-ref`.
fn collect(list: &Value, into: &mut Vec<Component>, by_ref: &mut HashMap<String, usize>) {
    for c in list.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let name = match c["group"].as_str() {
            Some(g) if !g.is_empty() => format!("{g}/{}", c["name"].as_str().unwrap_or("?")),
            _ => c["name"].as_str().unwrap_or("?").to_string(),
        };
        let version = c["version"]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(String::from);
        let mut package = c["purl"].as_str().and_then(osv::package_of);
        if let Some(p) = &mut package
            && p.version.is_none()
        {
            p.version = version.clone();
        }
        if let Some(r) = c["bom-ref"].as_str() {
            by_ref.insert(r.to_string(), into.len());
        }
        into.push(Component {
            name,
            version,
            package,
        });
        collect(&c["components"], into, by_ref);
    }
}

/// The OSV records (`.json`) of a folder of the trust repo, in name order.
fn read_advisories(folder: &str, cx: &Context) -> Result<Vec<Advisory>, CheckResult> {
    let dir = cx.repo.join(folder);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| CheckResult::error(format!("{folder}: {e}")))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    if names.len() > MAX_ADVISORIES {
        return Err(CheckResult::error(format!(
            "{folder}: {} advisory records, more than the {MAX_ADVISORIES} evident reads",
            names.len()
        )));
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let rel = format!("{}/{name}", folder.trim_end_matches('/'));
        let bytes = evident_fsio::read_inside(&cx.repo, &rel, MAX_ADVISORY)
            .map_err(|e| CheckResult::error(format!("{rel}: {e}")))?;
        let doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
            CheckResult::error(format!(
                "{rel}:{}:{}: not an OSV record: {e}",
                e.line(),
                e.column()
            ))
        })?;
        let advisory = Advisory::from_json(&doc, &rel)
            .ok_or_else(|| CheckResult::error(format!("{rel}: an OSV record has an `id`")))?;
        out.push(advisory);
    }
    Ok(out)
}
