//! `evident check`: run the declared checks concurrently, record every result in
//! the ledger, and say what changed since the last run (a pass turning into a
//! failure is a regression). Exit 1 when any check fails or errors.

use super::ledger_access::{collected_by_check, record_all, store_failure, with_ledger};
use crate::cli::FailOn;
use crate::failure::{Failure, VerbResult};
use crate::output::{print_json, table, terminal};
use evident_checks::{CheckResult, Context};
use evident_core::catalog::Catalog;
use evident_core::judgement::{Change, Judgement};
use evident_core::model::{CheckSpec, Control, EvidenceItem, EvidenceSource, TrustProgram};
use evident_core::record::Records;
use evident_core::status::{History, judge_item};
use evident_core::suggest::closest;
use evident_core::time::Date;
use evident_ledger::entry::{Entry, EntryKind, Outcome};
use evident_store::Evidence;
use futures_util::StreamExt;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::Path;

struct Target<'a> {
    control: &'a str,
    item: &'a EvidenceItem,
    spec: &'a CheckSpec,
}

#[derive(Serialize)]
struct Ran {
    control: String,
    item: String,
    kind: String,
    result: &'static str,
    summary: String,
    /// The item's latest result before this run, if any.
    previous: Option<&'static str>,
    /// What this result did to its item (`evident_core::judgement::Change`).
    change: &'static str,
    entry: u64,
}

pub fn run(
    repo: &Path,
    only: Option<&str>,
    concurrency: usize,
    json: bool,
    fail_on: &[FailOn],
) -> VerbResult {
    let catalog = Catalog::tsc();
    let program = super::load_program(repo, &catalog)?;
    let files = file_items(&program, only);
    let from_registers =
        selected(&program, only).any(|(_, i)| matches!(i.source, EvidenceSource::Register { .. }));
    let targets = if files.is_empty() && !from_registers {
        select(&program, only)?
    } else {
        select(&program, only).unwrap_or_default()
    };
    let recorded = record_changed_files(repo, &program, &files)?
        + super::registers::record(repo, &program, only)?;
    if targets.is_empty() {
        super::findings::record(repo, &program, &catalog, None)?;
        if recorded == 0 {
            say!("no checks are declared; add `check:` to an evidence item (docs/checks.md)");
        }
        return Ok(());
    }
    let cx = Context {
        repo: repo.to_path_buf(),
        now: super::system_now(),
    };
    let (now, today, as_of) = (super::now(), super::today(), super::instant());
    let progress = Progress::new(targets.len());
    let (before, results, entries, first) = with_ledger(repo, &program, async |ledger| {
        let before = ledger.store.records().await.map_err(store_failure)?;
        let results = observe(&targets, &cx, &progress, concurrency).await;
        let evidence: Vec<Evidence> = results
            .iter()
            .map(|(t, o)| as_evidence(t, o, &now, today))
            .collect();
        let entries: Vec<Entry> = evidence.iter().map(|e| e.entry.clone()).collect();
        let range = ledger
            .record(evidence, super::write_limit())
            .await
            .map_err(store_failure)?;
        Ok((before, results, entries, range.start))
    })?;
    // The program as it stood before this run and after it: each result's
    // change, and `--fail-on`, are judged by the core's one set of rules.
    let mut after = before.clone();
    for (entry, seq) in entries.iter().zip(first..) {
        after.push(entry.record(seq).map_err(Failure::unmet)?);
    }
    let (before, after) = (Records::new(before), Records::new(after));
    super::findings::record(repo, &program, &catalog, Some(&after))?;
    let (was, is) = (History::new(&before.judged), History::new(&after.judged));
    let ran: Vec<Ran> = results
        .into_iter()
        .zip(first..)
        .map(|((t, o), entry)| {
            let judged = |h: &History<'_>| judge_item(t.item, h.of(t.control, &t.item.id), as_of);
            let (then, now) = (judged(&was), judged(&is));
            Ran {
                control: t.control.to_string(),
                item: t.item.id.clone(),
                kind: t.spec.kind.as_str().to_string(),
                result: o.outcome.as_str(),
                summary: o.summary,
                change: Change::between(&then, &now).as_str(),
                previous: then.latest.map(|e| e.result.as_str()),
                entry,
            }
        })
        .collect();
    let count = |r: &str| ran.iter().filter(|x| x.result == r).count();
    let (pass, fail, error) = (count("pass"), count("fail"), count("error"));
    let regressions = ran.iter().filter(|r| r.change == "regression").count();
    if json {
        print_json(&serde_json::json!({
            "version": 1,
            "checks": ran,
            "pass": pass, "fail": fail, "error": error, "regressions": regressions,
        }));
    } else {
        let mut t = table(["control", "item", "kind", "result", "change", "summary"]);
        for r in &ran {
            t.add_row([
                r.control.as_str(),
                r.item.as_str(),
                r.kind.as_str(),
                r.result,
                r.change,
                r.summary.as_str(),
            ]);
        }
        say!("{t}");
        print_per_control(&ran);
        say!(
            "{} check(s): {pass} pass, {fail} fail, {error} error; {regressions} regression(s); recorded as entries {}..={}",
            ran.len(),
            ran.first().map_or(0, |r| r.entry),
            ran.last().map_or(0, |r| r.entry)
        );
    }
    if !fail_on.is_empty() {
        let fail_on: Vec<_> = fail_on.iter().map(|f| f.policy()).collect();
        let reasons = Judgement::new(&program, &catalog, &after, as_of, None).unmet(&fail_on);
        if reasons.is_empty() {
            return Ok(());
        }
        return Err(Failure::unmet(format!("--fail-on: {}", reasons.join("; "))));
    }
    if fail + error > 0 {
        return Err(Failure::unmet(format!(
            "{} check(s) did not pass{}",
            fail + error,
            if regressions > 0 {
                format!(", {regressions} of them regressions")
            } else {
                String::new()
            }
        )));
    }
    Ok(())
}

/// Pass / fail / error and regressions per control, when the run spans several.
fn print_per_control(ran: &[Ran]) {
    let mut per: Vec<(&str, [usize; 4])> = Vec::new();
    for r in ran {
        let at = match per.iter().position(|(c, _)| *c == r.control) {
            Some(i) => i,
            None => {
                per.push((&r.control, [0; 4]));
                per.len() - 1
            }
        };
        let counts = &mut per[at].1;
        match r.result {
            "pass" => counts[0] += 1,
            "fail" => counts[1] += 1,
            _ => counts[2] += 1,
        }
        counts[3] += usize::from(r.change == "regression");
    }
    if per.len() < 2 {
        return;
    }
    let mut t = table(["control", "pass", "fail", "error", "regressions"]);
    for (control, [p, f, e, g]) in per {
        t.add_row([
            control.to_string(),
            p.to_string(),
            f.to_string(),
            e.to_string(),
            g.to_string(),
        ]);
    }
    say!("{t}");
}

/// Runs every check, `concurrency` at a time; results in declaration order.
async fn observe<'t, 'a>(
    targets: &'t [Target<'a>],
    cx: &Context,
    progress: &Progress,
    concurrency: usize,
) -> Vec<(&'t Target<'a>, CheckResult)> {
    let mut observed: Vec<(usize, CheckResult)> =
        futures_util::stream::iter(targets.iter().enumerate())
            .map(|(i, t)| async move {
                let settings = t.spec.settings.for_item(t.item.fresh_for);
                let o = evident_checks::run(&settings, cx).await;
                progress.finished(t, &o);
                (i, o)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
    observed.sort_by_key(|(i, _)| *i);
    progress.clear();
    observed
        .into_iter()
        .map(|(i, o)| (&targets[i], o))
        .collect()
}

/// A check result as a ledger entry, the observation as its content.
fn as_evidence(t: &Target<'_>, o: &CheckResult, now: &str, today: Date) -> Evidence {
    let (covers_from, covers_to) = t.spec.covers(today);
    Evidence {
        content: o.content(),
        entry: Entry {
            control: t.control.to_string(),
            item: t.item.id.clone(),
            kind: EntryKind::Check,
            collector: format!("check:{}", t.spec.kind.as_str()),
            collected_at: now.to_string(),
            covers_from,
            covers_to,
            result: o.outcome,
            summary: o.summary.clone(),
            content_sha256: String::new(),
            retracts: None,
        },
    }
}

/// The evidence items `--only` selects (all without it).
pub(super) fn selected<'a>(
    program: &'a TrustProgram,
    only: Option<&str>,
) -> impl Iterator<Item = (&'a Control, &'a EvidenceItem)> {
    let (want_control, want_item) = match only.map(|o| o.split_once('/').unwrap_or((o, ""))) {
        None => (None, None),
        Some((c, "")) => (Some(c), None),
        Some((c, i)) => (Some(c), Some(i)),
    };
    let want_control = want_control.map(str::to_string);
    let want_item = want_item.map(str::to_string);
    program
        .controls
        .iter()
        .filter(move |c| want_control.as_deref().is_none_or(|w| w == c.id))
        .flat_map(|c| c.evidence.iter().map(move |i| (c, i)))
        .filter(move |(_, i)| want_item.as_deref().is_none_or(|w| w == i.id))
}

/// The `file:` items `--only` selects: (control, item, declared path).
fn file_items<'a>(
    program: &'a TrustProgram,
    only: Option<&str>,
) -> Vec<(&'a str, &'a str, &'a str)> {
    selected(program, only)
        .filter(|(_, i)| i.setup.is_none())
        .filter_map(|(c, i)| match &i.source {
            EvidenceSource::File { path } => Some((c.id.as_str(), i.id.as_str(), path.as_str())),
            _ => None,
        })
        .collect()
}

/// Records each `file:` item whose declared file's content (by SHA-256)
/// differs from the item's latest entry, or that has none: a file kept in the
/// trust repo is evidence of itself whenever it changes. Returns how many.
fn record_changed_files(
    repo: &Path,
    program: &TrustProgram,
    files: &[(&str, &str, &str)],
) -> Result<usize, Failure> {
    if files.is_empty() {
        return Ok(0);
    }
    let today = super::today();
    let mut evidence = Vec::new();
    for &(control, item, path) in files {
        // Inside the trust repo, a symbolic link is not followed out of it.
        let content = super::evidence::read_evidence(&repo.join(path), false)?;
        evidence.push((control, item, path, content));
    }
    let recorded = with_ledger(repo, program, async |ledger| {
        let mut new = Vec::new();
        for (control, item, path, content) in evidence {
            let hash = evident_ledger::hex::encode(&evident_ledger::blobs::sha256(&content));
            let latest = ledger
                .store
                .latest_of(control, item, EntryKind::File)
                .await
                .map_err(store_failure)?;
            if latest.is_some_and(|e| e.fields().is_ok_and(|f| f.content_sha256 == hash)) {
                continue;
            }
            new.push(collected_by_check(
                (control, item),
                EntryKind::File,
                (today, today),
                Outcome::Pass,
                path.to_string(),
                content,
            ));
        }
        let names: Vec<String> = new
            .iter()
            .map(|e| format!("{}/{} ({})", e.entry.control, e.entry.item, e.entry.summary))
            .collect();
        record_all(ledger, new).await?;
        Ok(names)
    })?;
    for name in &recorded {
        say_err!("recorded the changed file of {name}");
    }
    Ok(recorded.len())
}

/// The checks `--only` selects, in the order the trust repo declares them.
fn select<'a>(program: &'a TrustProgram, only: Option<&str>) -> Result<Vec<Target<'a>>, Failure> {
    let (want_control, want_item) = match only {
        None => (None, None),
        Some(text) => match text.split_once('/') {
            Some((c, i)) => (Some(c), Some(i)),
            None => (Some(text), None),
        },
    };
    if let Some(c) = want_control {
        let Some(control) = program.controls.iter().find(|x| x.id == c) else {
            let near = closest(c, program.controls.iter().map(|x| x.id.as_str()))
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(Failure::input(format!("--only: no control `{c}`{near}")));
        };
        if let Some(i) = want_item {
            super::find_item(control, "--only", i)?;
        }
    }
    let mut out = Vec::new();
    let mut waiting = 0;
    for (control, item) in selected(program, only) {
        let EvidenceSource::Check(spec) = &item.source else {
            continue;
        };
        if let Some(what) = &item.setup {
            say_err!(
                "{}/{}: needs setup, not run: {}",
                terminal(&control.id),
                terminal(&item.id),
                terminal(what)
            );
            waiting += 1;
            continue;
        }
        out.push(Target {
            control: &control.id,
            item,
            spec,
        });
    }
    if out.is_empty()
        && waiting == 0
        && let Some(text) = only
    {
        return Err(Failure::input(format!(
            "--only: `{text}` declares no check"
        )));
    }
    Ok(out)
}

/// A progress bar on a terminal; one plain line per finished check otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: std::sync::atomic::AtomicUsize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} checks {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            done: 0.into(),
        }
    }

    fn finished(&self, t: &Target<'_>, o: &CheckResult) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!("{}/{}", t.control, t.item.id));
                bar.inc(1);
            }
            None => say_err!(
                "[{n}/{}] {}/{}: {}",
                self.total,
                t.control,
                t.item.id,
                o.outcome.as_str()
            ),
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
