//! Evidence content, stored once by SHA-256.
//!
//! [`BlobStore`] is the interface; [`FsBlobs`] keeps blobs under `.evident/blobs/`
//! as `ab/abcdef...` (the hex hash, fanned out by its first byte). An
//! S3-compatible store (evident-store) implements the same trait, which is why
//! it is asynchronous. Reading always re-hashes, so a blob altered where it is
//! kept is reported, never returned.

use crate::hex;
use crate::merkle::Hash;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::io;
use std::path::PathBuf;

pub trait BlobStore: Send + Sync {
    /// Stores `bytes` (once: storing the same content again is a no-op) and returns its hash.
    fn put(&self, bytes: &[u8]) -> impl Future<Output = io::Result<Hash>> + Send;
    /// The content with this hash; `NotFound` if it was never stored,
    /// `InvalidData` if what is stored no longer matches it.
    fn get(&self, hash: &Hash) -> impl Future<Output = io::Result<Vec<u8>>> + Send;
}

/// The error of content that no longer has the hash it is stored under.
pub fn altered(hash: &Hash) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "blob {} was altered: its content no longer has that hash",
            hex::encode(hash)
        ),
    )
}

pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// Blobs as files in a directory.
pub struct FsBlobs {
    root: PathBuf,
}

impl FsBlobs {
    pub fn new(root: impl Into<PathBuf>) -> FsBlobs {
        FsBlobs { root: root.into() }
    }

    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    pub fn path_of(&self, hash: &Hash) -> PathBuf {
        let h = hex::encode(hash);
        self.root.join(&h[..2]).join(&h)
    }

    /// The content with this hash as a stream, for content too large to hold
    /// at once. Not re-hashed here: the reader (a bundle's checker) hashes it.
    pub fn open(&self, hash: &Hash) -> io::Result<std::fs::File> {
        std::fs::File::open(self.path_of(hash))
    }
}

// The file system is read and written in place: blobs are small files on a
// local disk, and the callers run one upload per task.
impl BlobStore for FsBlobs {
    async fn put(&self, bytes: &[u8]) -> io::Result<Hash> {
        let hash = sha256(bytes);
        evident_fsio::create_new(&self.path_of(&hash), bytes)?;
        Ok(hash)
    }

    async fn get(&self, hash: &Hash) -> io::Result<Vec<u8>> {
        let bytes = std::fs::read(self.path_of(hash))?;
        if sha256(&bytes) != *hash {
            return Err(altered(hash));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a future that never waits (the file system is read in place).
    fn now<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the file store never waits"),
        }
    }

    #[test]
    fn stores_once_and_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobs::new(dir.path());
        let h = now(blobs.put(b"evidence")).unwrap();
        assert_eq!(now(blobs.put(b"evidence")).unwrap(), h);
        assert_eq!(now(blobs.get(&h)).unwrap(), b"evidence");
        std::fs::write(blobs.path_of(&h), b"evidencE").unwrap();
        let err = now(blobs.get(&h)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let missing = now(blobs.get(&sha256(b"never stored"))).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
