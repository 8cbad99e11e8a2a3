//! Proof files: what `evident ledger prove` and `ledger consistency` hand out and
//! `evident ledger verify-proof` (or any RFC 9162 implementation) checks offline,
//! with nothing but the file and the ledger's public key.
//!
//! Both are JSON objects with a `format` field:
//! - `evident-inclusion-proof/1`: `index` (the leaf index), `entry` (the entry's
//!   fields; the leaf is SHA-256(0x00 ‖ canonical JSON of them)), `tree_size`,
//!   `path` (RFC 9162 §2.1.3 audit path, hex, leaf to root) and `checkpoint` (the
//!   signed tree head it leads to, in its text form).
//! - `evident-consistency-proof/1`: `from` and `to` (checkpoint texts) and `path`
//!   (RFC 9162 §2.1.4 consistency proof, hex).

use crate::LedgerError;
use crate::checkpoint::Checkpoint;
use crate::entry::EntryFields;
use crate::merkle::{self, Hash};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", deny_unknown_fields)]
pub enum ProofFile {
    #[serde(rename = "evident-inclusion-proof/1")]
    Inclusion {
        index: u64,
        entry: Box<EntryFields>,
        tree_size: u64,
        path: Vec<String>,
        checkpoint: String,
    },
    #[serde(rename = "evident-consistency-proof/1")]
    Consistency {
        from: String,
        to: String,
        path: Vec<String>,
    },
}

pub fn to_hex_path(path: &[Hash]) -> Vec<String> {
    path.iter().map(merkle::hex).collect()
}

fn parse_path(path: &[String]) -> Result<Vec<Hash>, String> {
    path.iter()
        .enumerate()
        .map(|(i, h)| merkle::parse_hex(h).ok_or(format!("path[{i}]: not 64 hex digits")))
        .collect()
}

fn trusted_checkpoint(field: &str, text: &str, key: &VerifyingKey) -> Result<Checkpoint, String> {
    let cp = Checkpoint::parse(text).map_err(|e| format!("{field}: {e}"))?;
    cp.verify(key).map_err(|e| format!("{field}: {e}"))?;
    Ok(cp)
}

impl ProofFile {
    /// Checks the proof with the ledger's public key; on success, says in one
    /// sentence what has been proven.
    pub fn verify(&self, key: &VerifyingKey) -> Result<String, LedgerError> {
        self.check(key).map_err(LedgerError::Proof)
    }

    fn check(&self, key: &VerifyingKey) -> Result<String, String> {
        match self {
            ProofFile::Inclusion {
                index,
                entry,
                tree_size,
                path,
                checkpoint,
            } => {
                let cp = trusted_checkpoint("checkpoint", checkpoint, key)?;
                if cp.head.size != *tree_size {
                    return Err(format!(
                        "tree_size: the proof is for {tree_size} entries but the checkpoint signs {}",
                        cp.head.size
                    ));
                }
                let path = parse_path(path)?;
                if !merkle::verify_inclusion(
                    &entry.leaf_hash(),
                    *index,
                    *tree_size,
                    &path,
                    &cp.head.root,
                ) {
                    return Err(format!(
                        "entry {index} is not proven to be in the checkpointed log: the entry, its index or the path was changed"
                    ));
                }
                Ok(format!(
                    "entry {index} ({}/{}, {} collected {}, covering {}..{}, content sha256 {}) is in \"{}\" as signed at size {} on {}",
                    entry.control,
                    entry.item,
                    entry.result,
                    entry.collected_at,
                    entry.covers_from,
                    entry.covers_to,
                    entry.content_sha256,
                    cp.head.origin,
                    cp.head.size,
                    cp.head.time
                ))
            }
            ProofFile::Consistency { from, to, path } => {
                let old = trusted_checkpoint("from", from, key)?;
                let new = trusted_checkpoint("to", to, key)?;
                // Origins were renamed with the C2SP format; the trusted key
                // already ties an `evident-checkpoint/1` to the same log.
                let legacy = [&old, &new]
                    .iter()
                    .any(|c| matches!(c.form, crate::checkpoint::Form::Legacy { .. }));
                if !legacy && old.head.origin != new.head.origin {
                    return Err(format!(
                        "from and to are checkpoints of different logs (\"{}\", \"{}\")",
                        old.head.origin, new.head.origin
                    ));
                }
                let when = |field: &str, cp: &Checkpoint| {
                    cp.head
                        .time
                        .parse::<evident_core::time::Instant>()
                        .map_err(|e| format!("{field}: {e}"))
                };
                if when("from", &old)? > when("to", &new)? {
                    return Err(format!(
                        "from was signed at {} but to at {}, earlier: checkpoints run backwards in time, so one of them was back-dated",
                        old.head.time, new.head.time
                    ));
                }
                let path = parse_path(path)?;
                // Every tree extends the empty one; RFC 9162 defines no proof for it.
                let ok =
                    old.head.size == 0 && path.is_empty() && old.head.root == merkle::empty_root()
                        || merkle::verify_consistency(
                            old.head.size,
                            new.head.size,
                            &old.head.root,
                            &new.head.root,
                            &path,
                        );
                if !ok {
                    return Err(format!(
                        "the log at size {} is not proven to extend the log at size {}: it was rewritten, or the proof was changed",
                        new.head.size, old.head.size
                    ));
                }
                Ok(format!(
                    "\"{}\" only grew from {} entries ({}) to {} entries ({})",
                    new.head.origin, old.head.size, old.head.time, new.head.size, new.head.time
                ))
            }
        }
    }

    /// Parses a proof file's text; the error names the JSON line and column.
    pub fn parse(text: &str) -> Result<ProofFile, LedgerError> {
        serde_json::from_str(text).map_err(|e| LedgerError::Proof(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::TreeHead;
    use crate::entry::{Entry, EntryKind, Outcome};
    use crate::merkle::MemoryTree;
    use ed25519_dalek::SigningKey;

    fn entry(i: u64) -> EntryFields {
        Entry {
            control: "AUTH".into(),
            item: "mfa".into(),
            kind: EntryKind::Check,
            collector: "check:http".into(),
            collected_at: format!("2026-11-23T10:00:{:02}Z", i % 60),
            covers_from: "2026-11-23".parse().unwrap(),
            covers_to: "2026-11-23".parse().unwrap(),
            result: Outcome::Pass,
            summary: format!("run {i}"),
            content_sha256: "ab".repeat(32),
            retracts: None,
        }
        .fields()
    }

    fn signed(tree: &MemoryTree, key: &SigningKey) -> String {
        let head = TreeHead {
            origin: "acme.example/evidence-ledger".into(),
            size: tree.size(),
            root: tree.root(),
            time: format!("2026-11-23T11:00:{:02}Z", tree.size()),
        };
        Checkpoint::sign(head, key).to_text()
    }

    #[test]
    fn inclusion_and_consistency_round_trip_and_catch_changes() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let trusted = key.verifying_key();
        let mut tree = MemoryTree::default();
        for i in 0..5 {
            tree.push(entry(i).leaf_hash());
        }
        let old = signed(&tree, &key);
        for i in 5..13 {
            tree.push(entry(i).leaf_hash());
        }
        let proof = ProofFile::Inclusion {
            index: 3,
            entry: Box::new(entry(3)),
            tree_size: 13,
            path: to_hex_path(&merkle::inclusion_proof(&tree, 3, 13)),
            checkpoint: signed(&tree, &key),
        };
        let text = serde_json::to_string_pretty(&proof).unwrap();
        let said = ProofFile::parse(&text).unwrap().verify(&trusted).unwrap();
        assert!(
            said.starts_with("entry 3 (AUTH/mfa, pass collected"),
            "{said}"
        );

        let forged = text.replace("run 3", "run 4");
        let err = ProofFile::parse(&forged)
            .unwrap()
            .verify(&trusted)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not proven"), "{err}");

        let consistency = ProofFile::Consistency {
            from: old.clone(),
            to: signed(&tree, &key),
            path: to_hex_path(&merkle::consistency_proof(&tree, 5, 13)),
        };
        let said = consistency.verify(&trusted).unwrap();
        assert!(said.contains("only grew from 5 entries"), "{said}");

        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert!(
            consistency
                .verify(&other)
                .unwrap_err()
                .to_string()
                .starts_with("from:")
        );
        assert!(ProofFile::parse("{\"format\":\"x\"}").is_err());
    }

    /// A `from` checkpoint signed after its `to` is refused even though the
    /// tree only grew: one of the two was back-dated.
    #[test]
    fn a_consistency_proof_running_backwards_in_time_is_refused() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let mut tree = MemoryTree::default();
        tree.push(entry(0).leaf_hash());
        let mut old = Checkpoint::parse(&signed(&tree, &key)).unwrap();
        tree.push(entry(1).leaf_hash());
        let new = signed(&tree, &key);
        old.head.time = "2026-11-24T00:00:00Z".into();
        let proof = ProofFile::Consistency {
            from: Checkpoint::sign(old.head.clone(), &key).to_text(),
            to: new,
            path: to_hex_path(&merkle::consistency_proof(&tree, 1, 2)),
        };
        let err = proof.verify(&key.verifying_key()).unwrap_err().to_string();
        assert!(err.contains("checkpoints run backwards in time"), "{err}");
    }
}
