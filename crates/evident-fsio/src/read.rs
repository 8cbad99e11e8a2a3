//! Reading files a user controls: only regular files, only inside the folder
//! they belong to, never more than a cap. A symlink out of the trust repo would
//! publish a file from elsewhere on the machine; a FIFO would hang the reader;
//! `/dev/zero` would fill memory.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It does not exist.
    Missing,
    /// It is, or links to, something outside `root`.
    Outside(PathBuf),
    /// It is a folder, FIFO, socket or device: what it is.
    NotRegular(&'static str),
    /// It holds more bytes than the cap.
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => write!(f, "no such file"),
            ReadError::Outside(to) => write!(
                f,
                "it links to {}, outside the folder it belongs to",
                to.display()
            ),
            ReadError::NotRegular(what) => write!(f, "it is a {what}, not a regular file"),
            ReadError::TooLarge(len) => write!(f, "it holds {len} bytes or more"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads `root/rel` whole, when it is a regular file that is (after following
/// links) inside `root` and holds at most `cap` bytes.
pub fn read_inside(root: &Path, rel: &str, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_regular(&resolve_inside(root, rel)?, cap)
}

/// Where `root/rel` really is, links followed, when that is inside `root`.
fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, ReadError> {
    let real = std::fs::canonicalize(root.join(rel)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Io(e),
    })?;
    let real_root = std::fs::canonicalize(root).map_err(ReadError::Io)?;
    if !real.starts_with(&real_root) {
        return Err(ReadError::Outside(real));
    }
    Ok(real)
}

/// Whether `root/rel` is a regular file inside `root` (after following links),
/// without reading it: for paths a trust repo names, checked when it is loaded.
pub fn regular_inside(root: &Path, rel: &str) -> Result<(), ReadError> {
    let real = resolve_inside(root, rel)?;
    let kind = std::fs::metadata(&real).map_err(ReadError::Io)?.file_type();
    if kind.is_file() {
        Ok(())
    } else {
        Err(ReadError::NotRegular(kind_name(kind)))
    }
}

/// Reads `path` whole when it is a regular file of at most `cap` bytes,
/// wherever it is (a file named on the command line).
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_open(open_regular(path)?, cap)
}

/// Reads a file [`open_regular`] opened, whole, when it holds at most `cap`
/// bytes: for a caller that looks at the open file first (its age).
pub fn read_open(mut file: std::fs::File, cap: u64) -> Result<Vec<u8>, ReadError> {
    let len = file.metadata().map_err(ReadError::Io)?.len();
    if len > cap {
        return Err(ReadError::TooLarge(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // Capped while reading too: the file may grow after the size was taken.
    (&mut file)
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text: for key, checkpoint and proof files named
/// on the command line.
pub fn read_text(path: &Path, cap: u64) -> Result<String, ReadError> {
    String::from_utf8(read_regular(path, cap)?).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not UTF-8 text",
        ))
    })
}

/// Opens `path` for reading when it is a regular file. Opening does not block
/// on a FIFO (O_NONBLOCK), and what was opened is checked, not what the path
/// named a moment before.
pub fn open_regular(path: &Path) -> Result<std::fs::File, ReadError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::Missing,
            _ => ReadError::Io(e),
        })?;
    let kind = file.metadata().map_err(ReadError::Io)?.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular(kind_name(kind)));
    }
    // Back to blocking reads: a regular file never blocks, and the flag would
    // otherwise be inherited by whoever reads the handle.
    // SAFETY: fcntl on a descriptor this function owns, with valid flags.
    unsafe {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

/// What a file that is not a regular one is, in a word.
fn kind_name(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "folder"
    } else if kind.is_fifo() {
        "FIFO"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_inside_the_root_under_the_cap_are_read() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s3cret").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("ok.md"), "hello").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(root.join("ok.md"), root.join("sub/inside.md")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("out.md")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.md")).unwrap();
        let fifo = std::ffi::CString::new(root.join("fifo.md").to_str().unwrap()).unwrap();
        // SAFETY: a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

        assert_eq!(read_inside(root, "ok.md", 5).unwrap(), b"hello");
        assert_eq!(read_inside(root, "sub/inside.md", 5).unwrap(), b"hello");
        assert!(matches!(
            read_inside(root, "ok.md", 4),
            Err(ReadError::TooLarge(5))
        ));
        assert!(matches!(
            read_inside(root, "out.md", 99),
            Err(ReadError::Outside(_))
        ));
        assert!(matches!(
            read_inside(root, "zero.md", 99),
            Err(ReadError::Outside(_))
        ));
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 99),
            Err(ReadError::NotRegular("device"))
        ));
        // A FIFO with no writer: refused at once, not waited on.
        assert!(matches!(
            read_inside(root, "fifo.md", 99),
            Err(ReadError::NotRegular("FIFO"))
        ));
        assert!(matches!(
            read_inside(root, "sub", 99),
            Err(ReadError::NotRegular("folder"))
        ));
        assert!(regular_inside(root, "sub/inside.md").is_ok());
        assert!(matches!(
            regular_inside(root, "out.md"),
            Err(ReadError::Outside(_))
        ));
        assert!(matches!(
            regular_inside(root, "fifo.md"),
            Err(ReadError::NotRegular("FIFO"))
        ));
        assert!(matches!(
            read_inside(root, "none.md", 99),
            Err(ReadError::Missing)
        ));
    }
}
