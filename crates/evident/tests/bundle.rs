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
    // It keeps its extension, so an auditor's tools open it.
    let blob = names.iter().find(|n| n.starts_with("blobs/")).unwrap();
    assert!(blob.ends_with(".pdf"), "{blob}");
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
        if bytes.is_empty() {
            continue; // witnesses.txt, without witnesses: no byte to change
        }
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

/// Runs `evident ARGS` through Python, which reports the largest resident
/// size of its one child (getrusage), in MiB: the evident process's peak memory.
fn peak_mib(dir: &Path, args: &[&str]) -> (i32, String, u64) {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n\
             peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n\
             print(r.returncode, peak // 1024)\n\
             print(r.stdout + r.stderr)",
        ])
        .arg(assert_cmd::cargo::cargo_bin("evident"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("EVIDENT_NOW", NOW)
        .env_remove("EVIDENT_DATABASE_URL")
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (first, said) = text.split_once('\n').unwrap_or((&text, ""));
    let mut nums = first.split(' ').map(|n| n.parse::<i64>().unwrap());
    let (code, peak) = (nums.next().unwrap(), nums.next().unwrap());
    (code as i32, said.to_string(), peak as u64)
}

/// Export streams blobs into the zip (three 200 MB blobs in under 300 MB of
/// memory), and verify-bundle reads each member no further than the manifest
/// says: a 2 GiB member of zeros passed off as a blob is stopped at its size
/// and named, in under 100 MB.
#[test]
fn export_and_verify_stay_bounded_on_large_and_hostile_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    evident_ledger::keys::create(dir).unwrap();
    for (i, when) in [
        "2026-11-20T09:00:00Z",
        "2026-11-21T09:00:00Z",
        "2026-11-22T09:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("dump-{i}.bin");
        let mut f = std::fs::File::create(dir.join(&name)).unwrap();
        let chunk = vec![b'a' + i as u8; 1 << 20];
        for _ in 0..200 {
            f.write_all(&chunk).unwrap();
        }
        let (code, _, err) = run_at(
            dir,
            when,
            &[
                "evidence",
                "add",
                &name,
                "--control",
                "BACKUP",
                "--item",
                "nightly",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    let big = dir.join("big.zip");
    let big = big.to_str().unwrap();
    let (code, said, peak) = peak_mib(dir, &["export", "bundle", "--out", big]);
    assert_eq!(code, 0, "{said}");
    println!("export bundle of three 200 MB blobs: peak {peak} MiB");
    assert!(peak < 300, "export held {peak} MiB");
    let (code, said, peak) = peak_mib(dir, &["ledger", "verify-bundle", big]);
    assert_eq!(code, 0, "{said}");
    println!("verify-bundle of it: peak {peak} MiB");
    assert!(peak < 100, "verify held {peak} MiB");

    // The first blob replaced by 2 GiB of zeros (a few MB compressed).
    let mut source =
        zip::ZipArchive::new(std::fs::File::open(dir.join("big.zip")).unwrap()).unwrap();
    let names: Vec<String> = source
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    let victim = names
        .iter()
        .find(|n| n.starts_with("blobs/"))
        .unwrap()
        .clone();
    let bomb = std::fs::File::create(dir.join("bomb.zip")).unwrap();
    let mut out = zip::ZipWriter::new(std::io::BufWriter::new(bomb));
    let fast = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    for name in &names {
        out.start_file(name.as_str(), fast).unwrap();
        if *name == victim {
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..2048 {
                out.write_all(&zeros).unwrap();
            }
        } else {
            std::io::copy(&mut source.by_name(name).unwrap(), &mut out).unwrap();
        }
    }
    out.finish().unwrap();
    let bomb_size = std::fs::metadata(dir.join("bomb.zip")).unwrap().len();
    let (code, said, peak) = peak_mib(dir, &["ledger", "verify-bundle", "bomb.zip"]);
    println!(
        "verify-bundle of a {} MB bundle holding 2 GiB of zeros: peak {peak} MiB",
        bomb_size >> 20
    );
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!(
            "{victim}: holds more than the 209715200 bytes the manifest gives it"
        )),
        "{said}"
    );
    assert!(peak < 100, "verify held {peak} MiB");
    // The bundle's own checker stops at the same size and names the member.
    let checker = dir.join("verify_bundle.py");
    std::fs::write(
        &checker,
        include_str!("../../evident-audit/bundle/verify_bundle.py"),
    )
    .unwrap();
    let (ok, said) = python_check(&dir.join("bomb.zip"), &checker);
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!(
            "{victim}: holds more than the 209715200 bytes the manifest gives it"
        )),
        "{said}"
    );
}
