//! `evident evidence add | list`: evidence recorded by hand, and what the ledger holds.

use super::ledger_access::{store_failure, with_ledger};
use crate::cli::EvidenceCommand;
use crate::failure::{Failure, VerbResult};
use crate::output::{print_json, table, terminal};
use evident_core::catalog::Catalog;
use evident_core::model::{Control, EvidenceItem, HandUploads, TrustProgram};
use evident_core::suggest::closest;
use evident_core::time::Date;
use evident_ledger::entry::{Entry, EntryKind, Outcome, Upload};
use evident_server::client;
use evident_store::Evidence;
use serde::Serialize;
use std::path::Path;

/// Larger evidence belongs in the system that produced it, referenced by an export.
const MAX_EVIDENCE_BYTES: u64 = 256 << 20;

pub fn run(repo: &Path, command: EvidenceCommand) -> VerbResult {
    if let EvidenceCommand::Add {
        file,
        control,
        item,
        covers,
        note,
        result,
        server: Some(server),
        idempotency_key,
        json,
        ..
    } = &command
    {
        let token = std::env::var("EVIDENT_TOKEN").unwrap_or_default();
        let upload = client::Upload {
            server,
            token: token.trim(),
            control,
            item,
            covers: covers.as_deref(),
            result,
            note: note.as_deref(),
            filename: String::new(),
            content: Vec::new(),
            idempotency_key: idempotency_key.as_deref(),
        };
        return add_through_server(&repo.join(file), upload, *json);
    }
    let program = super::load_program(repo, &Catalog::tsc())?;
    match command {
        EvidenceCommand::Add {
            file,
            control,
            item,
            covers,
            note,
            result,
            by,
            json,
            ..
        } => {
            // Relative to the trust repo, as every path is under `-C` (as with git).
            let file = repo.join(file);
            let request = AddRequest {
                file: &file,
                control: &control,
                item: &item,
                covers: covers.as_deref(),
                note: note.as_deref(),
                result: &result,
                by,
            };
            add(repo, &program, request, json)
        }
        EvidenceCommand::Retract {
            entry,
            reason,
            by,
            json,
        } => retract(repo, &program, entry, &reason, by, json),
        EvidenceCommand::List { control, json } => list(repo, &program, control.as_deref(), json),
    }
}

struct AddRequest<'a> {
    file: &'a Path,
    control: &'a str,
    item: &'a str,
    covers: Option<&'a str>,
    note: Option<&'a str>,
    result: &'a str,
    by: Option<String>,
}

fn add(repo: &Path, program: &TrustProgram, req: AddRequest<'_>, json: bool) -> VerbResult {
    let item = super::find_item(find_control(program, req.control)?, "--item", req.item)?;
    takes_hand_uploads(repo, req.control, item, req.file)?;
    let now = super::now();
    let today = super::today();
    let (from, to) = match req.covers {
        None => (today, today),
        Some(text) => parse_covers(text, today)?,
    };
    let content = read_evidence(req.file, true)?;
    let name = req
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let entry = Entry::uploaded(Upload {
        control: req.control,
        item: req.item,
        collector: person(req.by),
        collected_at: now,
        covers: (from, to),
        // clap admits only the three values a person may state.
        result: Outcome::stated(req.result).unwrap_or(Outcome::Pass),
        file_name: &name,
        note: req.note,
    });
    let recorded = with_ledger(repo, program, async |ledger| {
        let range = ledger
            .record(vec![Evidence { content, entry }], super::write_limit())
            .await
            .map_err(store_failure)?;
        let stored = ledger
            .store
            .entry(range.start)
            .await
            .map_err(store_failure)?;
        stored.ok_or_else(|| Failure::unmet("the entry just recorded cannot be read back"))
    })?;
    let f = recorded.fields().map_err(store_failure)?;
    if json {
        print_json(&Listed {
            entry: recorded.seq,
            fields: &f,
            retracted_by: None,
        });
    } else {
        say!(
            "recorded entry {}: {}/{} {} (sha256 {}), covers {}..{}",
            recorded.seq,
            f.control,
            f.item,
            name,
            f.content_sha256,
            f.covers_from,
            f.covers_to
        );
    }
    Ok(())
}

/// `evidence add --server`: the server records it, under its rules, as the
/// token's; a CI step is this one command.
fn add_through_server(file: &Path, mut upload: client::Upload<'_>, json: bool) -> VerbResult {
    if upload.token.is_empty() {
        return Err(Failure::input(
            "--server: set EVIDENT_TOKEN to an API token (`evident token create --name ci --role editor` makes one)",
        ));
    }
    upload.content = read_evidence(file, true)?;
    upload.filename = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".into());
    let (server, control, item) = (upload.server, upload.control, upload.item);
    evident_checks::tls_provider();
    let created = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::unmet(format!("cannot start a runtime: {e}")))?
        .block_on(evident_server::client::upload(upload))
        .map_err(super::serve::server_failure)?;
    if json {
        print_json(
            &serde_json::json!({ "entry": created.entry, "leaf": created.leaf, "replayed": created.replayed }),
        );
    } else {
        let again = if created.replayed {
            " (recorded before, under this idempotency key)"
        } else {
            ""
        };
        say!(
            "recorded entry {} on {server}: {control}/{item} (leaf {}){again}",
            created.entry,
            created.leaf
        );
    }
    Ok(())
}

/// Who is recording: `--by`, else `$EVIDENT_USER`, else `$USER`.
fn person(by: Option<String>) -> String {
    by.or_else(|| std::env::var("EVIDENT_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether the item takes this file by hand (the rule is the core's); an item
/// kept as a file in the trust repo takes that file only.
fn takes_hand_uploads(
    repo: &Path,
    control: &str,
    item: &EvidenceItem,
    file: &Path,
) -> Result<(), Failure> {
    match item.hand_uploads(control) {
        HandUploads::Accepted => Ok(()),
        HandUploads::Refused(why) => Err(Failure::input(why)),
        HandUploads::OnlyFile(path) => {
            let same = |p: &Path| std::fs::canonicalize(p).ok();
            if same(file).is_some() && same(file) == same(&repo.join(&path)) {
                Ok(())
            } else {
                Err(Failure::input(format!(
                    "{control}/{}: this item is the file `{path}` in the trust repo, and `evident check` records it whenever its content changes; update that file instead of adding `{}`",
                    item.id,
                    file.display()
                )))
            }
        }
    }
}

/// The control and item must exist in the trust repo; a near miss is named.
fn find_control<'p>(program: &'p TrustProgram, control: &str) -> Result<&'p Control, Failure> {
    program
        .controls
        .iter()
        .find(|c| c.id == control)
        .ok_or_else(|| {
            let hint = closest(control, program.controls.iter().map(|c| c.id.as_str()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| "; `evident status` lists the controls".into());
            Failure::input(format!(
                "--control: no control `{control}` in the trust repo{hint}"
            ))
        })
}

fn parse_covers(text: &str, today: Date) -> Result<(Date, Date), Failure> {
    let bad = |why: String| Failure::input(format!("--covers `{text}`: {why}"));
    let (from, to) = super::parse_days("--covers", text)?;
    if to > today {
        return Err(bad(format!(
            "{to} is in the future (today is {today}); evidence can only speak for days that have passed"
        )));
    }
    Ok((from, to))
}

/// Reads an evidence file (see [`read_capped`]) up to the evidence limit.
pub(super) fn read_evidence(path: &Path, follow_links: bool) -> Result<Vec<u8>, Failure> {
    read_capped(path, follow_links, MAX_EVIDENCE_BYTES).map_err(|e| match e {
        Capped::TooLarge => Failure::input(format!(
            "{}: over the {} MiB evidence limit; export a summary or a link instead",
            path.display(),
            MAX_EVIDENCE_BYTES >> 20
        )),
        Capped::Failed(f) => f,
    })
}

/// Why [`read_capped`] returned no bytes.
pub(super) enum Capped {
    /// The file holds more than the limit (reading stopped there).
    TooLarge,
    Failed(Failure),
}

/// Reads a file, refusing what is not a regular file (a symbolic link too,
/// unless `follow_links`) and stopping one byte past `limit` while reading.
pub(super) fn read_capped(path: &Path, follow_links: bool, limit: u64) -> Result<Vec<u8>, Capped> {
    let failed = |why: &dyn std::fmt::Display| {
        Capped::Failed(Failure::input(format!("{}: {why}", path.display())))
    };
    if !follow_links && path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
        return Err(failed(&"a symbolic link, not a regular file"));
    }
    evident_fsio::read_regular(path, limit).map_err(|e| match e {
        evident_fsio::ReadError::TooLarge(_) => Capped::TooLarge,
        e => failed(&e),
    })
}

/// One entry as `evidence list --json` prints it (docs/json.md).
#[derive(Serialize)]
struct Listed<'a> {
    entry: u64,
    #[serde(flatten)]
    fields: &'a evident_ledger::entry::EntryFields,
    /// The retraction that withdrew this entry, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    retracted_by: Option<u64>,
}

fn list(repo: &Path, program: &TrustProgram, control: Option<&str>, json: bool) -> VerbResult {
    if let Some(c) = control {
        find_control(program, c)?;
    }
    let entries = with_ledger(repo, program, async |ledger| {
        ledger.store.entries(control).await.map_err(store_failure)
    })?;
    let entries = entries
        .iter()
        .map(|e| Ok((e.seq, e.fields().map_err(store_failure)?)))
        .collect::<Result<Vec<_>, Failure>>()?;
    // Entries withdrawn, by the retraction that withdrew them.
    let withdrawn: std::collections::HashMap<u64, u64> = entries
        .iter()
        .filter_map(|(seq, f)| Some((f.retracts.as_ref()?.parse().ok()?, *seq)))
        .collect();
    if json {
        let listed: Vec<Listed> = entries
            .iter()
            .map(|(seq, fields)| Listed {
                entry: *seq,
                fields,
                retracted_by: withdrawn.get(seq).copied(),
            })
            .collect();
        print_json(&serde_json::json!({ "version": 1, "entries": listed }));
        return Ok(());
    }
    if entries.is_empty() {
        say!(
            "no evidence recorded yet; add some with `evident evidence add FILE --control ID --item ID`"
        );
        return Ok(());
    }
    let mut t = table([
        "#",
        "control",
        "item",
        "kind",
        "result",
        "covers",
        "collected",
        "by",
        "summary",
    ]);
    for (seq, f) in &entries {
        t.add_row([
            seq.to_string(),
            f.control.clone(),
            f.item.clone(),
            f.kind.clone(),
            f.result.clone(),
            format!("{}..{}", f.covers_from, f.covers_to),
            f.collected_at.clone(),
            f.collector.clone(),
            match (withdrawn.get(seq), &f.retracts) {
                (Some(by), _) => format!("[withdrawn by entry {by}] {}", terminal(&f.summary)),
                (None, Some(n)) => format!("withdraws entry {n}: {}", terminal(&f.summary)),
                (None, None) => terminal(&f.summary),
            },
        ]);
    }
    say!("{t}");
    Ok(())
}

/// Appends a retraction of entry `seq`: its content is the reason, its
/// control and item those of the entry withdrawn.
fn retract(
    repo: &Path,
    program: &TrustProgram,
    seq: u64,
    reason: &str,
    by: Option<String>,
    json: bool,
) -> VerbResult {
    if reason.trim().is_empty() {
        return Err(Failure::input(
            "--reason: say why the entry is withdrawn; the auditor reads it",
        ));
    }
    let now = super::now();
    let today = super::today();
    let collector = person(by);
    let recorded = with_ledger(repo, program, async |ledger| {
        let target = ledger.store.entry(seq).await.map_err(store_failure)?;
        let Some(target) = target else {
            let size = ledger.store.size().await.map_err(store_failure)?;
            return Err(Failure::input(format!(
                "there is no entry {seq}: the ledger holds entries 0..{size}; `evident evidence list` shows them"
            )));
        };
        let fields = target.fields().map_err(store_failure)?;
        if fields.kind == "retraction" {
            return Err(Failure::input(format!(
                "entry {seq} is itself a retraction; a retraction cannot be withdrawn"
            )));
        }
        if let Some(by) = ledger
            .store
            .retraction_of(seq)
            .await
            .map_err(store_failure)?
        {
            return Err(Failure::input(format!(
                "entry {seq} was already withdrawn by entry {by}"
            )));
        }
        let entry = Entry {
            control: fields.control.clone(),
            item: fields.item.clone(),
            kind: EntryKind::Retraction,
            collector,
            collected_at: now,
            covers_from: today,
            covers_to: today,
            result: Outcome::NotApplicable,
            summary: reason.to_string(),
            content_sha256: String::new(),
            retracts: Some(seq),
        };
        let content = serde_json::to_vec(&serde_json::json!({ "retracts": seq, "reason": reason }))
            .expect("JSON of strings and numbers");
        let range = ledger
            .record(vec![Evidence { content, entry }], super::write_limit())
            .await
            .map_err(store_failure)?;
        Ok((range.start, fields))
    })?;
    let (entry, withdrawn) = recorded;
    if json {
        print_json(&serde_json::json!({
            "entry": entry, "retracts": seq, "control": withdrawn.control,
            "item": withdrawn.item, "reason": reason,
        }));
    } else {
        say!(
            "recorded entry {entry}: withdraws entry {seq} ({}/{}, {} {}): {}",
            withdrawn.control,
            withdrawn.item,
            withdrawn.result,
            withdrawn.collected_at,
            terminal(reason)
        );
    }
    Ok(())
}
