//! Reaching the trust repo's ledger: which database, where blobs and keys live,
//! and the async runtime the database driver needs.

use super::evidence::{Capped, read_capped};
use crate::failure::Failure;
use ed25519_dalek::{SigningKey, VerifyingKey};
use evident_core::model::{Config, TrustProgram};
use evident_core::model::{TimestampAuthority, Witness};
use evident_core::proof::{Proofs, Witnessed};
use evident_core::time::Instant;
use evident_ledger::checkpoint::{Checkpoint, Cosignature};
use evident_ledger::keys;
use evident_ledger::note::SignatureLine;
use evident_ledger::note::{self, VerifierKey};
use evident_ledger::timestamp;
use evident_store::{Blobs, Ledger, Location, Store, StoreError};
use evident_witness::client::{self, Answer};
use evident_witness::tsa;
use std::future::Future;
use std::path::Path;

/// Runs one command's database work to completion on a single thread.
fn block_on<F: Future>(work: F) -> F::Output {
    runtime().block_on(work)
}

/// The single-threaded runtime a command's database and bucket work runs on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a single-threaded runtime starts")
}

/// Opens the trust repo's ledger, runs `work` on it, and closes it (on errors too).
pub fn with_ledger<T>(
    repo: &Path,
    program: &TrustProgram,
    work: impl AsyncFnOnce(&Ledger<Blobs>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    block_on(async {
        let ledger = open(repo, &program.config).await?;
        let outcome = work(&ledger).await;
        ledger.store.close().await;
        outcome
    })
}

/// The database `EVIDENT_DATABASE_URL`, else evident.toml's `database`, names.
pub fn location(repo: &Path, config: &Config) -> Result<Location, Failure> {
    let env = std::env::var("EVIDENT_DATABASE_URL").ok();
    Location::choose(env.as_deref(), config.database.as_deref(), repo).map_err(Failure::input)
}

/// Where evidence content is kept: `EVIDENT_S3_*`, else evident.toml's
/// `[blobs] s3`, else the checkout's `.evident/blobs/`.
pub fn blobs(repo: &Path, config: &Config) -> Result<Blobs, Failure> {
    Blobs::choose(|name| std::env::var(name).ok(), config.s3.as_ref(), repo).map_err(store_failure)
}

/// Opens the ledger [`location`] names, its content where [`blobs`] says.
async fn open(repo: &Path, config: &Config) -> Result<Ledger<Blobs>, Failure> {
    let blobs = blobs(repo, config)?;
    let store = Store::open(location(repo, config)?)
        .await
        .map_err(store_failure)?;
    Ok(Ledger { store, blobs })
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
    ledger: &Ledger<Blobs>,
    program: &TrustProgram,
    key: &SigningKey,
) -> Result<(i64, Checkpoint), Failure> {
    let witnesses = witnesses(program)?;
    let (stored, mut cp) = ledger
        .checkpoint(
            &origin(program),
            super::instant(),
            super::write_limit(),
            key,
        )
        .await
        .map_err(store_failure)?;
    let tsa = timestamp_authority(repo, program)?;
    let before = cp.clone();
    if !witnesses.is_empty() {
        let cosignatures = ask_witnesses(ledger, &witnesses, &cp).await?;
        cp.add_cosignatures(cosignatures);
    }
    if let Some(tsa) = &tsa {
        evident_checks::tls_provider();
        let hash = evident_ledger::blobs::sha256(cp.head.note_text().as_bytes());
        match tsa::stamp(&tsa.authority.url, &hash, &tsa.certificate).await {
            Ok((token, _)) => cp.others.push(SignatureLine {
                name: tsa.authority.name.clone(),
                key_id: timestamp::key_id(&tsa.certificate),
                signature: token,
            }),
            Err(e) => say_err!(
                "warning: the time-stamping authority {} did not stamp the checkpoint: {e}; it is kept without a time-stamp",
                tsa.authority.name
            ),
        }
    }
    if cp != before {
        ledger
            .store
            .set_checkpoint_text(stored.id, &cp.to_text())
            .await
            .map_err(store_failure)?;
    }
    remember(repo, &cp)?;
    Ok((stored.id, cp))
}

/// The log's verifier key: what a witness is given to trust it.
pub fn log_vkey(program: &TrustProgram, key: &VerifyingKey) -> VerifierKey {
    VerifierKey {
        name: origin(program),
        kind: note::ED25519,
        key: *key,
    }
}

/// The witnesses evident.toml lists, with their keys read.
pub fn witnesses(program: &TrustProgram) -> Result<Vec<(Witness, VerifierKey)>, Failure> {
    program
        .config
        .witnesses
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let key = VerifierKey::parse(&w.key).map_err(|e| {
                Failure::input(format!(
                    "evident.toml: witness[{i}].key: {e}; copy the key `evident witness serve` prints"
                ))
            })?;
            if key.kind != note::COSIGNATURE_V1 || key.name != w.name {
                return Err(Failure::input(format!(
                    "evident.toml: witness[{i}].key: not a cosigning key of `{}` (type 0x04)",
                    w.name
                )));
            }
            Ok((w.clone(), key))
        })
        .collect()
}

/// The configured TSA with its certificate read (a PEM file in the trust repo).
pub struct Tsa {
    pub authority: TimestampAuthority,
    /// The certificate as the trust repo keeps it (what the bundle carries).
    pub pem: String,
    pub certificate: Vec<u8>,
}

pub fn timestamp_authority(repo: &Path, program: &TrustProgram) -> Result<Option<Tsa>, Failure> {
    let Some(authority) = program.config.timestamp.clone() else {
        return Ok(None);
    };
    let path = &authority.certificate;
    let bad = |why: &str| {
        Failure::input(format!(
            "evident.toml: timestamp.certificate: {path}: {why}"
        ))
    };
    let pem = read_capped(
        &repo.join(path),
        false,
        evident_ledger::note::MAX_NOTE_BYTES as u64,
    )
    .map_err(|e| match e {
        Capped::TooLarge => bad("larger than a certificate"),
        Capped::Failed(f) => f,
    })?;
    let pem = String::from_utf8(pem).map_err(|_| bad("not PEM text"))?;
    let certificate = timestamp::certificate_from_pem(pem.as_bytes()).map_err(|e| bad(&e))?;
    Ok(Some(Tsa {
        authority,
        pem,
        certificate,
    }))
}

/// The time-stamps in `cp` by the configured TSA, each verified: (who, time).
pub fn stamps_of(cp: &Checkpoint, tsa: &Tsa) -> Result<Vec<(String, i64)>, String> {
    let name = &tsa.authority.name;
    Ok(timestamp::stamps_in(cp, name, &tsa.certificate)?
        .into_iter()
        .map(|t| (format!("tsa:{name}"), t))
        .collect())
}

/// The cosignatures of every stored checkpoint made by a listed witness, and
/// its time-stamps by the configured TSA, each checked: when each stretch of
/// the ledger was proven (docs/ledger.md).
pub fn proofs(
    checkpoints: &[Checkpoint],
    witnesses: &[(Witness, VerifierKey)],
    tsa: Option<&Tsa>,
) -> Result<Proofs, Failure> {
    let keys: Vec<VerifierKey> = witnesses.iter().map(|(_, k)| k.clone()).collect();
    let mut list = Vec::new();
    for cp in checkpoints {
        let proven = cp.witnessed_by(&keys).map_err(|e| {
            Failure::unmet(format!(
                "the checkpoint of {} entries: {e}; run `evident ledger verify`",
                cp.head.size
            ))
        })?;
        let stamps = match tsa {
            Some(tsa) => stamps_of(cp, tsa).map_err(|e| {
                Failure::unmet(format!(
                    "the checkpoint of {} entries: {e}; run `evident ledger verify`",
                    cp.head.size
                ))
            })?,
            None => Vec::new(),
        };
        // A cosignature's time is at most 2^63 - 1 (checked with it).
        let times = proven
            .iter()
            .map(|c| (c.name.clone(), c.time as i64))
            .chain(stamps);
        let Some((by, time)) = times.min_by_key(|(_, t)| *t) else {
            continue;
        };
        let Some(at) = Instant::from_unix(time) else {
            continue;
        };
        list.push(Witnessed {
            size: cp.head.size,
            at,
            by,
        });
    }
    Ok(Proofs::new(list))
}

/// Sends the new checkpoint to every witness, each with a consistency proof
/// from the last tree it cosigned (a 409 names it, and the request is sent
/// again once). A witness that cannot be reached, or refuses, is a warning:
/// the checkpoint is kept, without that cosignature.
async fn ask_witnesses(
    ledger: &Ledger<Blobs>,
    witnesses: &[(Witness, VerifierKey)],
    cp: &Checkpoint,
) -> Result<Vec<Cosignature>, Failure> {
    evident_checks::tls_provider();
    let stored: Vec<Checkpoint> = ledger
        .store
        .checkpoints()
        .await
        .map_err(store_failure)?
        .iter()
        .filter_map(|s| Checkpoint::parse(&s.text).ok())
        .collect();
    let size = cp.head.size;
    let mut got = Vec::new();
    for (w, key) in witnesses {
        let cosigned_by = |c: &&Checkpoint| {
            c.witnessed_by(std::slice::from_ref(key))
                .is_ok_and(|p| !p.is_empty())
        };
        let mut old = stored
            .iter()
            .rev()
            .find(cosigned_by)
            .map_or(0, |c| c.head.size);
        for _ in 0..2 {
            if old > size {
                say_err!(
                    "warning: witness {} has cosigned {old} entries of this ledger, more than the {size} it holds now: the ledger was rolled back; restore it from a backup",
                    w.name
                );
                break;
            }
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                ledger
                    .store
                    .consistency_proof(old, size)
                    .await
                    .map_err(store_failure)?
            };
            match client::add_checkpoint(&w.url, key, old, &proof, cp).await {
                Ok(Answer::Cosigned(c)) => {
                    got.push(c);
                    break;
                }
                Ok(Answer::Conflict(n)) if n != old => old = n,
                Ok(Answer::Conflict(n)) => {
                    say_err!(
                        "warning: witness {} keeps answering that it last cosigned {n} entries",
                        w.name
                    );
                    break;
                }
                Err(e) => {
                    say_err!(
                        "warning: witness {} did not cosign: {e}; the checkpoint is kept without its cosignature",
                        w.name
                    );
                    break;
                }
            }
        }
    }
    Ok(got)
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
    if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(None);
    }
    let wrong = |why: &str| {
        Failure::input(format!(
            "{COMMITTED_CHECKPOINT}: {why}; it must be the checkpoint `evident ledger checkpoint` wrote"
        ))
    };
    // A checkpoint with its cosignatures and time-stamps is a note.
    let bytes = read_capped(&path, false, evident_ledger::note::MAX_NOTE_BYTES as u64).map_err(
        |e| match e {
            Capped::TooLarge => wrong("larger than any checkpoint"),
            Capped::Failed(f) => f,
        },
    )?;
    let text = String::from_utf8(bytes).map_err(|_| wrong("not UTF-8 text"))?;
    let cp = Checkpoint::parse(&text)
        .map_err(|e| Failure::input(format!("{COMMITTED_CHECKPOINT}: {e}")))?;
    cp.verify(trusted).map_err(|e| {
        Failure::unmet(format!(
            "{COMMITTED_CHECKPOINT}: {e}; it is not a checkpoint of this ledger's key"
        ))
    })?;
    Ok(Some(cp))
}

/// What `evident check` records besides check results (a changed file, a
/// register entry, a finding): one entry collected now by `evident check`.
pub fn collected_by_check(
    (control, item): (&str, &str),
    kind: evident_ledger::entry::EntryKind,
    covers: (evident_core::time::Date, evident_core::time::Date),
    result: evident_ledger::entry::Outcome,
    summary: String,
    content: Vec<u8>,
) -> evident_store::Evidence {
    evident_store::Evidence {
        content,
        entry: evident_ledger::entry::Entry {
            control: control.to_string(),
            item: item.to_string(),
            kind,
            collector: "evident check".into(),
            collected_at: super::now(),
            covers_from: covers.0,
            covers_to: covers.1,
            result,
            summary,
            content_sha256: String::new(),
            retracts: None,
        },
    }
}

/// Records `new`, when there is anything to record.
pub async fn record_all(
    ledger: &Ledger<Blobs>,
    new: Vec<evident_store::Evidence>,
) -> Result<(), Failure> {
    if !new.is_empty() {
        ledger
            .record(new, super::write_limit())
            .await
            .map_err(store_failure)?;
    }
    Ok(())
}
