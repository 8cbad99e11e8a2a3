//! A witness's state directory: its key, its name, the logs it trusts, and
//! the last checkpoint it cosigned for each.
//!
//! ```text
//! DIR/witness.key          the private key (mode 0600)
//! DIR/name                 the witness's name, e.g. witness.example.org/w1
//! DIR/trusted              one log verifier key (vkey) per line
//! DIR/logs/<sha256(origin)> the last cosigned tree: size, then base64 root
//! ```

use crate::WitnessError;
use crate::protocol::AddCheckpoint;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use evident_ledger::checkpoint::{Checkpoint, Cosignature, Form};
use evident_ledger::merkle::{self, Hash};
use evident_ledger::note::{self, COSIGNATURE_V1, ED25519, VerifierKey};
use evident_ledger::{hex, keys};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why a request is not cosigned: the HTTP status the protocol assigns, and a body.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub body: String,
}

impl Refusal {
    fn new(status: u16, body: impl Into<String>) -> Refusal {
        Refusal {
            status,
            body: body.into(),
        }
    }
}

pub struct WitnessState {
    dir: PathBuf,
    name: String,
    key: SigningKey,
    trusted: Vec<VerifierKey>,
    /// Checking a request against the stored tree and storing the new one
    /// happen under this lock, so two requests cannot roll the state back.
    lock: tokio::sync::Mutex<()>,
}

fn state_error(path: &Path, e: impl std::fmt::Display) -> WitnessError {
    WitnessError::State(format!("{}: {e}", path.display()))
}

impl WitnessState {
    /// Opens `dir`, creating it and a key on first use. `name` is required the
    /// first time and must match afterwards; `trust` adds log vkeys.
    pub fn open(
        dir: &Path,
        name: Option<&str>,
        trust: &[String],
    ) -> Result<WitnessState, WitnessError> {
        std::fs::create_dir_all(dir.join("logs")).map_err(|e| state_error(dir, e))?;
        let key_path = dir.join("witness.key");
        let key = if key_path.exists() {
            keys::load_signing_key(&key_path)
        } else {
            keys::create_private_key(&key_path)
        }
        .map_err(|e| WitnessError::State(e.to_string()))?;
        let name_path = dir.join("name");
        let stored = std::fs::read_to_string(&name_path)
            .ok()
            .map(|s| s.trim().to_string());
        let name = match (stored, name) {
            (Some(s), Some(n)) if s != n => {
                return Err(WitnessError::State(format!(
                    "{}: this witness is named `{s}`, not `{n}`; its cosignatures are known by that name",
                    name_path.display()
                )));
            }
            (Some(s), _) => s,
            (None, Some(n)) => {
                if !note::valid_key_name(n) {
                    return Err(WitnessError::State(format!(
                        "--name `{n}`: a witness name is a schema-less URL without spaces or `+`, e.g. witness.example.org/w1"
                    )));
                }
                evident_fsio::replace(&name_path, format!("{n}\n").as_bytes())
                    .map_err(|e| state_error(&name_path, e))?;
                n.to_string()
            }
            (None, None) => {
                return Err(WitnessError::State(
                    "a new witness needs a name: pass --name, e.g. --name witness.example.org/w1"
                        .into(),
                ));
            }
        };
        let trusted_path = dir.join("trusted");
        let mut lines: Vec<String> = std::fs::read_to_string(&trusted_path)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
            .collect();
        for t in trust {
            if !lines.contains(t) {
                lines.push(t.clone());
            }
        }
        let trusted = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let k = VerifierKey::parse(l).map_err(|e| {
                    WitnessError::State(format!("{}:{}: {e}", trusted_path.display(), i + 1))
                })?;
                if k.kind != ED25519 {
                    return Err(WitnessError::State(format!(
                        "{}:{}: a log's key has signature type 0x01 (ed25519)",
                        trusted_path.display(),
                        i + 1
                    )));
                }
                Ok(k)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        evident_fsio::replace(&trusted_path, text.as_bytes())
            .map_err(|e| state_error(&trusted_path, e))?;
        Ok(WitnessState {
            dir: dir.to_path_buf(),
            name,
            key,
            trusted,
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The key auditors and ledgers list to accept this witness's cosignatures.
    pub fn vkey(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            kind: COSIGNATURE_V1,
            key: self.key.verifying_key(),
        }
    }

    pub fn trusted(&self) -> &[VerifierKey] {
        &self.trusted
    }

    fn log_file(&self, origin: &str) -> PathBuf {
        let digest = Sha256::digest(origin.as_bytes());
        self.dir
            .join("logs")
            .join(hex::encode(&<[u8; 32]>::from(digest)))
    }

    fn latest(&self, origin: &str) -> Result<Option<(u64, Hash)>, Refusal> {
        let path = self.log_file(origin);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let mut lines = text.lines();
        let size = lines.next().and_then(|l| l.parse().ok());
        let root = lines
            .next()
            .and_then(|l| BASE64.decode(l).ok())
            .and_then(|b| Hash::try_from(b.as_slice()).ok());
        match (size, root) {
            (Some(s), Some(r)) => Ok(Some((s, r))),
            _ => Err(Refusal::new(
                500,
                format!(
                    "the witness's record of this log is damaged: {}\n",
                    path.display()
                ),
            )),
        }
    }

    /// Handles one `add-checkpoint` request at `now` (seconds since 1970):
    /// the cosignature line, or the protocol's refusal.
    pub async fn add_checkpoint(&self, body: &str, now: u64) -> Result<String, Refusal> {
        let req = AddCheckpoint::parse(body).map_err(|e| Refusal::new(400, format!("{e}\n")))?;
        let cp =
            Checkpoint::parse(&req.checkpoint).map_err(|e| Refusal::new(400, format!("{e}\n")))?;
        let Form::Note { key_id } = cp.form else {
            return Err(Refusal::new(
                400,
                "only C2SP checkpoints can be witnessed\n",
            ));
        };
        let origin = &cp.head.origin;
        let keys: Vec<&VerifierKey> = self.trusted.iter().filter(|k| &k.name == origin).collect();
        if keys.is_empty() {
            return Err(Refusal::new(
                404,
                format!("this witness does not know the log `{origin}`\n"),
            ));
        }
        let Some(log_key) = keys.iter().find(|k| k.id() == key_id) else {
            return Err(Refusal::new(
                403,
                "no signature by a key this witness trusts for the log\n",
            ));
        };
        cp.verify(&log_key.key)
            .map_err(|e| Refusal::new(403, format!("{e}\n")))?;
        let (size, root) = (cp.head.size, cp.head.root);
        if req.old > size {
            return Err(Refusal::new(
                400,
                format!(
                    "old size {} is larger than the checkpoint's {size}\n",
                    req.old
                ),
            ));
        }
        if size == 0 && root != merkle::empty_root() {
            return Err(Refusal::new(
                422,
                "a checkpoint of size 0 must have the empty tree's root\n",
            ));
        }
        let _held = self.lock.lock().await;
        let latest = self.latest(origin)?;
        let (known_size, known_root) = latest.unwrap_or((0, merkle::empty_root()));
        if req.old != known_size {
            return Err(Refusal::new(409, format!("{known_size}\n")));
        }
        let consistent = if req.old == 0 {
            req.proof.is_empty()
        } else if req.old == size {
            req.proof.is_empty() && known_root == root
        } else {
            merkle::verify_consistency(req.old, size, &known_root, &root, &req.proof)
        };
        if !consistent {
            return Err(Refusal::new(
                422,
                format!(
                    "the checkpoint of {size} entries is not proven to extend the {known_size} this witness cosigned: the log was forked or rewritten\n"
                ),
            ));
        }
        // Persisted before answering: a witness that forgot would cosign a fork.
        let path = self.log_file(origin);
        evident_fsio::replace(
            &path,
            format!("{size}\n{}\n", BASE64.encode(root)).as_bytes(),
        )
        .map_err(|e| Refusal::new(500, format!("{}: {e}\n", path.display())))?;
        let cosignature = Cosignature::sign(&cp.head, &self.name, &self.key, now);
        Ok(cosignature.to_line())
    }
}
