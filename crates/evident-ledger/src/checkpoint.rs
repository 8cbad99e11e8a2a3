//! Signed tree heads ("checkpoints"): tree size, root hash and time, signed with ed25519.
//!
//! The text form is what gets published and handed to auditors:
//!
//! ```text
//! evident-checkpoint/1
//! origin: Acme Cloud evidence ledger
//! size: 42
//! root: 5f0c...e1 (64 hex digits)
//! time: 2026-11-23T10:15:00Z
//!
//! key: 3b6a...(64 hex digits, the ed25519 public key)
//! signature: 9c1d...(128 hex digits)
//! ```
//!
//! The signature covers the bytes of the first five lines and the blank line
//! after them (the *body*), exactly as written.

use crate::LedgerError;
use crate::hex::{decode as from_hex, encode as to_hex};
use crate::merkle::{self, Hash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

const MAGIC: &str = "evident-checkpoint/1";

/// A tree head: what a checkpoint commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeHead {
    /// Names the log, so a checkpoint of one company's ledger is not taken for another's.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// RFC 3339 UTC to the second.
    pub time: String,
}

impl TreeHead {
    /// The signed bytes.
    pub fn body(&self) -> String {
        format!(
            "{MAGIC}\norigin: {}\nsize: {}\nroot: {}\ntime: {}\n\n",
            self.origin.replace('\n', " "),
            self.size,
            merkle::hex(&self.root),
            self.time
        )
    }
}

/// A tree head with its signature and the public key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub head: TreeHead,
    pub key: [u8; 32],
    pub signature: [u8; 64],
}

impl Checkpoint {
    pub fn sign(head: TreeHead, key: &SigningKey) -> Checkpoint {
        let signature = key.sign(head.body().as_bytes()).to_bytes();
        Checkpoint {
            head,
            key: key.verifying_key().to_bytes(),
            signature,
        }
    }

    /// Checks the signature against `trusted`, the public key the verifier already holds.
    /// The key written in the checkpoint is only a label; it is never trusted on its own.
    pub fn verify(&self, trusted: &VerifyingKey) -> Result<(), LedgerError> {
        self.check_signature(trusted)
            .map_err(LedgerError::Checkpoint)
    }

    fn check_signature(&self, trusted: &VerifyingKey) -> Result<(), String> {
        if self.key != trusted.to_bytes() {
            return Err("checkpoint was signed by a different key than the one trusted".into());
        }
        trusted
            .verify(
                self.head.body().as_bytes(),
                &Signature::from_bytes(&self.signature),
            )
            .map_err(|_| {
                "checkpoint signature does not verify: the checkpoint was altered".to_string()
            })
    }

    pub fn to_text(&self) -> String {
        format!(
            "{}key: {}\nsignature: {}\n",
            self.head.body(),
            to_hex(&self.key),
            to_hex(&self.signature)
        )
    }

    /// Parses the text form; errors say which line is wrong.
    pub fn parse(text: &str) -> Result<Checkpoint, LedgerError> {
        Checkpoint::parse_text(text).map_err(LedgerError::Checkpoint)
    }

    fn parse_text(text: &str) -> Result<Checkpoint, String> {
        let lines: Vec<&str> = text.lines().collect();
        if lines.first() != Some(&MAGIC) {
            return Err(format!(
                "line 1: expected `{MAGIC}`; this is not an evident checkpoint"
            ));
        }
        let field = |n: usize, name: &str| -> Result<&str, String> {
            lines
                .get(n)
                .and_then(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
                .ok_or_else(|| format!("line {}: expected `{name}: ...`", n + 1))
        };
        let size = field(2, "size")?;
        let head = TreeHead {
            origin: field(1, "origin")?.to_string(),
            size: size
                .parse()
                .map_err(|_| format!("line 3: size `{size}` is not a number"))?,
            root: merkle::parse_hex(field(3, "root")?)
                .ok_or("line 4: root is not 64 hex digits")?,
            time: field(4, "time")?.to_string(),
        };
        if lines.get(5) != Some(&"") {
            return Err("line 6: expected a blank line after the signed body".into());
        }
        let key = from_hex::<32>(field(6, "key")?).ok_or("line 7: key is not 64 hex digits")?;
        let signature = from_hex::<64>(field(7, "signature")?)
            .ok_or("line 8: signature is not 128 hex digits")?;
        Ok(Checkpoint {
            head,
            key,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn head() -> TreeHead {
        TreeHead {
            origin: "Acme Cloud evidence ledger".into(),
            size: 42,
            root: merkle::leaf_hash(b"x"),
            time: "2026-11-23T10:15:00Z".into(),
        }
    }

    #[test]
    fn signs_round_trips_and_verifies() {
        let k = key(1);
        let cp = Checkpoint::sign(head(), &k);
        let parsed = Checkpoint::parse(&cp.to_text()).unwrap();
        assert_eq!(parsed, cp);
        parsed.verify(&k.verifying_key()).unwrap();
    }

    #[test]
    fn any_changed_byte_fails() {
        let k = key(1);
        let text = Checkpoint::sign(head(), &k).to_text();
        for (i, _) in text.char_indices().filter(|(_, c)| *c != '\n') {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let Ok(changed) = String::from_utf8(bytes) else {
                continue;
            };
            if changed == text {
                continue;
            }
            let ok = Checkpoint::parse(&changed).and_then(|c| c.verify(&k.verifying_key()));
            assert!(ok.is_err(), "byte {i} changed yet the checkpoint verifies");
        }
    }

    #[test]
    fn another_key_is_refused() {
        let cp = Checkpoint::sign(head(), &key(1));
        assert!(cp.verify(&key(2).verifying_key()).is_err());
    }
}
