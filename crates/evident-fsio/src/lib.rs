//! Crash-safe writes: a file is either absent, or complete. Never half-written.
//!
//! Every file evident writes (trust-repo scaffolding, ledger blobs, keys, the
//! portal) goes through here: content goes to a temporary file in the target's
//! directory, is synced, then renamed (or linked without clobbering) into place,
//! and the directory is synced so the rename survives a crash.

use std::io::Write;
use std::path::Path;

/// What happened to a file we were asked to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Written,
    /// It already existed and was left untouched.
    Skipped,
}

/// Creates `path` with `bytes` unless it exists. The content goes to a temporary
/// file in the same directory, is synced, then linked into place without
/// replacing anything, so a crash leaves either no file or the whole file.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<Created> {
    if path.exists() {
        return Ok(Created::Skipped);
    }
    let dir = parent_of(path);
    std::fs::create_dir_all(dir)?;
    let tmp = staged(dir, bytes)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {
            sync_dir(dir);
            Ok(Created::Written)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Created::Skipped),
        Err(e) => Err(e.error),
    }
}

/// Replaces `path` with `bytes` atomically (write a temporary file, sync, rename).
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_of(path);
    std::fs::create_dir_all(dir)?;
    staged(dir, bytes)?.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn staged(dir: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".evident-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

/// Makes the rename itself durable. Best effort: some file systems refuse to sync a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.txt");
        assert_eq!(create_new(&p, b"one").unwrap(), Created::Written);
        assert_eq!(create_new(&p, b"two").unwrap(), Created::Skipped);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        replace(&p, b"three").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        let leftovers = std::fs::read_dir(p.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
    }
}
