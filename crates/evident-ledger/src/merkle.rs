//! Merkle tree hashing and proofs, exactly as RFC 9162 §2.1.
//!
//! The tree is never held whole. What is stored is every *perfect* subtree root
//! (a complete, aligned block of 2^level leaves), addressed by `(level, index)`;
//! any range the RFC's recursions ask for splits into O(log n) of those, so proofs
//! at a million entries need a few dozen lookups, and the root can be built by
//! streaming leaves through a [`Frontier`] in O(log n) memory.

use sha2::{Digest, Sha256};

/// A SHA-256 value: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// RFC 9162 §2.1.1: the hash of an empty tree, SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// RFC 9162 §2.1.1: interior node hash = SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (RFC 9162 §2.1.1's `k`); `n` > 1.
fn split_point(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// Where the roots of perfect subtrees come from: memory, a database, a file.
pub trait PerfectNodes {
    /// The root of the perfect subtree covering leaves `[index << level, (index + 1) << level)`.
    /// Level 0 is the leaf hashes themselves. Only asked for subtrees that are complete.
    fn perfect(&self, level: u32, index: u64) -> Hash;
}

/// MTH(D[start:end]) for a range that arises in RFC 9162's recursions: `start`
/// is aligned to the split points, so the range is perfect or splits into ones that are.
pub fn range_root(nodes: &(impl PerfectNodes + ?Sized), start: u64, end: u64) -> Hash {
    let n = end - start;
    if n == 0 {
        return empty_root();
    }
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return nodes.perfect(level, start >> level);
    }
    let k = split_point(n);
    node_hash(
        &range_root(nodes, start, start + k),
        &range_root(nodes, start + k, end),
    )
}

/// RFC 9162 §2.1.3.1: the inclusion proof PATH(m, D[n]) for leaf `m` in a tree of `n` leaves.
pub fn inclusion_proof(nodes: &(impl PerfectNodes + ?Sized), m: u64, n: u64) -> Vec<Hash> {
    assert!(m < n, "leaf {m} is not in a tree of {n}");
    let mut path = Vec::new();
    // Walk down from the whole tree, remembering the sibling at each split; the
    // RFC lists siblings from the leaf up, so reverse at the end.
    let (mut start, mut end, mut m) = (0, n, m);
    while end - start > 1 {
        let k = split_point(end - start);
        if m < k {
            path.push(range_root(nodes, start + k, end));
            end = start + k;
        } else {
            path.push(range_root(nodes, start, start + k));
            start += k;
            m -= k;
        }
    }
    path.reverse();
    path
}

/// RFC 9162 §2.1.4.1: the consistency proof PROOF(m, D[n]) between tree sizes `m` <= `n`.
pub fn consistency_proof(nodes: &(impl PerfectNodes + ?Sized), m: u64, n: u64) -> Vec<Hash> {
    assert!(0 < m && m <= n, "no consistency proof from {m} to {n}");
    let mut proof = Vec::new();
    // SUBPROOF(m, D[start:end], b), unrolled; `m` counts leaves from `start`.
    let (mut start, mut end, mut m, mut b) = (0, n, m, true);
    while m != end - start {
        let k = split_point(end - start);
        if m <= k {
            proof.push(range_root(nodes, start + k, end));
            end = start + k;
        } else {
            proof.push(range_root(nodes, start, start + k));
            start += k;
            m -= k;
            b = false;
        }
    }
    if !b {
        proof.push(range_root(nodes, start, end));
    }
    proof.reverse();
    proof
}

/// RFC 9162 §2.1.3.2: verifies that `leaf` is leaf `index` of the tree of `size` with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: verifies that the tree of size `first` with root `first_root`
/// is a prefix of the tree of size `second` with root `second_root`.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 || first > second || proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    fr == *first_root && sr == *second_root && snode == 0
}

/// The right edge of a growing tree: the roots of its perfect subtrees, largest
/// first. Appending a leaf completes at most log n new perfect nodes, which
/// [`Frontier::push`] returns so a store can keep them.
#[derive(Clone, Debug, Default)]
pub struct Frontier {
    size: u64,
    /// (level, hash) of each perfect subtree on the right edge, left to right.
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    /// Rebuilds the frontier of a tree of `size` leaves from its stored perfect nodes.
    pub fn at(nodes: &(impl PerfectNodes + ?Sized), size: u64) -> Frontier {
        let mut stack = Vec::new();
        let mut start = 0;
        for level in (0..64).rev() {
            if size & (1 << level) != 0 {
                stack.push((level, nodes.perfect(level, start >> level)));
                start += 1 << level;
            }
        }
        Frontier { size, stack }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next leaf; returns the perfect nodes it completed as (level, index, hash),
    /// the leaf itself first.
    pub fn push(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let index = self.size;
        let mut done = vec![(0, index, leaf)];
        let mut cur = (0u32, leaf);
        while let Some(&(level, left)) = self.stack.last() {
            if level != cur.0 {
                break;
            }
            self.stack.pop();
            cur = (level + 1, node_hash(&left, &cur.1));
            done.push((cur.0, index >> cur.0, cur.1));
        }
        self.stack.push(cur);
        self.size += 1;
        done
    }

    /// MTH of the leaves pushed so far: the right-edge roots folded right to left.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        match iter.next() {
            None => empty_root(),
            Some(&(_, last)) => iter.fold(last, |acc, (_, left)| node_hash(left, &acc)),
        }
    }
}

/// A whole tree in memory: every perfect node by level. For tests, bundles and small logs.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
    frontier: Frontier,
}

impl MemoryTree {
    pub fn push(&mut self, leaf: Hash) {
        for (level, index, hash) in self.frontier.push(leaf) {
            let level = level as usize;
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            debug_assert_eq!(self.levels[level].len() as u64, index);
            self.levels[level].push(hash);
        }
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }
}

impl PerfectNodes for MemoryTree {
    fn perfect(&self, level: u32, index: u64) -> Hash {
        self.levels[level as usize][index as usize]
    }
}

/// A hash as 64 lower-case hex digits.
pub fn hex(hash: &Hash) -> String {
    crate::hex::encode(hash)
}

/// Parses 64 hex digits into a hash.
pub fn parse_hex(text: &str) -> Option<Hash> {
    crate::hex::decode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTH straight from the RFC's recursive definition, for cross-checking.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn tree(n: u64) -> (MemoryTree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n)
            .map(|i| leaf_hash(format!("leaf-{i}").as_bytes()))
            .collect();
        let mut t = MemoryTree::default();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    #[test]
    fn rfc_known_values() {
        // SHA-256("") and SHA-256(0x00): the empty tree and the empty leaf.
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn frontier_root_matches_recursive_definition() {
        for n in 0..=70 {
            let (t, leaves) = tree(n);
            assert_eq!(t.root(), mth(&leaves), "size {n}");
            assert_eq!(range_root(&t, 0, n), mth(&leaves), "range root, size {n}");
            assert_eq!(
                Frontier::at(&t, n).root(),
                t.root(),
                "rebuilt frontier, size {n}"
            );
        }
    }

    #[test]
    fn proofs_verify_and_tampering_fails() {
        for n in 1..=40u64 {
            let (t, leaves) = tree(n);
            let root = t.root();
            for m in 0..n {
                let p = inclusion_proof(&t, m, n);
                assert!(
                    verify_inclusion(&leaves[m as usize], m, n, &p, &root),
                    "incl {m}/{n}"
                );
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0] = node_hash(first, first);
                    assert!(!verify_inclusion(&leaves[m as usize], m, n, &bad, &root));
                }
            }
            for m in 1..=n {
                let p = consistency_proof(&t, m, n);
                let old = mth(&leaves[..m as usize]);
                assert!(verify_consistency(m, n, &old, &root, &p), "cons {m}/{n}");
                if m < n {
                    assert!(
                        !verify_consistency(m, n, &leaves[0], &root, &p)
                            || m == 1 && old == leaves[0]
                    );
                }
            }
        }
    }
}
