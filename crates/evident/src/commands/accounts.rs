//! `evident user` and `evident token`: the server's accounts and API tokens,
//! kept in the ledger's database; every change is in the audit log.

use super::ledger_access::{store_failure, with_ledger};
use super::serve::server_failure;
use crate::cli::{TokenCommand, UserCommand};
use crate::failure::{Failure, VerbResult};
use crate::output::{print_json, table};
use evident_core::catalog::Catalog;
use evident_server::audit::Change;
use evident_server::roles::Role;
use evident_server::{accounts, db, tokens};
use evident_store::{Blobs, Ledger};
use std::io::Read;
use std::path::Path;

/// Who the audit log names for a change made at this terminal.
fn operator() -> String {
    let name = std::env::var("EVIDENT_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    format!("{name} (command line)")
}

/// Runs `work` on the ledger with the server's tables in place.
fn with_accounts<T>(
    repo: &Path,
    work: impl AsyncFnOnce(&Ledger<Blobs>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let program = super::load_program(repo, &Catalog::tsc())?;
    with_ledger(repo, &program, async |ledger| {
        db::prepare(&ledger.store).await.map_err(server_failure)?;
        work(ledger).await
    })
}

async fn record(ledger: &Ledger<Blobs>, what: &str, detail: String) -> Result<(), Failure> {
    let change = Change::new(&operator(), what, "command line", true, detail);
    let now = super::instant();
    ledger
        .record_request(vec![change.evidence(now)], now, None)
        .await
        .map_err(store_failure)?;
    Ok(())
}

fn role(text: &str) -> Result<Role, Failure> {
    Role::parse(text).map_err(|e| Failure::input(format!("--role: {e}")))
}

fn unix_now() -> i64 {
    super::instant().unix()
}

pub fn user(repo: &Path, command: UserCommand) -> VerbResult {
    match command {
        UserCommand::Add {
            email,
            role: r,
            password_stdin,
        } => {
            let role = role(&r)?;
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let added = add_account(repo, &email, role, password.as_deref())?;
            let email = email.trim().to_lowercase();
            say!("added {email} ({})", role.as_str());
            if let Some(uri) = &added.totp_uri {
                say!(
                    "authenticator enrolment (add it to an authenticator app now; it is not shown again):\n  {uri}"
                );
            }
            if !added.recovery.is_empty() {
                say!(
                    "recovery codes (each signs in once without the authenticator; not shown again):"
                );
                for code in &added.recovery {
                    say!("  {code}");
                }
            }
            if let Some(invite) = &added.invite {
                say!(
                    "invitation (works once, for 7 days; not shown again): open /app/enrol?invite={invite} on the server, e.g. http://127.0.0.1:8080/app/enrol?invite={invite}"
                );
            }
            Ok(())
        }
        UserCommand::List { json } => {
            let users = with_accounts(repo, async |ledger| {
                accounts::list(ledger.store.pool())
                    .await
                    .map_err(server_failure)
            })?;
            if json {
                print_json(&users);
            } else if users.is_empty() {
                say!("no accounts yet: `evident user add EMAIL --role owner --password-stdin`");
            } else {
                let mut t = table(["E-mail", "Role", "State"]);
                for u in &users {
                    let state = match (u.enrolled, u.second_factor) {
                        (false, _) => "invited",
                        (true, true) => "enrolled, 2FA",
                        (true, false) => "enrolled",
                    };
                    t.add_row([u.email.clone(), u.role.as_str().into(), state.into()]);
                }
                say!("{t}");
            }
            Ok(())
        }
        UserCommand::Role { email, role: r } => {
            let role = role(&r)?;
            let email = email.trim().to_lowercase();
            let before = with_accounts(repo, async |ledger| {
                let before = accounts::set_role(ledger.store.pool(), &email, role)
                    .await
                    .map_err(server_failure)?;
                record(
                    ledger,
                    "user-role",
                    format!(
                        "{} changed {email} from {} to {}",
                        operator(),
                        before.as_str(),
                        role.as_str()
                    ),
                )
                .await?;
                Ok(before)
            })?;
            say!(
                "{email} is now {} (was {}); its sessions ended",
                role.as_str(),
                before.as_str()
            );
            Ok(())
        }
        UserCommand::Remove { email } => {
            let email = email.trim().to_lowercase();
            with_accounts(repo, async |ledger| {
                if !accounts::remove(ledger.store.pool(), &email)
                    .await
                    .map_err(server_failure)?
                {
                    return Err(Failure::input(format!(
                        "there is no account {email}; `evident user list` shows them"
                    )));
                }
                record(
                    ledger,
                    "user-remove",
                    format!("{} removed {email}", operator()),
                )
                .await
            })?;
            say!("removed {email} and ended its sessions");
            Ok(())
        }
    }
}

/// Adds an account (with its audit record): `user add`, and the demo's owner.
pub fn add_account(
    repo: &Path,
    email: &str,
    role: Role,
    password: Option<&str>,
) -> Result<accounts::Added, Failure> {
    with_accounts(repo, async |ledger| {
        let added = accounts::add(ledger.store.pool(), email, role, password, unix_now())
            .await
            .map_err(server_failure)?;
        let email = accounts::email(email).map_err(server_failure)?;
        let detail = format!("{} added {email} as {}", operator(), role.as_str());
        record(ledger, "user-add", detail).await?;
        Ok(added)
    })
}

/// The first line of standard input, at most a few kilobytes.
fn read_password() -> Result<String, Failure> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(4096)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::input(format!("--password-stdin: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::input("--password-stdin: the password is not UTF-8"))?;
    let line = text.lines().next().unwrap_or_default().to_string();
    evident_server::password::acceptable(&line)
        .map_err(|e| Failure::input(format!("--password-stdin: {e}")))?;
    Ok(line)
}

pub fn token(repo: &Path, command: TokenCommand) -> VerbResult {
    match command {
        TokenCommand::Create {
            name,
            role: r,
            controls,
            expires,
        } => {
            let role = role(&r)?;
            let program = super::load_program(repo, &Catalog::tsc())?;
            if let Some(c) = controls
                .iter()
                .find(|c| !program.controls.iter().any(|p| &p.id == *c))
            {
                return Err(Failure::input(format!(
                    "--control: no control `{c}` in the trust repo; `evident status` lists them"
                )));
            }
            let now = unix_now();
            let (secret, id) = with_accounts(repo, async |ledger| {
                let made = tokens::create(
                    ledger.store.pool(),
                    tokens::NewToken {
                        name: &name,
                        role,
                        controls: &controls,
                        expires: expires.map(|d| now + i64::from(d) * 86_400),
                        created_by: &operator(),
                    },
                    now,
                )
                .await
                .map_err(server_failure)?;
                let scope = if controls.is_empty() {
                    "every control".into()
                } else {
                    controls.join(", ")
                };
                record(
                    ledger,
                    "token-create",
                    format!(
                        "{} made token {name} ({}) as {} for {scope}",
                        operator(),
                        made.1,
                        role.as_str()
                    ),
                )
                .await?;
                Ok(made)
            })?;
            eprintln!(
                "made token {name} ({id}), role {}; it is printed once, on standard output:",
                role.as_str()
            );
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List { json } => {
            let list = with_accounts(repo, async |ledger| {
                tokens::list(ledger.store.pool())
                    .await
                    .map_err(server_failure)
            })?;
            if json {
                print_json(&list);
            } else {
                let mut t = table(["Id", "Name", "Role", "Controls", "State"]);
                for k in &list {
                    let state = if k.revoked.is_some() {
                        "revoked"
                    } else {
                        "live"
                    };
                    let controls = if k.controls.is_empty() {
                        "all".into()
                    } else {
                        k.controls.join(", ")
                    };
                    t.add_row([
                        k.id.clone(),
                        k.name.clone(),
                        k.role.as_str().into(),
                        controls,
                        state.into(),
                    ]);
                }
                say!("{t}");
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            with_accounts(repo, async |ledger| {
                if !tokens::revoke(ledger.store.pool(), &id, unix_now())
                    .await
                    .map_err(server_failure)?
                {
                    return Err(Failure::input(format!(
                        "there is no live token {id}; `evident token list` shows them"
                    )));
                }
                record(
                    ledger,
                    "token-revoke",
                    format!("{} revoked token {id}", operator()),
                )
                .await
            })?;
            say!("revoked token {id}");
            Ok(())
        }
    }
}
