//! Accounts: made by `evident user add` or an owner's invitation, enrolled
//! with a password and (for every role but viewer) a TOTP authenticator and
//! ten one-time recovery codes, and checked at sign-in.

use crate::roles::Role;
use crate::{ServerError, password, secrets, totp};
use serde::Serialize;
use sqlx::{AnyPool, Row};

/// How long an invitation stays open.
pub const INVITE_SECONDS: i64 = 7 * 24 * 3600;
pub const RECOVERY_CODES: usize = 10;

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub email: String,
    pub role: Role,
    /// A password is set (the invitation was taken up).
    pub enrolled: bool,
    pub second_factor: bool,
    pub created: i64,
}

/// What adding an account hands out once: never stored in the clear.
#[derive(Debug)]
pub struct Added {
    /// For an account made with a password: the authenticator's enrolment URI.
    pub totp_uri: Option<String>,
    pub recovery: Vec<String>,
    /// For an invited account: the invitation, to open at `/app/enrol?invite=`.
    pub invite: Option<String>,
}

/// A normalised address, or why it is not one.
pub fn email(text: &str) -> Result<String, ServerError> {
    let e = text.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'".contains(c));
    if ok {
        Ok(e)
    } else {
        Err(ServerError::Input(format!(
            "`{text}` is not an e-mail address evident accepts (name@example.com)"
        )))
    }
}

fn user_of(row: &sqlx::any::AnyRow) -> Result<User, ServerError> {
    let role: String = row.try_get("role")?;
    let password: Option<String> = row.try_get("password")?;
    let secret: Option<String> = row.try_get("totp_secret")?;
    Ok(User {
        email: row.try_get("email")?,
        role: Role::parse(&role).map_err(ServerError::Damaged)?,
        enrolled: password.is_some(),
        second_factor: secret.is_some() && password.is_some(),
        created: row.try_get("created")?,
    })
}

pub async fn find(pool: &AnyPool, email: &str) -> Result<Option<User>, ServerError> {
    let row = sqlx::query("SELECT * FROM server_users WHERE email = $1")
        .bind(email.to_string())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_of).transpose()
}

pub async fn list(pool: &AnyPool) -> Result<Vec<User>, ServerError> {
    let rows = sqlx::query("SELECT * FROM server_users ORDER BY email")
        .fetch_all(pool)
        .await?;
    rows.iter().map(user_of).collect()
}

/// Adds an account: with a password (then enrolled at once, its TOTP URI and
/// recovery codes returned), or invited (the invitation returned).
pub async fn add(
    pool: &AnyPool,
    email_text: &str,
    role: Role,
    password_text: Option<&str>,
    now: i64,
) -> Result<Added, ServerError> {
    let email = email(email_text)?;
    if find(pool, &email).await?.is_some() {
        return Err(ServerError::Input(format!(
            "there is already an account for {email}; `evident user list` shows the accounts"
        )));
    }
    let mut added = Added {
        totp_uri: None,
        recovery: Vec::new(),
        invite: None,
    };
    let (hash, secret, invite) = match password_text {
        Some(p) => {
            password::acceptable(p).map_err(ServerError::Input)?;
            let secret = role.needs_second_factor().then(totp::new_secret);
            added.totp_uri = secret.as_deref().map(|s| totp::uri(s, &email));
            (Some(password::hash(p)), secret, None)
        }
        None => {
            let invite = secrets::random_text(24);
            added.invite = Some(invite.clone());
            (None, None, Some(secrets::digest(&invite)))
        }
    };
    sqlx::query("INSERT INTO server_users (email, role, password, totp_secret, totp_step, invite, invite_expires, created) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)")
        .bind(email.clone())
        .bind(role.as_str())
        .bind(hash)
        .bind(secret)
        .bind(invite)
        .bind(now + INVITE_SECONDS)
        .bind(now)
        .execute(pool)
        .await?;
    if password_text.is_some() && role.needs_second_factor() {
        added.recovery = new_recovery_codes(pool, &email).await?;
    }
    Ok(added)
}

/// Removes an account, its sessions and its recovery codes.
pub async fn remove(pool: &AnyPool, email: &str) -> Result<bool, ServerError> {
    let gone = sqlx::query("DELETE FROM server_users WHERE email = $1")
        .bind(email.to_string())
        .execute(pool)
        .await?
        .rows_affected();
    for table in ["server_sessions", "server_recovery"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE email = $1"
        )))
        .bind(email.to_string())
        .execute(pool)
        .await?;
    }
    Ok(gone > 0)
}

/// Gives an account another role and ends its sessions, so the new role
/// applies from its next sign-in with the second factor that role needs.
/// Returns the role it had. Refused: an unknown account, taking the last
/// owner's role away, and raising an enrolled account that has no
/// authenticator (a viewer's) to a role that needs one.
pub async fn set_role(pool: &AnyPool, email_text: &str, role: Role) -> Result<Role, ServerError> {
    let email = email_text.trim().to_lowercase();
    let Some(user) = find(pool, &email).await? else {
        return Err(ServerError::Input(format!(
            "there is no account {email}; `evident user list` shows them"
        )));
    };
    if user.role == Role::Owner && role != Role::Owner {
        let owners = list(pool)
            .await?
            .iter()
            .filter(|u| u.role == Role::Owner)
            .count();
        if owners == 1 {
            return Err(ServerError::Input(format!(
                "{email} is the only owner: make another owner first"
            )));
        }
    }
    if user.enrolled && !user.second_factor && role.needs_second_factor() {
        return Err(ServerError::Input(format!(
            "{email} enrolled without an authenticator (as a {}), and a {} needs one: remove the account and invite it again as {}",
            user.role.as_str(),
            role.as_str(),
            role.as_str()
        )));
    }
    sqlx::query("UPDATE server_users SET role = $1 WHERE email = $2")
        .bind(role.as_str())
        .bind(email.clone())
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM server_sessions WHERE email = $1")
        .bind(email)
        .execute(pool)
        .await?;
    Ok(user.role)
}

/// Ten new codes (any earlier ones are dropped), returned once, stored as digests.
async fn new_recovery_codes(pool: &AnyPool, email: &str) -> Result<Vec<String>, ServerError> {
    sqlx::query("DELETE FROM server_recovery WHERE email = $1")
        .bind(email.to_string())
        .execute(pool)
        .await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let raw = secrets::random_text(8)
            .to_lowercase()
            .replace(['-', '_'], "x");
        let code = format!("{}-{}", &raw[..5], &raw[5..10]);
        sqlx::query("INSERT INTO server_recovery (email, code, used) VALUES ($1, $2, NULL)")
            .bind(email.to_string())
            .bind(secrets::digest(&code))
            .execute(pool)
            .await?;
        codes.push(code);
    }
    Ok(codes)
}

/// The account an open invitation is for, and its TOTP secret (made on the
/// first look, kept until the enrolment is done so the QR code stays valid).
pub async fn invitation(
    pool: &AnyPool,
    invite: &str,
    now: i64,
) -> Result<Option<(User, Option<String>)>, ServerError> {
    let row = sqlx::query(
        "SELECT * FROM server_users WHERE invite = $1 AND invite_expires > $2 AND password IS NULL",
    )
    .bind(secrets::digest(invite))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user = user_of(&row)?;
    let mut secret: Option<String> = row.try_get("totp_secret")?;
    if secret.is_none() && user.role.needs_second_factor() {
        let made = totp::new_secret();
        sqlx::query(
            "UPDATE server_users SET totp_secret = $1 WHERE email = $2 AND totp_secret IS NULL",
        )
        .bind(made)
        .bind(user.email.clone())
        .execute(pool)
        .await?;
        secret = sqlx::query_scalar("SELECT totp_secret FROM server_users WHERE email = $1")
            .bind(user.email.clone())
            .fetch_one(pool)
            .await?;
    }
    Ok(Some((user, secret)))
}

/// Takes up an invitation: the password is set once the authenticator's
/// code proves the secret was enrolled. Returns the account and its recovery codes.
pub async fn enrol(
    pool: &AnyPool,
    invite: &str,
    password_text: &str,
    code: &str,
    now: i64,
) -> Result<(User, Vec<String>), ServerError> {
    let Some((user, secret)) = invitation(pool, invite, now).await? else {
        return Err(ServerError::Input(
            "this invitation is not open: it was used, withdrawn or has expired; ask an owner for a new one".into(),
        ));
    };
    password::acceptable(password_text).map_err(ServerError::Input)?;
    let mut step = 0;
    if let Some(secret) = &secret {
        step = totp::check(secret, code, now as u64, 0).ok_or_else(|| {
            ServerError::Input(
                "the authenticator code does not match: scan the QR code again and enter the code it shows now".into(),
            )
        })?;
    }
    sqlx::query("UPDATE server_users SET password = $1, invite = NULL, totp_step = $2 WHERE email = $3 AND password IS NULL")
        .bind(password::hash(password_text))
        .bind(step as i64)
        .bind(user.email.clone())
        .execute(pool)
        .await?;
    let codes = if secret.is_some() {
        new_recovery_codes(pool, &user.email).await?
    } else {
        Vec::new()
    };
    let user = find(pool, &user.email).await?.unwrap_or(user);
    Ok((user, codes))
}

/// Checks a sign-in: the password (against a decoy when there is no such
/// account, so both take as long), then the TOTP code or an unused recovery
/// code. One answer for every way it can fail.
pub async fn authenticate(
    pool: &AnyPool,
    email_text: &str,
    password_text: &str,
    code: &str,
    now: i64,
) -> Result<Option<User>, ServerError> {
    let email = email_text.trim().to_lowercase();
    let row = sqlx::query("SELECT * FROM server_users WHERE email = $1")
        .bind(email.clone())
        .fetch_optional(pool)
        .await?;
    let stored: Option<String> = match &row {
        Some(r) => r.try_get("password")?,
        None => None,
    };
    let password_ok = password_text.len() <= password::MAX_LEN * 4
        && password::verify(password_text, stored.as_deref());
    let Some(row) = row.filter(|_| password_ok) else {
        return Ok(None);
    };
    let user = user_of(&row)?;
    let secret: Option<String> = row.try_get("totp_secret")?;
    let Some(secret) = secret else {
        // A viewer without a second factor.
        return Ok((!user.role.needs_second_factor()).then_some(user));
    };
    let last: i64 = row.try_get("totp_step")?;
    if let Some(step) = totp::check(&secret, code, now as u64, last as u64) {
        // Only a later step is taken: a code seen by another process is refused.
        let taken = sqlx::query(
            "UPDATE server_users SET totp_step = $1 WHERE email = $2 AND totp_step < $1",
        )
        .bind(step as i64)
        .bind(email.clone())
        .execute(pool)
        .await?
        .rows_affected();
        return Ok((taken == 1).then_some(user));
    }
    let recovery = code.trim().to_lowercase();
    let used = sqlx::query(
        "UPDATE server_recovery SET used = $1 WHERE email = $2 AND code = $3 AND used IS NULL",
    )
    .bind(now)
    .bind(email)
    .bind(secrets::digest(&recovery))
    .execute(pool)
    .await?
    .rows_affected();
    Ok((used == 1).then_some(user))
}
