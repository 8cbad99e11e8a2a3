//! Scratch databases for tests and benchmarks: every caller gets a PostgreSQL
//! schema of its own, so suites running at once never share tables.

use crate::{Location, StoreError};
use sqlx::Connection;

/// The PostgreSQL the tests use unless `EVIDENT_TEST_PG` names another.
pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

pub fn test_pg_url() -> String {
    std::env::var("EVIDENT_TEST_PG")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_PG.to_string())
}

/// Creates an empty schema named after `tag` plus random digits in the test
/// server, and returns a location whose connections work inside it.
pub async fn scratch_postgres(tag: &str) -> Result<Location, StoreError> {
    let base = test_pg_url();
    let mut conn = sqlx::PgConnection::connect(&base).await.map_err(|e| {
        StoreError::Database(format!("PostgreSQL at {base} (set EVIDENT_TEST_PG): {e}"))
    })?;
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd).map_err(|e| StoreError::Database(e.to_string()))?;
    let schema = format!("evident_{tag}_{}", evident_ledger::hex::encode(&rnd));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(Location::Postgres(format!(
        "{base}{sep}options=-c%20search_path%3D{schema}"
    )))
}
