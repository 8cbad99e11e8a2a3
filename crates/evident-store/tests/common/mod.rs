//! Both backends, for tests that must pass on each: a SQLite file in a temp dir,
//! and a fresh schema in the PostgreSQL server named by `EVIDENT_TEST_PG`.

#![allow(dead_code)]

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
        collected_at: format!("2026-11-23T10:{:02}:{:02}Z", i / 60 % 60, i % 60),
        covers_from: "2026-11-01".parse().unwrap(),
        covers_to: "2026-11-23".parse().unwrap(),
        result: if i % 7 == 6 {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        summary: format!("run {i}: «ok»"),
        content_sha256: format!("{:064x}", i),
    }
}
