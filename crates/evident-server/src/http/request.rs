//! Who asks, from where, and the answers every handler shares: cookies,
//! JSON errors, and the authorisation check.

use super::{App, now};
use crate::ServerError;
use crate::authz::{self, Decision, Route, Who};
use crate::sessions::{self, Session};
use crate::tokens::{self, Token};
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::net::SocketAddr;

/// Who made a request, as far as the server can tell.
pub enum Asker {
    Anonymous,
    Person(Session),
    Token(Token),
}

impl Asker {
    pub fn who(&self) -> Who<'_> {
        match self {
            Asker::Anonymous => Who::Anonymous,
            Asker::Person(s) => Who::Person(s.role),
            Asker::Token(t) => Who::Token {
                role: t.role,
                controls: &t.controls,
            },
        }
    }

    /// How the audit log names them.
    pub fn name(&self) -> String {
        match self {
            Asker::Anonymous => "anonymous".into(),
            Asker::Person(s) => s.email.clone(),
            Asker::Token(t) => format!("token {} ({})", t.name, t.id),
        }
    }

    pub fn session(&self) -> Option<&Session> {
        match self {
            Asker::Person(s) => Some(s),
            _ => None,
        }
    }
}

pub fn session_cookie(secure: bool) -> &'static str {
    // `__Host-` binds the cookie to this host, over TLS, for the whole site.
    if secure {
        "__Host-evident_session"
    } else {
        "evident_session"
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// `Set-Cookie` for a session (or, with `None`, one that ends it).
pub fn session_set_cookie(secure: bool, value: Option<&str>) -> HeaderValue {
    let name = session_cookie(secure);
    let attrs = if secure { "; Secure" } else { "" };
    let text = match value {
        Some(v) => format!(
            "{name}={v}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{attrs}",
            sessions::ABSOLUTE
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{attrs}"),
    };
    HeaderValue::from_str(&text).expect("cookie text is ASCII")
}

/// The request's client: the peer, or behind a trusted proxy the address it
/// appended last to `X-Forwarded-For`.
pub fn address(app: &App, headers: &HeaderMap, peer: SocketAddr) -> String {
    if app.trust_proxy
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    {
        return forwarded.to_string();
    }
    peer.ip().to_string()
}

/// Who asks: a bearer token (a wrong one is refused, never taken as
/// anonymous), else a session cookie, else nobody.
pub async fn asker(app: &App, headers: &HeaderMap) -> Result<Asker, ApiError> {
    let t = now().unix();
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let text = auth.to_str().unwrap_or_default();
        let Some(token) = text.strip_prefix("Bearer ") else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad-authorization",
                "send `Authorization: Bearer <token>` (`evident token create` makes one)",
            ));
        };
        return match tokens::find(app.pool(), token.trim(), t).await? {
            Some(token) => Ok(Asker::Token(token)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad-token",
                "this token is unknown, revoked or expired",
            )),
        };
    }
    if let Some(id) = cookie(headers, session_cookie(app.secure))
        && let Some(s) = sessions::find(app.pool(), &id, t).await?
    {
        return Ok(Asker::Person(s));
    }
    Ok(Asker::Anonymous)
}

/// An API error: a status, a stable code and a message that says what to do.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `bad-token`, `forbidden`, `unknown-item`...
    pub code: String,
    /// For people: what went wrong and how to fix it.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn input(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

impl From<ServerError> for ApiError {
    fn from(e: ServerError) -> ApiError {
        match e {
            ServerError::Input(m) => ApiError::input("invalid", m),
            ServerError::Store(evident_store::StoreError::Request(m)) => {
                ApiError::new(StatusCode::CONFLICT, "refused", m)
            }
            ServerError::Store(evident_store::StoreError::Busy) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the ledger is busy; nothing was written, try again",
            ),
            other => {
                eprintln!("evident serve: {other}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server-error",
                    "the server could not answer; its log says why",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Asks the rule; a refusal as an API error.
pub fn allowed(route: Route, asker: &Asker, control: Option<&str>) -> Result<(), ApiError> {
    match authz::authorize(route, asker.who(), control) {
        Decision::Allow => Ok(()),
        Decision::Unauthenticated => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in, or send `Authorization: Bearer <token>`",
        )),
        Decision::Forbidden => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            match control {
                Some(c) => format!("this role or token may not do this (for control {c})"),
                None => "this role or token may not do this".to_string(),
            },
        )),
    }
}
