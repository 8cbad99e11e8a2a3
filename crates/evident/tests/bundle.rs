//! `evident export bundle` and `evident ledger verify-bundle`, and the bundle's
//! own independent checker (Python: hashlib, zipfile, `cryptography`): a sound
//! bundle passes both; one changed byte in any file inside it fails both.

mod common;

use common::{add_evidence, run_at, write_fixture};
use std::io::{Read, Write};
use std::path::Path;

const NOW: &str = "2026-11-23T12:00:00Z";

fn python_check(bundle: &Path, checker: &Path) -> (bool, String) {
    let out = std::process::Command::new("python3")
        .arg(checker)
        .arg(bundle)
        .output()
        .expect("python3 runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn files_of(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            (name, buf)
        })
        .collect()
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn a_bundle_verifies_with_evident_and_without_it_and_no_byte_can_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    evident_ledger::keys::create(dir).unwrap();
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/password-policy", "pass");
    add_evidence(dir, "2026-11-21T09:00:00Z", "AUTH/mfa-enforced", "pass");
    add_evidence(dir, "2026-11-22T09:00:00Z", "BACKUP/nightly", "fail");
    let bundle = dir.join("out/bundle.zip");
    let (code, out, err) = run_at(
        dir,
        NOW,
        &["export", "bundle", "--out", bundle.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 entries"), "{out}");

    let (code, out, err) = run_at(
        dir,
        NOW,
        &[
            "ledger",
            "verify-bundle",
            bundle.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["bundle"]["entries"], 3);
    // With the key given separately, as an auditor would.
    let (code, _, err) = run_at(
        dir,
        NOW,
        &[
            "ledger",
            "verify-bundle",
            bundle.to_str().unwrap(),
            "--key",
            "ledger.pub",
        ],
    );
    assert_eq!(code, 0, "{err}");

    // The independent checker, taken out of the bundle itself.
    let original = std::fs::read(&bundle).unwrap();
    let files = files_of(&original);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "worksheet.xlsx",
        "checkpoint.txt",
        "ledger.pub",
        "manifest.json",
        "manifest.sig",
        "README.txt",
        "verify_bundle.py",
        "entries/0.json",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("blobs/")).count(),
        1,
        "one evidence file, stored once"
    );
    let checker = dir.join("verify_bundle.py");
    std::fs::write(
        &checker,
        &files
            .iter()
            .find(|(n, _)| n == "verify_bundle.py")
            .unwrap()
            .1,
    )
    .unwrap();
    let (ok, said) = python_check(&bundle, &checker);
    assert!(ok, "{said}");

    // One changed byte in any file: both checks fail.
    let forged = dir.join("forged.zip");
    for (i, (name, bytes)) in files.iter().enumerate() {
        let mut changed = files.clone();
        let mut b = bytes.clone();
        let at = b.len() / 2;
        b[at] ^= 0x01;
        changed[i] = (name.clone(), b);
        std::fs::write(&forged, zip_of(&changed)).unwrap();
        let (code, out, _) = run_at(
            dir,
            NOW,
            &["ledger", "verify-bundle", forged.to_str().unwrap()],
        );
        assert_eq!(code, 1, "evident accepted a changed {name}: {out}");
        let (ok, said) = python_check(&forged, &checker);
        assert!(
            !ok,
            "the independent checker accepted a changed {name}: {said}"
        );
    }
    // An extra file is refused too.
    let mut extra = files.clone();
    extra.push(("blobs/extra".into(), b"smuggled".to_vec()));
    std::fs::write(&forged, zip_of(&extra)).unwrap();
    let (code, out, _) = run_at(
        dir,
        NOW,
        &["ledger", "verify-bundle", forged.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("blobs/extra: not listed in the manifest"),
        "{out}"
    );
    assert!(!python_check(&forged, &checker).0);
}
