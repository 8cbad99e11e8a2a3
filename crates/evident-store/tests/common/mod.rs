//! Both backends, for tests that must pass on each: a SQLite file in a temp dir,
//! and a fresh schema in the PostgreSQL server named by `EVIDENT_TEST_PG`.

#![allow(dead_code)]

use evident_ledger::entry::{Entry, EntryKind, Outcome};
use evident_store::Location;
use sqlx::Connection;
use std::path::Path;

pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

pub fn pg_url() -> String {
    std::env::var("EVIDENT_TEST_PG")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_PG.to_string())
}

/// A new, empty schema of its own, so tests running at once never share tables.
pub async fn pg_location(tag: &str) -> Location {
    let base = pg_url();
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL at {base} (EVIDENT_TEST_PG) is needed by the ledger tests: {e}")
        });
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd).unwrap();
    let schema = format!(
        "evident_{tag}_{}",
        rnd.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Location::Postgres(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

/// Each backend once, by name.
pub async fn backends(dir: &Path, tag: &str) -> Vec<(&'static str, Location)> {
    vec![
        ("sqlite", Location::Sqlite(dir.join(".evident/ledger.db"))),
        ("postgres", pg_location(tag).await),
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
