//! Portal and worksheet benchmark: `evident build` on a trust repo of 1,000
//! controls with 100,000 ledger entries, beside `mkdocs build` (and Hugo, when
//! installed) on the same Markdown pages, measured in one run; and `evident export
//! worksheet` on the same repo (goal: under 2 s).
//!
//! `cargo bench -p evident --bench portal` (`scripts/bench-portal` installs mkdocs
//! and tries Hugo first). Goal: evident at least 50× faster than mkdocs, peak
//! memory of the `evident build` process at most 300 MB.

mod support;

use evident_ledger::entry::{Entry, EntryKind, Outcome};
use evident_repo::init::{Starter, scaffold_large};
use evident_store::{Location, Store};
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use support::measured_run_env;

const CONTROLS: usize = 1_000;
const ENTRIES: u64 = 100_000;
const RUNS: usize = 3;
const NOW: &str = "2026-11-23T12:00:00Z";

/// The starter grown to 1,000 controls with unique ids (as the loader bench does).
fn trust_repo(dir: &Path) -> Vec<(String, Vec<String>)> {
    let starter = Starter {
        org: "Bench Co".into(),
        today: "2026-08-01".parse().unwrap(),
        endpoints: None,
    };
    scaffold_large(dir, &starter, CONTROLS).expect("scaffold");
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
        let day = 90 - (n * 90 / ENTRIES);
        let date = evident_core::time::Date::new(2026, 11, 23)
            .unwrap()
            .add_days(-(day as i64));
        Entry {
            control: control.into(),
            item: item.into(),
            kind: EntryKind::Check,
            collector: "bench".into(),
            collected_at: format!("{date}T{:02}:00:00Z", n % 24),
            covers_from: date,
            covers_to: date,
            result: if n.is_multiple_of(37) {
                Outcome::Fail
            } else {
                Outcome::Pass
            },
            summary: format!("bench run {n}"),
            content_sha256: format!("{:064x}", n % 97),
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
            store.append(&batch).await.unwrap();
        }
        store.close().await;
    });
}

/// The same Markdown pages as an mkdocs project (and a Hugo site).
fn markdown_project(repo: &Path, out: &Path) {
    let docs = out.join("docs");
    let content = out.join("content");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::create_dir_all(&content).unwrap();
    for e in std::fs::read_dir(repo.join("controls")).unwrap() {
        let e = e.unwrap();
        let text = std::fs::read_to_string(e.path()).unwrap();
        std::fs::write(docs.join(e.file_name()), &text).unwrap();
        std::fs::write(content.join(e.file_name()), &text).unwrap();
    }
    std::fs::write(docs.join("index.md"), "# Trust center\n").unwrap();
    std::fs::write(out.join("mkdocs.yml"), "site_name: Bench Co Trust Center\n").unwrap();
    std::fs::write(
        out.join("hugo.toml"),
        "baseURL = 'https://trust.example/'\ntitle = 'Bench Co'\n",
    )
    .unwrap();
}

/// Median wall seconds of `RUNS` runs of `program args` in `dir`, or `None` if it is not installed.
fn timed(dir: &Path, program: &str, args: &[&str]) -> Option<f64> {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = Command::new(program)
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!(
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Some(times[RUNS / 2])
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    // EVIDENT_BENCH_KEEP=DIR keeps the generated trust repo there, for profiling.
    let repo = std::env::var_os("EVIDENT_BENCH_KEEP")
        .map_or_else(|| tmp.path().join("repo"), std::path::PathBuf::from);
    let _ = std::fs::remove_dir_all(&repo);
    let ids = trust_repo(&repo);
    ledger(&repo, &ids);
    let site = repo.join("site");
    let args = [
        "-C",
        repo.to_str().unwrap(),
        "build",
        "--out",
        site.to_str().unwrap(),
    ];
    let mut runs: Vec<(f64, f64)> = (0..RUNS)
        .map(|_| measured_run_env(&args, &[("EVIDENT_NOW", NOW)]))
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (evident_secs, _) = runs[RUNS / 2];
    let peak = runs.iter().map(|r| r.1).fold(0.0, f64::max);
    let pages = std::fs::read_dir(site.join("controls")).unwrap().count();
    println!(
        "== trust portal: {CONTROLS} controls, {ENTRIES} ledger entries ({pages} control pages)"
    );
    println!(
        "evident build : {evident_secs:>7.3} s median of {RUNS}, peak resident {peak:.1} MiB (goal <= 300 MB)"
    );

    let xlsx = repo.join("audit/worksheet.xlsx");
    let export = [
        "-C",
        repo.to_str().unwrap(),
        "export",
        "worksheet",
        "--window",
        "2026-08-25..2026-11-23",
        "--out",
        xlsx.to_str().unwrap(),
    ];
    let mut sheets: Vec<(f64, f64)> = (0..RUNS)
        .map(|_| measured_run_env(&export, &[("EVIDENT_NOW", NOW)]))
        .collect();
    sheets.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "export worksheet (xlsx, 90-day window): {:>7.3} s median of {RUNS}, peak {:.1} MiB (goal < 2 s for 1,000 controls)",
        sheets[RUNS / 2].0,
        sheets.iter().map(|r| r.1).fold(0.0, f64::max)
    );

    let project = tmp.path().join("md");
    markdown_project(&repo, &project);
    match timed(
        &project,
        "python3",
        &["-m", "mkdocs", "build", "--quiet", "-d", "out"],
    ) {
        Some(mk) => println!(
            "mkdocs build  : {mk:>7.3} s median of {RUNS} on the same {CONTROLS} pages -> evident is {:.1}x faster (goal >= 50x)",
            mk / evident_secs
        ),
        None => println!("mkdocs build  : not installed (scripts/bench-portal installs it)"),
    }
    match timed(&project, "hugo", &["--quiet", "-d", "hugo-out"]) {
        Some(h) => println!(
            "hugo          : {h:>7.3} s median of {RUNS} on the same pages -> evident/hugo time ratio {:.2}",
            evident_secs / h
        ),
        None => println!("hugo          : not installed (Debian package `hugo`)"),
    }
}
