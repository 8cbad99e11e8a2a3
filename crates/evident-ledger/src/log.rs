//! How a store keeps the log, and how a stored log is checked. Pure, so every
//! backend (SQLite, PostgreSQL, whatever comes next) shares one implementation.
//!
//! Layout: one row per entry, numbered from 0 (`seq`, the RFC 9162 leaf index).
//! Beside the entry's canonical bytes the row keeps its leaf hash and the interior perfect
//! nodes its arrival completed: node `(level, index)` is complete exactly when
//! leaf `((index + 1) << level) - 1` arrives, so it lives in that leaf's row, and
//! a row holds `trailing_zeros(seq + 1)` of them (one on average). Rows are
//! written once and never updated; any proof needs O(log n) rows, fetched at once.

use crate::checkpoint::Checkpoint;
use crate::entry::EntryFields;
use crate::merkle::{self, Frontier, Hash, PerfectNodes};
use ed25519_dalek::VerifyingKey;
use evident_core::time::Instant;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// The row that keeps perfect node `(level, index)`: the subtree's last leaf.
pub fn home_row(level: u32, index: u64) -> u64 {
    ((index + 1) << level) - 1
}

/// A new row's tree data: the leaf and the interior nodes it completed, levels
/// 1, 2, ... concatenated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeCells {
    pub seq: u64,
    pub leaf: Hash,
    pub nodes: Vec<u8>,
}

/// Pushes `leaves` onto the tree's right edge and returns the rows to store.
pub fn grow(frontier: &mut Frontier, leaves: impl IntoIterator<Item = Hash>) -> Vec<TreeCells> {
    leaves
        .into_iter()
        .map(|leaf| {
            let seq = frontier.size();
            let nodes = frontier
                .push(leaf)
                .into_iter()
                .skip(1)
                .flat_map(|(_, _, hash)| hash)
                .collect();
            TreeCells { seq, leaf, nodes }
        })
        .collect()
}

/// Perfect node `level` from its home row's cells; `None` when the row does not hold it.
pub fn node_in_row(level: u32, leaf: &[u8], nodes: &[u8]) -> Option<Hash> {
    let bytes = match level {
        0 => leaf,
        l => nodes.get((l as usize - 1) * 32..l as usize * 32)?,
    };
    bytes.try_into().ok()
}

/// Answers every question with zeros and remembers the questions: which nodes a
/// proof or a frontier needs depends only on the sizes involved, never on hash
/// values, so one dry run tells a store what to fetch in a single query.
#[derive(Default)]
pub struct NodeWishlist(RefCell<Vec<(u32, u64)>>);

impl NodeWishlist {
    /// The nodes `compute` asks for, in order, without repeats.
    pub fn of(compute: impl FnOnce(&NodeWishlist)) -> Vec<(u32, u64)> {
        let list = NodeWishlist::default();
        compute(&list);
        let mut wanted = list.0.into_inner();
        let mut seen = std::collections::HashSet::new();
        wanted.retain(|k| seen.insert(*k));
        wanted
    }
}

impl PerfectNodes for NodeWishlist {
    fn perfect(&self, level: u32, index: u64) -> Hash {
        self.0.borrow_mut().push((level, index));
        [0; 32]
    }
}

/// Nodes fetched from a store for one computation.
#[derive(Default, Debug)]
pub struct FetchedNodes(pub HashMap<(u32, u64), Hash>);

impl PerfectNodes for FetchedNodes {
    fn perfect(&self, level: u32, index: u64) -> Hash {
        // The store fetched every node the wishlist named, or reported the gap.
        self.0[&(level, index)]
    }
}

/// Something wrong in a stored ledger, and where.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// `entry 17`, `checkpoint 3`, `blob 9f86d081…`.
    pub subject: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// A stored checkpoint as the verifier is given it: its number and its text.
#[derive(Debug)]
pub struct StoredCheckpoint {
    pub id: i64,
    pub text: String,
}

struct Claim {
    subject: String,
    /// Committed outside the database (the trust repo's `ledger/checkpoint`).
    committed: bool,
    size: u64,
    root: Hash,
    time: Option<Instant>,
}

/// Checks a stored log in one streaming pass, in O(log n) memory: feed it every
/// row in order, then [`Verifier::finish`]. Each leaf is recomputed from the
/// entry's fields (never taken from the row), the tree is rebuilt from those
/// leaves, and every stored node and every checkpoint's root is compared with it.
/// Checkpoints all being roots of one recomputed sequence is what makes them
/// consistent with each other: each is a prefix of the next.
pub struct Verifier {
    frontier: Frontier,
    /// Checkpoint claims by size, smallest last (popped as the tree reaches them).
    pending: Vec<Claim>,
    problems: Vec<Problem>,
    checkpoints: usize,
    /// The last entry whose leaf was wrong: nodes above it are wrong for that
    /// reason alone, and are not reported again.
    last_bad_leaf: Option<u64>,
    /// The latest moment seen so far (an entry's or a checkpoint's), and whose:
    /// time only moves forward, so nothing after it may be dated before it.
    floor: Option<(Instant, String)>,
    /// The latest entry's time, and which entry.
    last_entry: Option<(Instant, String)>,
}

impl Verifier {
    /// Starts a check against `trusted`, the public key checkpoints must be signed with.
    pub fn new(trusted: &VerifyingKey, checkpoints: &[StoredCheckpoint]) -> Verifier {
        let mut problems = Vec::new();
        let mut pending = Vec::new();
        let mut last: Option<(u64, String)> = None;
        for stored in checkpoints {
            let subject = format!("checkpoint {}", stored.id);
            let checked = Checkpoint::parse(&stored.text).and_then(|c| {
                c.verify(trusted)?;
                Ok(c)
            });
            let cp = match checked {
                Ok(cp) => cp,
                Err(message) => {
                    problems.push(Problem {
                        subject,
                        message: message.to_string(),
                    });
                    continue;
                }
            };
            if let Some((size, time)) = &last
                && (cp.head.size < *size || cp.head.time < *time)
            {
                problems.push(Problem {
                    subject: subject.clone(),
                    message: format!(
                        "signed {} entries at {}, behind an earlier checkpoint ({size} at {time}): checkpoints were reordered or replaced",
                        cp.head.size, cp.head.time
                    ),
                });
            }
            last = Some((cp.head.size, cp.head.time.clone()));
            pending.push(Claim {
                subject,
                committed: false,
                size: cp.head.size,
                root: cp.head.root,
                time: cp.head.time.parse().ok(),
            });
        }
        let mut v = Verifier {
            frontier: Frontier::default(),
            pending,
            problems,
            checkpoints: checkpoints.len(),
            last_bad_leaf: None,
            floor: None,
            last_entry: None,
        };
        v.pending.sort_by_key(|c| std::cmp::Reverse(c.size));
        v.settle_claims();
        v
    }

    /// Adds a checkpoint kept outside the database, already verified against
    /// the trusted key (the trust repo's committed `ledger/checkpoint`): the
    /// stored log must be a consistent extension of it. Call before any row.
    pub fn expect(&mut self, subject: &str, cp: &Checkpoint) {
        self.pending.push(Claim {
            subject: subject.to_string(),
            committed: true,
            size: cp.head.size,
            root: cp.head.root,
            time: cp.head.time.parse().ok(),
        });
        self.pending.sort_by_key(|c| std::cmp::Reverse(c.size));
        self.settle_claims();
    }

    /// The next stored row: `seq` as stored, the entry's canonical bytes, its
    /// recorded leaf and nodes.
    pub fn row(&mut self, seq: u64, entry: &[u8], leaf: &[u8], nodes: &[u8]) {
        let subject = format!("entry {seq}");
        if seq != self.frontier.size() {
            self.problems.push(Problem {
                subject: subject.clone(),
                message: format!(
                    "expected entry {} next: entries {}..{seq} are missing",
                    self.frontier.size(),
                    self.frontier.size()
                ),
            });
            // Carry on as if numbering were right, so later checks still run.
        }
        let recomputed = merkle::leaf_hash(entry);
        if leaf != recomputed {
            self.last_bad_leaf = Some(seq);
            self.problems.push(Problem {
                subject: EntryFields::label(seq, entry),
                message: "its fields no longer hash to the leaf recorded when it was logged: a field or the recorded leaf was changed".into(),
            });
        }
        let completed = self.frontier.push(recomputed);
        for (level, index, hash) in completed.into_iter().skip(1) {
            let explained = self.last_bad_leaf.is_some_and(|b| index << level <= b);
            if !explained && node_in_row(level, leaf, nodes) != Some(hash) {
                self.problems.push(Problem {
                    subject: subject.clone(),
                    message: format!(
                        "the Merkle node (level {level}) recorded with it does not match the entries it covers; proofs served from it would be wrong"
                    ),
                });
            }
        }
        let expected_len = (seq + 1).trailing_zeros() as usize * 32;
        if nodes.len() != expected_len {
            self.problems.push(Problem {
                subject,
                message: format!(
                    "holds {} bytes of Merkle nodes, expected {expected_len}",
                    nodes.len()
                ),
            });
        }
        self.settle_claims();
    }

    /// Entry `seq`'s collection time, given before its [`Verifier::row`]: it
    /// may not be earlier than the entry or checkpoint before it.
    pub fn moment(&mut self, seq: u64, collected: Instant) {
        if let Some((at, what)) = &self.floor
            && collected < *at
        {
            self.problems.push(Problem {
                subject: format!("entry {seq}"),
                message: format!(
                    "dated {collected}, before {what} ({at}): time runs backwards here, so the entry was back-dated or the log was rewritten"
                ),
            });
        }
        self.floor = Some((collected, format!("entry {seq}")));
        self.last_entry = self.floor.clone();
    }

    /// Reports a problem found outside the tree (a blob, say).
    pub fn report(&mut self, subject: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            subject: subject.into(),
            message: message.into(),
        });
    }

    /// Compares every checkpoint signed at the current size with the recomputed root.
    fn settle_claims(&mut self) {
        while self
            .pending
            .last()
            .is_some_and(|c| c.size == self.frontier.size())
        {
            let claim = self.pending.pop().expect("checked");
            // Against the entries it includes only: checkpoints among
            // themselves are ordered by `new`, and share sizes.
            if let (Some(time), Some((at, what))) = (claim.time, &self.last_entry)
                && time < *at
            {
                self.problems.push(Problem {
                    subject: claim.subject.clone(),
                    message: format!(
                        "signed at {time}, before {what} it includes ({at}): time runs backwards here"
                    ),
                });
            }
            if let Some(time) = claim.time
                && self.floor.as_ref().is_none_or(|(at, _)| time > *at)
            {
                self.floor = Some((time, claim.subject.clone()));
            }
            if claim.root != self.frontier.root() {
                let message = if claim.committed {
                    format!(
                        "the local ledger is not the one it signed: its first {} entries hash to a different root, so the ledger was swapped, rolled back and rewritten, or altered",
                        claim.size
                    )
                } else {
                    format!(
                        "its signed root does not match the first {} entries as stored: an entry among them was altered, removed or reordered",
                        claim.size
                    )
                };
                self.problems.push(Problem {
                    subject: claim.subject,
                    message,
                });
            }
        }
    }

    pub fn finish(mut self) -> Verified {
        let size = self.frontier.size();
        for claim in self.pending.drain(..).rev() {
            let message = if claim.committed {
                format!(
                    "signs {} entries but the local ledger holds {size}: it was emptied, truncated or rolled back; restore it from a backup",
                    claim.size
                )
            } else {
                format!(
                    "signs {} entries but the log holds {size}: entries were removed",
                    claim.size
                )
            };
            self.problems.push(Problem {
                subject: claim.subject,
                message,
            });
        }
        Verified {
            entries: size,
            root: self.frontier.root(),
            checkpoints: self.checkpoints,
            problems: self.problems,
        }
    }
}

/// The outcome of a full check.
#[derive(Debug)]
pub struct Verified {
    pub entries: u64,
    pub root: Hash,
    pub checkpoints: usize,
    pub problems: Vec<Problem>,
}

impl Verified {
    pub fn root_hex(&self) -> String {
        merkle::hex(&self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::TreeHead;
    use ed25519_dalek::SigningKey;

    fn fields(i: u64) -> EntryFields {
        EntryFields {
            collected_at: "2026-11-23T10:00:00Z".into(),
            collector: "test".into(),
            content_sha256: "00".repeat(32),
            control: "AUTH".into(),
            covers_from: "2026-11-23".into(),
            covers_to: "2026-11-23".into(),
            item: format!("item-{i}"),
            kind: "file".into(),
            result: "pass".into(),
            retracts: None,
            summary: String::new(),
            v: "1".into(),
        }
    }

    struct Stored {
        rows: Vec<(EntryFields, TreeCells)>,
    }

    impl PerfectNodes for Stored {
        fn perfect(&self, level: u32, index: u64) -> Hash {
            let cells = &self.rows[home_row(level, index) as usize].1;
            node_in_row(level, &cells.leaf, &cells.nodes).unwrap()
        }
    }

    fn log(n: u64) -> Stored {
        let all: Vec<EntryFields> = (0..n).map(fields).collect();
        let mut frontier = Frontier::default();
        let cells = grow(&mut frontier, all.iter().map(EntryFields::leaf_hash));
        Stored {
            rows: all.into_iter().zip(cells).collect(),
        }
    }

    fn checkpoint(stored: &Stored, size: u64, key: &SigningKey, id: i64) -> StoredCheckpoint {
        let head = TreeHead {
            origin: "test".into(),
            size,
            root: merkle::range_root(stored, 0, size),
            time: format!("2026-11-23T10:00:{:02}Z", id),
        };
        StoredCheckpoint {
            id,
            text: Checkpoint::sign(head, key).to_text(),
        }
    }

    fn verify(stored: &Stored, key: &SigningKey, cps: &[StoredCheckpoint]) -> Verified {
        let mut v = Verifier::new(&key.verifying_key(), cps);
        for (seq, (f, c)) in stored.rows.iter().enumerate() {
            v.row(seq as u64, &f.canonical_bytes(), &c.leaf, &c.nodes);
        }
        v.finish()
    }

    #[test]
    fn stored_rows_serve_proofs_matching_a_memory_tree() {
        let stored = log(37);
        let mut mem = merkle::MemoryTree::default();
        for (f, _) in &stored.rows {
            mem.push(f.leaf_hash());
        }
        for m in 0..37 {
            assert_eq!(
                merkle::inclusion_proof(&stored, m, 37),
                merkle::inclusion_proof(&mem, m, 37)
            );
        }
        let wanted = NodeWishlist::of(|w| {
            merkle::inclusion_proof(w, 5, 37);
        });
        assert!(wanted.len() <= 2 * 6, "{wanted:?}");
        let fetched = FetchedNodes(
            wanted
                .iter()
                .map(|&(l, i)| ((l, i), stored.perfect(l, i)))
                .collect(),
        );
        assert_eq!(
            merkle::inclusion_proof(&fetched, 5, 37),
            merkle::inclusion_proof(&mem, 5, 37)
        );
    }

    #[test]
    fn a_sound_log_verifies() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let stored = log(20);
        let cps = [
            checkpoint(&stored, 0, &key, 1),
            checkpoint(&stored, 7, &key, 2),
            checkpoint(&stored, 20, &key, 3),
        ];
        let v = verify(&stored, &key, &cps);
        assert_eq!(v.problems, vec![]);
        assert_eq!(v.entries, 20);
        assert_eq!(v.checkpoints, 3);
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let stored = log(20);
        let cps = [checkpoint(&stored, 16, &key, 1)];

        let mut s = log(20);
        s.rows[4].0.summary = "edited".into();
        let p = verify(&s, &key, &cps).problems;
        assert!(
            p[0].to_string()
                .starts_with("entry 4 (AUTH/item-4): its fields no longer hash"),
            "{p:?}"
        );
        assert!(p.iter().any(|p| p.subject == "checkpoint 1"), "{p:?}");

        let mut s = log(20);
        s.rows[7].1.nodes[3] ^= 1;
        let p = verify(&s, &key, &cps).problems;
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].to_string().contains("Merkle node (level 1)"), "{p:?}");

        let s = Stored {
            rows: stored.rows[..10].to_vec(),
        };
        let p = verify(&s, &key, &cps).problems;
        assert!(
            p[0].message
                .contains("signs 16 entries but the log holds 10"),
            "{p:?}"
        );

        let mut tampered = checkpoint(&stored, 16, &key, 1);
        tampered.text = tampered.text.replacen("\n16\n", "\n15\n", 1);
        let p = verify(&stored, &key, &[tampered]).problems;
        assert!(p[0].message.contains("signature does not verify"), "{p:?}");

        let other = SigningKey::from_bytes(&[4; 32]);
        let p = verify(&stored, &key, &[checkpoint(&stored, 16, &other, 1)]).problems;
        assert!(p[0].message.contains("different key"), "{p:?}");
    }
}
