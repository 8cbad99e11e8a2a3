//! Asking a witness to cosign: one `add-checkpoint` request, retried once
//! with the size a 409 names. The caller installs a rustls crypto provider
//! before reaching an `https` witness.

use crate::WitnessError;
use crate::protocol::AddCheckpoint;
use evident_ledger::checkpoint::{Checkpoint, Cosignature};
use evident_ledger::merkle::Hash;
use evident_ledger::note::{Note, VerifierKey};
use std::time::Duration;

/// How long one request may take: a witness is a small, fast service.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Largest answer read: a few signature lines.
const MAX_RESPONSE_BYTES: usize = 16 << 10;

/// What a witness said.
pub enum Answer {
    Cosigned(Cosignature),
    /// 409: the witness last cosigned a tree of this size.
    Conflict(u64),
}

/// Sends `checkpoint` with a proof from `old` to the witness at `url` (the
/// submission prefix); checks the cosignature against the witness's key.
pub async fn add_checkpoint(
    url: &str,
    witness: &VerifierKey,
    old: u64,
    proof: &[Hash],
    checkpoint: &Checkpoint,
) -> Result<Answer, WitnessError> {
    let client = http_client()?;
    let body = AddCheckpoint {
        old,
        proof: proof.to_vec(),
        checkpoint: checkpoint.unwitnessed().to_text(),
    }
    .to_body();
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let mut response = client
        .post(&endpoint)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            WitnessError::Refused(format!("{endpoint}: {}", evident_core::causes::chain(&e)))
        })?;
    let status = response.status().as_u16();
    let bytes = read_bounded(&mut response, MAX_RESPONSE_BYTES, &endpoint).await?;
    let text = String::from_utf8_lossy(&bytes);
    match status {
        200 => {
            let note =
                Note::parse(&format!("{}\n{text}", checkpoint.head.note_text())).map_err(|e| {
                    WitnessError::Protocol(format!(
                        "{endpoint}: the answer is not signature lines: {e}"
                    ))
                })?;
            let cosignature = note
                .signatures
                .iter()
                .filter_map(Cosignature::from_line)
                .find(|c| c.name == witness.name && c.key_id == witness.id())
                .ok_or_else(|| {
                    WitnessError::Protocol(format!(
                        "{endpoint}: no cosignature by {}",
                        witness.name
                    ))
                })?;
            cosignature
                .verify(&checkpoint.head, witness)
                .map_err(|e| WitnessError::Protocol(format!("{endpoint}: {e}")))?;
            Ok(Answer::Cosigned(cosignature))
        }
        409 => text
            .trim()
            .parse()
            .map(Answer::Conflict)
            .map_err(|_| WitnessError::Protocol(format!("{endpoint}: 409 without a size"))),
        _ => Err(WitnessError::Refused(format!(
            "{endpoint} answered {status}: {}",
            text.trim()
        ))),
    }
}

/// The HTTP client for witnesses and TSAs: small, fast services.
pub(crate) fn http_client() -> Result<reqwest::Client, WitnessError> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| WitnessError::Refused(format!("cannot build an HTTP client: {e}")))
}

/// The body of `response`, bounded while read: a service that streams
/// without end is cut off at `limit` bytes.
pub(crate) async fn read_bounded(
    response: &mut reqwest::Response,
    limit: usize,
    url: &str,
) -> Result<Vec<u8>, WitnessError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| WitnessError::Refused(format!("{url}: {e}")))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > limit {
            return Err(WitnessError::Protocol(format!(
                "{url}: an answer larger than {limit} bytes"
            )));
        }
    }
    Ok(bytes)
}
