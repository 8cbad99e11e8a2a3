//! What each kind of automated check asks, as typed settings. The trust repo
//! declares them in a control's `check:` map; they are read here (pure), so a
//! mistyped setting is a lint error with its line, long before a check runs.
//! Running them is `evident-checks`' job.

use crate::model::CheckKind;
use crate::time::Interval;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The settings of one check, by kind.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CheckSettings {
    File(FileCheck),
    Command(CommandCheck),
    Http(HttpCheck),
    Tls(TlsCheck),
    Git(GitCheck),
    Junit(JunitCheck),
    Sarif(SarifCheck),
    Rego(RegoCheck),
    Cyclonedx(CyclonedxCheck),
    Population(PopulationCheck),
}

/// `population`: SQL over exports of the company's systems (CSV, JSON lines,
/// Parquet) and repositories' commits, run with DataFusion. Every event of the
/// population is tested: each row the query returns is an exception.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationCheck {
    /// Table name → a file of the trust repo, or `git:REPO` for its commits.
    pub tables: BTreeMap<String, String>,
    /// The table (or a query) whose rows are the population; default: the only table.
    #[serde(default)]
    pub population: Option<String>,
    /// The query whose rows are the exceptions.
    pub query: String,
    /// The column naming each event and each exception.
    pub key: String,
    /// The population's column dating each event (for period testing).
    #[serde(default)]
    pub date: Option<String>,
    /// The exports may be no older than this (default: the item's `fresh_for`).
    pub max_age: Option<Interval>,
}

impl PopulationCheck {
    /// The population as written, or the only table's name.
    pub fn population(&self) -> Option<&str> {
        match (&self.population, self.tables.keys().next()) {
            (Some(p), _) => Some(p),
            (None, Some(only)) if self.tables.len() == 1 => Some(only),
            _ => None,
        }
    }
}

/// `junit`: a JUnit XML report a CI job wrote (pytest, cargo-nextest, Maven
/// Surefire). Passes when no test failed or errored and enough ran.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JunitCheck {
    /// The report, relative to the trust repo (or absolute).
    pub path: String,
    /// At least this many tests must have run (skipped ones do not count).
    #[serde(default = "one")]
    pub min_tests: u64,
    /// The report may be no older than this (default: the item's `fresh_for`).
    pub max_age: Option<Interval>,
}

/// `sarif`: a SARIF 2.1.0 report of a static analyser (Semgrep, CodeQL,
/// Bandit, clippy through clippy-sarif).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SarifCheck {
    pub path: String,
    /// What fails the check: SARIF levels (`error`, `warning`, `note`) and/or
    /// severities (`critical`, `high`, `medium`, `low`, from a result's
    /// `security-severity`). Default: `error`. One name or a list.
    #[serde(default, deserialize_with = "one_or_many")]
    pub fail_on: Vec<String>,
    /// Findings accepted for now, by fingerprint.
    #[serde(default)]
    pub baseline: Vec<Accepted>,
    /// The report may be no older than this (default: the item's `fresh_for`).
    pub max_age: Option<Interval>,
}

/// `rego`: an OPA policy of the trust repo over an input file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegoCheck {
    /// The `.rego` file, relative to the trust repo.
    pub policy: String,
    /// What it judges: `.json`, `.yaml`, `.toml` or `.csv` (an array of objects).
    pub input: String,
    /// The rule to evaluate, `data.PACKAGE.RULE`: a `deny` set or an `allow` boolean.
    pub query: String,
    /// The input may be no older than this (default: the item's `fresh_for`).
    pub max_age: Option<Interval>,
}

/// `cyclonedx`: a CycloneDX 1.4–1.6 JSON SBOM (cyclonedx-py, Syft, Trivy,
/// cargo-cyclonedx) with the vulnerabilities it carries and those OSV advisory
/// records of the trust repo say affect its components.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CyclonedxCheck {
    pub path: String,
    /// A folder of the trust repo holding OSV records (`.json`), matched to
    /// components by package URL and version.
    #[serde(default)]
    pub advisories: Option<String>,
    /// Severities that fail the check (`critical`, `high`, `medium`, `low`,
    /// `unknown`). Default: critical and high. One name or a list.
    #[serde(default = "critical_high", deserialize_with = "one_or_many")]
    pub fail_on: Vec<String>,
    /// Vulnerabilities accepted for now, by id (or any alias).
    #[serde(default)]
    pub accepted: Vec<AcceptedVulnerability>,
    /// The SBOM may be no older than this (default: the item's `fresh_for`).
    pub max_age: Option<Interval>,
}

/// A known vulnerability accepted as a risk: who accepted it and until when.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedVulnerability {
    /// The advisory's id or one of its aliases (`GHSA-…`, `CVE-…`, `PYSEC-…`).
    pub id: String,
    pub accepted_by: String,
    /// The last day the acceptance holds.
    pub until: crate::time::Date,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Vulnerability severities `fail_on` may name.
pub const VULNERABILITY_SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "unknown"];

fn critical_high() -> Vec<String> {
    vec!["critical".into(), "high".into()]
}

/// A finding accepted as a known risk: who accepted it and until when.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The result's fingerprint as `evident check` reports it.
    pub fingerprint: String,
    pub accepted_by: String,
    /// The last day the acceptance holds.
    pub until: crate::time::Date,
    #[serde(default)]
    pub reason: Option<String>,
}

fn one() -> u64 {
    1
}

/// `fail_on: error` and `fail_on: [error, high]` alike.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// SARIF levels and severities `fail_on` may name.
pub const SARIF_LEVELS: [&str; 7] = [
    "error", "warning", "note", "critical", "high", "medium", "low",
];

/// `file`: a path in (or outside) the trust repo; a directory means its files.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCheck {
    pub path: String,
    /// Must exist (default) or must not.
    #[serde(default = "yes")]
    pub exists: bool,
    /// The permission bits may be at most these, octal: `"0600"`.
    pub max_mode: Option<String>,
    /// The owning user, by name or numeric id.
    pub owner: Option<String>,
    /// Every file must have content.
    #[serde(default)]
    pub non_empty: bool,
    /// A regular expression some file's content must match.
    pub content_must_match: Option<String>,
    /// A regular expression no file's content may match.
    pub content_must_not_match: Option<String>,
    /// The newest file must be younger than this (backup freshness).
    pub newest_within: Option<Interval>,
    /// At least this many files.
    pub min_files: Option<u64>,
}

/// `command`: a program and its arguments, run without a shell unless asked.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandCheck {
    pub run: Vec<String>,
    /// Run `run` joined by spaces through `sh -c`.
    #[serde(default)]
    pub shell: bool,
    #[serde(default)]
    pub expect_exit: i32,
    pub stdout_must_match: Option<String>,
    pub stdout_must_not_match: Option<String>,
    pub timeout: Option<Interval>,
}

/// `http`: a GET (or HEAD) and what the answer must hold.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    pub url: String,
    #[serde(default)]
    pub method: HttpMethod,
    pub expect_status: Option<u16>,
    /// Headers that must be present; a non-empty value must appear in the header's value.
    #[serde(default)]
    pub expect_header: BTreeMap<String, String>,
    /// HSTS with max-age at least this many seconds.
    pub hsts_min_age: Option<u64>,
    #[serde(default)]
    pub hsts_include_subdomains: bool,
    #[serde(default)]
    pub hsts_preload: bool,
    /// JSON pointer (RFC 6901) into the body, and the value it must hold.
    pub json_pointer: Option<String>,
    pub json_equals: Option<serde_json::Value>,
    /// Accept a certificate no public root vouches for (a lab, a loopback test).
    #[serde(default)]
    pub insecure: bool,
    pub timeout: Option<Interval>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Head,
}

/// `tls`: what a server offers and the certificate it shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsCheck {
    pub host: String,
    #[serde(default = "https_port")]
    pub port: u16,
    /// The oldest protocol the server may accept: `"1.2"` (default) or `"1.3"`.
    #[serde(default = "tls12")]
    pub min_version: String,
    /// The certificate must stay valid at least this many more days.
    pub min_days_valid: Option<i64>,
    /// The name the certificate must carry (default: `host`).
    pub server_name: Option<String>,
    /// Trust this CA file (PEM) besides the public roots.
    pub ca_file: Option<String>,
    pub timeout: Option<Interval>,
}

/// `git`: a local repository's history and files.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitCheck {
    pub repo: String,
    pub branch: Option<String>,
    /// Files that must exist at the branch's tip.
    #[serde(default)]
    pub require_files: Vec<String>,
    /// Least share (0..=1) of merges carrying review evidence.
    pub reviewed_merges_at_least: Option<f64>,
    /// The trailer that counts as review evidence besides a pull-request merge.
    #[serde(default = "reviewed_by")]
    pub review_trailer: String,
    /// Least share (0..=1) of commits that are signed.
    pub signed_commits_at_least: Option<f64>,
    /// Least number of commits within the window.
    pub min_commits: Option<u64>,
    /// The window commits are counted in (default: the audit window, else 90d).
    pub within: Option<Interval>,
}

fn yes() -> bool {
    true
}
fn https_port() -> u16 {
    443
}
fn tls12() -> String {
    "1.2".into()
}
fn reviewed_by() -> String {
    "Reviewed-by".into()
}

/// A setting that is wrong, and which.
#[derive(Debug, PartialEq, Eq)]
pub struct SettingsError {
    /// The setting's name, or empty when the problem is the whole map.
    pub field: String,
    pub message: String,
}

impl CheckSettings {
    /// The settings as they run for an item fresh for `fresh_for`: an
    /// importer's report older than the item's freshness is refused.
    pub fn for_item(&self, fresh_for: Interval) -> std::borrow::Cow<'_, CheckSettings> {
        let mut owned = self.clone();
        let max_age = match &mut owned {
            CheckSettings::Junit(j) => &mut j.max_age,
            CheckSettings::Sarif(s) => &mut s.max_age,
            CheckSettings::Rego(r) => &mut r.max_age,
            CheckSettings::Cyclonedx(c) => &mut c.max_age,
            CheckSettings::Population(p) => &mut p.max_age,
            _ => return std::borrow::Cow::Borrowed(self),
        };
        if max_age.is_some() {
            return std::borrow::Cow::Borrowed(self);
        }
        *max_age = Some(fresh_for);
        std::borrow::Cow::Owned(owned)
    }

    /// Reads a `check:` map (without its `kind`) as the settings of `kind`.
    pub fn parse(
        kind: CheckKind,
        settings: &BTreeMap<String, serde_json::Value>,
    ) -> Result<CheckSettings, SettingsError> {
        let value = serde_json::Value::Object(settings.clone().into_iter().collect());
        let typed = match kind {
            CheckKind::File => CheckSettings::File(from(value)?),
            CheckKind::Command => CheckSettings::Command(from(value)?),
            CheckKind::Http => CheckSettings::Http(from(value)?),
            CheckKind::Tls => CheckSettings::Tls(from(value)?),
            CheckKind::Git => CheckSettings::Git(from(value)?),
            CheckKind::Junit => CheckSettings::Junit(from(value)?),
            CheckKind::Sarif => CheckSettings::Sarif(from(value)?),
            CheckKind::Rego => CheckSettings::Rego(from(value)?),
            CheckKind::Cyclonedx => CheckSettings::Cyclonedx(from(value)?),
            CheckKind::Population => CheckSettings::Population(from(value)?),
        };
        typed.validate()?;
        Ok(typed)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let bad = |field: &str, message: String| {
            Err(SettingsError {
                field: field.into(),
                message,
            })
        };
        let regexes: Vec<(&str, &Option<String>)> = match self {
            CheckSettings::File(f) => {
                if let Some(m) = &f.max_mode
                    && parse_mode(m).is_none()
                {
                    return bad(
                        "max_mode",
                        format!("`{m}` is not an octal mode such as \"0600\""),
                    );
                }
                vec![
                    ("content_must_match", &f.content_must_match),
                    ("content_must_not_match", &f.content_must_not_match),
                ]
            }
            CheckSettings::Command(c) => {
                if c.run.is_empty() || c.run[0].trim().is_empty() {
                    return bad(
                        "run",
                        "name the program to run: run: [\"program\", \"arg\"]".into(),
                    );
                }
                vec![
                    ("stdout_must_match", &c.stdout_must_match),
                    ("stdout_must_not_match", &c.stdout_must_not_match),
                ]
            }
            CheckSettings::Http(h) => {
                if !(h.url.starts_with("http://") || h.url.starts_with("https://")) {
                    return bad(
                        "url",
                        format!("`{}` is not an http:// or https:// URL", h.url),
                    );
                }
                if h.json_equals.is_some() != h.json_pointer.is_some() {
                    return bad(
                        "json_pointer",
                        "json_pointer and json_equals go together".into(),
                    );
                }
                if let Some(p) = &h.json_pointer
                    && !(p.is_empty() || p.starts_with('/'))
                {
                    return bad(
                        "json_pointer",
                        format!("`{p}` is not a JSON pointer; they start with `/`"),
                    );
                }
                vec![]
            }
            CheckSettings::Tls(t) => {
                if !matches!(t.min_version.as_str(), "1.0" | "1.1" | "1.2" | "1.3") {
                    return bad(
                        "min_version",
                        format!("`{}` is not 1.0, 1.1, 1.2 or 1.3", t.min_version),
                    );
                }
                vec![]
            }
            CheckSettings::Git(g) => {
                for (field, share) in [
                    ("reviewed_merges_at_least", g.reviewed_merges_at_least),
                    ("signed_commits_at_least", g.signed_commits_at_least),
                ] {
                    if share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
                        return bad(field, "a share between 0 and 1, e.g. 0.95".into());
                    }
                }
                vec![]
            }
            CheckSettings::Junit(j) => {
                if j.path.trim().is_empty() {
                    return bad("path", "name the JUnit XML report a CI job writes".into());
                }
                vec![]
            }
            CheckSettings::Sarif(c) => {
                if c.path.trim().is_empty() {
                    return bad("path", "name the SARIF report a CI job writes".into());
                }
                if let Some(other) = c
                    .fail_on
                    .iter()
                    .find(|l| !SARIF_LEVELS.contains(&l.as_str()))
                {
                    return bad(
                        "fail_on",
                        format!("`{other}` is not one of {}", SARIF_LEVELS.join(", ")),
                    );
                }
                if let Some(a) = c.baseline.iter().find(|a| a.accepted_by.trim().is_empty()) {
                    return bad(
                        "baseline",
                        format!("`{}` names no one in accepted_by", a.fingerprint),
                    );
                }
                vec![]
            }
            CheckSettings::Rego(r) => {
                if !r.policy.ends_with(".rego") {
                    return bad("policy", format!("`{}` is not a .rego file", r.policy));
                }
                let ext = r.input.rsplit_once('.').map_or("", |(_, e)| e);
                if !["json", "yaml", "yml", "toml", "csv"].contains(&ext) {
                    return bad(
                        "input",
                        format!("`{}` is not .json, .yaml, .toml or .csv", r.input),
                    );
                }
                if !r.query.starts_with("data.") {
                    return bad(
                        "query",
                        format!("`{}` is not a rule path such as data.idp.deny", r.query),
                    );
                }
                vec![]
            }
            CheckSettings::Cyclonedx(c) => {
                if c.path.trim().is_empty() {
                    return bad("path", "name the CycloneDX SBOM a CI job writes".into());
                }
                if let Some(other) = c
                    .fail_on
                    .iter()
                    .find(|l| !VULNERABILITY_SEVERITIES.contains(&l.as_str()))
                {
                    return bad(
                        "fail_on",
                        format!(
                            "`{other}` is not one of {}",
                            VULNERABILITY_SEVERITIES.join(", ")
                        ),
                    );
                }
                if let Some(a) = c.accepted.iter().find(|a| a.accepted_by.trim().is_empty()) {
                    return bad(
                        "accepted",
                        format!("`{}` names no one in accepted_by", a.id),
                    );
                }
                vec![]
            }
            CheckSettings::Population(p) => {
                if p.tables.is_empty() {
                    return bad(
                        "tables",
                        "name at least one table: tables: { leavers: exports/leavers.csv }".into(),
                    );
                }
                for (name, source) in &p.tables {
                    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
                    if name.is_empty()
                        || name.starts_with(|c: char| c.is_ascii_digit())
                        || !name.chars().all(word)
                    {
                        return bad(
                            "tables",
                            format!("`{name}` is not a table name (letters, digits, _)"),
                        );
                    }
                    let ext = source.rsplit_once('.').map_or("", |(_, e)| e);
                    if !source.starts_with("git:")
                        && !["csv", "json", "jsonl", "ndjson", "parquet"].contains(&ext)
                    {
                        return bad(
                            "tables",
                            format!(
                                "`{source}` is not .csv, .json/.jsonl/.ndjson (JSON lines), .parquet or git:REPO"
                            ),
                        );
                    }
                }
                if p.population().is_none() {
                    return bad(
                        "population",
                        "name the table (or a query) whose rows are the population".into(),
                    );
                }
                if p.query.trim().is_empty() {
                    return bad(
                        "query",
                        "give the query whose rows are the exceptions".into(),
                    );
                }
                if p.key.trim().is_empty() {
                    return bad("key", "name the column that names each event".into());
                }
                vec![]
            }
        };
        for (field, re) in regexes {
            if let Some(re) = re
                && let Err(e) = regex::Regex::new(re)
            {
                return bad(field, format!("not a regular expression: {e}"));
            }
        }
        Ok(())
    }
}

/// `"0600"` / `"600"` / `"0o600"` as permission bits.
pub fn parse_mode(text: &str) -> Option<u32> {
    let digits = text.trim_start_matches("0o");
    (!digits.is_empty() && digits.len() <= 4)
        .then(|| u32::from_str_radix(digits, 8).ok())
        .flatten()
        .filter(|m| *m <= 0o7777)
}

fn from<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, SettingsError> {
    serde_json::from_value(value).map_err(|e| {
        let message = e.to_string();
        // serde names the field in "unknown field `x`" and "missing field `x`".
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("")
            .to_string();
        // "unknown field `x`, expected one of `a`, `b`": offer the closest.
        let known: Vec<&str> = message
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let message = match crate::suggest::closest(&field, known) {
            Some(near) if message.starts_with("unknown field") => {
                format!("unknown setting `{field}`; did you mean `{near}`?")
            }
            _ => message,
        };
        SettingsError { field, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn reads_each_kind_and_names_bad_settings() {
        let ok = CheckSettings::parse(
            CheckKind::File,
            &map(json!({"path": "k", "max_mode": "0600", "newest_within": "26h"})),
        )
        .unwrap();
        let CheckSettings::File(f) = ok else { panic!() };
        assert!(f.exists);
        assert_eq!(parse_mode(f.max_mode.as_deref().unwrap()), Some(0o600));

        let err = CheckSettings::parse(
            CheckKind::File,
            &map(json!({"path": "k", "max_mod": "0600"})),
        )
        .unwrap_err();
        assert_eq!(err.field, "max_mod");
        let err = CheckSettings::parse(
            CheckKind::File,
            &map(json!({"path": "k", "max_mode": "rw"})),
        )
        .unwrap_err();
        assert_eq!(err.field, "max_mode");
        let err = CheckSettings::parse(
            CheckKind::Command,
            &map(json!({"run": ["x"], "stdout_must_match": "("})),
        )
        .unwrap_err();
        assert_eq!(err.field, "stdout_must_match");
        let err =
            CheckSettings::parse(CheckKind::Http, &map(json!({"url": "ftp://x"}))).unwrap_err();
        assert_eq!(err.field, "url");
        let err = CheckSettings::parse(CheckKind::Tls, &map(json!({}))).unwrap_err();
        assert_eq!(err.field, "host");
        let err = CheckSettings::parse(
            CheckKind::Git,
            &map(json!({"repo": ".", "signed_commits_at_least": 95})),
        )
        .unwrap_err();
        assert_eq!(err.field, "signed_commits_at_least");
        let CheckSettings::Cyclonedx(sbom) =
            CheckSettings::parse(CheckKind::Cyclonedx, &map(json!({"path": "x"}))).unwrap()
        else {
            panic!("not cyclonedx")
        };
        assert_eq!(sbom.fail_on, ["critical", "high"]);
        let err = CheckSettings::parse(
            CheckKind::Cyclonedx,
            &map(json!({"path": "x", "fail_on": "severe"})),
        )
        .unwrap_err();
        assert_eq!(err.field, "fail_on");
        // One level or a list; only known ones; a baseline names who accepted.
        let sarif = |v| CheckSettings::parse(CheckKind::Sarif, &map(v));
        let CheckSettings::Sarif(one) = sarif(json!({"path": "x", "fail_on": "error"})).unwrap()
        else {
            panic!("not sarif")
        };
        assert_eq!(one.fail_on, ["error"]);
        let err = sarif(json!({"path": "x", "fail_on": ["error", "severe"]})).unwrap_err();
        assert_eq!(err.field, "fail_on");
        let err = sarif(json!({"path": "x", "baseline": [
            {"fingerprint": "f", "accepted_by": " ", "until": "2027-01-01"}
        ]}))
        .unwrap_err();
        assert_eq!(err.field, "baseline");
        let err = CheckSettings::parse(CheckKind::Junit, &map(json!({"path": "x", "min": 3})))
            .unwrap_err();
        assert_eq!(err.field, "min");
        let rego = |v| {
            CheckSettings::parse(CheckKind::Rego, &map(v))
                .unwrap_err()
                .field
        };
        let ok = json!({"policy": "p.rego", "input": "i.csv", "query": "data.x.deny"});
        assert!(CheckSettings::parse(CheckKind::Rego, &map(ok)).is_ok());
        assert_eq!(
            rego(json!({"policy": "p.txt", "input": "i.csv", "query": "data.x.deny"})),
            "policy"
        );
        assert_eq!(
            rego(json!({"policy": "p.rego", "input": "i.xml", "query": "data.x.deny"})),
            "input"
        );
        assert_eq!(
            rego(json!({"policy": "p.rego", "input": "i.csv", "query": "x.deny"})),
            "query"
        );
    }
}
