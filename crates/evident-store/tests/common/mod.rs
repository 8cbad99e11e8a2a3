//! Both backends, for tests that must pass on each: a SQLite file in a temp dir,
//! and a fresh schema in the PostgreSQL server named by `EVIDENT_TEST_PG`.

#![allow(dead_code)]

use evident_core::time::Instant;
use evident_ledger::entry::{Entry, EntryKind, Outcome};
use evident_store::Location;
use std::path::Path;

/// Each backend once, by name.
pub async fn backends(dir: &Path, tag: &str) -> Vec<(&'static str, Location)> {
    vec![
        ("sqlite", Location::Sqlite(dir.join(".evident/ledger.db"))),
        (
            "postgres",
            evident_store::testing::scratch_postgres(tag).await.unwrap(),
        ),
    ]
}

pub fn entry(i: u64) -> Entry {
    Entry {
        control: if i.is_multiple_of(3) {
            "AUTH"
        } else {
            "BACKUP"
        }
        .into(),
        item: format!("item-{}", i % 5),
        kind: EntryKind::Check,
        collector: "check:test".into(),
        // One second apart, in log order: time only moves forward.
        collected_at: at(i).to_string(),
        covers_from: "2026-11-01".parse().unwrap(),
        covers_to: "2026-11-23".parse().unwrap(),
        result: if i % 7 == 6 {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        summary: format!("run {i}: «ok»"),
        content_sha256: format!("{:064x}", i),
        retracts: None,
    }
}

/// Entry `i`'s moment: 2026-11-23 plus `i` seconds.
pub fn at(i: u64) -> Instant {
    "2026-11-23T00:00:00Z".parse::<Instant>().unwrap().plus(i)
}

/// A write limit no test entry reaches.
pub fn open_clock() -> Instant {
    "2100-01-01T00:00:00Z".parse().unwrap()
}
