//! The evidence bundle: everything an auditor needs offline, in one zip, and its
//! complete check.
//!
//! Layout (format `evident-bundle/1`):
//! - `checkpoint.txt`: a signed checkpoint of the ledger; `ledger.pub`: its key.
//! - `entries/<n>.json`: the canonical bytes of each entry in the bundle.
//! - `blobs/<sha256>`: the content each entry names.
//! - `worksheet.xlsx`, `README.txt`, `verify_bundle.py`.
//! - `manifest.json`: the checkpoint's size and root; per entry its number, file,
//!   leaf hash, content hash, blob file and RFC 9162 inclusion proof; and the
//!   SHA-256 of every other file.
//! - `manifest.sig`: the ed25519 signature of `manifest.json` by the ledger key,
//!   so no byte of the manifest, and through it no byte of any file, can change.
//!
//! Nothing in it needs evident to check: `verify_bundle.py` does it with Python's
//! hashlib and an ed25519 library.

use crate::AuditError;
use evident_ledger::checkpoint::Checkpoint;
use evident_ledger::hex;
use evident_ledger::merkle::{self, Hash};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};

pub const BUNDLE_FORMAT: &str = "evident-bundle/1";

/// One entry to include: its number, canonical bytes, content and proof.
pub struct BundleEntry {
    pub seq: u64,
    pub canonical: Vec<u8>,
    pub content: Vec<u8>,
    pub proof: Vec<Hash>,
}

#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub tree_size: u64,
    pub root: String,
    pub entries: Vec<ManifestEntry>,
    /// Every other file's SHA-256, by name.
    pub files: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
pub struct ManifestEntry {
    pub seq: u64,
    pub file: String,
    pub leaf_hash: String,
    pub content_sha256: String,
    pub blob: String,
    pub proof: Vec<String>,
}

const README: &str = include_str!("../bundle/README.txt");
const VERIFY_PY: &str = include_str!("../bundle/verify_bundle.py");

/// Builds the zip. `sign` signs the manifest with the ledger key.
pub fn assemble(
    checkpoint: &Checkpoint,
    public_key: &str,
    worksheet: &[u8],
    entries: &[BundleEntry],
    sign: impl Fn(&[u8]) -> [u8; 64],
) -> Result<Vec<u8>, AuditError> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("checkpoint.txt".into(), checkpoint.to_text().into_bytes()),
        ("ledger.pub".into(), public_key.as_bytes().to_vec()),
        ("worksheet.xlsx".into(), worksheet.to_vec()),
        ("README.txt".into(), README.as_bytes().to_vec()),
        ("verify_bundle.py".into(), VERIFY_PY.as_bytes().to_vec()),
    ];
    let hashes: BTreeMap<String, String> = files
        .iter()
        .map(|(n, b)| (n.clone(), hex::encode(&evident_ledger::blobs::sha256(b))))
        .collect();
    let mut listed = Vec::new();
    let mut blobs = BTreeMap::new();
    for e in entries {
        let content_sha256 = hex::encode(&evident_ledger::blobs::sha256(&e.content));
        let file = format!("entries/{}.json", e.seq);
        let blob = format!("blobs/{content_sha256}");
        listed.push(ManifestEntry {
            seq: e.seq,
            file: file.clone(),
            leaf_hash: merkle::hex(&merkle::leaf_hash(&e.canonical)),
            content_sha256,
            blob: blob.clone(),
            proof: e.proof.iter().map(merkle::hex).collect(),
        });
        files.push((file, e.canonical.clone()));
        blobs.insert(blob, e.content.clone());
    }
    files.extend(blobs);
    let manifest = Manifest {
        format: BUNDLE_FORMAT.into(),
        tree_size: checkpoint.head.size,
        root: merkle::hex(&checkpoint.head.root),
        entries: listed,
        files: hashes,
    };
    let manifest =
        serde_json::to_vec_pretty(&manifest).map_err(|e| AuditError::Bundle(e.to_string()))?;
    let signature = sign(&manifest);
    files.push(("manifest.json".into(), manifest));
    files.push((
        "manifest.sig".into(),
        format!("{}\n", hex::encode(&signature)).into_bytes(),
    ));

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| AuditError::Bundle(e.to_string()))?;
        zip.write_all(bytes)
            .map_err(|e| AuditError::Bundle(e.to_string()))?;
    }
    Ok(zip
        .finish()
        .map_err(|e| AuditError::Bundle(e.to_string()))?
        .into_inner())
}

/// What a sound bundle holds.
#[derive(Debug, Serialize)]
pub struct Verified {
    pub entries: usize,
    pub blobs: usize,
    pub files: usize,
    pub tree_size: u64,
    pub root: String,
    pub key: String,
}

/// Checks a bundle completely: checkpoint and manifest signatures (against
/// `trusted`, else the bundle's own `ledger.pub`), every entry's leaf hash and
/// inclusion proof against the checkpoint's root, every blob's hash, every other
/// file's hash. Returns every problem found, each naming its file.
pub fn verify(
    zip_bytes: &[u8],
    trusted: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<Verified, Vec<String>> {
    let mut problems = Vec::new();
    let files = match read_all(zip_bytes) {
        Ok(f) => f,
        Err(e) => return Err(vec![format!("not a readable zip: {e}")]),
    };
    let get = |name: &str| files.get(name);
    let text = |name: &str| get(name).and_then(|b| std::str::from_utf8(b).ok());
    let key = match (trusted, text("ledger.pub")) {
        (Some(k), _) => *k,
        (None, Some(t)) => match evident_ledger::keys::parse_verifying_key(t) {
            Ok(k) => k,
            Err(e) => return Err(vec![format!("ledger.pub:{e}")]),
        },
        (None, None) => return Err(vec!["ledger.pub: missing".into()]),
    };
    let Some(checkpoint) = text("checkpoint.txt") else {
        return Err(vec!["checkpoint.txt: missing".into()]);
    };
    let checkpoint = match Checkpoint::parse(checkpoint) {
        Ok(c) => c,
        Err(e) => return Err(vec![format!("checkpoint.txt: {e}")]),
    };
    if let Err(e) = checkpoint.verify(&key) {
        problems.push(format!("checkpoint.txt: {e}"));
    }
    let (Some(manifest_bytes), Some(sig)) = (get("manifest.json"), text("manifest.sig")) else {
        return Err(vec!["manifest.json or manifest.sig: missing".into()]);
    };
    let signed = hex::decode::<64>(sig.trim())
        .map(|s| ed25519_dalek::Signature::from_bytes(&s))
        .is_some_and(|s| {
            use ed25519_dalek::Verifier;
            key.verify(manifest_bytes, &s).is_ok()
        });
    if !signed {
        problems.push("manifest.sig: the manifest's signature does not verify".into());
    }
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("manifest.json: {e}"));
            return Err(problems);
        }
    };
    if manifest.tree_size != checkpoint.head.size
        || manifest.root != merkle::hex(&checkpoint.head.root)
    {
        problems.push("manifest.json: tree size or root differs from checkpoint.txt".into());
    }
    for (name, want) in &manifest.files {
        match get(name) {
            None => problems.push(format!("{name}: missing")),
            Some(b) if hex::encode(&evident_ledger::blobs::sha256(b)) != *want => {
                problems.push(format!("{name}: its SHA-256 differs from the manifest"))
            }
            Some(_) => {}
        }
    }
    let mut blobs = std::collections::BTreeSet::new();
    for e in &manifest.entries {
        let Some(bytes) = get(&e.file) else {
            problems.push(format!("{}: missing", e.file));
            continue;
        };
        let leaf = merkle::leaf_hash(bytes);
        if merkle::hex(&leaf) != e.leaf_hash {
            problems.push(format!(
                "{}: its leaf hash differs from the manifest",
                e.file
            ));
        }
        let path: Option<Vec<Hash>> = e.proof.iter().map(|h| hex::decode::<32>(h)).collect();
        let proven = path.is_some_and(|p| {
            merkle::verify_inclusion(
                &leaf,
                e.seq,
                checkpoint.head.size,
                &p,
                &checkpoint.head.root,
            )
        });
        if !proven {
            problems.push(format!(
                "{}: not included in the checkpoint's tree (the inclusion proof fails)",
                e.file
            ));
        }
        let named = evident_ledger::entry::content_hash_in(bytes);
        if named != Some(e.content_sha256.as_str()) {
            problems.push(format!(
                "{}: names a different content hash than the manifest",
                e.file
            ));
        }
        match get(&e.blob) {
            None => problems.push(format!("{}: missing", e.blob)),
            Some(b) if hex::encode(&evident_ledger::blobs::sha256(b)) != e.content_sha256 => {
                problems.push(format!("{}: its SHA-256 differs from the entry's", e.blob))
            }
            Some(_) => {
                blobs.insert(e.blob.clone());
            }
        }
    }
    // Files the manifest does not account for are refused: nothing rides along unchecked.
    for name in files.keys() {
        let known = manifest.files.contains_key(name)
            || manifest
                .entries
                .iter()
                .any(|e| &e.file == name || &e.blob == name)
            || name == "manifest.json"
            || name == "manifest.sig";
        if !known {
            problems.push(format!("{name}: not listed in the manifest"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Verified {
        entries: manifest.entries.len(),
        blobs: blobs.len(),
        files: files.len(),
        tree_size: checkpoint.head.size,
        root: manifest.root,
        key: hex::encode(&key.to_bytes()),
    })
}

fn read_all(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = f.name().map_err(|e| e.to_string())?.into_owned();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {e}"))?;
        out.insert(name, buf);
    }
    Ok(out)
}
