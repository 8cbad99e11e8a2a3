//! RFC 9162 hashing and proofs agree with an independent implementation
//! (`tests/rfc9162.py`, hashlib only) on every size 1..=130 and on random larger trees.

use evident_ledger::merkle::{self, Hash, MemoryTree};
use serde_json::Value;
use std::process::Command;

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| merkle::parse_hex(h.as_str().unwrap()).unwrap())
        .collect()
}

#[test]
fn proofs_match_the_independent_python_implementation() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rfc9162.py");
    let out = Command::new("python3")
        .args([script, "130", "9162"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();

    let largest = cases
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .max()
        .unwrap();
    let mut tree = MemoryTree::default();
    let mut leaves = Vec::new();
    let (mut sizes, mut inclusions, mut consistencies) = (0, 0, 0);
    for i in 0..largest {
        let leaf = merkle::leaf_hash(format!("leaf-{i}").as_bytes());
        leaves.push(leaf);
        tree.push(leaf);
    }
    for case in &cases {
        let n = case["size"].as_u64().unwrap();
        let root = merkle::range_root(&tree, 0, n);
        assert_eq!(
            merkle::hex(&root),
            case["root"].as_str().unwrap(),
            "root of size {n}"
        );
        sizes += 1;
        for (m, expected) in case["inclusion"].as_object().unwrap() {
            let m: u64 = m.parse().unwrap();
            let proof = merkle::inclusion_proof(&tree, m, n);
            assert_eq!(proof, hashes(expected), "PATH({m}, D[{n}])");
            assert!(merkle::verify_inclusion(
                &leaves[m as usize],
                m,
                n,
                &proof,
                &root
            ));
            inclusions += 1;
        }
        for (m, expected) in case["consistency"].as_object().unwrap() {
            let m: u64 = m.parse().unwrap();
            let proof = merkle::consistency_proof(&tree, m, n);
            assert_eq!(proof, hashes(expected), "PROOF({m}, D[{n}])");
            let old_root = merkle::range_root(&tree, 0, m);
            assert!(
                merkle::verify_consistency(m, n, &old_root, &root, &proof),
                "verify PROOF({m}, D[{n}])"
            );
            consistencies += 1;
        }
    }
    assert_eq!(sizes, 134);
    assert!(
        inclusions > 8_500 && consistencies > 8_500,
        "{inclusions} / {consistencies}"
    );
}
