//! The ledger's ed25519 key pair on disk.
//!
//! The private key (`.evident/keys/ledger.key`) is created with mode 0600 and
//! refused if anyone but its owner can read it. The public key (`ledger.pub` at
//! the root of the trust repo) is meant to be committed and published: the
//! portal, the exports and every auditor verify checkpoints with it alone.

use crate::LedgerError;
use crate::hex;
use ed25519_dalek::{SigningKey, VerifyingKey};
use evident_fsio::Created;
use std::path::Path;

pub const PRIVATE_KEY_FILE: &str = ".evident/keys/ledger.key";
pub const PUBLIC_KEY_FILE: &str = "ledger.pub";
const PRIVATE_HEADER: &str = "evident-ledger-private-key/1";
const PUBLIC_HEADER: &str = "evident-ledger-public-key/1";

/// Creates the key pair under `repo` unless a private key is already there.
pub fn create(repo: &Path) -> Result<Created, LedgerError> {
    create_pair(repo).map_err(LedgerError::Key)
}

fn create_pair(repo: &Path) -> Result<Created, String> {
    let private = repo.join(PRIVATE_KEY_FILE);
    if private.exists() {
        return Ok(Created::Skipped);
    }
    let (key, created) = new_private_key(&private)?;
    let public = repo.join(PUBLIC_KEY_FILE);
    evident_fsio::replace(&public, public_key_text(&key.verifying_key()).as_bytes())
        .map_err(|e| format!("{}: {e}", public.display()))?;
    Ok(created)
}

/// Creates a new ed25519 private key at `path` (mode 0600), which must not exist.
pub fn create_private_key(path: &Path) -> Result<SigningKey, LedgerError> {
    new_private_key(path)
        .map(|(k, _)| k)
        .map_err(LedgerError::Key)
}

fn new_private_key(path: &Path) -> Result<(SigningKey, Created), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no randomness for a new key: {e}"))?;
    // The temporary file evident_fsio writes through is created 0600 and keeps that mode.
    let text = format!("{PRIVATE_HEADER}\n{}\n", hex::encode(&seed));
    let created = evident_fsio::create_new(path, text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    restrict(path)?;
    Ok((SigningKey::from_bytes(&seed), created))
}

pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_HEADER}\n{}\n", hex::encode(&key.to_bytes()))
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<(), String> {
    Ok(())
}

/// Loads the private key, refusing one that group or others can read or write.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, LedgerError> {
    read_signing_key(path).map_err(LedgerError::Key)
}

fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{}: private key is accessible to others (mode {:o}); run `chmod 600 {}` and rotate the key if it may have leaked",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    let seed = read_key::<32>(path, PRIVATE_HEADER)?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, LedgerError> {
    read_verifying_key(path).map_err(LedgerError::Key)
}

fn read_verifying_key(path: &Path) -> Result<VerifyingKey, String> {
    let text = evident_fsio::read_text(path, KEY_FILE_CAP)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    parse_verifying_key(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// Reads the text of a public key file (`ledger.pub`); errors start with the line.
pub fn parse_verifying_key(text: &str) -> Result<VerifyingKey, LedgerError> {
    verifying_key_of(text).map_err(LedgerError::Key)
}

fn verifying_key_of(text: &str) -> Result<VerifyingKey, String> {
    let mut lines = text.lines();
    if lines.next() != Some(PUBLIC_HEADER) {
        return Err(format!("1: expected `{PUBLIC_HEADER}`"));
    }
    let bytes = lines
        .next()
        .and_then(hex::decode::<32>)
        .ok_or("2: expected 64 hex digits")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "2: not a valid ed25519 public key".to_string())
}

/// A key file is two short lines; anything larger is not one.
pub const KEY_FILE_CAP: u64 = 4096;

fn read_key<const N: usize>(path: &Path, header: &str) -> Result<[u8; N], String> {
    let text = evident_fsio::read_text(path, KEY_FILE_CAP)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(format!("{}:1: expected `{header}`", path.display()));
    }
    lines
        .next()
        .and_then(hex::decode::<N>)
        .ok_or_else(|| format!("{}:2: expected {} hex digits", path.display(), 2 * N))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_only_its_owner_can_read() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(create(dir.path()).unwrap(), Created::Written);
        assert_eq!(
            create(dir.path()).unwrap(),
            Created::Skipped,
            "never replaces a key"
        );
        let private = dir.path().join(PRIVATE_KEY_FILE);
        let key = load_signing_key(&private).unwrap();
        let public = load_verifying_key(&dir.path().join(PUBLIC_KEY_FILE)).unwrap();
        assert_eq!(key.verifying_key(), public);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = load_signing_key(&private).unwrap_err().to_string();
            assert!(err.contains("accessible to others (mode 644)"), "{err}");
        }
    }

    #[test]
    fn malformed_key_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pub");
        std::fs::write(&p, "evident-ledger-public-key/1\nnot-hex\n").unwrap();
        assert!(
            load_verifying_key(&p)
                .unwrap_err()
                .to_string()
                .contains(":2: expected 64 hex digits")
        );
        std::fs::write(&p, "something else\n").unwrap();
        assert!(
            load_verifying_key(&p)
                .unwrap_err()
                .to_string()
                .contains(":1: expected")
        );
    }
}
