//! C2SP signed notes (c2sp.org/signed-note): a text, a blank line, and
//! signature lines `— <key name> base64(key ID ‖ signature)`. Checkpoints and
//! witness cosignatures are notes, so any transparency-log tool can read them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};

/// Signature type of an ed25519 note signature (the log's own).
pub const ED25519: u8 = 0x01;
/// Signature type of an ed25519 timestamped cosignature (c2sp.org/tlog-cosignature).
pub const COSIGNATURE_V1: u8 = 0x04;

/// Notes larger than this are refused before parsing: 16 signatures of any
/// algorithm in use fit many times over.
pub const MAX_NOTE_BYTES: usize = 1 << 16;

/// `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`, the key ID the spec recommends.
pub fn key_id(name: &str, kind: u8, key: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', kind]);
    h.update(key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key name is non-empty and holds no spaces or `+`.
pub use evident_core::model::valid_name as valid_key_name;

/// One signature line as read: who says they signed, and the bytes after the key ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureLine {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

impl SignatureLine {
    pub fn to_line(&self) -> String {
        let mut bytes = self.key_id.to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("— {} {}\n", self.name, BASE64.encode(bytes))
    }

    /// Parses `— name base64`; `None` when the line is not a signature line.
    pub fn parse(line: &str) -> Option<SignatureLine> {
        let rest = line.strip_prefix("— ")?;
        let (name, b64) = rest.split_once(' ')?;
        let bytes = BASE64.decode(b64).ok()?;
        if !valid_key_name(name) || bytes.len() < 5 {
            return None;
        }
        Some(SignatureLine {
            name: name.to_string(),
            key_id: bytes[..4].try_into().ok()?,
            signature: bytes[4..].to_vec(),
        })
    }
}

/// A note split into its text and its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    pub signatures: Vec<SignatureLine>,
}

impl Note {
    /// Splits at the last blank line; errors say what makes it not a note.
    pub fn parse(note: &str) -> Result<Note, String> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(format!(
                "{} bytes is more than a note may hold ({MAX_NOTE_BYTES})",
                note.len()
            ));
        }
        if let Some(c) = note.chars().find(|c| c.is_control() && *c != '\n') {
            return Err(format!(
                "holds the control character U+{:04X}; a note holds none but newlines",
                c as u32
            ));
        }
        let Some(split) = note.rfind("\n\n") else {
            return Err("no blank line between the text and its signatures".into());
        };
        let text = &note[..split + 1];
        let sigs = &note[split + 2..];
        if !sigs.ends_with('\n') {
            return Err("the last signature line does not end in a newline".into());
        }
        let signatures = sigs
            .lines()
            .enumerate()
            .map(|(i, line)| {
                SignatureLine::parse(line).ok_or_else(|| {
                    let n = text.lines().count() + 2 + i;
                    format!("line {n}: expected a signature line `— <key name> <base64>`")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err("no signature lines after the blank line".into());
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.text);
        for s in &self.signatures {
            out.push_str(&s.to_line());
        }
        out
    }
}

/// A verifier key in the spec's text form: `name+hex(key ID)+base64(type ‖ key)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub kind: u8,
    pub key: VerifyingKey,
}

impl VerifierKey {
    pub fn id(&self) -> [u8; 4] {
        key_id(&self.name, self.kind, self.key.as_bytes())
    }

    pub fn to_vkey(&self) -> String {
        let mut material = vec![self.kind];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            crate::hex::encode(&self.id()),
            BASE64.encode(material)
        )
    }

    /// Reads a vkey; errors name the part that is wrong.
    pub fn parse(vkey: &str) -> Result<VerifierKey, String> {
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("expected NAME+KEYID+KEY (a C2SP verifier key)".into());
        };
        if !valid_key_name(name) {
            return Err(format!("key name `{name}` is empty or holds a space"));
        }
        let material = BASE64
            .decode(material)
            .map_err(|_| "the key part is not base64".to_string())?;
        let (Some(&kind), Ok(bytes)) = (material.first(), <[u8; 32]>::try_from(&material[1..]))
        else {
            return Err("the key part is not a type byte and a 32-byte ed25519 key".into());
        };
        if kind != ED25519 && kind != COSIGNATURE_V1 {
            return Err(format!(
                "signature type 0x{kind:02x} is not ed25519 (0x01) or an ed25519 cosignature (0x04)"
            ));
        }
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| "not a valid ed25519 public key".to_string())?;
        let parsed = VerifierKey {
            name: name.to_string(),
            kind,
            key,
        };
        if crate::hex::encode(&parsed.id()) != id.to_ascii_lowercase() {
            return Err(format!(
                "key ID {id} does not match the name and key (expected {})",
                crate::hex::encode(&parsed.id())
            ));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    /// The example in c2sp.org/signed-note ("Verifier keys"): the vkey parses
    /// and verifies the note it is shown with.
    #[test]
    fn the_specs_example_note_verifies_with_its_vkey() {
        let vkey = VerifierKey::parse(
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        )
        .unwrap();
        assert_eq!(vkey.kind, ED25519);
        assert_eq!(
            vkey.to_vkey(),
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        );
        let text = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        let note = Note::parse(text).unwrap();
        assert_eq!(note.to_text(), text);
        let sig = &note.signatures[0];
        assert_eq!(sig.key_id, vkey.id());
        let signature = Signature::from_slice(&sig.signature).unwrap();
        vkey.key.verify(note.text.as_bytes(), &signature).unwrap();
        let mut altered = note.text.clone().into_bytes();
        altered[0] ^= 1;
        assert!(vkey.key.verify(&altered, &signature).is_err());
    }

    #[test]
    fn malformed_notes_and_keys_are_named() {
        assert!(Note::parse("text\n").unwrap_err().contains("no blank line"));
        assert!(
            Note::parse("text\n\nnot a signature\n")
                .unwrap_err()
                .contains("line 3: expected a signature line")
        );
        assert!(
            Note::parse("a\u{7}\n\n— x AAAAAAA=\n")
                .unwrap_err()
                .contains("U+0007")
        );
        assert!(
            VerifierKey::parse(
                "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
            )
            .unwrap_err()
            .contains("does not match")
        );
        assert!(VerifierKey::parse("no pluses").is_err());
    }
}
