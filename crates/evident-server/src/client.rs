//! The client side of `POST /api/v1/evidence`: what `evident evidence add
//! --server` sends, so a CI step is one command. (The caller installs a
//! rustls crypto provider for https.)

use crate::ServerError;
use evident_core::causes::chain;
use serde::Deserialize;
use std::time::Duration;

/// One upload.
pub struct Upload<'a> {
    pub server: &'a str,
    pub token: &'a str,
    pub control: &'a str,
    pub item: &'a str,
    pub covers: Option<&'a str>,
    pub result: &'a str,
    pub note: Option<&'a str>,
    pub filename: String,
    pub content: Vec<u8>,
    pub idempotency_key: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct Created {
    pub entry: u64,
    pub leaf: String,
    /// The server had recorded this upload before (same Idempotency-Key).
    #[serde(skip)]
    pub replayed: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

/// The most of an answer read: the server's are small.
const MAX_ANSWER: usize = 64 << 10;

pub async fn upload(u: Upload<'_>) -> Result<Created, ServerError> {
    let base = u.server.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(ServerError::Input(format!(
            "--server `{}`: write the server's URL, https://evident.example.com",
            u.server
        )));
    }
    let url = format!("{base}/api/v1/evidence");
    let mut form = reqwest::multipart::Form::new()
        .text("control", u.control.to_string())
        .text("item", u.item.to_string())
        .text("result", u.result.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(u.content).file_name(u.filename),
        );
    if let Some(c) = u.covers {
        form = form.text("covers", c.to_string());
    }
    if let Some(n) = u.note {
        form = form.text("note", n.to_string());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| ServerError::Config(format!("cannot build an HTTP client: {e}")))?;
    let mut request = client.post(&url).bearer_auth(u.token).multipart(form);
    if let Some(k) = u.idempotency_key {
        request = request.header("Idempotency-Key", k);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| ServerError::Config(format!("{url}: {}", chain(&e))))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ServerError::Config(format!("{url}: {}", chain(&e))))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER {
            return Err(ServerError::Config(format!(
                "{url}: the answer is too long for an evident server's"
            )));
        }
    }
    if status.is_success() {
        let mut created: Created = serde_json::from_slice(&body).map_err(|e| {
            ServerError::Config(format!("{url}: not an evident server's answer ({e})"))
        })?;
        created.replayed = status.as_u16() == 200;
        return Ok(created);
    }
    let said = serde_json::from_slice::<ErrorBody>(&body)
        .map(|b| format!("{} ({})", b.error.message, b.error.code))
        .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned());
    let message = format!("{url}: {status}: {said}");
    Err(if status.is_client_error() {
        ServerError::Input(message)
    } else {
        ServerError::Config(message)
    })
}
