//! Crash-safe writes: a file is either absent, or complete. Never half-written.
//!
//! Every file evident writes (trust-repo scaffolding, ledger blobs, keys, the
//! portal) goes through here: content goes to a temporary file in the target's
//! directory, is synced, then renamed (or linked without clobbering) into place,
//! and the directory is synced so the rename survives a crash.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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

/// Replaces the directory `target` with one holding exactly `files` (paths
/// relative to it, and bytes): [`NewDir`] written in one go.
pub fn replace_dir<'a>(
    target: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> std::io::Result<()> {
    let dir = NewDir::beside(target)?;
    for (rel, bytes) in files {
        dir.write(rel, bytes)?;
    }
    dir.swap_in()
}

/// A directory that will replace `target` whole. Files are written into a fresh
/// sibling directory (from several threads at once if need be), flushed to disk
/// with one file-system sync, and swapped in by rename: a crash leaves the old
/// directory or the new one, and nothing from the old one survives into the new.
/// Cheaper than [`replace`] per file when there are thousands. Dropped without
/// [`NewDir::swap_in`], it is removed and `target` is left as it was.
///
/// A file whose bytes are the same as in the old directory is hard-linked from
/// there instead of written again: on a rebuild where few pages changed, most
/// files cost a link rather than a new inode and new blocks (and deleting the old
/// directory frees nothing), and unchanged files keep their modification time,
/// so a deploy that syncs by time uploads only what changed.
pub struct NewDir {
    target: PathBuf,
    name: String,
    /// Before `fresh`: dropped (so joined) before the directory is removed.
    reserver: Reserver,
    fresh: tempfile::TempDir,
    /// Whether there is an old directory to carry unchanged files over from.
    replacing: bool,
    /// Folders made so far: each is made once, not once per file (a thousand
    /// pages would otherwise cost a thousand more mkdir and stat calls).
    made: Mutex<HashSet<PathBuf>>,
    /// Files written so far, and whether an early flush is under way.
    written: AtomicUsize,
    flushing: Arc<AtomicBool>,
    /// Files made empty ahead of their content ([`NewDir::reserve`]), each with
    /// whether its content has been written.
    reserved: HashMap<String, AtomicBool>,
}

/// The thread making reserved files, stopped and joined when dropped.
#[derive(Default)]
struct Reserver {
    thread: Option<std::thread::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Reserver {
    fn finish(&mut self) {
        if let Some(thread) = self.thread.take() {
            // The thread only makes files and ignores errors: it cannot panic
            // short of running out of memory, and then there is nothing to report.
            let _ = thread.join();
        }
    }
}

impl Drop for Reserver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.finish();
    }
}

/// How many files [`NewDir`] writes between early flushes.
const EARLY_FLUSH_EVERY: usize = 256;

impl NewDir {
    /// Starts a directory that will replace `target`.
    pub fn beside(target: &Path) -> std::io::Result<NewDir> {
        let parent = parent_of(target);
        std::fs::create_dir_all(parent)?;
        let name = target
            .file_name()
            .map_or_else(|| "dir".into(), |n| n.to_string_lossy().into_owned());
        let fresh = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(parent)?;
        Ok(NewDir {
            target: target.to_path_buf(),
            name,
            reserver: Reserver::default(),
            fresh,
            replacing: target.is_dir(),
            made: Mutex::default(),
            written: AtomicUsize::new(0),
            flushing: Arc::default(),
            reserved: HashMap::new(),
        })
    }

    /// Makes the files `rels` (paths inside the directory) empty now, on a thread
    /// of their own, for [`NewDir::write`] to fill in later. Making a file is
    /// most of what writing a small one costs, and it runs under its folder's
    /// lock: a thousand pages written from two threads spent much of their time
    /// queued on that lock. Reserved while other work runs, they are then only
    /// filled in. A reserved file never written is removed before the swap.
    ///
    /// Not when replacing: unchanged files are then linked from the old directory
    /// rather than written, and a link needs the name free.
    pub fn reserve(&mut self, rels: Vec<String>) -> std::io::Result<()> {
        if self.replacing || rels.is_empty() || self.reserver.thread.is_some() {
            return Ok(());
        }
        let root = self.fresh.path().to_path_buf();
        let made = self.made.get_mut().unwrap_or_else(|p| p.into_inner());
        for rel in &rels {
            make_folder(made, parent_of(&root.join(rel)))?;
        }
        self.reserved = rels
            .iter()
            .map(|r| (r.clone(), AtomicBool::new(false)))
            .collect();
        let stop = Arc::clone(&self.reserver.stop);
        self.reserver.thread = Some(std::thread::spawn(move || {
            run_only_when_idle();
            for rel in rels {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                // Already there means a writer got to it first; any real
                // problem shows when the page itself is written.
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(root.join(rel));
            }
        }));
        Ok(())
    }

    /// Writes one file, `rel` being its path inside the directory.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.fresh.path().join(rel);
        let folder = parent_of(&path);
        // A poisoned lock only means another writer panicked; the set is still right.
        make_folder(
            &mut self.made.lock().unwrap_or_else(|p| p.into_inner()),
            folder,
        )?;
        // The first write of a reserved file finds it empty (the reserving
        // thread made it) or absent (this got there first): either way no
        // truncation is needed, and none is done (on ext4, truncating a file to
        // nothing makes its close start writing it out). A second write of the
        // same file truncates, as any other write.
        if let Some(filled) = self.reserved.get(rel)
            && !filled.swap(true, Ordering::AcqRel)
        {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?
                .write_all(bytes)?;
        } else {
            let old = self.target.join(rel);
            if !(self.replacing
                && unchanged(&old, bytes)
                && std::fs::hard_link(&old, &path).is_ok())
            {
                std::fs::write(&path, bytes)?;
            }
        }
        let written = self.written.fetch_add(1, Ordering::Relaxed) + 1;
        if written.is_multiple_of(EARLY_FLUSH_EVERY) {
            self.flush_early();
        }
        Ok(())
    }

    /// Starts writing out what is written so far, on a thread of its own, while
    /// the caller goes on writing: the sync before the swap then has little
    /// left to wait for (a thousand pages: 0.7 ms instead of 7-9 ms, the disk
    /// working while the pages are rendered). Only one at a time; the sync in
    /// [`NewDir::swap_in`] alone is what makes the files durable.
    fn flush_early(&self) {
        if self.flushing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (dir, flushing) = (self.fresh.path().to_path_buf(), Arc::clone(&self.flushing));
        std::thread::spawn(move || {
            // A folder already gone (the build failed) has nothing to flush.
            let _ = sync_file_system(&dir);
            flushing.store(false, Ordering::Release);
        });
    }

    /// Flushes everything written and puts the directory in place of `target`.
    pub fn swap_in(mut self) -> std::io::Result<()> {
        // Every file is written by now: what the reserving thread has not made
        // yet is no longer worth making.
        self.reserver.stop.store(true, Ordering::Relaxed);
        self.reserver.finish();
        for (rel, filled) in &self.reserved {
            if !filled.load(Ordering::Acquire) {
                match std::fs::remove_file(self.fresh.path().join(rel)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
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

/// Makes `folder` unless `made` says it was made already, and notes it there.
fn make_folder(made: &mut HashSet<PathBuf>, folder: &Path) -> std::io::Result<()> {
    if !made.contains(folder) {
        std::fs::create_dir_all(folder)?;
        made.insert(folder.to_path_buf());
    }
    Ok(())
}

/// Lowers the calling thread to run only on a core nothing else wants: work
/// done ahead (making reserved files) then fills idle moments rather than
/// taking a core from the work it is ahead of. (Measured on a portal build, the
/// difference from normal priority is within the noise: docs/benchmarks.md.)
fn run_only_when_idle() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` outlives the call; pid 0 is the calling thread, and
        // failing (a kernel without SCHED_IDLE) only leaves the priority as it was.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
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
    fn a_new_dir_takes_files_from_several_threads_and_vanishes_unless_swapped_in() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        replace_dir(&site, [("kept.html", &b"old"[..])]).unwrap();

        // Enough files for an early flush, still running when the folder goes.
        let abandoned = NewDir::beside(&site).unwrap();
        for n in 0..EARLY_FLUSH_EVERY {
            abandoned
                .write(&format!("x/gone-{n}.html"), b"never shown")
                .unwrap();
        }
        drop(abandoned);
        assert_eq!(std::fs::read(site.join("kept.html")).unwrap(), b"old");

        const PER_THREAD: usize = EARLY_FLUSH_EVERY + 50;
        let new = NewDir::beside(&site).unwrap();
        std::thread::scope(|s| {
            for t in 0..2 {
                let new = &new;
                s.spawn(move || {
                    // Each thread alone crosses the early-flush mark.
                    for n in 0..PER_THREAD {
                        new.write(&format!("d{}/p{t}-{n}.html", n % 3), b"page")
                            .unwrap();
                    }
                });
            }
        });
        new.swap_in().unwrap();
        let mut count = 0;
        for folder in std::fs::read_dir(&site).unwrap() {
            count += std::fs::read_dir(folder.unwrap().path()).unwrap().count();
        }
        assert_eq!(
            count,
            2 * PER_THREAD,
            "every page of both threads, nothing of the old site"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["site"], "no staging directories are left behind");
    }

    #[test]
    fn reserved_files_hold_what_is_written_and_unwritten_ones_vanish() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let names = |n: usize| (0..n).map(|k| format!("c/p{k}.html")).collect::<Vec<_>>();

        // Abandoned while the reserving thread may still be at work.
        let mut abandoned = NewDir::beside(&site).unwrap();
        abandoned.reserve(names(500)).unwrap();
        drop(abandoned);
        assert!(!site.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let mut new = NewDir::beside(&site).unwrap();
        new.reserve(names(300)).unwrap();
        // Written in reverse from two threads, so writers often get to a file
        // before the reserving thread does; p0 is never written.
        std::thread::scope(|s| {
            for t in 0..2 {
                let new = &new;
                s.spawn(move || {
                    for k in (1..300).rev().filter(|k| k % 2 == t) {
                        let body = format!("page {k} ").repeat(k % 7 + 1);
                        new.write(&format!("c/p{k}.html"), body.as_bytes()).unwrap();
                    }
                });
            }
        });
        new.write("index.html", b"home").unwrap();
        // Written again, shorter: nothing of the first write is left.
        new.write("c/p1.html", b"again").unwrap();
        new.swap_in().unwrap();
        assert_eq!(std::fs::read(site.join("c/p1.html")).unwrap(), b"again");
        for k in 2..300 {
            let body = format!("page {k} ").repeat(k % 7 + 1);
            assert_eq!(
                std::fs::read_to_string(site.join(format!("c/p{k}.html"))).unwrap(),
                body
            );
        }
        assert!(
            !site.join("c/p0.html").exists(),
            "a reserved file never written is not published empty"
        );
        assert_eq!(std::fs::read_dir(site.join("c")).unwrap().count(), 299);

        // Over an existing site, reserving does nothing: unchanged pages are
        // linked from it, which needs their names free.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let inode = |rel: &str| std::fs::metadata(site.join(rel)).unwrap().ino();
            let kept = inode("c/p2.html");
            let mut again = NewDir::beside(&site).unwrap();
            again.reserve(names(3)).unwrap();
            assert!(again.reserver.thread.is_none() && again.reserved.is_empty());
            again.write("c/p1.html", b"changed").unwrap();
            let unchanged = "page 2 ".repeat(3);
            again.write("c/p2.html", unchanged.as_bytes()).unwrap();
            again.swap_in().unwrap();
            assert_eq!(std::fs::read_dir(site.join("c")).unwrap().count(), 2);
            assert_eq!(std::fs::read(site.join("c/p1.html")).unwrap(), b"changed");
            assert_eq!(
                inode("c/p2.html"),
                kept,
                "an unchanged page is carried over"
            );
        }
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
