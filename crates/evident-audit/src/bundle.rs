//! The evidence bundle: everything an auditor needs offline, in one zip, and its
//! complete check.
//!
//! Layout (format `evident-bundle/1`):
//! - `checkpoint.txt`: a signed checkpoint of the ledger; `ledger.pub`: its key.
//! - `entries/<n>.json`: the canonical bytes of each entry in the bundle.
//! - `blobs/<sha256>[.ext]`: the content each entry names, with the extension
//!   of the file it came from (or `.json` for what evident wrote).
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
use evident_ledger::note::VerifierKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};

pub const BUNDLE_FORMAT: &str = "evident-bundle/1";

/// One entry to include: its number, canonical bytes, the content it names, and proof.
pub struct BundleEntry {
    pub seq: u64,
    pub canonical: Vec<u8>,
    pub content_sha256: Hash,
    pub proof: Vec<Hash>,
    /// The extension its blob keeps (`pdf`, `json`): letters and digits only.
    pub extension: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub tree_size: u64,
    pub root: String,
    pub entries: Vec<ManifestEntry>,
    /// Every other file's SHA-256, by name.
    pub files: BTreeMap<String, String>,
    /// Every member's size in bytes (but the manifest's own two files): a
    /// checker reads no byte beyond it. Absent in bundles made before it.
    #[serde(default)]
    pub sizes: BTreeMap<String, u64>,
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

/// The cap on any member whose size the manifest does not give, and on the manifest.
const MAX_MEMBER_BYTES: u64 = 256 << 20;
/// Caps on the small files read before the manifest is trusted.
const MAX_SMALL_BYTES: u64 = 64 << 10;

const README: &str = include_str!("../bundle/README.txt");
const VERIFY_PY: &str = include_str!("../bundle/verify_bundle.py");

/// Who vouches for the checkpoint's time, as the bundle carries them so the
/// checkers can verify its cosignatures and time-stamps.
pub struct TimeProofs<'a> {
    /// The witnesses' verifier keys, one per line (`witnesses.txt`).
    pub witnesses: &'a str,
    /// The TSA's name and its certificate in PEM (`timestamp-authority.txt`:
    /// the name on the first line, then the PEM).
    pub timestamp_authority: Option<(&'a str, &'a str)>,
}

/// Writes the zip into `out`, one member at a time: blobs are streamed from
/// `open_blob` (and re-hashed on the way), so no more than one buffer of any
/// blob is in memory. `sign` signs the manifest with the ledger key.
#[allow(clippy::too_many_arguments)]
pub fn assemble<W: Write + Seek>(
    out: W,
    checkpoint: &Checkpoint,
    public_key: &str,
    time: &TimeProofs<'_>,
    worksheet: &[u8],
    entries: &[BundleEntry],
    mut open_blob: impl FnMut(&Hash) -> std::io::Result<Box<dyn Read>>,
    sign: impl Fn(&[u8]) -> [u8; 64],
) -> Result<W, AuditError> {
    let fail = |e: &dyn std::fmt::Display| AuditError::Bundle(e.to_string());
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("checkpoint.txt".into(), checkpoint.to_text().into_bytes()),
        ("ledger.pub".into(), public_key.as_bytes().to_vec()),
        ("witnesses.txt".into(), time.witnesses.as_bytes().to_vec()),
        ("worksheet.xlsx".into(), worksheet.to_vec()),
        ("README.txt".into(), README.as_bytes().to_vec()),
        ("verify_bundle.py".into(), VERIFY_PY.as_bytes().to_vec()),
    ];
    if let Some((name, pem)) = time.timestamp_authority {
        files.push((
            "timestamp-authority.txt".into(),
            format!("{name}\n{pem}").into_bytes(),
        ));
    }
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut sizes = BTreeMap::new();
    let mut hashes = BTreeMap::new();
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
        hashes.insert(
            name.clone(),
            hex::encode(&evident_ledger::blobs::sha256(bytes)),
        );
        sizes.insert(name.clone(), bytes.len() as u64);
    }
    let mut listed = Vec::new();
    for e in entries {
        let content_sha256 = hex::encode(&e.content_sha256);
        let file = format!("entries/{}.json", e.seq);
        let blob = match e
            .extension
            .as_deref()
            .filter(|x| x.len() <= 8 && x.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            Some(ext) => format!("blobs/{content_sha256}.{ext}"),
            None => format!("blobs/{content_sha256}"),
        };
        zip.start_file(file.as_str(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(&e.canonical).map_err(|e| fail(&e))?;
        sizes.insert(file.clone(), e.canonical.len() as u64);
        if !sizes.contains_key(&blob) {
            zip.start_file(blob.as_str(), options)
                .map_err(|e| fail(&e))?;
            let mut reader = HashingReader::new(open_blob(&e.content_sha256).map_err(|x| {
                AuditError::Bundle(format!(
                    "entry {}: its content blob cannot be read: {x}",
                    e.seq
                ))
            })?);
            let copied = std::io::copy(&mut reader, &mut zip).map_err(|e| fail(&e))?;
            if reader.finish() != e.content_sha256 {
                return Err(AuditError::Bundle(format!(
                    "entry {}: its content blob was altered on disk; run `evident ledger verify`",
                    e.seq
                )));
            }
            sizes.insert(blob.clone(), copied);
        }
        listed.push(ManifestEntry {
            seq: e.seq,
            file,
            leaf_hash: merkle::hex(&merkle::leaf_hash(&e.canonical)),
            content_sha256,
            blob,
            proof: e.proof.iter().map(merkle::hex).collect(),
        });
    }
    let manifest = Manifest {
        format: BUNDLE_FORMAT.into(),
        tree_size: checkpoint.head.size,
        root: merkle::hex(&checkpoint.head.root),
        entries: listed,
        files: hashes,
        sizes,
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| fail(&e))?;
    let signature = sign(&manifest);
    for (name, bytes) in [
        ("manifest.json", manifest),
        (
            "manifest.sig",
            format!("{}\n", hex::encode(&signature)).into_bytes(),
        ),
    ] {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    zip.finish().map_err(|e| fail(&e))
}

/// Hashes what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> Hash {
        self.hasher.finalize().into()
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
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
    /// The checkpoint's cosignatures by the witnesses the bundle lists, and its
    /// time-stamps by the TSA it names: who, and when (seconds since 1970).
    pub witnessed: Vec<(String, u64)>,
}

/// Checks a bundle completely: checkpoint and manifest signatures (against
/// `trusted`, else the bundle's own `ledger.pub`), the witnesses' cosignatures
/// (by the keys in `witnesses.txt`), every entry's leaf hash and inclusion
/// proof against the checkpoint's root, every blob's hash, every other file's
/// hash. Each member is read as a stream, hashed as it goes, and never past
/// the size the manifest gives it (or a cap): a member inflating beyond is
/// named and reading stops. Returns every problem found, each naming its file.
pub fn verify<R: Read + Seek>(
    reader: R,
    trusted: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<Verified, Vec<String>> {
    let mut zip = match zip::ZipArchive::new(reader) {
        Ok(z) => z,
        Err(e) => return Err(vec![format!("not a readable zip: {e}")]),
    };
    let names: Vec<String> = match zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
    {
        Ok(n) => n,
        Err(e) => return Err(vec![format!("not a readable zip: {e}")]),
    };
    let mut problems = Vec::new();
    let mut small = |name: &str, cap: u64| -> Result<Option<Vec<u8>>, String> {
        if !names.iter().any(|n| n == name) {
            return Ok(None);
        }
        read_member(&mut zip, name, cap, true).map(|(_, _, bytes)| bytes)
    };
    let text = |b: Option<Vec<u8>>, name: &str| -> Result<Option<String>, String> {
        b.map(|b| String::from_utf8(b).map_err(|_| format!("{name}: not UTF-8 text")))
            .transpose()
    };
    let early = (|| -> Result<_, String> {
        let public = text(small("ledger.pub", MAX_SMALL_BYTES)?, "ledger.pub")?;
        let checkpoint = text(small("checkpoint.txt", MAX_SMALL_BYTES)?, "checkpoint.txt")?;
        let witnesses = text(small("witnesses.txt", MAX_SMALL_BYTES)?, "witnesses.txt")?;
        let tsa = text(
            small("timestamp-authority.txt", MAX_SMALL_BYTES)?,
            "timestamp-authority.txt",
        )?;
        let sig = text(small("manifest.sig", MAX_SMALL_BYTES)?, "manifest.sig")?;
        let manifest = small("manifest.json", MAX_MEMBER_BYTES)?;
        Ok((public, checkpoint, witnesses, tsa, sig, manifest))
    })();
    let (public, checkpoint, witnesses, tsa, sig, manifest_bytes) = early.map_err(|e| vec![e])?;
    let key = match (trusted, public) {
        (Some(k), _) => *k,
        (None, Some(t)) => match evident_ledger::keys::parse_verifying_key(&t) {
            Ok(k) => k,
            Err(e) => return Err(vec![format!("ledger.pub:{e}")]),
        },
        (None, None) => return Err(vec!["ledger.pub: missing".into()]),
    };
    let Some(checkpoint) = checkpoint else {
        return Err(vec!["checkpoint.txt: missing".into()]);
    };
    let checkpoint = match Checkpoint::parse(&checkpoint) {
        Ok(c) => c,
        Err(e) => return Err(vec![format!("checkpoint.txt: {e}")]),
    };
    if let Err(e) = checkpoint.verify(&key) {
        problems.push(format!("checkpoint.txt: {e}"));
    }
    let witness_keys: Vec<VerifierKey> = match witnesses
        .as_deref()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(VerifierKey::parse)
        .collect()
    {
        Ok(k) => k,
        Err(e) => return Err(vec![format!("witnesses.txt: {e}")]),
    };
    let mut witnessed: Vec<(String, u64)> = match checkpoint.witnessed_by(&witness_keys) {
        Ok(c) => c.iter().map(|c| (c.name.clone(), c.time)).collect(),
        Err(e) => {
            problems.push(format!("checkpoint.txt: {e}"));
            Vec::new()
        }
    };
    if let Some(tsa) = tsa {
        let (name, pem) = tsa.split_once('\n').unwrap_or((&tsa, ""));
        let stamps = evident_ledger::timestamp::certificate_from_pem(pem.as_bytes())
            .and_then(|cert| evident_ledger::timestamp::stamps_in(&checkpoint, name, &cert));
        match stamps {
            Ok(times) => witnessed.extend(
                times
                    .into_iter()
                    .map(|t| (format!("tsa:{name}"), t.max(0) as u64)),
            ),
            Err(e) => problems.push(format!("timestamp-authority.txt: {e}")),
        }
    }
    let (Some(manifest_bytes), Some(sig)) = (manifest_bytes, sig) else {
        return Err(vec!["manifest.json or manifest.sig: missing".into()]);
    };
    let signed = hex::decode::<64>(sig.trim())
        .map(|s| ed25519_dalek::Signature::from_bytes(&s))
        .is_some_and(|s| {
            use ed25519_dalek::Verifier;
            key.verify(&manifest_bytes, &s).is_ok()
        });
    if !signed {
        problems.push("manifest.sig: the manifest's signature does not verify".into());
    }
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
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
    let limit = |name: &str| {
        manifest
            .sizes
            .get(name)
            .copied()
            .unwrap_or(MAX_MEMBER_BYTES)
    };
    let mut hash_of = |name: &str, keep: bool| -> Option<Result<Member, String>> {
        if !names.iter().any(|n| n == name) {
            return None;
        }
        Some(read_member(&mut zip, name, limit(name), keep).map(|(h, _, b)| (h, b)))
    };
    for (name, want) in &manifest.files {
        match hash_of(name, false) {
            None => problems.push(format!("{name}: missing")),
            Some(Err(e)) => problems.push(e),
            Some(Ok((h, _))) if hex::encode(&h) != *want => {
                problems.push(format!("{name}: its SHA-256 differs from the manifest"))
            }
            Some(Ok(_)) => {}
        }
    }
    let mut blobs = std::collections::BTreeSet::new();
    for e in &manifest.entries {
        let bytes = match hash_of(&e.file, true) {
            None => {
                problems.push(format!("{}: missing", e.file));
                continue;
            }
            Some(Err(m)) => {
                problems.push(m);
                continue;
            }
            Some(Ok((_, bytes))) => bytes.unwrap_or_default(),
        };
        let leaf = merkle::leaf_hash(&bytes);
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
        let named = evident_ledger::entry::content_hash_in(&bytes);
        if named != Some(e.content_sha256.as_str()) {
            problems.push(format!(
                "{}: names a different content hash than the manifest",
                e.file
            ));
        }
        if blobs.contains(&e.blob) {
            continue;
        }
        match hash_of(&e.blob, false) {
            None => problems.push(format!("{}: missing", e.blob)),
            Some(Err(m)) => problems.push(m),
            Some(Ok((h, _))) if hex::encode(&h) != e.content_sha256 => {
                problems.push(format!("{}: its SHA-256 differs from the entry's", e.blob))
            }
            Some(Ok(_)) => {
                blobs.insert(e.blob.clone());
            }
        }
    }
    // Files the manifest does not account for are refused (and never read):
    // nothing rides along unchecked.
    for name in &names {
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
        files: names.len(),
        tree_size: checkpoint.head.size,
        root: manifest.root,
        key: hex::encode(&key.to_bytes()),
        witnessed,
    })
}

/// A member read: its hash, and its bytes when they were kept.
type Member = (Hash, Option<Vec<u8>>);

/// Reads member `name` as a stream, hashing it, never past `limit` bytes;
/// keeps the bytes when asked. Its (hash, size, bytes).
fn read_member<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
    keep: bool,
) -> Result<(Hash, u64, Option<Vec<u8>>), String> {
    let member = zip.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut reader = HashingReader::new(member.take(limit + 1));
    let mut kept = keep.then(Vec::new);
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| format!("{name}: {e}"))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(format!(
                "{name}: holds more than the {limit} bytes the manifest gives it; reading stopped there (an altered member, or a zip bomb)"
            ));
        }
        if let Some(k) = kept.as_mut() {
            k.extend_from_slice(&buf[..n]);
        }
    }
    Ok((reader.finish(), total, kept))
}
