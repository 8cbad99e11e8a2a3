//! Asking an RFC 3161 time-stamping authority for a token over a checkpoint
//! (the token itself is read and checked in `evident_ledger::timestamp`).

use crate::WitnessError;
use evident_ledger::timestamp::{Stamped, request, token_of_reply, verify};

/// Largest reply read from a TSA: a token with its certificate chain.
const MAX_REPLY_BYTES: usize = 64 << 10;

/// Asks the TSA at `url` to stamp `hash`; returns the token, verified
/// against `certificate_der`, and its time.
pub async fn stamp(
    url: &str,
    hash: &[u8; 32],
    certificate_der: &[u8],
) -> Result<(Vec<u8>, Stamped), WitnessError> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce)
        .map_err(|e| WitnessError::Refused(format!("no randomness: {e}")))?;
    let client = crate::client::http_client()?;
    let mut response = client
        .post(url)
        .header("content-type", "application/timestamp-query")
        .body(request(hash, u64::from_be_bytes(nonce)))
        .send()
        .await
        .map_err(|e| {
            WitnessError::Refused(format!("{url}: {}", evident_core::causes::chain(&e)))
        })?;
    if !response.status().is_success() {
        return Err(WitnessError::Refused(format!(
            "{url} answered {}",
            response.status()
        )));
    }
    let reply = crate::client::read_bounded(&mut response, MAX_REPLY_BYTES, url).await?;
    let token =
        token_of_reply(&reply).map_err(|e| WitnessError::Protocol(format!("{url}: {e}")))?;
    let stamped = verify(&token, hash, certificate_der)
        .map_err(|e| WitnessError::Protocol(format!("{url}: {e}")))?;
    Ok((token, stamped))
}
