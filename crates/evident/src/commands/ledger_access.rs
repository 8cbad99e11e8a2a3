//! Reaching the trust repo's ledger: which database, where blobs and keys live,
//! and the async runtime the database driver needs.

use crate::failure::Failure;
use ed25519_dalek::{SigningKey, VerifyingKey};
use evident_core::model::{Config, TrustProgram};
use evident_ledger::blobs::FsBlobs;
use evident_ledger::checkpoint::Checkpoint;
use evident_ledger::keys;
use evident_store::{Ledger, Location, Store, StoreError};
use std::future::Future;
use std::path::Path;

/// Where content blobs live, relative to the trust repo.
pub const BLOB_DIR: &str = ".evident/blobs";

/// Runs one command's database work to completion on a single thread.
fn block_on<F: Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a single-threaded runtime starts")
        .block_on(work)
}

/// Opens the trust repo's ledger, runs `work` on it, and closes it (on errors too).
pub fn with_ledger<T>(
    repo: &Path,
    program: &TrustProgram,
    work: impl AsyncFnOnce(&Ledger<FsBlobs>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    block_on(async {
        let ledger = open(repo, &program.config).await?;
        let outcome = work(&ledger).await;
        ledger.store.close().await;
        outcome
    })
}

/// Opens the ledger `EVIDENT_DATABASE_URL`, else evident.toml's `database`, names.
async fn open(repo: &Path, config: &Config) -> Result<Ledger<FsBlobs>, Failure> {
    let env = std::env::var("EVIDENT_DATABASE_URL").ok();
    let location = Location::choose(env.as_deref(), config.database.as_deref(), repo)
        .map_err(Failure::input)?;
    let store = Store::open(location).await.map_err(store_failure)?;
    Ok(Ledger {
        store,
        blobs: FsBlobs::new(repo.join(BLOB_DIR)),
    })
}

pub fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::Request(m) => Failure::input(m),
        e => Failure::unmet(e.to_string()),
    }
}

/// The name checkpoints carry, so one company's are never taken for another's:
/// a schema-less URL, as C2SP checkpoints and key names want (no spaces or
/// `+`): the host of `org.url` when set, else the organisation's name in
/// lower case, then `/evidence-ledger`.
pub fn origin(program: &TrustProgram) -> String {
    let org = &program.config.org;
    let host = org
        .url
        .as_deref()
        .map(|u| u.split_once("://").map_or(u, |(_, rest)| rest))
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or(&org.name);
    let mut slug: String = host
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || ".-_:".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        slug = "evident".into();
    }
    format!("{slug}/evidence-ledger")
}

pub fn signing_key(repo: &Path) -> Result<SigningKey, Failure> {
    keys::load_signing_key(&repo.join(keys::PRIVATE_KEY_FILE)).map_err(|e| {
        Failure::input(format!(
            "{e}\nhint: `evident init` creates the ledger key pair in a new trust repo"
        ))
    })
}

pub fn public_key(path: &Path) -> Result<VerifyingKey, Failure> {
    keys::load_verifying_key(path).map_err(Failure::input)
}

/// Signs the ledger's current tree head as of now, stores it, and writes it
/// into the trust repo as `ledger/checkpoint` for committing: the one way
/// every verb (checkpoint, demo, bundle) makes a checkpoint.
pub async fn sign_checkpoint(
    repo: &Path,
    ledger: &Ledger<FsBlobs>,
    program: &TrustProgram,
    key: &SigningKey,
) -> Result<(i64, Checkpoint), Failure> {
    let (stored, cp) = ledger
        .checkpoint(
            &origin(program),
            super::instant(),
            super::write_limit(),
            key,
        )
        .await
        .map_err(store_failure)?;
    remember(repo, &cp)?;
    Ok((stored.id, cp))
}

/// Where the trust repo keeps the latest checkpoint, so that git remembers the
/// ledger: a ledger emptied, truncated, rolled back or swapped no longer
/// matches what was committed.
pub const COMMITTED_CHECKPOINT: &str = "ledger/checkpoint";

fn remember(repo: &Path, cp: &Checkpoint) -> Result<(), Failure> {
    let path = repo.join(COMMITTED_CHECKPOINT);
    let write = || {
        std::fs::create_dir_all(repo.join("ledger"))?;
        evident_fsio::replace(&path, cp.to_text().as_bytes())
    };
    write().map_err(|e| Failure::unmet(format!("{}: {e}", path.display())))
}

/// The committed checkpoint, checked against the trusted key; `None` when the
/// trust repo has none yet.
pub fn committed_checkpoint(
    repo: &Path,
    trusted: &VerifyingKey,
) -> Result<Option<Checkpoint>, Failure> {
    let path = repo.join(COMMITTED_CHECKPOINT);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Ok(meta) if !meta.is_file() => {
            return Err(Failure::input(format!(
                "{COMMITTED_CHECKPOINT}: not a regular file; it must be the checkpoint `evident ledger checkpoint` wrote"
            )));
        }
        _ => {}
    }
    // Bounded while read: a checkpoint with its cosignatures is a few hundred bytes.
    let limit = evident_ledger::note::MAX_NOTE_BYTES as u64;
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, limit + 1), &mut bytes)
        })
        .map_err(|e| Failure::input(format!("{COMMITTED_CHECKPOINT}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::input(format!(
            "{COMMITTED_CHECKPOINT}: larger than any checkpoint ({limit} bytes); it must be the checkpoint `evident ledger checkpoint` wrote"
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::input(format!("{COMMITTED_CHECKPOINT}: not UTF-8 text")))?;
    let cp = Checkpoint::parse(&text)
        .map_err(|e| Failure::input(format!("{COMMITTED_CHECKPOINT}: {e}")))?;
    cp.verify(trusted).map_err(|e| {
        Failure::unmet(format!(
            "{COMMITTED_CHECKPOINT}: {e}; it is not a checkpoint of this ledger's key"
        ))
    })?;
    Ok(Some(cp))
}
