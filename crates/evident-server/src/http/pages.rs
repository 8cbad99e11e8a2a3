//! The team's pages under `/app/`: sign-in, enrolment, the dashboard, tokens,
//! people and the audit log. Every form carries a CSRF token: the session's
//! own once signed in, before that one bound to a `SameSite=Strict` cookie.

use super::request::{Asker, address, asker, cookie, session_cookie, session_set_cookie};
use super::view::STYLESHEET;
use super::{App, api, now};
use crate::audit::{self, Change};
use crate::authz::{self, Decision, Route};
use crate::roles::Role;
use crate::sessions::Session;
use crate::{accounts, secrets, sessions, tokens, totp};
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use evident_core::record::Kind;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

const FORM_COOKIE: &str = "evident_form";

/// What the pages know of the signed-in person.
#[derive(Serialize)]
struct Me {
    email: String,
    role: Role,
    csrf: String,
    admin: bool,
}

fn me(s: &Session) -> Me {
    Me {
        email: s.email.clone(),
        role: s.role,
        csrf: s.csrf.clone(),
        admin: matches!(s.role, Role::Owner | Role::Admin),
    }
}

fn v<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

fn page(app: &App, status: StatusCode, name: &str, ctx: minijinja::Value) -> Response {
    let org = app.view().org.clone();
    let html = app.pages.render(name, context! { org => org, ..ctx });
    (status, Html(html)).into_response()
}

fn message(
    app: &App,
    status: StatusCode,
    heading: &str,
    text: &str,
    me: Option<&Session>,
) -> Response {
    page(
        app,
        status,
        "message.html",
        context! { heading, message => text, me => v(&me.map(self::me)) },
    )
}

/// The signed-in person a page needs, or the answer instead: the sign-in
/// page for nobody, a refusal for the wrong role or a token.
async fn person(app: &App, headers: &HeaderMap, route: Route) -> Result<Session, Response> {
    let asker = match asker(app, headers).await {
        Ok(a) => a,
        Err(e) => return Err(message(app, e.status, "Not signed in", &e.message, None)),
    };
    match authz::authorize(route, asker.who(), None) {
        Decision::Allow => match asker {
            Asker::Person(s) => Ok(s),
            _ => Err(Redirect::to("/app/sign-in").into_response()),
        },
        Decision::Unauthenticated => Err(Redirect::to("/app/sign-in").into_response()),
        Decision::Forbidden => Err(message(
            app,
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Your role may not open this page.",
            asker.session(),
        )),
    }
}

/// Who sent a signed-in form: the page's person, and the form's CSRF token
/// must be their session's.
async fn form_sender(
    app: &App,
    headers: &HeaderMap,
    route: Route,
    csrf: &str,
) -> Result<Session, Response> {
    let s = person(app, headers, route).await?;
    if !secrets::same(&s.csrf, csrf) {
        return Err(message(
            app,
            StatusCode::FORBIDDEN,
            "Not done",
            "The form expired or did not come from this site; reload the page and try again.",
            Some(&s),
        ));
    }
    Ok(s)
}

/// Records a change made from a page; when the audit log cannot take it, the
/// page that says what was done without being recorded.
async fn audited(app: &App, s: &Session, change: Change, unrecorded: &str) -> Result<(), Response> {
    app.record(change).await.map_err(|_| {
        message(
            app,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not recorded",
            unrecorded,
            Some(s),
        )
    })
}

pub async fn to_app() -> Redirect {
    Redirect::permanent("/app/")
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

/// The pre-session form token: the cookie's, or a new one set with the page.
fn form_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, FORM_COOKIE).filter(|v| v.len() >= 32 && v.len() <= 64) {
        Some(v) => (v, None),
        None => {
            let v = secrets::random_text(32);
            let set = format!("{FORM_COOKIE}={v}; Path=/app/; HttpOnly; SameSite=Strict");
            (v, HeaderValue::from_str(&set).ok())
        }
    }
}

fn with_cookie(mut res: Response, set: Option<HeaderValue>) -> Response {
    if let Some(v) = set {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn form_token_ok(headers: &HeaderMap, sent: &str) -> bool {
    cookie(headers, FORM_COOKIE).is_some_and(|c| secrets::same(&c, sent))
}

pub async fn sign_in_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (csrf, set) = form_token(&headers);
    with_cookie(
        page(&app, StatusCode::OK, "sign_in.html", context! { csrf }),
        set,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf: String,
}

pub async fn sign_in(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let (csrf, set) = form_token(&headers);
    if !form_token_ok(&headers, &f.csrf) {
        let notice = "The form expired or did not come from this site; sign in again.";
        return with_cookie(
            page(
                &app,
                StatusCode::FORBIDDEN,
                "sign_in.html",
                context! { csrf, notice },
            ),
            set,
        );
    }
    let from = address(&app, &headers, peer);
    match api::sign_in(&app, &f.email, &f.password, &f.totp, &from).await {
        Ok((cookie, _)) => {
            let mut res = Redirect::to("/app/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                session_set_cookie(app.secure, Some(&cookie)),
            );
            res
        }
        Err(e) => with_cookie(
            page(
                &app,
                e.status,
                "sign_in.html",
                context! { csrf, notice => e.message },
            ),
            set,
        ),
    }
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    scope: String,
}

pub async fn sign_out(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SignOutForm>,
) -> Response {
    let s = match form_sender(&app, &headers, Route::SignOut, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let everywhere = f.scope == "everywhere";
    let done = if everywhere {
        sessions::close_all(app.pool(), &s.email).await.map(|_| ())
    } else {
        match cookie(&headers, session_cookie(app.secure)) {
            Some(c) => sessions::close(app.pool(), &c).await,
            None => Ok(()),
        }
    };
    let from = address(&app, &headers, peer);
    let what = if everywhere {
        "signed out everywhere"
    } else {
        "signed out"
    };
    let logged = app
        .record(Change::new(
            &s.email,
            "sign-out",
            &from,
            true,
            format!("{} {what}", s.email),
        ))
        .await;
    if done.is_err() || logged.is_err() {
        return message(
            &app,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not signed out",
            "The server could not end the session; try again.",
            Some(&s),
        );
    }
    let mut res = Redirect::to("/app/sign-in").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_set_cookie(app.secure, None));
    res
}

#[derive(Deserialize)]
pub struct Invite {
    #[serde(default)]
    invite: String,
}

pub async fn enrol_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<Invite>,
) -> Response {
    let (csrf, set) = form_token(&headers);
    let found = accounts::invitation(app.pool(), &q.invite, now().unix())
        .await
        .unwrap_or_default();
    let Some((user, secret)) = found else {
        return message(
            &app,
            StatusCode::NOT_FOUND,
            "Invitation not open",
            "This invitation was used, withdrawn or has expired; ask an owner for a new one.",
            None,
        );
    };
    let qr = secret.as_deref().map(|s| {
        let svg = totp::qr_svg(&totp::uri(s, &user.email));
        format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        )
    });
    let ctx = context! { csrf, invite => q.invite, email => user.email, role => user.role.as_str(), qr, secret };
    with_cookie(page(&app, StatusCode::OK, "enrol.html", ctx), set)
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    invite: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf: String,
}

pub async fn enrol(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<EnrolForm>,
) -> Response {
    if !form_token_ok(&headers, &f.csrf) {
        return message(
            &app,
            StatusCode::FORBIDDEN,
            "Not joined",
            "The form expired or did not come from this site; open the invitation again.",
            None,
        );
    }
    let from = address(&app, &headers, peer);
    match accounts::enrol(app.pool(), &f.invite, &f.password, &f.totp, now().unix()).await {
        Ok((user, codes)) => {
            let logged = app
                .record(Change::new(
                    &user.email,
                    "user-enrol",
                    &from,
                    true,
                    format!(
                        "{} set a password{}",
                        user.email,
                        if codes.is_empty() {
                            ""
                        } else {
                            " and an authenticator"
                        }
                    ),
                ))
                .await;
            if logged.is_err() {
                return message(
                    &app,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Joined",
                    "Your account is ready, but the audit log could not record it; tell an owner.",
                    None,
                );
            }
            page(
                &app,
                StatusCode::OK,
                "message.html",
                context! {
                    heading => "Welcome", message => format!("{} can now sign in.", user.email), codes, next => "/app/sign-in",
                },
            )
        }
        Err(e) => message(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not joined",
            &format!("{e}. Go back and try again."),
            None,
        ),
    }
}

pub async fn dashboard(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match person(&app, &headers, Route::Dashboard).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let view = app.view();
    let changes = match app.ledger.store.latest_of_kind(Kind::Audit, 15).await {
        Ok(stored) => audit::lines(&stored),
        Err(_) => Vec::new(),
    };
    let load_error = app.load_error.read().expect("not poisoned").clone();
    page(
        &app,
        StatusCode::OK,
        "dashboard.html",
        context! {
            me => v(&me(&s)), d => v(&view.dashboard), as_of => view.as_of.clone(), commit => view.commit.clone(), ledger_size => view.ledger_size, changes => v(&changes), load_error,
        },
    )
}

/// A token as the page lists it.
#[derive(Serialize)]
struct TokenRow {
    #[serde(flatten)]
    token: tokens::Token,
    expires_text: String,
    last_used_text: String,
}

fn when(t: Option<i64>, none: &str) -> String {
    t.and_then(evident_core::time::Instant::from_unix)
        .map_or(none.to_string(), |i| i.to_string())
}

fn grantable(role: Role) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| authz::may_grant(role, *r))
        .collect()
}

pub async fn tokens_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match person(&app, &headers, Route::Tokens).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    tokens_list(&app, &s, None).await
}

async fn tokens_list(app: &App, s: &Session, notice: Option<String>) -> Response {
    let rows: Vec<TokenRow> = tokens::list(app.pool())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| TokenRow {
            expires_text: when(t.expires, "never"),
            last_used_text: when(t.last_used, "never"),
            token: t,
        })
        .collect();
    page(
        app,
        StatusCode::OK,
        "tokens.html",
        context! { me => v(&me(s)), tokens => v(&rows), grantable => v(&grantable(s.role)), notice },
    )
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    controls: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    id: String,
}

pub async fn tokens_change(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    let s = match form_sender(&app, &headers, Route::Tokens, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let from = address(&app, &headers, peer);
    let t = now().unix();
    match f.action.as_str() {
        "create" => {
            let role = match Role::parse(&f.role) {
                Ok(r) if authz::may_grant(s.role, r) => r,
                _ => {
                    return tokens_list(
                        &app,
                        &s,
                        Some(format!(
                            "You may not make a token with the role `{}`.",
                            f.role
                        )),
                    )
                    .await;
                }
            };
            let expires = match f.expires.trim() {
                "" => None,
                days => match days.parse::<i64>() {
                    Ok(d) if (1..=3650).contains(&d) => Some(t + d * 86_400),
                    _ => {
                        return tokens_list(
                            &app,
                            &s,
                            Some("Expires: a number of days from 1 to 3650, or empty.".into()),
                        )
                        .await;
                    }
                },
            };
            let controls: Vec<String> = f
                .controls
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect();
            let made = tokens::create(
                app.pool(),
                tokens::NewToken {
                    name: &f.name,
                    role,
                    controls: &controls,
                    expires,
                    created_by: &s.email,
                },
                t,
            )
            .await;
            match made {
                Ok((secret, id)) => {
                    let scope = if controls.is_empty() {
                        "every control".to_string()
                    } else {
                        controls.join(", ")
                    };
                    let change = Change::new(
                        &s.email,
                        "token-create",
                        &from,
                        true,
                        format!(
                            "{} made token {} ({id}) as {} for {scope}",
                            s.email,
                            f.name.trim(),
                            role.as_str()
                        ),
                    );
                    let unrecorded = "The token was made but the audit log could not record it; revoke it and try again.";
                    if let Err(r) = audited(&app, &s, change, unrecorded).await {
                        return r;
                    }
                    page(
                        &app,
                        StatusCode::OK,
                        "message.html",
                        context! {
                            me => v(&me(&s)), heading => "Token made", message => "Copy it now: it is not shown again. Use it as `Authorization: Bearer <token>` or EVIDENT_TOKEN.", secret_value => secret, next => "/app/tokens",
                        },
                    )
                }
                Err(e) => tokens_list(&app, &s, Some(e.to_string())).await,
            }
        }
        "revoke" => {
            let revoked = tokens::revoke(app.pool(), &f.id, t).await.unwrap_or(false);
            if revoked {
                let change = Change::new(
                    &s.email,
                    "token-revoke",
                    &from,
                    true,
                    format!("{} revoked token {}", s.email, f.id),
                );
                let unrecorded = "The token was revoked but the audit log could not record it.";
                if let Err(r) = audited(&app, &s, change, unrecorded).await {
                    return r;
                }
            }
            tokens_list(
                &app,
                &s,
                Some(if revoked {
                    "Token revoked.".into()
                } else {
                    "No such live token.".into()
                }),
            )
            .await
        }
        _ => tokens_list(&app, &s, Some("Unknown action.".into())).await,
    }
}

pub async fn users_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match person(&app, &headers, Route::Users).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    users_list(&app, &s, None).await
}

async fn users_list(app: &App, s: &Session, notice: Option<String>) -> Response {
    let users = accounts::list(app.pool()).await.unwrap_or_default();
    page(
        app,
        StatusCode::OK,
        "users.html",
        context! { me => v(&me(s)), users => v(&users), grantable => v(&grantable(s.role)), notice },
    )
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn users_change(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> Response {
    let s = match form_sender(&app, &headers, Route::Users, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let from = address(&app, &headers, peer);
    match f.action.as_str() {
        "invite" => {
            let role = match Role::parse(&f.role) {
                Ok(r) if authz::may_grant(s.role, r) => r,
                _ => {
                    return users_list(
                        &app,
                        &s,
                        Some(format!("You may not invite someone as `{}`.", f.role)),
                    )
                    .await;
                }
            };
            match accounts::add(app.pool(), &f.email, role, None, now().unix()).await {
                Ok(added) => {
                    let email = accounts::email(&f.email).unwrap_or_default();
                    let change = Change::new(
                        &s.email,
                        "user-invite",
                        &from,
                        true,
                        format!("{} invited {email} as {}", s.email, role.as_str()),
                    );
                    let unrecorded = "The invitation was made but the audit log could not record it; remove the account and try again.";
                    if let Err(r) = audited(&app, &s, change, unrecorded).await {
                        return r;
                    }
                    let link = format!("/app/enrol?invite={}", added.invite.unwrap_or_default());
                    page(
                        &app,
                        StatusCode::OK,
                        "message.html",
                        context! {
                            me => v(&me(&s)), heading => "Invitation made", message => format!("Send {email} this link (it works once, for 7 days; it is not shown again):"), secret_value => link, next => "/app/users",
                        },
                    )
                }
                Err(e) => users_list(&app, &s, Some(e.to_string())).await,
            }
        }
        "role" => {
            let email = f.email.trim().to_lowercase();
            let target = accounts::find(app.pool(), &email).await.ok().flatten();
            let role = Role::parse(&f.role).ok();
            let (Some(target), Some(role)) = (
                target.filter(|u| u.email != s.email && authz::may_grant(s.role, u.role)),
                role.filter(|r| authz::may_grant(s.role, *r)),
            ) else {
                return users_list(
                    &app,
                    &s,
                    Some("You may not give that account that role.".into()),
                )
                .await;
            };
            let before = match accounts::set_role(app.pool(), &target.email, role).await {
                Ok(before) => before,
                Err(e) => return users_list(&app, &s, Some(e.to_string())).await,
            };
            let change = Change::new(
                &s.email,
                "user-role",
                &from,
                true,
                format!(
                    "{} changed {} from {} to {}",
                    s.email,
                    target.email,
                    before.as_str(),
                    role.as_str()
                ),
            );
            let unrecorded =
                "The role was changed but the audit log could not record it; change it again.";
            if let Err(r) = audited(&app, &s, change, unrecorded).await {
                return r;
            }
            let notice = format!(
                "{} is now {}; their sessions ended.",
                target.email,
                role.as_str()
            );
            users_list(&app, &s, Some(notice)).await
        }
        "remove" => {
            let email = f.email.trim().to_lowercase();
            let target = accounts::find(app.pool(), &email).await.ok().flatten();
            let Some(target) =
                target.filter(|u| u.email != s.email && authz::may_grant(s.role, u.role))
            else {
                return users_list(&app, &s, Some("You may not remove that account.".into())).await;
            };
            if accounts::remove(app.pool(), &target.email).await.is_err()
                || app
                    .record(Change::new(
                        &s.email,
                        "user-remove",
                        &from,
                        true,
                        format!("{} removed {}", s.email, target.email),
                    ))
                    .await
                    .is_err()
            {
                return message(
                    &app,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Not removed",
                    "The server could not remove the account; try again.",
                    Some(&s),
                );
            }
            users_list(&app, &s, Some(format!("Removed {}.", target.email))).await
        }
        _ => users_list(&app, &s, Some("Unknown action.".into())).await,
    }
}

pub async fn audit_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let s = match person(&app, &headers, Route::AuditLog).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lines = match app.ledger.store.latest_of_kind(Kind::Audit, 500).await {
        Ok(stored) => audit::lines(&stored),
        Err(_) => Vec::new(),
    };
    page(
        &app,
        StatusCode::OK,
        "audit.html",
        context! { me => v(&me(&s)), lines => v(&lines) },
    )
}
