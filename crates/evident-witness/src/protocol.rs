//! The `add-checkpoint` request body: `old <size>`, the consistency proof's
//! hashes one per line in base64, a blank line, then the checkpoint.

use crate::WitnessError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use evident_ledger::merkle::Hash;

/// The protocol allows at most this many proof lines (a tree of 2^63 leaves needs fewer).
pub const MAX_PROOF_LINES: usize = 63;

/// Largest request a witness reads: a checkpoint with its signatures and a full proof.
pub const MAX_REQUEST_BYTES: usize = 64 << 10;

/// The content type of a 409 Conflict body: the witness's latest size.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Hash>,
    /// The checkpoint note as sent, signatures included.
    pub checkpoint: String,
}

impl AddCheckpoint {
    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&BASE64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    pub fn parse(body: &str) -> Result<AddCheckpoint, WitnessError> {
        let bad = |m: String| WitnessError::Protocol(m);
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .filter(|n| n == &"0" || !n.starts_with('0'))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| bad("line 1: expected `old <size>`".into()))?;
        let proof = lines
            .enumerate()
            .map(|(i, l)| {
                BASE64
                    .decode(l)
                    .ok()
                    .and_then(|b| Hash::try_from(b.as_slice()).ok())
                    .ok_or_else(|| bad(format!("line {}: not a base64 SHA-256 hash", i + 2)))
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad(format!(
                "{} proof lines, more than {MAX_PROOF_LINES}",
                proof.len()
            )));
        }
        Ok(AddCheckpoint {
            old,
            proof,
            checkpoint: checkpoint.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request body shown in c2sp.org/tlog-witness parses, and writes back the same.
    #[test]
    fn the_specs_example_request_parses() {
        let body = "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        let req = AddCheckpoint::parse(body).unwrap();
        assert_eq!(req.old, 20852014);
        assert_eq!(req.proof.len(), 4);
        assert!(
            req.checkpoint
                .starts_with("example.com/behind-the-sofa\n20852163\n")
        );
        assert_eq!(req.to_body(), body);
        assert!(AddCheckpoint::parse("old 01\n\nx").is_err());
        assert!(AddCheckpoint::parse("new 1\n\nx").is_err());
        assert!(AddCheckpoint::parse("old 1\nnot-base64\n\nx").is_err());
    }
}
