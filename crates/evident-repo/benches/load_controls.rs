//! Loader speed: parse a trust repo of 1,000 control files.
//!
//! Run with `cargo bench -p evident-repo --bench load_controls`. Prints the time to
//! load (read, split, parse YAML and Markdown, cross-check) beside the issue's
//! budget of one second, for the median and the slowest of several runs.

use evident_core::catalog::Catalog;
use evident_repo::init::{Starter, scaffold_large};
use std::time::{Duration, Instant};

const CONTROLS: usize = 1_000;
const RUNS: usize = 7;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let starter = Starter {
        org: "Bench Co".into(),
        today: "2026-11-23".parse().unwrap(),
        endpoints: None,
    };
    let bytes = scaffold_large(dir.path(), &starter, CONTROLS).expect("scaffold");

    let catalog = Catalog::tsc();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let loaded = evident_repo::load(dir.path(), &catalog);
        times.push(start.elapsed());
        let program = loaded.program.expect("loads");
        assert_eq!(program.controls.len(), CONTROLS);
        assert!(
            !loaded.diagnostics.has_errors(),
            "{:?}",
            loaded.diagnostics.sorted().first()
        );
    }
    times.sort();
    let median = times[RUNS / 2];
    let worst = times[RUNS - 1];
    let budget = Duration::from_secs(1);
    println!(
        "load {CONTROLS} control files ({:.1} MB), {RUNS} runs",
        bytes as f64 / 1e6
    );
    println!(
        "  median {:>8.1} ms   ({:.0}x under the 1 s budget)",
        ms(median),
        budget.as_secs_f64() / median.as_secs_f64()
    );
    println!(
        "  slowest{:>8.1} ms   ({:.0}x under the 1 s budget)",
        ms(worst),
        budget.as_secs_f64() / worst.as_secs_f64()
    );
    println!(
        "  per file {:.1} µs",
        median.as_secs_f64() * 1e6 / CONTROLS as f64
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
