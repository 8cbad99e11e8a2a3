//! The ledger as a whole: entries and tree in a [`Store`], content in a
//! [`BlobStore`]. Recording, checkpointing, proving and the full verification.

use crate::store::{Appended, RequestKey, Result, Store, StoreError, VerifyRow};
use ed25519_dalek::{SigningKey, VerifyingKey};
use evident_core::time::Instant;
use evident_ledger::blobs::BlobStore;
use evident_ledger::checkpoint::{Checkpoint, TreeHead};
use evident_ledger::entry::{Entry, EntryFields, content_hash_in, record_from_canonical};
use evident_ledger::hex;
use evident_ledger::log::{StoredCheckpoint, Verified, Verifier};
use evident_ledger::merkle::{self, Hash};
use evident_ledger::proof::{ProofFile, to_hex_path};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::ops::Range;

pub struct Ledger<B: BlobStore> {
    pub store: Store,
    pub blobs: B,
}

/// One piece of evidence to record: its content and its entry (whose
/// `content_sha256` is filled in from the content).
pub struct Evidence {
    pub content: Vec<u8>,
    pub entry: Entry,
}

impl<B: BlobStore> Ledger<B> {
    /// Stores every content blob, then appends the entries in one transaction.
    /// Blobs go first: a crash in between leaves an unreferenced blob, never an
    /// entry without its content.
    /// Entries dated after `not_after` are refused (see [`Store::append`]).
    pub async fn record(&self, evidence: Vec<Evidence>, not_after: Instant) -> Result<Range<u64>> {
        let mut entries = Vec::with_capacity(evidence.len());
        for Evidence { content, mut entry } in evidence {
            entry.content_sha256 = self.put(&content).await?;
            entries.push(entry);
        }
        self.store.append(&entries, not_after).await
    }

    /// [`Ledger::record`] for a request the server answers: blobs first, then
    /// [`Store::append_request`] (dated by the log, idempotent by key).
    pub async fn record_request(
        &self,
        evidence: Vec<Evidence>,
        now: Instant,
        request: Option<&RequestKey>,
    ) -> Result<Appended> {
        let mut entries = Vec::with_capacity(evidence.len());
        for Evidence { content, mut entry } in evidence {
            entry.content_sha256 = self.put(&content).await?;
            entries.push(entry);
        }
        self.store.append_request(entries, now, request).await
    }

    async fn put(&self, content: &[u8]) -> Result<String> {
        let hash = self
            .blobs
            .put(content)
            .await
            .map_err(|e| StoreError::Database(format!("storing evidence content: {e}")))?;
        Ok(hex::encode(&hash))
    }

    /// Signs and stores the current tree head.
    pub async fn checkpoint(
        &self,
        origin: &str,
        time: Instant,
        not_after: Instant,
        key: &SigningKey,
    ) -> Result<(StoredCheckpoint, Checkpoint)> {
        let mut signed = None;
        let stored = self
            .store
            .add_checkpoint(time, not_after, |size, root| {
                let cp = Checkpoint::sign(
                    TreeHead {
                        origin: origin.to_string(),
                        size,
                        root,
                        time: time.to_string(),
                    },
                    key,
                );
                let text = cp.to_text();
                signed = Some(cp);
                text
            })
            .await?;
        Ok((stored, signed.expect("signed inside the transaction")))
    }

    /// The latest checkpoint, parsed.
    pub async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        match self.store.latest_checkpoint().await? {
            None => Ok(None),
            Some(stored) => Checkpoint::parse(&stored.text).map(Some).map_err(|e| {
                StoreError::Damaged(format!(
                    "checkpoint {} is unreadable ({e}); run `evident ledger verify`",
                    stored.id
                ))
            }),
        }
    }

    /// Reads the whole log once, in one snapshot: every leaf, node, blob,
    /// checkpoint, and the plain columns judging reads against the entry they
    /// were derived from.
    /// `committed`, a checkpoint kept outside the database (the trust repo's),
    /// already checked against `trusted`, must be a prefix of the stored log.
    pub async fn verify(
        &self,
        trusted: &VerifyingKey,
        committed: Option<&Checkpoint>,
    ) -> Result<Verified> {
        let mut snapshot = self.store.snapshot().await?;
        let checkpoints = snapshot.checkpoints().await?;
        let mut verifier = Verifier::new(trusted, &checkpoints);
        if let Some(cp) = committed {
            verifier.expect("ledger/checkpoint (committed in the trust repo)", cp);
        }
        let mut blobs_seen: HashSet<Hash> = HashSet::new();
        let mut rows = snapshot.rows();
        while let Some(row) = rows.next().await {
            let VerifyRow { stored, columns } = row?;
            let entry = stored.entry.as_bytes();
            let derived = record_from_canonical(stored.seq, entry);
            if let Ok(d) = &derived {
                verifier.moment(stored.seq, d.collected);
            }
            verifier.row(stored.seq, entry, &stored.leaf, &stored.nodes);
            if let (Ok(derived), Ok(columns)) = (&derived, &columns)
                && derived != columns
            {
                verifier.report(
                    EntryFields::label(stored.seq, entry),
                    "the fields judging reads (control, item, result, collected, covers, summary) differ from the entry",
                );
            } else if let (Ok(_), Err(e)) = (&derived, &columns) {
                verifier.report(EntryFields::label(stored.seq, entry), e.to_string());
            }
            let Some(content) = content_hash_in(entry).and_then(merkle::parse_hex) else {
                let subject = EntryFields::label(stored.seq, entry);
                verifier.report(subject, "names no valid content_sha256");
                continue;
            };
            if blobs_seen.insert(content)
                && let Err(e) = self.blobs.get(&content).await
            {
                let message = match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("its content blob {} is missing", hex::encode(&content))
                    }
                    _ => e.to_string(),
                };
                verifier.report(EntryFields::label(stored.seq, entry), message);
            }
        }
        drop(rows);
        snapshot.close().await?;
        Ok(verifier.finish())
    }

    /// An inclusion proof for entry `seq` against the latest checkpoint.
    pub async fn prove(&self, seq: u64) -> Result<ProofFile> {
        let Some(cp) = self.latest_checkpoint().await? else {
            return Err(StoreError::Request(
                "the ledger has no checkpoint yet; run `evident ledger checkpoint` first".into(),
            ));
        };
        if seq >= cp.head.size {
            let size = self.store.size().await?;
            return Err(StoreError::Request(if seq < size {
                format!(
                    "entry {seq} was recorded after the latest checkpoint (size {}); run `evident ledger checkpoint` first",
                    cp.head.size
                )
            } else {
                format!("there is no entry {seq}: the ledger holds entries 0..{size}")
            }));
        }
        let entry =
            self.store.entry(seq).await?.ok_or_else(|| {
                StoreError::Damaged(format!("entry {seq} is missing from the store"))
            })?;
        let path = self.store.inclusion_proof(seq, cp.head.size).await?;
        Ok(ProofFile::Inclusion {
            index: seq,
            entry: Box::new(entry.fields()?),
            tree_size: cp.head.size,
            path: to_hex_path(&path),
            checkpoint: cp.to_text(),
        })
    }

    /// A consistency proof from an earlier checkpoint to the latest one.
    pub async fn consistency(&self, from: &Checkpoint) -> Result<ProofFile> {
        let Some(latest) = self.latest_checkpoint().await? else {
            return Err(StoreError::Request(
                "the ledger has no checkpoint yet; run `evident ledger checkpoint` first".into(),
            ));
        };
        let (m, n) = (from.head.size, latest.head.size);
        if m > n {
            return Err(StoreError::Request(format!(
                "that checkpoint signs {m} entries but the latest signs only {n}: the log shrank, or the checkpoint is from another ledger"
            )));
        }
        let path = if m == 0 {
            Vec::new()
        } else {
            self.store.consistency_proof(m, n).await?
        };
        Ok(ProofFile::Consistency {
            from: from.to_text(),
            to: latest.to_text(),
            path: to_hex_path(&path),
        })
    }
}
