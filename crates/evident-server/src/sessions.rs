//! Browser sessions: a random id in a cookie, only its digest stored, a new
//! one made at every sign-in (so an id planted before sign-in is worthless),
//! ended after [`IDLE`] without use and [`ABSOLUTE`] after sign-in, and each
//! with its own CSRF token for the forms it is shown.

use crate::roles::Role;
use crate::{ServerError, secrets};
use sqlx::{AnyPool, Row};

pub const IDLE: i64 = 30 * 60;
pub const ABSOLUTE: i64 = 12 * 3600;
/// Last use is written at most this often, not on every request.
const TOUCH_EVERY: i64 = 60;

#[derive(Clone, Debug)]
pub struct Session {
    pub email: String,
    pub role: Role,
    pub csrf: String,
}

/// Opens a session; returns the cookie's value (the only copy of the id).
pub async fn open(
    pool: &AnyPool,
    email: &str,
    address: &str,
    now: i64,
) -> Result<String, ServerError> {
    let id = secrets::random_text(32);
    sqlx::query("INSERT INTO server_sessions (id, email, csrf, created, seen, address) VALUES ($1, $2, $3, $4, $4, $5)")
        .bind(secrets::digest(&id))
        .bind(email.to_string())
        .bind(secrets::random_text(24))
        .bind(now)
        .bind(address.to_string())
        .execute(pool)
        .await?;
    Ok(id)
}

/// The live session a cookie names, if any.
pub async fn find(pool: &AnyPool, cookie: &str, now: i64) -> Result<Option<Session>, ServerError> {
    if cookie.len() > 100 {
        return Ok(None);
    }
    let digest = secrets::digest(cookie);
    let row = sqlx::query(
        "SELECT s.email, s.csrf, s.created, s.seen, u.role FROM server_sessions s JOIN server_users u ON u.email = s.email WHERE s.id = $1",
    )
    .bind(digest.clone())
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (created, seen): (i64, i64) = (row.try_get("created")?, row.try_get("seen")?);
    if now - seen > IDLE || now - created > ABSOLUTE {
        close(pool, cookie).await?;
        return Ok(None);
    }
    if now - seen > TOUCH_EVERY {
        sqlx::query("UPDATE server_sessions SET seen = $1 WHERE id = $2")
            .bind(now)
            .bind(digest.clone())
            .execute(pool)
            .await?;
    }
    let role: String = row.try_get("role")?;
    Ok(Some(Session {
        email: row.try_get("email")?,
        role: Role::parse(&role).map_err(ServerError::Damaged)?,
        csrf: row.try_get("csrf")?,
    }))
}

pub async fn close(pool: &AnyPool, cookie: &str) -> Result<(), ServerError> {
    sqlx::query("DELETE FROM server_sessions WHERE id = $1")
        .bind(secrets::digest(cookie))
        .execute(pool)
        .await?;
    Ok(())
}

/// Signs an account out everywhere.
pub async fn close_all(pool: &AnyPool, email: &str) -> Result<u64, ServerError> {
    Ok(sqlx::query("DELETE FROM server_sessions WHERE email = $1")
        .bind(email.to_string())
        .execute(pool)
        .await?
        .rows_affected())
}
