//! Signed tree heads ("checkpoints"), in the C2SP `tlog-checkpoint` format so
//! that transparency-log tooling and witnesses can read them:
//!
//! ```text
//! acme.example/evidence-ledger
//! 42
//! XwyB...(base64 of the 32-byte root)
//! time 2026-11-23T10:15:00Z
//!
//! — acme.example/evidence-ledger 3b6aZ9...(base64 of key ID ‖ ed25519 signature)
//! — witness.example/w1 jWbP...(a witness's cosignature, c2sp.org/tlog-cosignature)
//! ```
//!
//! The first three lines are origin, tree size and root hash; the fourth, an
//! extension line, is the company's own clock when it signed (witnesses make
//! no statement about it: their cosignatures carry their own time). The log
//! signs with key name = origin and signature type 0x01 (c2sp.org/signed-note).
//!
//! Checkpoints written before this format (`evident-checkpoint/1`, fields named
//! one per line, hex signature) still parse and verify as they were signed.

use crate::LedgerError;
use crate::hex::{decode as from_hex, encode as to_hex};
use crate::merkle::{self, Hash};
use crate::note::{self, COSIGNATURE_V1, ED25519, Note, SignatureLine, VerifierKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

const LEGACY_MAGIC: &str = "evident-checkpoint/1";

/// A tree head: what a checkpoint commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeHead {
    /// Names the log, so a checkpoint of one company's ledger is not taken for another's.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// RFC 3339 UTC to the second: the company's clock when it signed.
    pub time: String,
}

impl TreeHead {
    /// The note text the log signs (and witnesses cosign).
    pub fn note_text(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root),
            self.time
        )
    }

    /// The log's key name: its origin, which evident writes as a valid key name.
    pub fn key_name(&self) -> &str {
        &self.origin
    }

    /// The bytes an `evident-checkpoint/1` signature covers.
    fn legacy_body(&self) -> String {
        format!(
            "{LEGACY_MAGIC}\norigin: {}\nsize: {}\nroot: {}\ntime: {}\n\n",
            self.origin.replace('\n', " "),
            self.size,
            merkle::hex(&self.root),
            self.time
        )
    }
}

/// How the log's own signature is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// A C2SP signed note; the key is known by its ID.
    Note { key_id: [u8; 4] },
    /// `evident-checkpoint/1`, which wrote the key out in full.
    Legacy { key: [u8; 32] },
}

/// A witness's timestamped cosignature (c2sp.org/tlog-cosignature, ed25519).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    pub name: String,
    pub key_id: [u8; 4],
    /// The witness's clock when it cosigned, in seconds since 1970.
    pub time: u64,
    pub signature: [u8; 64],
}

impl Cosignature {
    /// What a cosigner signs: a header, its time, and the whole checkpoint text.
    pub fn message(note_text: &str, time: u64) -> String {
        format!("cosignature/v1\ntime {time}\n{note_text}")
    }

    pub fn sign(head: &TreeHead, name: &str, key: &SigningKey, time: u64) -> Cosignature {
        let message = Cosignature::message(&head.note_text(), time);
        Cosignature {
            name: name.to_string(),
            key_id: note::key_id(name, COSIGNATURE_V1, key.verifying_key().as_bytes()),
            time,
            signature: key.sign(message.as_bytes()).to_bytes(),
        }
    }

    fn line(&self) -> SignatureLine {
        let mut signature = self.time.to_be_bytes().to_vec();
        signature.extend_from_slice(&self.signature);
        SignatureLine {
            name: self.name.clone(),
            key_id: self.key_id,
            signature,
        }
    }

    pub fn to_line(&self) -> String {
        self.line().to_line()
    }

    /// A signature line read as a cosignature, when it has a cosignature's length.
    pub fn from_line(line: &SignatureLine) -> Option<Cosignature> {
        if line.signature.len() != 8 + 64 {
            return None;
        }
        Some(Cosignature {
            name: line.name.clone(),
            key_id: line.key_id,
            time: u64::from_be_bytes(line.signature[..8].try_into().ok()?),
            signature: line.signature[8..].try_into().ok()?,
        })
    }

    /// Whether `witness` made this cosignature over `head`.
    pub fn verify(&self, head: &TreeHead, witness: &VerifierKey) -> Result<(), String> {
        if witness.kind != COSIGNATURE_V1
            || witness.name != self.name
            || witness.id() != self.key_id
        {
            return Err(format!("not a cosignature by {}", witness.name));
        }
        if self.time > i64::MAX as u64 {
            return Err(format!("{}: cosignature time is out of range", self.name));
        }
        witness
            .key
            .verify(
                Cosignature::message(&head.note_text(), self.time).as_bytes(),
                &Signature::from_bytes(&self.signature),
            )
            .map_err(|_| {
                format!(
                    "the cosignature by {} does not verify: the checkpoint or the cosignature was altered",
                    self.name
                )
            })
    }
}

/// A tree head with the log's signature and any witnesses' cosignatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub head: TreeHead,
    pub form: Form,
    pub signature: [u8; 64],
    pub cosignatures: Vec<Cosignature>,
    /// Other signature lines, kept as they are: RFC 3161 time-stamps (a
    /// TSA's token over the note text), or signatures evident does not know.
    pub others: Vec<SignatureLine>,
}

impl Checkpoint {
    pub fn sign(head: TreeHead, key: &SigningKey) -> Checkpoint {
        let signature = key.sign(head.note_text().as_bytes()).to_bytes();
        let key_id = note::key_id(head.key_name(), ED25519, key.verifying_key().as_bytes());
        Checkpoint {
            head,
            form: Form::Note { key_id },
            signature,
            cosignatures: Vec::new(),
            others: Vec::new(),
        }
    }

    /// Checks the log's signature against `trusted`, the public key the verifier
    /// already holds. What the checkpoint says of its key is only a label.
    pub fn verify(&self, trusted: &VerifyingKey) -> Result<(), LedgerError> {
        self.check_signature(trusted)
            .map_err(LedgerError::Checkpoint)
    }

    fn check_signature(&self, trusted: &VerifyingKey) -> Result<(), String> {
        let (signed_by_trusted, body) = match &self.form {
            Form::Note { key_id } => (
                *key_id == note::key_id(self.head.key_name(), ED25519, trusted.as_bytes()),
                self.head.note_text(),
            ),
            Form::Legacy { key } => (*key == trusted.to_bytes(), self.head.legacy_body()),
        };
        if !signed_by_trusted {
            return Err("checkpoint was signed by a different key than the one trusted".into());
        }
        trusted
            .verify(body.as_bytes(), &Signature::from_bytes(&self.signature))
            .map_err(|_| {
                "checkpoint signature does not verify: the checkpoint was altered".to_string()
            })
    }

    /// The cosignatures made by `witnesses`, each checked; a cosignature by a
    /// key not listed is ignored, as the note format requires, and one by a
    /// listed key that does not verify is an error.
    pub fn witnessed_by(&self, witnesses: &[VerifierKey]) -> Result<Vec<&Cosignature>, String> {
        let mut proven = Vec::new();
        for c in &self.cosignatures {
            let Some(w) = witnesses
                .iter()
                .find(|w| w.name == c.name && w.id() == c.key_id)
            else {
                continue;
            };
            c.verify(&self.head, w)?;
            proven.push(c);
        }
        Ok(proven)
    }

    /// Adds cosignatures, keeping one per witness key.
    pub fn add_cosignatures(&mut self, more: impl IntoIterator<Item = Cosignature>) {
        for c in more {
            if !self
                .cosignatures
                .iter()
                .any(|o| o.name == c.name && o.key_id == c.key_id)
            {
                self.cosignatures.push(c);
            }
        }
    }

    /// The checkpoint without its cosignatures: what the log itself signed.
    pub fn unwitnessed(&self) -> Checkpoint {
        Checkpoint {
            cosignatures: Vec::new(),
            others: Vec::new(),
            ..self.clone()
        }
    }

    pub fn to_text(&self) -> String {
        match &self.form {
            Form::Legacy { key } => format!(
                "{}key: {}\nsignature: {}\n",
                self.head.legacy_body(),
                to_hex(key),
                to_hex(&self.signature)
            ),
            Form::Note { key_id } => {
                let mut signatures = vec![SignatureLine {
                    name: self.head.key_name().to_string(),
                    key_id: *key_id,
                    signature: self.signature.to_vec(),
                }];
                signatures.extend(self.cosignatures.iter().map(Cosignature::line));
                signatures.extend(self.others.iter().cloned());
                Note {
                    text: self.head.note_text(),
                    signatures,
                }
                .to_text()
            }
        }
    }

    /// Parses either form; errors say which line is wrong.
    pub fn parse(text: &str) -> Result<Checkpoint, LedgerError> {
        if text.starts_with(LEGACY_MAGIC) {
            return Checkpoint::parse_legacy(text).map_err(LedgerError::Checkpoint);
        }
        Checkpoint::parse_note(text).map_err(LedgerError::Checkpoint)
    }

    fn parse_note(text: &str) -> Result<Checkpoint, String> {
        let note = Note::parse(text).map_err(|e| format!("not a checkpoint: {e}"))?;
        let lines: Vec<&str> = note.text.lines().collect();
        let line = |n: usize, what: &str| -> Result<&str, String> {
            lines
                .get(n)
                .copied()
                .filter(|l| !l.is_empty())
                .ok_or_else(|| format!("line {}: expected the {what}", n + 1))
        };
        let origin = line(0, "origin")?;
        let size = line(1, "tree size")?;
        if size.len() > 1 && size.starts_with('0') || size.starts_with('+') {
            return Err(format!(
                "line 2: tree size `{size}` has a leading zero or sign"
            ));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| format!("line 2: tree size `{size}` is not a number"))?;
        let root = BASE64
            .decode(line(2, "root hash")?)
            .ok()
            .and_then(|b| Hash::try_from(b.as_slice()).ok())
            .ok_or("line 3: the root hash is not base64 of 32 bytes")?;
        let time = lines
            .iter()
            .skip(3)
            .find_map(|l| l.strip_prefix("time "))
            .ok_or("line 4: expected `time <RFC 3339>`: evident checkpoints carry the time they were signed")?;
        let head = TreeHead {
            origin: origin.to_string(),
            size,
            root,
            time: time.to_string(),
        };
        let own_at = note
            .signatures
            .iter()
            .position(|s| s.name == head.key_name() && s.signature.len() == 64)
            .ok_or_else(|| {
                format!(
                    "no ed25519 signature by `{}`, the log's key",
                    head.key_name()
                )
            })?;
        let own = &note.signatures[own_at];
        let (mut cosignatures, mut others) = (Vec::new(), Vec::new());
        for (i, line) in note.signatures.iter().enumerate() {
            if i == own_at {
                continue;
            }
            match Cosignature::from_line(line) {
                Some(c) => cosignatures.push(c),
                None => others.push(line.clone()),
            }
        }
        Ok(Checkpoint {
            form: Form::Note { key_id: own.key_id },
            signature: own.signature[..].try_into().expect("length checked"),
            cosignatures,
            others,
            head,
        })
    }

    fn parse_legacy(text: &str) -> Result<Checkpoint, String> {
        let lines: Vec<&str> = text.lines().collect();
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
            form: Form::Legacy { key },
            signature,
            cosignatures: Vec::new(),
            others: Vec::new(),
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
            origin: "acme.example/evidence-ledger".into(),
            size: 42,
            root: merkle::leaf_hash(b"x"),
            time: "2026-11-23T10:15:00Z".into(),
        }
    }

    #[test]
    fn signs_round_trips_and_verifies() {
        let k = key(1);
        let cp = Checkpoint::sign(head(), &k);
        let text = cp.to_text();
        assert!(
            text.starts_with("acme.example/evidence-ledger\n42\n"),
            "{text}"
        );
        assert!(text.contains("\ntime 2026-11-23T10:15:00Z\n\n— acme.example/evidence-ledger "));
        let parsed = Checkpoint::parse(&text).unwrap();
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

    /// A checkpoint in the old text form, signed as it was signed then.
    #[test]
    fn legacy_checkpoints_still_verify() {
        let k = key(1);
        let mut h = head();
        h.origin = "Acme Cloud evidence ledger".into();
        let body = h.legacy_body();
        let text = format!(
            "{body}key: {}\nsignature: {}\n",
            to_hex(k.verifying_key().as_bytes()),
            to_hex(&k.sign(body.as_bytes()).to_bytes())
        );
        let cp = Checkpoint::parse(&text).unwrap();
        cp.verify(&k.verifying_key()).unwrap();
        assert_eq!(cp.to_text(), text);
        let changed = text.replace("size: 42", "size: 43");
        assert!(
            Checkpoint::parse(&changed)
                .unwrap()
                .verify(&k.verifying_key())
                .is_err()
        );
    }

    /// The checkpoint shown in c2sp.org/tlog-checkpoint and tlog-cosignature
    /// parses (its keys are not published, so only its shape is checked).
    #[test]
    fn the_specs_example_checkpoint_parses() {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
        let note = Note::parse(text).unwrap();
        assert_eq!(note.to_text(), text);
        let cosig = Cosignature::from_line(&note.signatures[1]).unwrap();
        assert_eq!(cosig.name, "witness.example.com/w1");
        // The example's timestamp, 2023-03-20.
        assert_eq!(cosig.time, 1_679_315_147);
        // Without a time line it is not an evident checkpoint, and says so.
        let err = Checkpoint::parse(text).unwrap_err().to_string();
        assert!(err.contains("line 4: expected `time"), "{err}");
    }

    #[test]
    fn cosignatures_verify_with_the_witness_key_only() {
        let log = key(1);
        let witness = key(9);
        let vkey = VerifierKey {
            name: "witness.example/w1".into(),
            kind: COSIGNATURE_V1,
            key: witness.verifying_key(),
        };
        let mut cp = Checkpoint::sign(head(), &log);
        cp.add_cosignatures([Cosignature::sign(
            &cp.head,
            &vkey.name,
            &witness,
            1_764_000_000,
        )]);
        let parsed = Checkpoint::parse(&cp.to_text()).unwrap();
        assert_eq!(parsed, cp);
        parsed.verify(&log.verifying_key()).unwrap();
        let proven = parsed.witnessed_by(std::slice::from_ref(&vkey)).unwrap();
        assert_eq!(proven[0].time, 1_764_000_000);
        assert!(
            parsed.witnessed_by(&[]).unwrap().is_empty(),
            "unknown keys are ignored"
        );
        let mut forged = parsed.clone();
        forged.cosignatures[0].time += 1;
        assert!(
            forged
                .witnessed_by(&[vkey])
                .unwrap_err()
                .contains("does not verify")
        );
    }
}
