//! Loading a trust repo: files in, the core model and every problem found out.
//!
//! Loading never stops at the first problem: each file is read on its own, and
//! cross-file checks (duplicate ids, references) run over what could be read, so
//! one `evident lint` shows everything to fix.

mod config;
pub(crate) mod controls;
mod policies;
mod registers;
mod remediation;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::SourceFile;
use evident_core::catalog::Catalog;
use evident_core::model::{Origin, TrustProgram};
use std::collections::HashMap;
use std::path::Path;

pub const CONFIG_FILE: &str = "evident.toml";
pub const JOURNAL_FILE: &str = "HARDENING-LOG.md";
/// The company's own vulnerability disclosure terms, in Markdown (optional).
pub const DISCLOSURE_FILE: &str = "DISCLOSURE.md";

/// The outcome of reading a trust repo. `program` is `None` only when `evident.toml`
/// itself cannot be read; otherwise it holds every part that parsed.
pub struct Loaded {
    pub program: Option<TrustProgram>,
    pub diagnostics: Diagnostics,
}

/// Reads the trust repo at `root`, checked against `catalog`.
pub fn load(root: &Path, catalog: &Catalog) -> Loaded {
    let mut cx = Cx {
        root,
        catalog,
        diags: Diagnostics::default(),
    };
    let config = config::load(&mut cx);
    let errors_before = cx.diags.errors().count();
    let controls = controls::load(&mut cx);
    // References to controls are only checked against a complete set: a control that
    // failed to parse would otherwise show up again as every reference to it.
    let all_controls = (cx.diags.errors().count() == errors_before).then_some(controls.as_slice());
    let policies = policies::load(&mut cx);
    let registers = registers::load(&mut cx, all_controls);
    let journal = cx.read_optional(JOURNAL_FILE).map(|s| s.text);
    let disclosure = cx.read_optional(DISCLOSURE_FILE).map(|s| s.text);
    let remediation = remediation::load(&mut cx);
    let program = config.map(|config| TrustProgram {
        config,
        controls,
        policies,
        registers,
        journal,
        disclosure,
        remediation,
        history: crate::history::read(root, catalog),
    });
    Loaded {
        program,
        diagnostics: cx.diags,
    }
}

/// `evident.toml` alone, when it reads cleanly (where the ledger is, before the
/// rest of the repo is loaded); its problems are reported by [`load`].
pub fn load_config(root: &Path, catalog: &Catalog) -> Option<evident_core::model::Config> {
    let mut cx = Cx {
        root,
        catalog,
        diags: Diagnostics::default(),
    };
    config::load(&mut cx).filter(|_| !cx.diags.has_errors())
}

/// What every part of loading shares: where the repo is, the catalog, the findings.
pub(crate) struct Cx<'a> {
    pub root: &'a Path,
    pub catalog: &'a Catalog,
    pub diags: Diagnostics,
}

impl Cx<'_> {
    /// The files of `dir` ending in `.ext`, sorted by name; anything else there is warned about.
    pub fn files_in(&mut self, dir: &str, ext: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.root.join(dir)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{dir}/{name}");
            if name.starts_with('.') {
                continue;
            }
            // Every `.ext` entry is read, whatever it is: reading refuses a
            // link out of the repo, a FIFO or a device as an error naming it.
            if entry.path().extension().is_some_and(|e| e == ext) {
                out.push(rel);
            } else {
                self.diags.push(
                    Diagnostic::warning(
                        &rel,
                        1,
                        1,
                        "",
                        format!("ignored: {dir}/ holds only .{ext} files"),
                    )
                    .hint(format!(
                        "rename it to end in .{ext}, or move it out of {dir}/"
                    )),
                );
            }
        }
        out.sort();
        out
    }

    pub fn read(&mut self, rel: &str) -> Option<SourceFile> {
        SourceFile::read(self.root, rel)
            .map_err(|d| self.diags.push(d))
            .ok()
    }

    pub fn read_optional(&mut self, rel: &str) -> Option<SourceFile> {
        // A dangling link is reported too: it was meant to be there.
        let path = self.root.join(rel);
        if path.symlink_metadata().is_ok() {
            self.read(rel)
        } else {
            None
        }
    }

    /// Checks criterion ids against the catalog, reporting each unknown one at its line.
    pub fn check_criteria<'s>(
        &mut self,
        rel: &str,
        ids: impl IntoIterator<Item = (&'s str, u32, u32)>,
    ) -> Vec<String> {
        let mut known = Vec::new();
        for (id, line, column) in ids {
            match self.catalog.criterion(id) {
                Some(c) => {
                    if !known.contains(&c.id) {
                        known.push(c.id.clone());
                    }
                }
                None => {
                    let d = Diagnostic::error(
                        rel,
                        line,
                        column,
                        "criteria",
                        format!("unknown criterion `{id}`"),
                    );
                    self.diags.push(match self.catalog.closest_criterion(id) {
                        Some(best) => d.hint(format!(
                            "did you mean `{best}`? `evident catalog` lists them all"
                        )),
                        None => d.hint("`evident catalog` lists the criteria evident knows"),
                    });
                }
            }
        }
        known
    }
}

/// Ids are what people type on the command line and in links: keep them plain.
pub(crate) fn check_id(
    diags: &mut Diagnostics,
    rel: &str,
    line: u32,
    column: u32,
    field: &str,
    id: &str,
) -> bool {
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        diags.push(
            Diagnostic::error(
                rel,
                line,
                column,
                field,
                format!("`{id}` is not a valid id"),
            )
            .hint("use 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit"),
        );
    }
    ok
}

/// Remembers where each id was first seen so a repeat can point at both places.
#[derive(Default)]
pub(crate) struct Unique {
    seen: HashMap<String, Origin>,
}

impl Unique {
    /// Checks that `id` is well-formed, then records it like [`Unique::insert`].
    pub fn claim(
        &mut self,
        diags: &mut Diagnostics,
        what: &str,
        field: &str,
        id: &str,
        at: Origin,
        column: u32,
    ) -> bool {
        check_id(diags, &at.file, at.line, column, field, id);
        self.insert(diags, what, field, id, at, column)
    }

    /// Records `id`; on a repeat, reports it and returns false.
    pub fn insert(
        &mut self,
        diags: &mut Diagnostics,
        what: &str,
        field: &str,
        id: &str,
        at: Origin,
        column: u32,
    ) -> bool {
        let key = id.to_ascii_lowercase();
        if let Some(first) = self.seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    &at.file,
                    at.line,
                    column,
                    field,
                    format!("duplicate {what} id `{id}`"),
                )
                .hint(format!(
                    "`{id}` is already used at {first}; ids must be unique"
                )),
            );
            return false;
        }
        self.seen.insert(key, at);
        true
    }
}

/// serde-saphyr options for front matter: no snippets (we print our own location).
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { with_snippet: false }
}
