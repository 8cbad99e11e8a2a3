//! `controls/*.md`: one control per file, front matter plus Statement and Implementation.

use super::{Cx, Unique, check_id, yaml_options};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::document::{self, Section};
use crate::parse_error;
use crate::schema::{ControlDoc, EvidenceDoc, GapDoc};
use crate::source::{SourceFile, to_u32};
use evident_core::model::checks::CheckSettings;
use evident_core::model::{
    CheckSpec, Control, ControlState, EvidenceItem, EvidenceSource, Gap, Origin, RegisterName,
    Review, Visibility,
};
use std::path::Path;

pub const DIR: &str = "controls";
pub const REQUIRED_SECTIONS: [&str; 2] = ["Statement", "Implementation"];

pub(super) fn load(cx: &mut Cx<'_>) -> Vec<Control> {
    let files = cx.files_in(DIR, "md");
    let (root, catalog) = (cx.root, cx.catalog);
    let parsed = files.iter().map(|rel| {
        // Each file keeps its own findings, taken in file order.
        let mut own = Cx {
            root,
            catalog,
            diags: Diagnostics::default(),
        };
        let control = match SourceFile::read(root, rel) {
            Ok(src) => parse(&mut own, &src),
            Err(d) => {
                own.diags.push(d);
                None
            }
        };
        (control, own.diags)
    });
    let mut ids = Unique::default();
    let mut controls = Vec::new();
    for (control, diags) in parsed {
        cx.diags.0.extend(diags.0);
        let Some(control) = control else {
            continue;
        };
        let origin = control.origin.clone();
        if ids.insert(&mut cx.diags, "control", "id", &control.id, origin, 5) {
            controls.push(control);
        }
    }
    if controls.is_empty() && !cx.diags.has_errors() {
        cx.diags.push(
            Diagnostic::warning(DIR, 1, 1, "", "no controls yet")
                .hint("`evident init` scaffolds a starter set"),
        );
    }
    controls
}

/// Line (in the file) of a value located by serde-saphyr.
fn line_of<T>(s: &serde_saphyr::Spanned<T>, offset: u32) -> (u32, u32) {
    (
        to_u32(s.referenced.line() as usize) + offset,
        to_u32(s.referenced.column() as usize).max(1),
    )
}

fn parse(cx: &mut Cx<'_>, src: &SourceFile) -> Option<Control> {
    let rel = src.rel.as_str();
    let split = document::split(src).map_err(|d| cx.diags.push(d)).ok()?;
    let off = split.yaml_line_offset;
    let doc: ControlDoc =
        match serde_saphyr::from_str_with_options(split.front_matter, yaml_options()) {
            Ok(doc) => doc,
            Err(e) => {
                cx.diags.push(parse_error::yaml(src, off, &e));
                return None;
            }
        };
    let (id_line, id_col) = line_of(&doc.id, off);
    check_id(&mut cx.diags, rel, id_line, id_col, "id", &doc.id.value);

    let criteria = cx.check_criteria(
        rel,
        doc.criteria.iter().map(|c| {
            let (l, col) = line_of(c, off);
            (c.value.as_str(), l, col)
        }),
    );
    if doc.criteria.is_empty() && doc.not_applicable.is_none() {
        cx.diags.push(
            Diagnostic::error(
                rel,
                id_line,
                1,
                "criteria",
                "a control must map to at least one criterion",
            )
            .hint("add e.g. `criteria: [CC6.1]`; `evident catalog` lists them"),
        );
    }
    if let (Some(na), Some(claimed)) = (&doc.not_applicable, &doc.claimed)
        && claimed.value != ControlState::NotApplicable
    {
        let (l, c) = line_of(claimed, off);
        cx.diags.push(
            Diagnostic::error(
                rel,
                l,
                c,
                "claimed",
                format!(
                    "claims `{}` but is declared not applicable",
                    claimed.value.as_str()
                ),
            )
            .hint(format!(
                "drop `claimed`, or drop `not_applicable: {}`",
                na.value
            )),
        );
    }
    if let Some(na) = &doc.not_applicable
        && na.value.trim().is_empty()
    {
        let (l, c) = line_of(na, off);
        cx.diags.push(Diagnostic::error(
            rel,
            l,
            c,
            "not_applicable",
            "give the reason the control does not apply",
        ));
    }

    let evidence = evidence_items(cx, src, off, &doc);
    let gaps = gaps(cx, src, off, &doc.gaps, doc.visibility);

    let sections = document::sections(src, &split);
    let section = |name: &str| sections.iter().find(|s| s.title.eq_ignore_ascii_case(name));
    for name in REQUIRED_SECTIONS {
        check_section(cx, rel, &sections, name, section(name));
    }
    Some(Control {
        id: doc.id.value,
        title: doc.title,
        criteria,
        owner: doc.owner,
        frequency: doc.frequency,
        nature: doc.nature,
        visibility: doc.visibility,
        claimed: doc.claimed.map(|c| c.value),
        not_applicable: doc.not_applicable.map(|n| n.value),
        review: doc.review.map(|r| Review {
            every: r.every,
            last: r.last,
        }),
        evidence,
        gaps,
        sections: sections
            .iter()
            .map(|s| evident_core::model::Section {
                title: s.title.clone(),
                markdown: s.markdown.clone(),
            })
            .collect(),
        test_procedure: doc
            .test_procedure
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
        origin: Origin {
            file: rel.to_string(),
            line: id_line,
        },
    })
}

fn check_section(cx: &mut Cx<'_>, rel: &str, all: &[Section], name: &str, found: Option<&Section>) {
    match found {
        None => {
            let line = all.last().map_or(1, |s| s.line);
            cx.diags.push(
                Diagnostic::error(rel, line, 1, &format!("## {name}"), format!("missing the `## {name}` section"))
                    .hint("a control page has `## Statement` (what is promised) and `## Implementation` (how)"),
            );
        }
        Some(s) if s.markdown.is_empty() => cx.diags.push(
            Diagnostic::warning(rel, s.line, 1, &format!("## {name}"), "section is empty")
                .hint("a prospect and an auditor read this text: say what the control does"),
        ),
        Some(_) => {}
    }
}

fn evidence_items(
    cx: &mut Cx<'_>,
    src: &SourceFile,
    off: u32,
    doc: &ControlDoc,
) -> Vec<EvidenceItem> {
    let rel = src.rel.as_str();
    let mut ids = Unique::default();
    let mut items = Vec::new();
    for (i, ev) in doc.evidence.iter().enumerate() {
        let field = format!("evidence[{i}]");
        let (l, c) = line_of(&ev.id, off);
        let origin = Origin {
            file: rel.to_string(),
            line: l,
        };
        if !ids.claim(
            &mut cx.diags,
            "evidence item",
            &format!("{field}.id"),
            &ev.id.value,
            origin,
            c,
        ) {
            continue;
        }
        let Some(source) = evidence_source(cx, rel, off, &field, ev) else {
            continue;
        };
        let manual_allowed = match &ev.manual {
            None => false,
            Some(m) if m.value == "allowed" && matches!(source, EvidenceSource::Check(_)) => true,
            Some(m) => {
                let (l, c) = line_of(m, off);
                let why = if m.value == "allowed" {
                    "only an item with a check needs `manual: allowed`: any other item takes hand uploads already".to_string()
                } else {
                    format!(
                        "`{}` is not a setting of manual; the only one is `allowed`",
                        m.value
                    )
                };
                cx.diags.push(
                    Diagnostic::error(rel, l, c, &format!("{field}.manual"), why)
                        .hint("write `manual: allowed` under an item with a check to let people add evidence to it by hand, or remove the line"),
                );
                continue;
            }
        };
        items.push(EvidenceItem {
            manual_allowed,
            setup: ev.setup.clone().filter(|s| !s.trim().is_empty()),
            id: ev.id.value.clone(),
            describe: ev.describe.clone(),
            fresh_for: ev.fresh_for,
            required: ev.required,
            visibility: ev.visibility.unwrap_or(doc.visibility),
            source,
        });
    }
    items
}

fn evidence_source(
    cx: &mut Cx<'_>,
    rel: &str,
    off: u32,
    field: &str,
    ev: &EvidenceDoc,
) -> Option<EvidenceSource> {
    if let Some(register) = &ev.register {
        let (l, c) = line_of(register, off);
        if ev.check.is_some() || ev.file.is_some() {
            cx.diags.push(
                Diagnostic::error(
                    rel,
                    l,
                    c,
                    &format!("{field}.register"),
                    "an evidence item has a register, a check or a file, not several",
                )
                .hint("split it into one evidence item per source"),
            );
            return None;
        }
        return register_source(cx, rel, (l, c), field, register, &ev.filter);
    }
    if !ev.filter.is_empty() {
        let (l, c) = line_of(&ev.id, off);
        cx.diags.push(
            Diagnostic::error(rel, l, c, &format!("{field}.filter"), "`filter` chooses entries of a register, and this item names none")
                .hint("add `register: access-reviews` (or vendors, risks, incidents, policies), or remove `filter`"),
        );
        return None;
    }
    match (&ev.check, &ev.file) {
        (Some(check), Some(_)) => {
            let (l, c) = line_of(check, off);
            cx.diags.push(
                Diagnostic::error(
                    rel,
                    l,
                    c,
                    &format!("{field}.check"),
                    "an evidence item has a check or a file, not both",
                )
                .hint("split it into two evidence items"),
            );
            None
        }
        (Some(check), None) => {
            match CheckSettings::parse(check.value.kind, &check.value.settings) {
                Ok(settings) => {
                    // What can be known before the check runs: the files of
                    // the trust repo it names.
                    let problem = match &settings {
                        CheckSettings::Rego(r) => {
                            policy_problem(cx, &r.policy).map(|why| ("policy", why))
                        }
                        CheckSettings::Cyclonedx(c) => c
                            .advisories
                            .as_deref()
                            .and_then(|a| folder_problem(cx, a))
                            .map(|why| ("advisories", why)),
                        CheckSettings::Population(p) => query_problem(&p.query)
                            .map(|why| ("query", why))
                            .or_else(|| {
                                let population = p.population()?;
                                if p.tables.contains_key(population) {
                                    return None;
                                }
                                if !population.contains(char::is_whitespace) {
                                    let names: Vec<&str> =
                                        p.tables.keys().map(String::as_str).collect();
                                    return Some((
                                        "population",
                                        format!(
                                            "`{population}` is not one of the tables ({}) nor a query",
                                            names.join(", ")
                                        ),
                                    ));
                                }
                                query_problem(population).map(|why| ("population", why))
                            }),
                        _ => None,
                    };
                    if let Some((setting, why)) = problem {
                        let (l, c) = line_of(check, off);
                        cx.diags.push(
                            Diagnostic::error(rel, l, c, &format!("{field}.check.{setting}"), why)
                                .hint(format!(
                                    "docs/checks.md describes {} checks",
                                    check.value.kind.as_str()
                                )),
                        );
                    }
                    Some(EvidenceSource::Check(CheckSpec {
                        kind: check.value.kind,
                        settings,
                    }))
                }
                Err(e) => {
                    let (l, c) = line_of(check, off);
                    let name = if e.field.is_empty() {
                        format!("{field}.check")
                    } else {
                        format!("{field}.check.{}", e.field)
                    };
                    cx.diags.push(
                        Diagnostic::error(rel, l, c, &name, e.message)
                            .hint("docs/checks.md lists every setting of each kind of check"),
                    );
                    None
                }
            }
        }
        (None, Some(file)) => {
            let (l, c) = line_of(file, off);
            check_evidence_file(cx, rel, l, c, &format!("{field}.file"), &file.value).then(|| {
                EvidenceSource::File {
                    path: file.value.clone(),
                }
            })
        }
        (None, None) => Some(EvidenceSource::Manual),
    }
}

/// `register: NAME` with its `filter`, checked against the register's fields.
fn register_source(
    cx: &mut Cx<'_>,
    rel: &str,
    (l, c): (u32, u32),
    field: &str,
    register: &serde_saphyr::Spanned<String>,
    filter: &std::collections::BTreeMap<String, serde_json::Value>,
) -> Option<EvidenceSource> {
    let Some(name) = RegisterName::parse(&register.value) else {
        let names: Vec<&str> = RegisterName::ALL.iter().map(|r| r.as_str()).collect();
        cx.diags.push(
            Diagnostic::error(
                rel,
                l,
                c,
                &format!("{field}.register"),
                format!("`{}` is not a register evident knows", register.value),
            )
            .hint(format!("registers: {}", names.join(", "))),
        );
        return None;
    };
    let mut pairs = Vec::new();
    for (key, value) in filter {
        let text = match value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let problem = if !name.fields().contains(&key.as_str()) {
            format!(
                "`{key}` is not a field of the {} register; filter by {}",
                name.as_str(),
                name.fields().join(", ")
            )
        } else if let Some(text) = text {
            pairs.push((key.clone(), text));
            continue;
        } else {
            format!("`{key}` must be a single value (text, number or true/false)")
        };
        cx.diags.push(
            Diagnostic::error(rel, l, c, &format!("{field}.filter.{key}"), problem)
                .hint("e.g. `filter: { scope: users }`"),
        );
        return None;
    }
    Some(EvidenceSource::Register {
        register: name,
        filter: pairs,
    })
}

/// An evidence file must exist and stay inside the trust repo.
fn check_evidence_file(
    cx: &mut Cx<'_>,
    rel: &str,
    line: u32,
    column: u32,
    field: &str,
    path: &str,
) -> bool {
    let p = Path::new(path);
    let escapes = p.is_absolute()
        || p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
    if escapes {
        cx.diags.push(
            Diagnostic::error(rel, line, column, field, format!("`{path}` is outside the trust repo"))
                .hint("evidence files are paths relative to the trust repo, e.g. evidence/backup-report.pdf"),
        );
        return false;
    }
    if let Err(e) = evident_fsio::regular_inside(cx.root, path) {
        let message = match e {
            evident_fsio::ReadError::Missing => format!("evidence file `{path}` does not exist"),
            e => format!("evidence file `{path}` is not read: {e}"),
        };
        cx.diags.push(
            Diagnostic::error(rel, line, column, field, message).hint(
                "add the file itself to the trust repo (not a link out of it), or fix the path (relative to the repo root)",
            ),
        );
        return false;
    }
    true
}

fn gaps(
    cx: &mut Cx<'_>,
    src: &SourceFile,
    off: u32,
    docs: &[GapDoc],
    control_visibility: Visibility,
) -> Vec<Gap> {
    let rel = src.rel.as_str();
    let mut ids = Unique::default();
    let mut out = Vec::new();
    for (i, g) in docs.iter().enumerate() {
        let field = format!("gaps[{i}]");
        let (l, c) = line_of(&g.id, off);
        let origin = Origin {
            file: rel.to_string(),
            line: l,
        };
        if !ids.claim(
            &mut cx.diags,
            "gap",
            &format!("{field}.id"),
            &g.id.value,
            origin.clone(),
            c,
        ) {
            continue;
        }
        for (name, date) in [("target", &g.target), ("closed", &g.closed)] {
            if let Some(d) = date
                && d.value < g.opened.value
            {
                let (l, c) = line_of(d, off);
                cx.diags.push(
                    Diagnostic::error(
                        rel,
                        l,
                        c,
                        &format!("{field}.{name}"),
                        format!(
                            "{} is before the gap was opened ({})",
                            d.value, g.opened.value
                        ),
                    )
                    .hint("check the dates; a gap is opened before it is targeted or closed"),
                );
            }
        }
        out.push(Gap {
            id: g.id.value.clone(),
            title: g.title.clone(),
            severity: g.severity,
            opened: g.opened.value,
            owner: g.owner.clone(),
            target: g.target.as_ref().map(|t| t.value),
            accepted_by: g.accepted_by.clone(),
            closed: g.closed.as_ref().map(|t| t.value),
            visibility: g.visibility.unwrap_or(control_visibility),
            origin,
        });
    }
    out
}

/// Why a rego check's policy cannot be used, found at load time: it is not a
/// regular file inside the trust repo, or regorus cannot parse it.
/// Why `sql` is not one query (DataFusion reads the same SQL dialect), or
/// nothing: checked at load, so a typo is a lint error, not a failed run.
fn query_problem(sql: &str) -> Option<String> {
    use sqlparser::{ast::Statement, dialect::GenericDialect, parser::Parser};
    match Parser::parse_sql(&GenericDialect {}, sql) {
        Err(e) => Some(format!("the SQL does not parse: {e}")),
        Ok(statements) => match statements.as_slice() {
            [Statement::Query(_)] => None,
            [_] => Some("not a query: only SELECT (or WITH … SELECT) runs".into()),
            more => Some(format!("{} statements; give one query", more.len())),
        },
    }
}

/// A folder the trust repo must hold (a check's `advisories`).
fn folder_problem(cx: &Cx<'_>, folder: &str) -> Option<String> {
    let (Ok(root), Ok(real)) = (
        std::fs::canonicalize(cx.root),
        std::fs::canonicalize(cx.root.join(folder)),
    ) else {
        return Some(format!("folder `{folder}` does not exist"));
    };
    if !real.starts_with(&root) {
        return Some(format!("folder `{folder}` is outside the trust repo"));
    }
    (!real.is_dir()).then(|| format!("`{folder}` is not a folder"))
}

fn policy_problem(cx: &Cx<'_>, policy: &str) -> Option<String> {
    let bytes = match evident_fsio::read_inside(cx.root, policy, crate::MAX_TEXT_FILE_BYTES) {
        Ok(b) => b,
        Err(evident_fsio::ReadError::Missing) => {
            return Some(format!("policy `{policy}` does not exist"));
        }
        Err(e) => return Some(format!("policy `{policy}` is not read: {e}")),
    };
    let text = String::from_utf8(bytes).ok()?;
    regorus::Engine::new()
        .add_policy(policy.to_string(), text)
        .err()
        .map(|e| {
            // regorus writes `--> FILE:LINE:COL`, the source line with a
            // caret, and `error: WHAT`: kept here as one line.
            let e = e.to_string();
            let lines: Vec<&str> = e.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let at = lines
                .iter()
                .find_map(|l| l.strip_prefix("--> "))
                .unwrap_or(policy);
            let what = lines
                .iter()
                .find_map(|l| l.strip_prefix("error: "))
                .or(lines.last().copied())
                .unwrap_or("");
            format!("policy does not parse: {at}: {what}")
        })
}
