//! Sign-in throttling, per account and per address, in the database so every
//! server process counts the same failures. Accounts that do not exist are
//! counted like any other, so the answer says nothing about who has one.

use crate::ServerError;
use sqlx::AnyPool;

/// Failures counted over this window.
pub const WINDOW: i64 = 15 * 60;
/// Failed sign-ins allowed per account, and per address, in a window.
pub const PER_ACCOUNT: i64 = 5;
pub const PER_ADDRESS: i64 = 20;

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// Seconds to wait before another attempt, if one of the keys is over its limit.
pub async fn wait(
    pool: &AnyPool,
    keys: &[(String, i64)],
    now: i64,
) -> Result<Option<i64>, ServerError> {
    let mut longest = None;
    for (key, limit) in keys {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT failures, since FROM server_throttle WHERE key = $1")
                .bind(key.clone())
                .fetch_optional(pool)
                .await?;
        if let Some((failures, since)) = row
            && failures >= *limit
            && now - since < WINDOW
        {
            let left = since + WINDOW - now;
            longest = Some(longest.map_or(left, |l: i64| l.max(left)));
        }
    }
    Ok(longest)
}

/// Counts one failure against each key.
pub async fn failed(pool: &AnyPool, keys: &[(String, i64)], now: i64) -> Result<(), ServerError> {
    for (key, _) in keys {
        sqlx::query(
            "INSERT INTO server_throttle (key, failures, since) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN server_throttle.since <= $3 THEN 1 ELSE server_throttle.failures + 1 END,
               since = CASE WHEN server_throttle.since <= $3 THEN $2 ELSE server_throttle.since END",
        )
        .bind(key.clone())
        .bind(now)
        .bind(now - WINDOW)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// A successful sign-in clears its account's count (not its address's).
pub async fn cleared(pool: &AnyPool, key: &str) -> Result<(), ServerError> {
    sqlx::query("DELETE FROM server_throttle WHERE key = $1")
        .bind(key.to_string())
        .execute(pool)
        .await?;
    Ok(())
}
