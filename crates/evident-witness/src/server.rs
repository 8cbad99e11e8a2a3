//! `evident witness serve`: the `add-checkpoint` endpoint over HTTP/1.

use crate::protocol::{MAX_REQUEST_BYTES, SIZE_CONTENT_TYPE};
use crate::state::WitnessState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::Arc;

/// The witness's clock: seconds since 1970, read per request.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The router: `POST /add-checkpoint`, bodies bounded while read.
pub fn router(state: Arc<WitnessState>, clock: Clock) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state((state, clock))
}

async fn add_checkpoint(
    State((state, clock)): State<(Arc<WitnessState>, Clock)>,
    body: Bytes,
) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "the request is not UTF-8\n").into_response();
    };
    match state.add_checkpoint(text, clock()).await {
        Ok(line) => (StatusCode::OK, line).into_response(),
        Err(refusal) => {
            let status =
                StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let content_type = if refusal.status == 409 {
                SIZE_CONTENT_TYPE
            } else {
                "text/plain; charset=utf-8"
            };
            (status, [(header::CONTENT_TYPE, content_type)], refusal.body).into_response()
        }
    }
}
