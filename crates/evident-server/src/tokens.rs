//! API tokens for CI: named, scoped by role and optionally controls,
//! expiring, stored as digests, their last use recorded. A token reads
//! `evident_<id>_<secret>`: the id finds the row, the secret is compared
//! against its digest.

use crate::roles::Role;
use crate::{ServerError, secrets};
use serde::Serialize;
use sqlx::{AnyPool, Row};

const PREFIX: &str = "evident_";
/// Last use is written at most this often, not on every upload.
const TOUCH_EVERY: i64 = 60;

#[derive(Clone, Debug, Serialize)]
pub struct Token {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Empty: every control.
    pub controls: Vec<String>,
    pub created: i64,
    pub created_by: String,
    pub expires: Option<i64>,
    pub last_used: Option<i64>,
    pub revoked: Option<i64>,
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: Role,
    pub controls: &'a [String],
    pub expires: Option<i64>,
    pub created_by: &'a str,
}

fn token_of(row: &sqlx::any::AnyRow) -> Result<Token, ServerError> {
    let role: String = row.try_get("role")?;
    let controls: String = row.try_get("controls")?;
    Ok(Token {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).map_err(ServerError::Damaged)?,
        controls: controls
            .split(',')
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect(),
        created: row.try_get("created")?,
        created_by: row.try_get("created_by")?,
        expires: row.try_get("expires")?,
        last_used: row.try_get("last_used")?,
        revoked: row.try_get("revoked")?,
    })
}

/// Makes a token; returns it (the only copy) and its id.
pub async fn create(
    pool: &AnyPool,
    new: NewToken<'_>,
    now: i64,
) -> Result<(String, String), ServerError> {
    let name = new.name.trim();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(ServerError::Input(
            "a token needs a name of 1 to 100 printable characters (say where it is used: `ci-main`)".into(),
        ));
    }
    if let Some(c) = new
        .controls
        .iter()
        .find(|c| c.is_empty() || c.contains(','))
    {
        return Err(ServerError::Input(format!("`{c}` is not a control id")));
    }
    let id = secrets::random_text(9).replace(['-', '_'], "x");
    let secret = secrets::random_text(32);
    sqlx::query("INSERT INTO server_tokens (id, name, secret, role, controls, created, created_by, expires, last_used, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)")
        .bind(id.clone())
        .bind(name.to_string())
        .bind(secrets::digest(&secret))
        .bind(new.role.as_str())
        .bind(new.controls.join(","))
        .bind(now)
        .bind(new.created_by.to_string())
        .bind(new.expires)
        .execute(pool)
        .await?;
    Ok((format!("{PREFIX}{id}_{secret}"), id))
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Token>, ServerError> {
    let rows = sqlx::query("SELECT * FROM server_tokens ORDER BY created DESC, id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(token_of).collect()
}

pub async fn revoke(pool: &AnyPool, id: &str, now: i64) -> Result<bool, ServerError> {
    Ok(
        sqlx::query("UPDATE server_tokens SET revoked = $1 WHERE id = $2 AND revoked IS NULL")
            .bind(now)
            .bind(id.to_string())
            .execute(pool)
            .await?
            .rows_affected()
            > 0,
    )
}

/// The live token `text` is, its use recorded.
pub async fn find(pool: &AnyPool, text: &str, now: i64) -> Result<Option<Token>, ServerError> {
    let Some((id, secret)) = text.strip_prefix(PREFIX).and_then(|t| t.split_once('_')) else {
        return Ok(None);
    };
    if id.len() > 20 || secret.len() > 64 {
        return Ok(None);
    }
    let row = sqlx::query("SELECT * FROM server_tokens WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.try_get("secret")?;
    let token = token_of(&row)?;
    let live = token.revoked.is_none() && token.expires.is_none_or(|e| e > now);
    if !live || !secrets::same(&stored, &secrets::digest(secret)) {
        return Ok(None);
    }
    if token.last_used.is_none_or(|t| now - t > TOUCH_EVERY) {
        sqlx::query("UPDATE server_tokens SET last_used = $1 WHERE id = $2")
            .bind(now)
            .bind(id.to_string())
            .execute(pool)
            .await?;
    }
    Ok(Some(token))
}
