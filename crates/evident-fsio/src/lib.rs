//! Crash-safe writes: a file is either absent, or complete. Never half-written.
//! And bounded reads of regular files only (`read.rs`).
//!
//! Every file evident writes (trust-repo scaffolding, ledger blobs, keys, the
//! portal) goes through here: content goes to a temporary file in the target's
//! directory, is synced, then renamed (or linked without clobbering) into place,
//! and the directory is synced so the rename survives a crash.

mod read;
pub use read::{
    ReadError, open_regular, read_inside, read_open, read_regular, read_text, regular_inside,
};

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Replaces `path` atomically with what `write` writes into a temporary file
/// beside it: for output too large to hold in memory (an evidence bundle).
pub fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = parent_of(path);
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".evident-tmp-")
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Replaces the directory `target` with one holding exactly `files` (paths
/// relative to it, and bytes): [`NewDir`] written in one go.
pub fn replace_dir<'a>(
    target: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> std::io::Result<()> {
    let mut dir = NewDir::beside(target)?;
    for (rel, bytes) in files {
        dir.write(rel, bytes)?;
    }
    dir.swap_in()
}

/// A directory that will replace `target` whole. Files are written into a fresh
/// sibling directory, flushed to disk with one file-system sync, and swapped in
/// by rename: a crash leaves the old directory or the new one, and nothing from
/// the old one survives into the new. Cheaper than [`replace`] per file when
/// there are thousands. Dropped without [`NewDir::swap_in`], it is removed and
/// `target` is left as it was.
///
/// A file whose bytes are the same as in the old directory is hard-linked from
/// there instead of written again, so unchanged files keep their modification
/// time and a deploy that syncs by time uploads only what changed.
pub struct NewDir {
    target: PathBuf,
    name: String,
    fresh: tempfile::TempDir,
    /// Whether there is an old directory to carry unchanged files over from.
    replacing: bool,
    /// Folders made so far, each made once rather than once per file.
    made: HashSet<PathBuf>,
    /// Held while the directory is built and swapped in: one build in a
    /// parent at a time, so any other `.NAME.new-`/`.NAME.old-` beside the
    /// target is the leftover of a build that was killed.
    _lock: std::fs::File,
}

impl NewDir {
    /// Starts a directory that will replace `target`.
    pub fn beside(target: &Path) -> std::io::Result<NewDir> {
        let parent = parent_of(target);
        std::fs::create_dir_all(parent)?;
        let name = target
            .file_name()
            .map_or_else(|| "dir".into(), |n| n.to_string_lossy().into_owned());
        // The parent directory itself is the lock (an advisory lock on its
        // handle): no lock file is left beside the target.
        let lock = std::fs::File::open(parent)?;
        lock.lock()?;
        remove_leftovers(parent, &name)?;
        let fresh = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(parent)?;
        Ok(NewDir {
            target: target.to_path_buf(),
            name,
            fresh,
            replacing: target.is_dir(),
            made: HashSet::new(),
            _lock: lock,
        })
    }

    /// Writes one file, `rel` being its path inside the directory.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.fresh.path().join(rel);
        let folder = parent_of(&path);
        if !self.made.contains(folder) {
            std::fs::create_dir_all(folder)?;
            self.made.insert(folder.to_path_buf());
        }
        let old = self.target.join(rel);
        if !(self.replacing && unchanged(&old, bytes) && std::fs::hard_link(&old, &path).is_ok()) {
            std::fs::write(&path, bytes)?;
        }
        Ok(())
    }

    /// Flushes everything written and puts the directory in place of `target`.
    pub fn swap_in(self) -> std::io::Result<()> {
        sync_file_system(self.fresh.path())?;
        let (target, parent) = (&self.target, parent_of(&self.target));
        let fresh = self.fresh.keep();
        if target.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{}.old-", self.name))
                .tempdir_in(parent)?
                .keep();
            std::fs::rename(target, old.join("site"))?;
            std::fs::rename(&fresh, target)?;
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&fresh, target)?;
        }
        sync_dir(parent);
        Ok(())
    }
}

/// Removes what killed builds of `name` left in `parent` (the caller holds
/// the lock, so no live build owns them). A link is removed, never followed.
fn remove_leftovers(parent: &Path, name: &str) -> std::io::Result<()> {
    let (new, old) = (format!(".{name}.new-"), format!(".{name}.old-"));
    for entry in std::fs::read_dir(parent)? {
        let entry = entry?;
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if !(file.starts_with(&new) || file.starts_with(&old)) {
            continue;
        }
        let path = entry.path();
        if std::fs::symlink_metadata(&path)?.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Whether `path` is a file holding exactly `bytes` (the size is compared first).
fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Flushes every written file of the file system holding `dir` in one call.
fn sync_file_system(dir: &Path) -> std::io::Result<()> {
    let d = std::fs::File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `d` is an open descriptor for the whole call; syncfs only reads it.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        d.sync_all()
    }
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
    fn replace_dir_swaps_in_exactly_the_new_files() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        replace_dir(&site, [("a.html", &b"one"[..]), ("old/x.html", &b"x"[..])]).unwrap();
        replace_dir(&site, [("a.html", &b"two"[..]), ("new/y.html", &b"y"[..])]).unwrap();
        assert_eq!(std::fs::read(site.join("a.html")).unwrap(), b"two");
        assert!(site.join("new/y.html").is_file());
        assert!(
            !site.join("old").exists(),
            "nothing of the old directory survives"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["site"], "no staging directories are left behind");
    }

    #[test]
    fn a_new_dir_vanishes_unless_swapped_in() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        replace_dir(&site, [("kept.html", &b"old"[..])]).unwrap();
        let mut abandoned = NewDir::beside(&site).unwrap();
        for n in 0..300 {
            abandoned
                .write(&format!("x/gone-{n}.html"), b"never shown")
                .unwrap();
        }
        drop(abandoned);
        assert_eq!(std::fs::read(site.join("kept.html")).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["site"], "no staging directories are left behind");
    }

    #[test]
    fn a_killed_builds_leftovers_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        replace_dir(&site, [("a.html", &b"one"[..])]).unwrap();
        // What a build killed before its swap, or during it, leaves behind.
        for left in [".site.new-k1tP", ".site.old-9xQa"] {
            std::fs::create_dir_all(dir.path().join(left).join("site/deep")).unwrap();
            std::fs::write(dir.path().join(left).join("site/deep/x.html"), b"x").unwrap();
        }
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep.txt"), b"not ours").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), dir.path().join(".site.new-link")).unwrap();
        // Another target's staging in the same folder is not this build's.
        std::fs::create_dir_all(dir.path().join(".sites.new-other")).unwrap();
        replace_dir(&site, [("a.html", &b"two"[..])]).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".sites.new-other", "site"]);
        assert!(
            outside.path().join("keep.txt").is_file(),
            "a link is never followed"
        );
    }

    #[cfg(unix)]
    #[test]
    fn replace_dir_keeps_unchanged_files_and_rewrites_changed_ones() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let inode = |rel: &str| std::fs::metadata(site.join(rel)).unwrap().ino();
        replace_dir(
            &site,
            [("same.html", &b"kept"[..]), ("c/edit.html", &b"v1"[..])],
        )
        .unwrap();
        let (same, edited) = (inode("same.html"), inode("c/edit.html"));
        // Same length, other bytes: compared by content, not only by size.
        replace_dir(
            &site,
            [("same.html", &b"kept"[..]), ("c/edit.html", &b"v2"[..])],
        )
        .unwrap();
        assert_eq!(
            inode("same.html"),
            same,
            "an unchanged file is carried over"
        );
        assert_ne!(
            inode("c/edit.html"),
            edited,
            "a changed file is written anew"
        );
        assert_eq!(std::fs::read(site.join("c/edit.html")).unwrap(), b"v2");
        assert_eq!(
            std::fs::metadata(site.join("same.html")).unwrap().nlink(),
            1
        );
    }

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
