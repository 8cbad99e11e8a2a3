//! Portal benchmark: `evident build` of a trust repo of 1,000 controls with
//! 100,000 ledger entries, beside Hugo building the same 1,000 Markdown pages
//! with a minimal single-page layout (the page's Markdown rendered into one
//! HTML page each: the same work), measured in one run.
//!
//! `cargo bench -p evident --bench portal` (`scripts/bench-portal` installs
//! Debian's `hugo`). Goal: evident's first build no slower than Hugo's.
//!
//! Each tool is timed on first builds, each into an output folder not used
//! before, then on rebuilds over its last output with nothing changed. Rounds
//! interleave the tools, so a busy moment of the machine falls on both alike.

mod support;

use evident_ledger::entry::{Entry, EntryKind, Outcome};
use evident_repo::init::{Starter, scaffold};
use evident_store::{Location, Store};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::measured;

const CONTROLS: usize = 1_000;
const ENTRIES: u64 = 100_000;
const RUNS: usize = 5;
const NOW: &str = "2026-11-23T12:00:00Z";

/// The starter with its controls copied to `controls` files with unique ids
/// (`C0000-AUTH`, ...). The risk register, which names the starter's ids, is
/// left out.
fn scaffold_large(dir: &Path, starter: &Starter, controls: usize) {
    scaffold(dir, starter).expect("scaffold");
    let folder = dir.join("controls");
    let mut templates = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        templates.push(std::fs::read_to_string(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
    }
    templates.sort();
    for i in 0..controls {
        let text = templates[i % templates.len()].replacen("\nid: ", &format!("\nid: C{i:04}-"), 1);
        std::fs::write(folder.join(format!("c{i:04}.md")), text).unwrap();
    }
    std::fs::remove_file(dir.join("registers/risks.toml")).unwrap();
}

/// The starter grown to 1,000 controls with unique ids.
fn trust_repo(dir: &Path) -> Vec<(String, Vec<String>)> {
    let starter = Starter {
        org: "Bench Co".into(),
        today: "2026-08-01".parse().unwrap(),
        endpoints: None,
        categories: vec![
            "security".into(),
            "availability".into(),
            "confidentiality".into(),
        ],
    };
    scaffold_large(dir, &starter, CONTROLS);
    evident_ledger::keys::create(dir).expect("keys");
    let mut ids = Vec::new();
    for i in 0..CONTROLS {
        let text = std::fs::read_to_string(dir.join(format!("controls/c{i:04}.md"))).unwrap();
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("id: "))
            .unwrap()
            .to_string();
        let items: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- id: "))
            .map(str::to_string)
            .collect();
        ids.push((id, items));
    }
    ids
}

/// 100,000 entries over the controls' items, spread over the 90 days before NOW.
fn ledger(dir: &Path, ids: &[(String, Vec<String>)]) {
    let pairs: Vec<(&str, &str)> = ids
        .iter()
        .flat_map(|(c, items)| items.iter().map(move |i| (c.as_str(), i.as_str())))
        .collect();
    let entry = |n: u64| {
        let (control, item) = pairs[(n as usize * 7919) % pairs.len()];
        // Spread over the 90 days before 2026-11-23, in log order.
        let collected = evident_core::time::Instant::start_of(
            evident_core::time::Date::new(2026, 8, 25).unwrap(),
        )
        .plus(n * 90 * 86_400 / ENTRIES);
        let date = collected.date();
        Entry {
            control: control.into(),
            item: item.into(),
            kind: EntryKind::Check,
            collector: "bench".into(),
            collected_at: collected.to_string(),
            covers_from: date,
            covers_to: date,
            result: if n.is_multiple_of(37) {
                Outcome::Fail
            } else {
                Outcome::Pass
            },
            summary: format!("bench run {n}"),
            content_sha256: format!("{:064x}", n % 97),
            retracts: None,
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(Location::Sqlite(dir.join(".evident/ledger.db")))
            .await
            .unwrap();
        for b in 0..ENTRIES / 10_000 {
            let batch: Vec<Entry> = (b * 10_000..(b + 1) * 10_000).map(entry).collect();
            store
                .append(&batch, "2100-01-01T00:00:00Z".parse().unwrap())
                .await
                .unwrap();
        }
        store.close().await;
    });
}

/// The same Markdown pages as a Hugo site whose one layout renders each page's
/// Markdown into a whole HTML page.
fn hugo_project(repo: &Path, out: &Path) {
    let content = out.join("content");
    let layouts = out.join("layouts/_default");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::create_dir_all(&layouts).unwrap();
    for e in std::fs::read_dir(repo.join("controls")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), content.join(e.file_name())).unwrap();
    }
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><main>{{ .Content }}</main></body></html>\n";
    std::fs::write(layouts.join("single.html"), page).unwrap();
    std::fs::write(layouts.join("list.html"), page).unwrap();
    std::fs::write(
        out.join("hugo.toml"),
        "baseURL = 'https://trust.example/'\ntitle = 'Bench Co'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap', '404', 'robotsTXT']\n",
    )
    .unwrap();
}

/// A site generator as the bench runs it: in `dir`, writing into the folder
/// given as its last argument.
struct Tool {
    name: &'static str,
    dir: PathBuf,
    program: String,
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
    /// Where its outputs go: `<out>-<round>`.
    out: PathBuf,
}

impl Tool {
    fn output(&self, round: usize) -> PathBuf {
        let mut name = self.out.clone().into_os_string();
        name.push(format!("-{round}"));
        name.into()
    }

    fn run(&self, out: &Path) -> Result<(f64, f64), String> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg(out)
            .current_dir(&self.dir)
            .env_remove("EVIDENT_DATABASE_URL")
            .envs(self.env.iter().copied());
        measured(command)
    }
}

/// Writes out what the previous build left dirty, so the next timed build does
/// not pay for it (evident syncs its site before swapping it in; Hugo does not).
fn settle() {
    let _ = Command::new("sync").status();
}

/// Runs of one tool: first builds (into an absent folder) and rebuilds (over its
/// own previous output, nothing changed), as (seconds, peak MiB).
#[derive(Default)]
struct Runs {
    first: Vec<(f64, f64)>,
    again: Vec<(f64, f64)>,
}

fn median(runs: &[(f64, f64)]) -> f64 {
    let mut secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
    secs.sort_by(f64::total_cmp);
    secs[secs.len() / 2]
}

fn peak(runs: &[(f64, f64)]) -> f64 {
    runs.iter().map(|r| r.1).fold(0.0, f64::max)
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let ids = trust_repo(&repo);
    ledger(&repo, &ids);
    let project = tmp.path().join("hugo");
    hugo_project(&repo, &project);

    let evident = Tool {
        name: "evident build",
        dir: repo.clone(),
        program: env!("CARGO_BIN_EXE_evident").into(),
        args: ["build", "--out"].map(String::from).to_vec(),
        env: vec![("EVIDENT_NOW", NOW)],
        out: repo.join("site"),
    };
    let hugo = Tool {
        name: "hugo",
        dir: project.clone(),
        program: "hugo".into(),
        args: ["--quiet", "-d"].map(String::from).to_vec(),
        env: Vec::new(),
        out: project.join("public"),
    };
    let mut tools = vec![evident];
    match hugo.run(&hugo.output(0)) {
        Ok(_) => tools.push(hugo),
        Err(e) => println!(
            "hugo: not measured ({}); scripts/bench-portal installs Debian's hugo",
            e.lines().last().unwrap_or("not installed")
        ),
    }
    let mut runs: Vec<Runs> = tools.iter().map(|_| Runs::default()).collect();
    for round in 1..=RUNS {
        for (tool, runs) in tools.iter().zip(&mut runs) {
            settle();
            runs.first
                .push(tool.run(&tool.output(round)).expect(tool.name));
        }
    }
    for _ in 0..RUNS {
        for (tool, runs) in tools.iter().zip(&mut runs) {
            settle();
            runs.again
                .push(tool.run(&tool.output(RUNS)).expect(tool.name));
        }
    }
    let pages = std::fs::read_dir(tools[0].output(RUNS).join("controls"))
        .unwrap()
        .count();
    println!(
        "== trust portal: {CONTROLS} controls, {ENTRIES} ledger entries ({pages} control pages); medians of {RUNS}"
    );
    println!(
        "{:<14}  {:>30}  {:>30}",
        "", "first build (no output yet)", "rebuild (nothing changed)"
    );
    let ours = (median(&runs[0].first), median(&runs[0].again));
    for (tool, runs) in tools.iter().zip(&runs) {
        let (first, again) = (median(&runs.first), median(&runs.again));
        let vs = |theirs: f64, mine: f64| format!(" = {:.2}x", theirs / mine);
        println!(
            "{:<14}  {:>8.3} s{:<9} {:>7.1} MiB  {:>8.3} s{:<9} {:>7.1} MiB",
            tool.name,
            first,
            vs(first, ours.0),
            peak(&runs.first),
            again,
            vs(again, ours.1),
            peak(&runs.again),
        );
    }
    println!(
        "(= N x: that tool's time over evident's; goal: hugo's first build >= 1.00x evident's)"
    );
    // Where evident's time goes: reading the ledger's records through the
    // database driver, beside SQLite's own scan of the same columns.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(Location::Sqlite(repo.join(".evident/ledger.db")))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let records = store.records().await.unwrap();
        let read = started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        store.scan_record_columns().await.unwrap();
        let scan = started.elapsed().as_secs_f64();
        println!(
            "of evident's build: reading {} records {read:.3} s (SQLite's own scan of those columns: {scan:.3} s)",
            records.len()
        );
        store.close().await;
    });
    let seconds = |runs: &[(f64, f64)]| {
        runs.iter()
            .map(|r| format!("{:.3}", r.0))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (tool, runs) in tools.iter().zip(&runs) {
        println!(
            "  {:<14} first: {}   rebuild: {}",
            tool.name,
            seconds(&runs.first),
            seconds(&runs.again)
        );
    }
}
