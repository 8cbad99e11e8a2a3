//! Evidence content, stored once by SHA-256.
//!
//! [`BlobStore`] is the interface; [`FsBlobs`] keeps blobs under `.evident/blobs/`
//! as `ab/abcdef...` (the hex hash, fanned out by its first byte). An
//! S3-compatible store implements the same trait. Reading always re-hashes, so
//! a blob altered on disk is reported, never returned.

use crate::hex;
use crate::merkle::Hash;
use sha2::{Digest, Sha256};
use std::io;
use std::path::PathBuf;

pub trait BlobStore {
    /// Stores `bytes` (once: storing the same content again is a no-op) and returns its hash.
    fn put(&self, bytes: &[u8]) -> io::Result<Hash>;
    /// The content with this hash; `InvalidData` if what is stored no longer matches it.
    fn get(&self, hash: &Hash) -> io::Result<Vec<u8>>;
    /// The content with this hash as a stream, for content too large to hold
    /// at once. Not re-hashed here: the reader (a bundle's checker) hashes it.
    fn open(&self, hash: &Hash) -> io::Result<Box<dyn io::Read>> {
        Ok(Box::new(io::Cursor::new(self.get(hash)?)))
    }
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

    pub fn path_of(&self, hash: &Hash) -> PathBuf {
        let h = hex::encode(hash);
        self.root.join(&h[..2]).join(&h)
    }
}

impl BlobStore for FsBlobs {
    fn put(&self, bytes: &[u8]) -> io::Result<Hash> {
        let hash = sha256(bytes);
        evident_fsio::create_new(&self.path_of(&hash), bytes)?;
        Ok(hash)
    }

    fn get(&self, hash: &Hash) -> io::Result<Vec<u8>> {
        let bytes = std::fs::read(self.path_of(hash))?;
        if sha256(&bytes) != *hash {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob {} was altered: its content no longer has that hash",
                    hex::encode(hash)
                ),
            ));
        }
        Ok(bytes)
    }

    fn open(&self, hash: &Hash) -> io::Result<Box<dyn io::Read>> {
        Ok(Box::new(std::fs::File::open(self.path_of(hash))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_and_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobs::new(dir.path());
        let h = blobs.put(b"evidence").unwrap();
        assert_eq!(blobs.put(b"evidence").unwrap(), h);
        assert_eq!(blobs.get(&h).unwrap(), b"evidence");
        std::fs::write(blobs.path_of(&h), b"evidencE").unwrap();
        let err = blobs.get(&h).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(blobs.get(&sha256(b"never stored")).is_err());
    }
}
