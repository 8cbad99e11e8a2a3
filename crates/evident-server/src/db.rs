//! The server's own tables, beside the ledger's in the same database (SQLite
//! or PostgreSQL): accounts, their recovery codes, sessions, API tokens and
//! sign-in throttling. Nothing lives in the process, so several processes can
//! serve one program.

use crate::ServerError;
use evident_store::{Backend, Store};
use sqlx::Connection;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS server_users (
    email TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT, totp_secret TEXT,
    totp_step INTEGER NOT NULL, invite TEXT, invite_expires INTEGER, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS server_recovery (email TEXT NOT NULL, code TEXT NOT NULL, used INTEGER);
CREATE TABLE IF NOT EXISTS server_sessions (
    id TEXT PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL, created INTEGER NOT NULL,
    seen INTEGER NOT NULL, address TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, secret TEXT NOT NULL, role TEXT NOT NULL,
    controls TEXT NOT NULL, created INTEGER NOT NULL, created_by TEXT NOT NULL,
    expires INTEGER, last_used INTEGER, revoked INTEGER);
CREATE TABLE IF NOT EXISTS server_throttle (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, since INTEGER NOT NULL);
";

/// Creates the server's tables if the database lacks them.
pub async fn prepare(store: &Store) -> Result<(), ServerError> {
    let tables = match store.backend() {
        Backend::Sqlite => TABLES.to_string(),
        Backend::Postgres => TABLES.replace("INTEGER", "BIGINT"),
    };
    let mut conn = store.pool().acquire().await?;
    let mut tx = conn.begin().await?;
    if store.backend() == Backend::Postgres {
        // Two processes starting at once must not race to create the same tables.
        sqlx::query("SELECT pg_advisory_xact_lock(4206931)")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(tables))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
