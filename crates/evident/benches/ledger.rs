//! Ledger benchmark: prints each figure beside the goal the issue names.
//!
//! `cargo bench -p evident --bench ledger` (set `EVIDENT_BENCH_ENTRIES` for a
//! smaller log than 1,000,000). Measures, in one run:
//! 1. durable appends of 100,000 entries in batches of 1,000 and 10,000 (SQLite; PostgreSQL
//!    too when `EVIDENT_TEST_PG` or the default test server answers);
//! 2. `ledger verify` of the whole log, as hashed bytes per second, beside this
//!    machine's raw SHA-256 throughput on the same message sizes (and `openssl
//!    speed` when openssl is installed);
//! 3. `evident status` over the whole log (goal: under 1 s);
//! 4. inclusion proof time at that size;
//! 5. peak memory of the `evident ledger verify` process.

use ed25519_dalek::VerifyingKey;
use evident_ledger::blobs::FsBlobs;
use evident_ledger::entry::{Entry, EntryKind, Outcome};
use evident_ledger::keys;
use evident_store::{Evidence, Ledger, Location, Store};
use sha2::{Digest, Sha256};
mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::measured_run;

const APPEND_ENTRIES: u64 = 100_000;
/// Batch sizes tried: a CI job's worth of check results, and a bulk import's.
const APPEND_BATCHES: [u64; 2] = [1_000, 10_000];

fn entry(i: u64) -> Entry {
    Entry {
        control: ["AUTH", "BACKUP", "LOGGING", "VULN"][(i % 4) as usize].into(),
        item: format!("item-{}", i % 9),
        kind: EntryKind::Check,
        collector: "check:http".into(),
        // Twenty seconds apart, in log order: time only moves forward.
        collected_at: "2026-10-01T00:00:00Z"
            .parse::<evident_core::time::Instant>()
            .unwrap()
            .plus(i * 20)
            .to_string(),
        covers_from: "2026-11-01".parse().unwrap(),
        covers_to: "2026-11-23".parse().unwrap(),
        result: if i % 50 == 49 {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        summary: format!("HTTP 200, strict-transport-security max-age=31536000 (run {i})"),
        content_sha256: format!("{:064x}", i % 64),
        retracts: None,
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn append_rate(location: Location, size: u64) -> f64 {
    let store = Store::open(location).await.unwrap();
    let started = Instant::now();
    for b in 0..APPEND_ENTRIES / size {
        let batch: Vec<Entry> = (b * size..(b + 1) * size).map(entry).collect();
        store.append(&batch, far_future()).await.unwrap();
    }
    let rate = APPEND_ENTRIES as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    rate
}

/// Raw SHA-256 over the verify workload's message sizes: one `leaf`-sized message
/// per entry plus one 65-byte node message per entry, repeated for a second.
fn raw_sha256_rate(leaf_len: usize) -> f64 {
    let leaf = vec![0x5au8; leaf_len];
    let node = [0x01u8; 65];
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut sink = [0u8; 32];
    while started.elapsed() < Duration::from_secs(2) {
        for _ in 0..10_000 {
            sink[0] ^= Sha256::digest(&leaf)[0];
            sink[1] ^= Sha256::digest(node)[0];
            bytes += (leaf_len + 65) as u64;
        }
    }
    std::hint::black_box(sink);
    bytes as f64 / started.elapsed().as_secs_f64()
}

/// `openssl speed -evp sha256` at 256-byte blocks, bytes per second, if openssl is here.
fn openssl_rate() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-evp", "sha256", "-bytes", "256", "-seconds", "2"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with("sha256") || l.starts_with("SHA256"))?;
    let k = line.split_whitespace().last()?.trim_end_matches('k');
    Some(k.parse::<f64>().ok()? * 1000.0)
}

fn main() {
    let total: u64 = std::env::var("EVIDENT_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();

    println!("== durable append of {APPEND_ENTRIES} entries (goal: >= 100000 entries/s on SQLite)");
    for size in APPEND_BATCHES {
        let db = Location::Sqlite(tmp.path().join(format!("append-{size}.db")));
        let rate = rt.block_on(append_rate(db, size));
        println!(
            "sqlite     batches of {size:>6}: {rate:>8.0} entries/s  (WAL, synchronous=FULL: each batch fsynced)"
        );
    }
    // Where an append's time goes: what our code computes for each entry
    // (canonical bytes, leaf hash, the record judging reads), done alone.
    let started = Instant::now();
    for i in 0..APPEND_ENTRIES {
        let e = entry(i);
        std::hint::black_box((e.leaf_hash(), e.record(i).unwrap()));
    }
    let ours = APPEND_ENTRIES as f64 / started.elapsed().as_secs_f64();
    println!(
        "our code alone          {ours:>8.0} entries/s  (canonical bytes, leaf hash and record of each entry; the rest is the database driver)"
    );
    for size in APPEND_BATCHES {
        match rt.block_on(evident_store::testing::scratch_postgres("bench")) {
            Ok(pg) => println!(
                "postgresql batches of {size:>6}: {:>8.0} entries/s",
                rt.block_on(append_rate(pg, size))
            ),
            Err(e) => println!("postgresql skipped: {e}"),
        }
    }

    println!("\n== building a {total}-entry ledger in a trust repo");
    // EVIDENT_BENCH_KEEP=DIR builds the trust repo there and keeps it, for profiling.
    let repo = std::env::var_os("EVIDENT_BENCH_KEEP")
        .map_or_else(|| tmp.path().join("repo"), std::path::PathBuf::from);
    let _ = std::fs::remove_dir_all(&repo);
    let out = Command::new(env!("CARGO_BIN_EXE_evident"))
        .args(["init"])
        .arg(&repo)
        .args(["--org", "Bench Co"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let started = Instant::now();
    rt.block_on(async {
        let ledger = Ledger {
            store: Store::open(Location::Sqlite(repo.join(".evident/ledger.db")))
                .await
                .unwrap(),
            blobs: FsBlobs::new(repo.join(".evident/blobs")),
        };
        let mut i = 0;
        while i < total {
            let end = (i + 10_000).min(total);
            let batch = (i..end)
                .map(|n| Evidence {
                    content: format!("response body {}", n % 64).into_bytes(),
                    entry: entry(n),
                })
                .collect();
            ledger.record(batch, far_future()).await.unwrap();
            i = end;
        }
        ledger.store.close().await;
    });
    println!("built in {:.1}s", started.elapsed().as_secs_f64());
    let r = repo.to_str().unwrap();
    measured_run(&["-C", r, "ledger", "checkpoint"]);

    println!("\n== ledger verify of {total} entries (goal: >= 0.5 of raw SHA-256 throughput)");
    let trusted: VerifyingKey =
        keys::load_verifying_key(&repo.join(keys::PUBLIC_KEY_FILE)).unwrap();
    let (verify_secs, hashed) = rt.block_on(async {
        let ledger = Ledger {
            store: Store::open(Location::Sqlite(repo.join(".evident/ledger.db")))
                .await
                .unwrap(),
            blobs: FsBlobs::new(repo.join(".evident/blobs")),
        };
        let started = Instant::now();
        let v = ledger.verify(&trusted, None).await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        // What verify hashes: 0x00 ‖ canonical entry per leaf, 0x01 ‖ left ‖ right per node.
        let leaf_bytes: u64 = (0..total)
            .map(|i| entry(i).canonical_bytes().len() as u64 + 1)
            .sum();
        (secs, leaf_bytes + (total - 1) * 65)
    });
    let verify_rate = hashed as f64 / verify_secs;
    let avg_leaf = (hashed - (total - 1) * 65) / total;
    let raw = raw_sha256_rate(avg_leaf as usize);
    println!(
        "verify        {verify_secs:>8.2} s  {:>8.1} MB/s hashed ({} MB over {total} leaves and {} nodes)",
        verify_rate / 1e6,
        hashed / 1_000_000,
        total - 1
    );
    println!(
        "raw sha256             {:>8.1} MB/s  (sha2 crate, same message sizes: {avg_leaf}-byte leaves, 65-byte nodes)",
        raw / 1e6
    );
    match openssl_rate() {
        Some(o) => println!(
            "openssl speed          {:>8.1} MB/s  (-evp sha256, 256-byte blocks)",
            o / 1e6
        ),
        None => println!("openssl speed          not available"),
    }
    println!("ratio verify/raw       {:>8.2}", verify_rate / raw);
    // Where the time goes: the same checks over rows already in memory.
    let core_rate = rt.block_on(async {
        let store = Store::open(Location::Sqlite(repo.join(".evident/ledger.db")))
            .await
            .unwrap();
        let rows = store.entries(None).await.unwrap();
        let started = Instant::now();
        let mut v = evident_ledger::log::Verifier::new(&trusted, &[]);
        for r in &rows {
            v.row(r.seq, r.entry.as_bytes(), &r.leaf, &r.nodes);
        }
        assert!(v.finish().problems.is_empty());
        hashed as f64 / started.elapsed().as_secs_f64()
    });
    println!(
        "verifier core          {:>8.1} MB/s  (the same checks over rows already in memory: ratio {:.2}; the rest is reading rows from the database)",
        core_rate / 1e6,
        core_rate / raw
    );

    println!("\n== `evident status` over {total} entries (goal: < 1 s)");
    let runs: Vec<(f64, f64)> = (0..3)
        .map(|_| measured_run(&["-C", r, "status", "--json"]))
        .collect();
    let mut secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
    secs.sort_by(f64::total_cmp);
    println!(
        "status --json  {:>6.2} s median of 3 ({:?}), peak resident {:.1} MiB",
        secs[1],
        secs,
        runs.iter().map(|r| r.1).fold(0.0, f64::max)
    );
    // Where it goes: reading the records through the driver, SQLite's own scan
    // of the same columns (one row out), and judging them.
    rt.block_on(async {
        let store = Store::open(Location::Sqlite(repo.join(".evident/ledger.db")))
            .await
            .unwrap();
        let started = Instant::now();
        let records = store.records().await.unwrap();
        let read = started.elapsed().as_secs_f64();
        let started = Instant::now();
        store.scan_record_columns().await.unwrap();
        let scan = started.elapsed().as_secs_f64();
        let catalog = evident_core::catalog::Catalog::tsc();
        let program = evident_repo::load(&repo, &catalog).program.unwrap();
        let started = Instant::now();
        let records = evident_core::record::Records::new(records);
        let j = evident_core::judgement::Judgement::new(
            &program,
            &catalog,
            &records,
            evident_core::time::Instant::end_of("2026-11-28".parse().unwrap()),
            None,
        );
        std::hint::black_box(&j.status);
        let judge = started.elapsed().as_secs_f64();
        println!(
            "of which       read {read:.2} s (SQLite's own scan of those columns: {scan:.2} s; the rest is the driver handing over rows one at a time), judge {judge:.2} s"
        );
        store.close().await;
    });

    println!("\n== inclusion proof at {total} entries (goal: < 1 ms)");
    rt.block_on(async {
        let store = Store::open(Location::Sqlite(repo.join(".evident/ledger.db")))
            .await
            .unwrap();
        let mut times = Vec::new();
        let mut x = 0x9e3779b97f4a7c15u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let m = x % total;
            let started = Instant::now();
            let path = store.inclusion_proof(m, total).await.unwrap();
            times.push(started.elapsed());
            assert!(!path.is_empty() || total == 1);
        }
        times.sort();
        println!(
            "median {:.3} ms, p99 {:.3} ms over 2000 random entries",
            times[1000].as_secs_f64() * 1e3,
            times[1980].as_secs_f64() * 1e3
        );
        store.close().await;
    });

    println!("\n== `evident ledger verify` process (goal: peak memory <= 256 MB)");
    let (secs, peak) = measured_run(&["-C", r, "ledger", "verify"]);
    println!("{secs:.2} s wall, peak resident {peak:.1} MiB (VmHWM of the process)");
}

/// A write limit no bench entry reaches.
fn far_future() -> evident_core::time::Instant {
    "2100-01-01T00:00:00Z".parse().unwrap()
}
