//! `evident export bundle` and `evident ledger verify-bundle`: the evidence
//! bundle an auditor checks offline (layout in `evident_audit::bundle`).

use super::judge::Loaded;
use super::ledger_access::{self, store_failure, with_ledger};
use crate::failure::{Failure, VerbResult};
use crate::output::print_json;
use ed25519_dalek::Signer;
use evident_audit::bundle::{BundleEntry, TimeProofs, assemble, verify};
use evident_audit::worksheet::worksheet;
use evident_ledger::blobs::BlobStore;
use evident_ledger::merkle::{self, MemoryTree};
use evident_store::Blobs;
use evident_store::StoreError;
use futures_util::StreamExt;
use std::path::Path;

/// Signs a fresh checkpoint, then writes the bundle of every entry whose covered
/// days meet the window (every entry without one), with its blob and proof.
pub fn write(repo: &Path, out: &Path, seed: u64, window: Option<&str>) -> VerbResult {
    let loaded = Loaded::read(repo)?;
    let scope = loaded.optional_scope(window, seed)?;
    let tables = worksheet(&loaded.judge(super::instant(), scope));
    let sheet = evident_audit::xlsx::to_xlsx(&tables).map_err(Failure::unmet)?;
    let window = scope.map(|s| s.window);
    let key = ledger_access::signing_key(repo)?;
    let public = evident_fsio::read_text(
        &repo.join(evident_ledger::keys::PUBLIC_KEY_FILE),
        evident_ledger::keys::KEY_FILE_CAP,
    )
    .map_err(|e| Failure::input(format!("{}: {e}", evident_ledger::keys::PUBLIC_KEY_FILE)))?;
    let (checkpoint, entries) = with_ledger(repo, &loaded.program, async |ledger| {
        let (_, cp) = ledger_access::sign_checkpoint(repo, ledger, &loaded.program, &key).await?;
        let mut tree = MemoryTree::default();
        let mut chosen = Vec::new();
        let mut rows = ledger.store.stream();
        while let Some(row) = rows.next().await {
            let row = row.map_err(store_failure)?;
            if row.seq >= cp.head.size {
                break;
            }
            tree.push(merkle::leaf_hash(row.entry.as_bytes()));
            let entry = row
                .fields()
                .and_then(|f| {
                    f.into_entry()
                        .map_err(|e| StoreError::Damaged(e.to_string()))
                })
                .map_err(store_failure)?;
            if window.is_none_or(|w| w.meets(entry.covers_from, entry.covers_to)) {
                let extension = blob_extension(&entry);
                chosen.push((row.seq, row.entry, entry.content_sha256, extension));
            }
        }
        let mut entries = Vec::with_capacity(chosen.len());
        for (seq, canonical, content_hash, extension) in chosen {
            let content_sha256 = evident_ledger::hex::decode::<32>(&content_hash).ok_or_else(|| {
                store_failure(StoreError::Damaged(format!(
                    "entry {seq}: content hash `{content_hash}` is not hex; run `evident ledger verify`"
                )))
            })?;
            entries.push(BundleEntry {
                seq,
                proof: merkle::inclusion_proof(&tree, seq, cp.head.size),
                canonical: canonical.into_bytes(),
                content_sha256,
                extension,
            });
        }
        Ok((cp, entries))
    })?;
    let witnesses: String = loaded
        .program
        .config
        .witnesses
        .iter()
        .map(|w| format!("{}\n", w.key))
        .collect();
    let tsa = ledger_access::timestamp_authority(repo, &loaded.program)?;
    let time = TimeProofs {
        witnesses: &witnesses,
        timestamp_authority: tsa
            .as_ref()
            .map(|t| (t.authority.name.as_str(), t.pem.as_str())),
    };
    // Streamed into a file beside the target: one blob in memory at a time
    // (files are streamed; objects of a bucket are fetched one by one, on one
    // runtime made at the first).
    let blobs = ledger_access::blobs(repo, &loaded.program.config)?;
    let runtime = std::cell::OnceCell::new();
    let open = |hash: &merkle::Hash| -> std::io::Result<Box<dyn std::io::Read>> {
        match &blobs {
            Blobs::Files(files) => Ok(Box::new(files.open(hash)?)),
            s3 => {
                let runtime = runtime.get_or_init(ledger_access::runtime);
                Ok(Box::new(std::io::Cursor::new(
                    runtime.block_on(s3.get(hash))?,
                )))
            }
        }
    };
    let mut failure = None;
    evident_fsio::replace_with(out, |file| {
        assemble(
            std::io::BufWriter::new(file),
            &checkpoint,
            &public,
            &time,
            &sheet,
            &entries,
            open,
            |m| key.sign(m).to_bytes(),
        )
        .and_then(|w| {
            w.into_inner()
                .map(|_| ())
                .map_err(|e| evident_audit::AuditError::Bundle(e.to_string()))
        })
        .map_err(|e| {
            let message = e.to_string();
            failure = Some(e);
            std::io::Error::other(message)
        })
    })
    .map_err(|e| match failure.take() {
        Some(f) => Failure::unmet(f),
        None => Failure::unmet(format!("{}: {e}", out.display())),
    })?;
    say!(
        "wrote the evidence bundle: {} ({} entries with their blobs and inclusion proofs, checkpoint of {} entries, the worksheet)",
        out.display(),
        entries.len(),
        checkpoint.head.size
    );
    say!(
        "check it: evident ledger verify-bundle {}   (or: python3 verify_bundle.py, inside it)",
        out.display()
    );
    Ok(())
}

pub fn verify_bundle(path: &Path, key: Option<&Path>, json: bool) -> VerbResult {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    let trusted = key.map(ledger_access::public_key).transpose()?;
    match verify(std::io::BufReader::new(file), trusted.as_ref()) {
        Ok(v) => {
            if json {
                print_json(&serde_json::json!({ "version": 1, "ok": true, "bundle": v }));
            } else {
                say!(
                    "bundle verified: {} entries with {} blobs included in the signed tree of {} (root {}); {} files, all accounted for; key {}",
                    v.entries,
                    v.blobs,
                    v.tree_size,
                    v.root,
                    v.files,
                    v.key
                );
                for (name, time) in &v.witnessed {
                    let at = evident_core::time::Instant::from_unix(*time as i64)
                        .map_or_else(|| time.to_string(), |t| t.to_string());
                    say!("the checkpoint was witnessed by {name} at {at}");
                }
                if v.witnessed.is_empty() {
                    say!(
                        "no witness cosigned the checkpoint: the times in it are the company's own word"
                    );
                }
                if key.is_none() {
                    say!(
                        "note: checked against the key inside the bundle; pass --key with the key the company publishes to check it is theirs"
                    );
                }
            }
            Ok(())
        }
        Err(problems) => {
            if json {
                print_json(&serde_json::json!({ "version": 1, "ok": false, "problems": problems }));
            } else {
                for p in &problems {
                    say!("{p}");
                }
            }
            Err(Failure::unmet(format!(
                "the bundle does not verify: {} problem(s)",
                problems.len()
            )))
        }
    }
}

/// The file extension an entry's content blob keeps in the bundle, so an
/// auditor's tools open it: a file added by hand keeps its own (from the name
/// recorded in its summary); what evident itself writes is JSON.
fn blob_extension(entry: &evident_ledger::entry::Entry) -> Option<String> {
    use evident_ledger::entry::EntryKind;
    match entry.kind {
        EntryKind::File | EntryKind::Attestation | EntryKind::Import => {
            let name = entry.summary.rsplit(['/', '\\']).next()?;
            let (_, ext) = name.rsplit_once('.')?;
            let ext = ext.to_ascii_lowercase();
            let plain =
                !ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_alphanumeric());
            plain.then_some(ext)
        }
        EntryKind::Check
        | EntryKind::Register
        | EntryKind::Finding
        | EntryKind::Retraction
        | EntryKind::Audit => Some("json".into()),
    }
}
