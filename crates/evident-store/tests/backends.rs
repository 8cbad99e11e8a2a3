//! The same suite against SQLite and PostgreSQL: stored trees serve the proofs an
//! in-memory tree gives, the full check passes on a sound ledger and names every
//! kind of damage, and concurrent writers never fork the log.

mod common;

use common::{at, backends, entry, open_clock};
use ed25519_dalek::SigningKey;
use evident_core::model::Outcome;
use evident_ledger::blobs::FsBlobs;
use evident_ledger::checkpoint::Checkpoint;
use evident_ledger::entry::Entry;
use evident_ledger::entry::record_from_canonical;
use evident_ledger::merkle::{self, MemoryTree};
use evident_store::{Appended, Evidence, Ledger, Location, RequestKey, Store, StoreError};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

/// Entries `range`, their content repeating every `distinct` entries.
fn evidence(range: std::ops::Range<u64>, distinct: u64) -> Vec<Evidence> {
    range
        .map(|i| Evidence {
            content: format!("content {}", i % distinct).into_bytes(),
            entry: entry(i),
        })
        .collect()
}

async fn ledger(dir: &std::path::Path, location: Location) -> Ledger<FsBlobs> {
    Ledger {
        store: Store::open(location).await.unwrap(),
        blobs: FsBlobs::new(dir.join(".evident/blobs")),
    }
}

/// Every entry's record, derived from its canonical text one by one.
async fn derived(store: &Store) -> Vec<evident_core::record::Record> {
    let stored = store.entries(None).await.unwrap();
    stored
        .iter()
        .map(|s| record_from_canonical(s.seq, s.entry.as_bytes()).unwrap())
        .collect()
}

async fn raw(location: &Location) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(&location.url()).await.unwrap()
}

#[tokio::test]
async fn stored_tree_serves_the_same_roots_and_proofs_as_memory() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "proofs").await {
        let store = Store::open(location).await.unwrap();
        let mut mem = MemoryTree::default();
        let mut next = 0;
        // Uneven batches, so appends start at every kind of frontier.
        for batch in [1u64, 2, 5, 1, 13, 8, 40, 3] {
            let entries: Vec<_> = (next..next + batch).map(entry).collect();
            let range = store.append(&entries, open_clock()).await.unwrap();
            assert_eq!(range, next..next + batch, "{name}");
            for e in &entries {
                mem.push(e.leaf_hash());
            }
            next += batch;
            assert_eq!(store.size().await.unwrap(), next, "{name}");
            assert_eq!(
                store.root(next).await.unwrap(),
                mem.root(),
                "{name} root at {next}"
            );
        }
        for m in 0..next {
            assert_eq!(
                store.inclusion_proof(m, next).await.unwrap(),
                merkle::inclusion_proof(&mem, m, next),
                "{name} inclusion {m}/{next}"
            );
        }
        for m in 1..=next {
            assert_eq!(
                store.consistency_proof(m, next).await.unwrap(),
                merkle::consistency_proof(&mem, m, next),
                "{name} consistency {m}/{next}"
            );
        }
        let stored = store.entry(17).await.unwrap().unwrap();
        assert_eq!(stored.fields().unwrap(), entry(17).fields(), "{name}");
        assert_eq!(
            stored.fields().unwrap().parse().unwrap(),
            entry(17),
            "{name}"
        );
        let auth = store.entries(Some("AUTH")).await.unwrap();
        assert_eq!(auth.len() as u64, next.div_ceil(3), "{name}");
        assert!(store.entry(next).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn record_checkpoint_prove_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "flow").await {
        let ledger = ledger(dir.path(), location).await;
        let trusted = key().verifying_key();
        let first = ledger
            .record(evidence(0..10, u64::MAX), open_clock())
            .await
            .unwrap();
        assert_eq!(first, 0..10);
        let (_, old) = ledger
            .checkpoint("acme.example/evidence-ledger", at(9), open_clock(), &key())
            .await
            .unwrap();
        ledger
            .record(evidence(10..25, 4), open_clock())
            .await
            .unwrap();
        let (stored, new) = ledger
            .checkpoint("acme.example/evidence-ledger", at(24), open_clock(), &key())
            .await
            .unwrap();
        assert_eq!(new.head.size, 25, "{name}");
        assert_eq!(Checkpoint::parse(&stored.text).unwrap(), new);

        let verified = ledger.verify(&trusted, None).await.unwrap();
        assert_eq!(verified.problems, vec![], "{name}");
        assert_eq!((verified.entries, verified.checkpoints), (25, 2), "{name}");

        let proof = ledger.prove(12).await.unwrap();
        let said = proof.verify(&trusted).unwrap();
        assert!(said.starts_with("entry 12 (AUTH/item-2"), "{name}: {said}");
        let said = ledger
            .consistency(&old)
            .await
            .unwrap()
            .verify(&trusted)
            .unwrap();
        assert!(said.contains("only grew from 10 entries"), "{name}: {said}");

        let err = ledger.prove(25).await.unwrap_err().to_string();
        assert!(err.contains("no entry 25"), "{name}: {err}");
        ledger
            .record(
                vec![Evidence {
                    content: b"late".to_vec(),
                    entry: entry(99),
                }],
                open_clock(),
            )
            .await
            .unwrap();
        let err = ledger.prove(25).await.unwrap_err().to_string();
        assert!(err.contains("after the latest checkpoint"), "{name}: {err}");
    }
}

/// Changes one stored thing through the database (or the blob directory) and
/// expects `verify` to name it.
#[tokio::test]
async fn every_kind_of_stored_byte_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "tamper").await {
        let blob_dir = tempfile::tempdir().unwrap();
        let ledger = Ledger {
            store: Store::open(location.clone()).await.unwrap(),
            blobs: FsBlobs::new(blob_dir.path()),
        };
        let trusted = key().verifying_key();
        ledger
            .record(evidence(0..12, u64::MAX), open_clock())
            .await
            .unwrap();
        ledger
            .checkpoint("acme.example/evidence-ledger", at(11), open_clock(), &key())
            .await
            .unwrap();
        assert_eq!(
            ledger.verify(&trusted, None).await.unwrap().problems,
            vec![],
            "{name}"
        );
        let db = raw(&location).await;

        let problems = |label: &'static str| {
            let ledger = &ledger;
            async move {
                let p = ledger.verify(&trusted, None).await.unwrap().problems;
                assert!(!p.is_empty(), "{name}: {label} went unnoticed");
                p.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        };

        // An entry field.
        db.execute(
            "UPDATE entries SET entry = replace(entry, 'run 5:', 'run 5, edited:') WHERE seq = 5",
        )
        .await
        .unwrap();
        let said = problems("an edited entry").await;
        assert!(
            said.starts_with("entry 5 (BACKUP/item-0): its fields no longer hash"),
            "{name}: {said}"
        );
        assert!(
            said.contains("checkpoint 1: its signed root does not match the first 12 entries"),
            "{name}: {said}"
        );
        db.execute(
            "UPDATE entries SET entry = replace(entry, 'run 5, edited:', 'run 5:') WHERE seq = 5",
        )
        .await
        .unwrap();

        // A recorded Merkle node.
        let seq3 = ledger.store.entry(3).await.unwrap().unwrap();
        let mut nodes = seq3.nodes.clone();
        nodes[0] ^= 0x40;
        sqlx::query("UPDATE entries SET nodes = $1 WHERE seq = 3")
            .bind(nodes)
            .execute(&db)
            .await
            .unwrap();
        let said = problems("an edited node").await;
        assert!(
            said.starts_with("entry 3: the Merkle node (level 1)"),
            "{name}: {said}"
        );
        sqlx::query("UPDATE entries SET nodes = $1 WHERE seq = 3")
            .bind(seq3.nodes.clone())
            .execute(&db)
            .await
            .unwrap();

        // A blob's content.
        let hash = merkle::parse_hex(&seq3.fields().unwrap().content_sha256).unwrap();
        let path = ledger.blobs.path_of(&hash);
        std::fs::write(&path, b"content 3, improved").unwrap();
        let said = problems("an edited blob").await;
        assert!(
            said.starts_with("entry 3 (AUTH/item-3): blob"),
            "{name}: {said}"
        );
        assert!(said.contains("was altered"), "{name}: {said}");
        std::fs::remove_file(&path).unwrap();
        let said = problems("a deleted blob").await;
        assert!(said.contains("its content blob"), "{name}: {said}");
        assert!(said.contains("is missing"), "{name}: {said}");
        std::fs::write(&path, b"content 3").unwrap();

        // A checkpoint's signed text, then its signature.
        let text = ledger.store.checkpoints().await.unwrap()[0].text.clone();
        let forged = text.replacen("\n12\n", "\n11\n", 1);
        sqlx::query("UPDATE checkpoints SET text = $1 WHERE id = 1")
            .bind(forged)
            .execute(&db)
            .await
            .unwrap();
        let said = problems("an edited checkpoint").await;
        assert!(
            said.starts_with("checkpoint 1: checkpoint signature does not verify"),
            "{name}: {said}"
        );
        // A character well inside the base64 signature, past the key ID.
        let sig_at = text.rfind(' ').unwrap() + 20;
        let mut forged = text.clone().into_bytes();
        forged[sig_at] = if forged[sig_at] == b'A' { b'B' } else { b'A' };
        sqlx::query("UPDATE checkpoints SET text = $1 WHERE id = 1")
            .bind(String::from_utf8(forged).unwrap())
            .execute(&db)
            .await
            .unwrap();
        let said = problems("an edited signature").await;
        assert!(
            said.starts_with("checkpoint 1: checkpoint signature does not verify"),
            "{name}: {said}"
        );
        sqlx::query("UPDATE checkpoints SET text = $1 WHERE id = 1")
            .bind(text)
            .execute(&db)
            .await
            .unwrap();

        // A field judging reads, edited beside its untouched entry.
        let flipped = match entry(0).result {
            Outcome::Pass => "fail",
            _ => "pass",
        };
        sqlx::query("UPDATE entries SET result = $1 WHERE seq = 0")
            .bind(flipped)
            .execute(&db)
            .await
            .unwrap();
        let said = problems("an edited result column").await;
        assert!(
            said.starts_with("entry 0 (AUTH/item-0): the fields judging reads"),
            "{name}: {said}"
        );
        sqlx::query("UPDATE entries SET result = $1 WHERE seq = 0")
            .bind(entry(0).result.as_str())
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(
            ledger.verify(&trusted, None).await.unwrap().problems,
            vec![],
            "{name}"
        );

        // A deleted entry.
        db.execute("DELETE FROM entries WHERE seq = 11")
            .await
            .unwrap();
        let said = problems("a deleted entry").await;
        assert!(
            said.contains("checkpoint 1: signs 12 entries but the log holds 11"),
            "{name}: {said}"
        );

        assert!(
            !ledger
                .verify(&trusted, None)
                .await
                .unwrap()
                .problems
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_fork_the_log() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "writers").await {
        let mut tasks = Vec::new();
        for w in 0..4u64 {
            let location = location.clone();
            tasks.push(tokio::spawn(async move {
                let store = Store::open(location).await.unwrap();
                for round in 0..10u64 {
                    // All at one moment: which writer goes first is up to the lock.
                    let entries: Vec<_> = (0..7)
                        .map(|i| Entry {
                            collected_at: at(0).to_string(),
                            ..entry(w * 1000 + round * 10 + i)
                        })
                        .collect();
                    store.append(&entries, open_clock()).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let store = Store::open(location).await.unwrap();
        assert_eq!(store.size().await.unwrap(), 4 * 10 * 7, "{name}");
        let blob_dir = tempfile::tempdir().unwrap();
        let ledger = Ledger {
            store,
            blobs: FsBlobs::new(blob_dir.path()),
        };
        let verified = ledger.verify(&key().verifying_key(), None).await.unwrap();
        // No blobs were stored by these raw appends; every other check must pass.
        assert!(
            verified
                .problems
                .iter()
                .all(|p| p.message.contains("content blob")),
            "{name}: {:?}",
            verified.problems
        );
    }
}

#[tokio::test]
async fn a_writer_that_cannot_get_the_lock_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "busy").await {
        let holder = Store::open(location.clone()).await.unwrap();
        holder.append(&[entry(0)], open_clock()).await.unwrap();
        let db = raw(&location).await;
        let mut conn = db.acquire().await.unwrap();
        match location {
            Location::Sqlite(_) => conn.execute("BEGIN IMMEDIATE").await.unwrap(),
            Location::Postgres(_) => {
                conn.execute("BEGIN").await.unwrap();
                conn.execute("LOCK TABLE entries IN EXCLUSIVE MODE")
                    .await
                    .unwrap()
            }
        };
        let waiting = Store::open_waiting(location.clone(), Duration::from_millis(300))
            .await
            .unwrap();
        let err = waiting.append(&[entry(1)], open_clock()).await.unwrap_err();
        assert!(matches!(err, StoreError::Busy), "{name}: {err:?}");
        assert!(err.to_string().contains("nothing was written"), "{name}");
        conn.execute("ROLLBACK").await.unwrap();
        waiting.append(&[entry(1)], open_clock()).await.unwrap();
        assert_eq!(waiting.size().await.unwrap(), 2, "{name}");
    }
}

#[tokio::test]
async fn the_columns_judging_reads_match_the_entries_they_are_derived_from() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "records").await {
        let store = Store::open(location.clone()).await.unwrap();
        assert!(store.records().await.unwrap().is_empty(), "{name}");
        // Uneven batches; one summary with every kind of character canonical JSON escapes.
        let mut entries: Vec<_> = (0..5_003).map(entry).collect();
        entries[7].summary = "quote \" backslash \\ newline \n tab \t ✓".into();
        for batch in [&entries[..1], &entries[1..4_000]]
            .into_iter()
            .chain(entries[4_000..].chunks(301))
        {
            store.append(batch, open_clock()).await.unwrap();
        }
        let expected = derived(&store).await;
        assert_eq!(expected.len(), 5_003, "{name}");
        assert_eq!(expected[7].summary, entries[7].summary, "{name}");
        assert_eq!(store.records().await.unwrap(), expected, "{name}");

        // A column that cannot be read is refused, naming the entry and the way on.
        let db = raw(&location).await;
        db.execute("UPDATE entries SET covers_to = 'soon' WHERE seq = 4096")
            .await
            .unwrap();
        let err = store.records().await.unwrap_err().to_string();
        assert!(
            err.contains("entry 4096: its stored covers_to cannot be read"),
            "{name}: {err}"
        );
        assert!(err.contains("evident ledger verify"), "{name}: {err}");
        store.close().await;
    }
}

/// A ledger of schema version 1 (judging's fields in a packed index table),
/// or 2 (no kind column), gains the plain columns on open, filled from its
/// entries, in one step.
#[tokio::test]
async fn older_ledgers_migrate_on_open() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "migrate").await {
        let store = Store::open(location.clone()).await.unwrap();
        store
            .append(&(0..300).map(entry).collect::<Vec<_>>(), open_clock())
            .await
            .unwrap();
        let expected = derived(&store).await;
        store.close().await;
        // Back to version 1's shape: no columns beside the entry, an index table.
        let db = raw(&location).await;
        let bytes = if name == "sqlite" { "BLOB" } else { "BYTEA" };
        let int = if name == "sqlite" {
            "INTEGER"
        } else {
            "BIGINT"
        };
        db.execute(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE old_entries (seq {int} PRIMARY KEY, entry TEXT NOT NULL, leaf {bytes} NOT NULL, nodes {bytes} NOT NULL);
             INSERT INTO old_entries SELECT seq, entry, leaf, nodes FROM entries;
             DROP TABLE entries;
             ALTER TABLE old_entries RENAME TO entries;
             CREATE TABLE observations (first_seq {int} PRIMARY KEY, count {int} NOT NULL, block {bytes} NOT NULL);
             UPDATE ledger_meta SET value = '1' WHERE key = 'schema';"
        )))
        .await
        .unwrap();
        db.close().await;

        let store = Store::open(location.clone()).await.unwrap();
        assert_eq!(store.records().await.unwrap(), expected, "{name}");
        let db = raw(&location).await;
        let version: String =
            sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'schema'")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(version, "4", "{name}");
        assert!(
            sqlx::query("SELECT * FROM observations")
                .fetch_all(&db)
                .await
                .is_err(),
            "{name}: the packed index is gone"
        );
        // And it grows as any other.
        store.append(&[entry(300)], open_clock()).await.unwrap();
        let expected = store.records().await.unwrap();
        assert_eq!(expected.len(), 301, "{name}");
        store.close().await;

        // Version 2 lacked each entry's kind and what a retraction withdraws.
        db.execute(
            "ALTER TABLE entries DROP COLUMN kind; ALTER TABLE entries DROP COLUMN retracts;
             UPDATE ledger_meta SET value = '2' WHERE key = 'schema';",
        )
        .await
        .unwrap();
        let store = Store::open(location.clone()).await.unwrap();
        assert_eq!(store.records().await.unwrap(), expected, "{name} from 2");
        store.close().await;
    }
}

/// Time only moves forward: an entry dated before the last entry or the
/// latest checkpoint, or after the write limit, is refused with nothing
/// written; and times put out of order straight into the database are caught
/// by `verify`.
#[tokio::test]
async fn time_only_moves_forward() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "time").await {
        let ledger = ledger(dir.path(), location.clone()).await;
        ledger
            .record(evidence(0..5, 5), open_clock())
            .await
            .unwrap();
        let back_dated = Entry {
            collected_at: at(2).to_string(),
            ..entry(5)
        };
        let err = ledger
            .store
            .append(&[back_dated], open_clock())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Request(_)), "{name}: {err:?}");
        let said = err.to_string();
        assert!(
            said.contains("is dated 2026-11-23T00:00:02Z, before entry 4 (2026-11-23T00:00:04Z)")
                && said.contains("cannot be back-dated")
                && said.contains("nothing was written"),
            "{name}: {said}"
        );
        let err = ledger
            .store
            .append(&[entry(5)], at(4))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("later than the clock allows"), "{name}: {err}");
        assert_eq!(ledger.store.size().await.unwrap(), 5, "{name}");

        ledger
            .checkpoint(
                "acme.example/evidence-ledger",
                at(100),
                open_clock(),
                &key(),
            )
            .await
            .unwrap();
        let err = ledger
            .store
            .append(&[entry(5)], open_clock())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("before checkpoint 1 (2026-11-23T00:01:40Z)"),
            "{name}: {err}"
        );
        let err = ledger
            .checkpoint("acme.example/evidence-ledger", at(50), open_clock(), &key())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("the checkpoint is dated"), "{name}: {err}");
        ledger
            .record(evidence(100..103, 5), open_clock())
            .await
            .unwrap();
        let verified = ledger.verify(&key().verifying_key(), None).await.unwrap();
        assert_eq!(verified.problems, vec![], "{name}");

        // Entry 6 rewritten in place to an earlier time, its leaf and nodes
        // recomputed as a forger would: the tree is whole, the order is not.
        let db = raw(&location).await;
        let stored = ledger.store.entries(None).await.unwrap();
        let mut earlier = stored[6].fields().unwrap();
        earlier.collected_at = at(1).to_string();
        let mut rows = Vec::new();
        for s in &stored {
            let bytes = if s.seq == 6 {
                String::from_utf8(earlier.canonical_bytes()).unwrap()
            } else {
                s.entry.clone()
            };
            rows.push(bytes);
        }
        let mut frontier = merkle::Frontier::default();
        let cells = evident_ledger::log::grow(
            &mut frontier,
            rows.iter().map(|r| merkle::leaf_hash(r.as_bytes())),
        );
        for (row, cell) in rows.iter().zip(&cells) {
            sqlx::query("UPDATE entries SET entry = $1, leaf = $2, nodes = $3, collected = $4 WHERE seq = $5")
                .bind(row.clone())
                .bind(cell.leaf.to_vec())
                .bind(cell.nodes.clone())
                .bind(record_from_canonical(cell.seq, row.as_bytes()).unwrap().collected.unix())
                .bind(cell.seq as i64)
                .execute(&db)
                .await
                .unwrap();
        }
        sqlx::query("DELETE FROM checkpoints")
            .execute(&db)
            .await
            .unwrap();
        let said: Vec<String> = ledger
            .verify(&key().verifying_key(), None)
            .await
            .unwrap()
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            said,
            vec!["entry 6: dated 2026-11-23T00:00:01Z, before entry 5 (2026-11-23T00:01:40Z): time runs backwards here, so the entry was back-dated or the log was rewritten".to_string()],
            "{name}"
        );
    }
}

/// A request the server answers is dated by the log (never before its last
/// moment, even when the writer's clock lags), and a retried request with the
/// same key gets the entries it made, with nothing written twice.
#[tokio::test]
async fn requests_are_dated_by_the_log_and_answered_once() {
    let dir = tempfile::tempdir().unwrap();
    for (name, location) in backends(dir.path(), "requests").await {
        let ledger = ledger(dir.path(), location.clone()).await;
        ledger
            .record(evidence(0..5, 5), open_clock())
            .await
            .unwrap();
        let key = RequestKey {
            key: "upload-1".into(),
            fingerprint: "aaaa".into(),
        };
        // A clock two seconds behind the last entry: stamped at the last moment.
        let made = ledger
            .record_request(evidence(5..7, 5), at(2), Some(&key))
            .await
            .unwrap();
        assert_eq!(made, Appended::New(5..7), "{name}");
        let stored = ledger.store.entry(6).await.unwrap().unwrap();
        assert_eq!(
            stored.fields().unwrap().collected_at,
            at(4).to_string(),
            "{name}"
        );
        // Retried: the same entries, nothing new.
        let again = ledger
            .record_request(evidence(5..7, 5), at(9), Some(&key))
            .await
            .unwrap();
        assert_eq!(again, Appended::Replayed(5..7), "{name}");
        assert_eq!(ledger.store.size().await.unwrap(), 7, "{name}");
        // The same key for another request is refused.
        let other = RequestKey {
            fingerprint: "bbbb".into(),
            ..key.clone()
        };
        let err = ledger
            .record_request(evidence(7..8, 5), at(9), Some(&other))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Request(m) if m.contains("different request")),
            "{name}: {err:?}"
        );
        // A later clock dates the entry by it.
        let later = ledger
            .record_request(evidence(7..8, 5), at(30), None)
            .await
            .unwrap();
        assert_eq!(later, Appended::New(7..8), "{name}");
        let stored = ledger.store.entry(7).await.unwrap().unwrap();
        assert_eq!(
            stored.fields().unwrap().collected_at,
            at(30).to_string(),
            "{name}"
        );
        let verified = ledger
            .verify(&self::key().verifying_key(), None)
            .await
            .unwrap();
        assert_eq!(verified.problems, vec![], "{name}");
        ledger.store.close().await;
    }
}
