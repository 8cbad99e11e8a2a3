//! `/api/v1/`: sign-in for programs, evidence upload for CI, the CLI's
//! reports, the audit log and the repository webhook, described by
//! `/api/v1/openapi.json`.

use super::request::{ApiError, Asker, ErrorBody, address, allowed, asker, session_set_cookie};
use super::{App, now};
use crate::audit::{self, Change};
use crate::authz::{Route, Who};
use crate::roles::Role;
use crate::{accounts, sessions, throttle};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use evident_core::model::{HandUploads, Outcome};
use evident_core::record::Kind;
use evident_core::time::Date;
use evident_ledger::entry::{Entry, Upload};
use evident_store::{Appended, Evidence, RequestKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::OpenApi;

type Answer = Result<Response, ApiError>;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SessionRequest {
    pub email: String,
    pub password: String,
    /// The authenticator's six digits, or a recovery code.
    #[serde(default)]
    pub totp: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    pub email: String,
    pub role: String,
    /// Seconds until the session ends however active it is.
    pub expires_in: i64,
}

/// Signs in: the result, whatever went wrong, is one message, so it tells
/// nobody whether an account exists. Throttled per account and per address.
#[utoipa::path(post, path = "/api/v1/session", request_body = SessionRequest,
    responses((status = 200, description = "Signed in; the session cookie is set", body = SessionCreated),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Wrong e-mail, password or code", body = ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing or of the wrong type", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins", body = ErrorBody)))]
pub async fn session(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<SessionRequest>, JsonRejection>,
) -> Answer {
    let Json(req) = body.map_err(|e| ApiError::new(e.status(), "bad-request", e.body_text()))?;
    let from = address(&app, &headers, peer);
    let (cookie, user) = sign_in(&app, &req.email, &req.password, &req.totp, &from).await?;
    let body = SessionCreated {
        email: user.email,
        role: user.role.as_str().to_string(),
        expires_in: sessions::ABSOLUTE,
    };
    Ok((
        [(
            header::SET_COOKIE,
            session_set_cookie(app.secure, Some(&cookie)),
        )],
        Json(body),
    )
        .into_response())
}

/// The one sign-in check, for the API and the form: returns the new
/// session's cookie value and the account. Every attempt is in the audit log.
pub(super) async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    code: &str,
    from: &str,
) -> Result<(String, accounts::User), ApiError> {
    let t = now().unix();
    let account = throttle::account_key(email);
    let keys = [
        (account.clone(), throttle::PER_ACCOUNT),
        (throttle::address_key(from), throttle::PER_ADDRESS),
    ];
    let who = email.trim().to_lowercase();
    let who = if accounts::email(&who).is_ok() {
        who
    } else {
        "(not an address)".into()
    };
    if let Some(wait) = throttle::wait(app.pool(), &keys, t).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            format!(
                "too many failed sign-ins for this account or from this address; try again in {} minutes",
                (wait + 59) / 60
            ),
        ));
    }
    let user = accounts::authenticate(app.pool(), email, password, code, t).await?;
    let Some(user) = user else {
        throttle::failed(app.pool(), &keys, t).await?;
        app.record(Change::new(
            &who,
            "sign-in",
            from,
            false,
            format!("failed sign-in as {who}"),
        ))
        .await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign-in-failed",
            "the e-mail, password or code is wrong",
        ));
    };
    throttle::cleared(app.pool(), &account).await?;
    let cookie = sessions::open(app.pool(), &user.email, from, t).await?;
    app.record(Change::new(
        &user.email,
        "sign-in",
        from,
        true,
        format!("{} signed in", user.email),
    ))
    .await?;
    Ok((cookie, user))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvidenceCreated {
    /// The evidence's ledger entry.
    pub entry: u64,
    /// Its RFC 9162 leaf hash, hex.
    pub leaf: String,
}

/// The upload's fields, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EvidenceForm {
    control: String,
    item: String,
    /// `FROM..TO`, the days the evidence speaks for (default: today).
    covers: Option<String>,
    /// `pass` (default), `fail` or `n/a`.
    result: Option<String>,
    note: Option<String>,
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Appends evidence under the integrity rules: dated by the period it
/// covers, never after today; refused for items a check, a file of the
/// trust repo or a register evidences; a retry with the same
/// `Idempotency-Key` answers with the entry the first one made.
#[utoipa::path(post, path = "/api/v1/evidence",
    request_body(content = EvidenceForm, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload one entry")),
    security(("token" = [])),
    responses((status = 201, description = "Recorded", body = EvidenceCreated),
        (status = 200, description = "Recorded before under this Idempotency-Key", body = EvidenceCreated),
        (status = 400, description = "Not a multipart body", body = ErrorBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 403, description = "The token may not write to this control", body = ErrorBody),
        (status = 409, description = "Refused by the ledger (the key reused for another upload)", body = ErrorBody),
        (status = 413, description = "Over the upload limit"),
        (status = 422, description = "A field is missing or wrong", body = ErrorBody),
        (status = 503, description = "The ledger is busy", body = ErrorBody)))]
pub async fn evidence_add(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Answer {
    let asker = asker(&app, &headers).await?;
    allowed(Route::EvidenceAdd, &asker, None)?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "not-multipart",
            format!("send multipart/form-data: {e}"),
        )
    })?;
    let form = read_form(&mut multipart).await?;
    allowed(Route::EvidenceAdd, &asker, Some(&form.control))?;
    let view = app.view();
    let key = (form.control.clone(), form.item.clone());
    match view.uploads.get(&key) {
        None => {
            return Err(ApiError::input(
                "unknown-item",
                format!(
                    "there is no evidence item {}/{} in the trust repo (at {}); `evident status` lists them",
                    form.control,
                    form.item,
                    view.commit.as_deref().unwrap_or("its working tree")
                ),
            ));
        }
        Some(HandUploads::Refused(why)) => {
            return Err(ApiError::input("not-uploadable", why.clone()));
        }
        Some(HandUploads::OnlyFile(path)) => {
            return Err(ApiError::input(
                "not-uploadable",
                format!(
                    "{}/{}: this item is the file `{path}` in the trust repo; change that file (a pull request) instead",
                    form.control, form.item
                ),
            ));
        }
        Some(HandUploads::Accepted) => {}
    }
    let at = now();
    let (from, to) = covers(form.covers.as_deref(), at.date())?;
    let stated = form.result.as_deref().unwrap_or("pass");
    let result = Outcome::stated(stated).ok_or_else(|| {
        ApiError::input(
            "bad-result",
            format!("result `{stated}`: write pass, fail or n/a"),
        )
    })?;
    let who = asker.name();
    let from_addr = address(&app, &headers, peer);
    let entry = Entry::uploaded(Upload {
        control: &form.control,
        item: &form.item,
        collector: who.clone(),
        collected_at: at.to_string(),
        covers: (from, to),
        result,
        file_name: &form.filename,
        note: form.note.as_deref(),
    });
    let request = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(RequestKey {
            key: format!("{}:{}", scope_of(&asker), idempotency_key(v)?),
            fingerprint: fingerprint(&entry, &form.content),
        }),
    };
    let change = Change::new(
        &who,
        "evidence-add",
        &from_addr,
        true,
        format!(
            "{who} added {} (SHA-256 {}) to {}/{}",
            form.filename,
            evident_ledger::hex::encode(&evident_ledger::blobs::sha256(&form.content)),
            form.control,
            form.item
        ),
    );
    let appended = app
        .ledger
        .record_request(
            vec![
                Evidence {
                    content: form.content,
                    entry,
                },
                change.evidence(at),
            ],
            at,
            request.as_ref(),
        )
        .await
        .map_err(crate::ServerError::from)?;
    let seq = appended.range().start;
    let stored = app
        .ledger
        .store
        .entry(seq)
        .await
        .map_err(crate::ServerError::from)?;
    let leaf = stored
        .map(|s| evident_ledger::hex::encode(&s.leaf))
        .unwrap_or_default();
    app.changed.notify_one();
    let status = match appended {
        Appended::New(_) => StatusCode::CREATED,
        Appended::Replayed(_) => StatusCode::OK,
    };
    Ok((status, Json(EvidenceCreated { entry: seq, leaf })).into_response())
}

/// Whose keys an Idempotency-Key is one of: a token's, or a person's.
fn scope_of(asker: &Asker) -> String {
    match asker {
        Asker::Token(t) => format!("token {}", t.id),
        other => other.name(),
    }
}

fn idempotency_key(v: &axum::http::HeaderValue) -> Result<&str, ApiError> {
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 200 => Ok(k),
        _ => Err(ApiError::input(
            "bad-idempotency-key",
            "an Idempotency-Key is 1 to 200 visible characters",
        )),
    }
}

/// What an upload asked for, whenever it was sent: its entry but the time,
/// and its content. A key reused for anything else is caught by this.
fn fingerprint(entry: &Entry, content: &[u8]) -> String {
    let mut fields = entry.fields();
    fields.collected_at = String::new();
    let mut h = Sha256::new();
    h.update(fields.canonical_bytes());
    h.update(content);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

struct Form {
    control: String,
    item: String,
    covers: Option<String>,
    result: Option<String>,
    note: Option<String>,
    filename: String,
    content: Vec<u8>,
}

async fn read_form(multipart: &mut Multipart) -> Result<Form, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(
            e.status(),
            "bad-multipart",
            format!("the upload could not be read: {}", e.body_text()),
        )
    };
    let mut text: std::collections::HashMap<String, String> = Default::default();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = field
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
                .unwrap_or_else(|| "upload".into());
            file = Some((filename, field.bytes().await.map_err(bad)?.to_vec()));
        } else if ["control", "item", "covers", "result", "note"].contains(&name.as_str()) {
            let value = field.text().await.map_err(bad)?;
            if value.len() > 2000 || value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(ApiError::input(
                    "bad-field",
                    format!("`{name}`: at most 2000 characters on one line"),
                ));
            }
            text.insert(name, value.trim().to_string());
        } else {
            return Err(ApiError::input(
                "unknown-field",
                format!(
                    "`{name}` is not a field of an upload; the fields are control, item, covers, result, note, file"
                ),
            ));
        }
    }
    let need = |name: &str| {
        text.get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| {
                ApiError::input(
                    "missing-field",
                    format!("the upload needs a `{name}` field"),
                )
            })
    };
    let (filename, content) =
        file.ok_or_else(|| ApiError::input("missing-field", "the upload needs a `file` field"))?;
    Ok(Form {
        control: need("control")?,
        item: need("item")?,
        covers: text.get("covers").filter(|v| !v.is_empty()).cloned(),
        result: text.get("result").filter(|v| !v.is_empty()).cloned(),
        note: text.get("note").filter(|v| !v.is_empty()).cloned(),
        filename,
        content,
    })
}

/// `FROM..TO` (or one day), never after today.
fn covers(text: Option<&str>, today: Date) -> Result<(Date, Date), ApiError> {
    let Some(text) = text else {
        return Ok((today, today));
    };
    let bad = |why: &str| ApiError::input("bad-covers", format!("covers `{text}`: {why}"));
    let (a, b) = text.split_once("..").unwrap_or((text, text));
    let from: Date = a
        .trim()
        .parse()
        .map_err(|_| bad("write FROM..TO as dates, 2026-11-01..2026-11-30"))?;
    let to: Date = b
        .trim()
        .parse()
        .map_err(|_| bad("write FROM..TO as dates, 2026-11-01..2026-11-30"))?;
    if from > to {
        return Err(bad("FROM is after TO"));
    }
    if to > today {
        return Err(bad(&format!(
            "{to} is in the future (today is {today}); evidence speaks only for days that have passed"
        )));
    }
    Ok((from, to))
}

/// Reports for a reader: reloaded first when the ledger grew, so a CI step
/// reads what it just uploaded.
async fn report(
    app: &App,
    headers: &HeaderMap,
    pick: fn(&crate::reflection::Reflection) -> &Vec<u8>,
) -> Answer {
    let asker = asker(app, headers).await?;
    allowed(Route::Reports, &asker, None)?;
    let size = app
        .ledger
        .store
        .size()
        .await
        .map_err(crate::ServerError::from)?;
    let view = if size != app.view().ledger_size {
        app.refresh(false).await.unwrap_or_else(|_| app.view())
    } else {
        app.view()
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        pick(&view).clone(),
    )
        .into_response())
}

/// `evident status --json`.
#[utoipa::path(get, path = "/api/v1/status", security(("token" = []), ("session" = [])),
    responses((status = 200, description = "docs/json.md: status", content_type = "application/json", body = Object),
        (status = 401, description = "Not signed in and no token", body = ErrorBody)))]
pub async fn status(State(app): State<Arc<App>>, headers: HeaderMap) -> Answer {
    report(&app, &headers, |v| &v.status).await
}

/// `evident gaps --json`.
#[utoipa::path(get, path = "/api/v1/gaps", security(("token" = []), ("session" = [])),
    responses((status = 200, description = "docs/json.md: gaps", content_type = "application/json", body = Object),
        (status = 401, description = "Not signed in and no token", body = ErrorBody)))]
pub async fn gaps(State(app): State<Arc<App>>, headers: HeaderMap) -> Answer {
    report(&app, &headers, |v| &v.gaps).await
}

/// `evident remediation --json`.
#[utoipa::path(get, path = "/api/v1/remediation", security(("token" = []), ("session" = [])),
    responses((status = 200, description = "docs/json.md: remediation", content_type = "application/json", body = Object),
        (status = 401, description = "Not signed in and no token", body = ErrorBody)))]
pub async fn remediation(State(app): State<Arc<App>>, headers: HeaderMap) -> Answer {
    report(&app, &headers, |v| &v.remediation).await
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Limit {
    /// How many of the latest records (1 to 1000, default 100).
    limit: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditLog {
    pub entries: Vec<audit::Line>,
}

/// The audit log, newest first: owners and admins.
#[utoipa::path(get, path = "/api/v1/audit-log", params(Limit), security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The latest records", body = AuditLog),
        (status = 400, description = "A bad limit"),
        (status = 401, description = "Not signed in and no token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin", body = ErrorBody)))]
pub async fn audit_log(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<Limit>,
) -> Answer {
    let asker = asker(&app, &headers).await?;
    allowed(Route::AuditLog, &asker, None)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let stored = app
        .ledger
        .store
        .latest_of_kind(Kind::Audit, limit)
        .await
        .map_err(crate::ServerError::from)?;
    Ok(Json(AuditLog {
        entries: audit::lines(&stored),
    })
    .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Refreshed {
    pub commit: Option<String>,
    pub ledger_size: u64,
}

/// Reloads the trust repo now (a git host's webhook after a push).
#[utoipa::path(post, path = "/api/v1/repo/refresh", security(("token" = [])),
    responses((status = 200, description = "Reloaded", body = Refreshed),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin token", body = ErrorBody),
        (status = 422, description = "The trust repo does not load; the last good load is still served", body = ErrorBody)))]
pub async fn repo_refresh(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Answer {
    let asker = asker(&app, &headers).await?;
    allowed(Route::RepoRefresh, &asker, None)?;
    let from = address(&app, &headers, peer);
    let result = app.refresh(true).await;
    let ok = result.is_ok();
    let detail = match &result {
        Ok(v) => format!(
            "reloaded the trust repo at {}",
            v.commit.as_deref().unwrap_or("its working tree")
        ),
        Err(e) => format!("the trust repo did not load: {e}"),
    };
    app.record(Change::new(
        &asker.name(),
        "repo-refresh",
        &from,
        ok,
        detail,
    ))
    .await?;
    let view = result.map_err(|e| ApiError::input("repo-does-not-load", e.to_string()))?;
    Ok(Json(Refreshed {
        commit: view.commit.clone(),
        ledger_size: view.ledger_size,
    })
    .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub entry: u64,
    #[schema(value_type = Object)]
    pub fields: evident_ledger::entry::EntryFields,
    pub content: String,
}

async fn readable_entry(
    app: &App,
    headers: &HeaderMap,
    seq: u64,
) -> Result<evident_ledger::entry::EntryFields, ApiError> {
    let asker = asker(app, headers).await?;
    allowed(Route::EvidenceRead, &asker, None)?;
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-entry",
            format!("there is no evidence entry {seq}"),
        )
    };
    let stored = app
        .ledger
        .store
        .entry(seq)
        .await
        .map_err(crate::ServerError::from)?
        .ok_or_else(missing)?;
    let fields = stored.fields().map_err(crate::ServerError::from)?;
    // The audit log is for owners and admins (its own route), not evidence.
    if fields.kind == "audit" {
        allowed(Route::AuditLog, &asker, None)?;
    }
    // An auditor sees the evidence of the audit window only.
    let auditor = matches!(
        asker.who(),
        Who::Person(Role::Auditor)
            | Who::Token {
                role: Role::Auditor,
                ..
            }
    );
    if let (true, Some((from, to))) = (auditor, app.view().window.clone())
        && (fields.covers_to < from || fields.covers_from > to)
    {
        return Err(missing());
    }
    Ok(fields)
}

/// One ledger entry (private evidence included): not for viewers.
#[utoipa::path(get, path = "/api/v1/evidence/{entry}", params(("entry" = u64, Path, description = "The ledger entry")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The entry", body = EntryView),
        (status = 400, description = "Not an entry number"),
        (status = 401, description = "Not signed in and no token", body = ErrorBody),
        (status = 403, description = "A viewer", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody)))]
pub async fn evidence_read(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(entry): Path<u64>,
) -> Answer {
    let fields = readable_entry(&app, &headers, entry).await?;
    Ok(Json(EntryView {
        entry,
        fields,
        content: format!("/api/v1/evidence/{entry}/content"),
    })
    .into_response())
}

/// An entry's content, as recorded.
#[utoipa::path(get, path = "/api/v1/evidence/{entry}/content", params(("entry" = u64, Path, description = "The ledger entry")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The content", content_type = "application/octet-stream", body = String),
        (status = 400, description = "Not an entry number"),
        (status = 401, description = "Not signed in and no token", body = ErrorBody),
        (status = 403, description = "A viewer", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody)))]
pub async fn evidence_content(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(entry): Path<u64>,
) -> Answer {
    let fields = readable_entry(&app, &headers, entry).await?;
    let hash = evident_ledger::merkle::parse_hex(&fields.content_sha256).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-content",
            "the entry names no content",
        )
    })?;
    use evident_ledger::blobs::BlobStore;
    let bytes = app.ledger.blobs.get(&hash).await.map_err(|e| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-content",
            format!("the content of entry {entry} is missing: {e}"),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"entry-{entry}\""),
            ),
        ],
        Bytes::from(bytes),
    )
        .into_response())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "evident", description = "The evident server's API: sign in, upload evidence, read the program's status."),
    paths(session, evidence_add, evidence_read, evidence_content, status, gaps, remediation, audit_log, repo_refresh, openapi),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("evident_session"))),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object)))]
pub async fn openapi() -> Response {
    let doc = ApiDoc::openapi()
        .to_json()
        .expect("the API description serialises");
    ([(header::CONTENT_TYPE, "application/json")], doc).into_response()
}
