//! RFC 3161 time-stamps against a real TSA: `openssl ts -reply` behind a small
//! HTTP endpoint this test runs. The token evident stores verifies with
//! `openssl ts -verify` as well as with evident, and dates the evidence.

mod common;

use base64::Engine;
use common::{run_env, write_fixture};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A CA, and a TSA certificate it signed for time-stamping.
fn make_tsa(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=Test TSA CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Test TSA",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.crt",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
        ],
    );
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    std::fs::write(
        dir.join("tsa.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = {}\nserial = $dir/tsaserial\ncrypto_device = builtin\n\
             signer_cert = $dir/tsa.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\n\
             default_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = yes\n\
             tsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            dir.display()
        ),
    )
    .unwrap();
}

/// Serves `POST /tsr` on 127.0.0.1 by handing each query to `openssl ts -reply`.
fn serve_tsa(dir: PathBuf) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsr", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            stream.read_exact(&mut body).unwrap();
            let (query, reply) = (format!("q{n}.tsq"), format!("r{n}.tsr"));
            std::fs::write(dir.join(&query), &body).unwrap();
            openssl(
                &dir,
                &[
                    "ts",
                    "-reply",
                    "-config",
                    "tsa.cnf",
                    "-queryfile",
                    &query,
                    "-out",
                    &reply,
                ],
            );
            let reply = std::fs::read(dir.join(&reply)).unwrap();
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    reply.len()
                )
                .as_bytes(),
            );
            let _ = stream.write_all(&reply);
        }
    });
    url
}

#[test]
fn an_openssl_tsa_stamps_checkpoints_and_both_sides_verify_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa_dir = tmp.path().join("tsa");
    std::fs::create_dir_all(&tsa_dir).unwrap();
    make_tsa(&tsa_dir);
    let url = serve_tsa(tsa_dir.clone());

    let repo = tmp.path().join("repo");
    write_fixture(&repo);
    evident_ledger::keys::create(&repo).unwrap();
    std::fs::create_dir_all(repo.join("ledger")).unwrap();
    std::fs::copy(tsa_dir.join("tsa.crt"), repo.join("ledger/tsa.pem")).unwrap();
    let mut config = common::CONFIG.to_string();
    config.push_str(&format!(
        "\n[timestamp]\nname = \"tsa.test\"\nurl = \"{url}\"\ncertificate = \"ledger/tsa.pem\"\n"
    ));
    std::fs::write(repo.join("evident.toml"), config).unwrap();
    let run = |args: &[&str]| run_env(&repo, &None, None, args);

    let (code, _, err) = run(&[
        "evidence",
        "add",
        "evidence/password-policy.pdf",
        "--control",
        "BACKUP",
        "--item",
        "nightly",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, checkpoint, err) = run(&["ledger", "checkpoint"]);
    assert_eq!(code, 0, "{err}");
    let line = checkpoint
        .lines()
        .find(|l| l.starts_with("— tsa.test "))
        .unwrap_or_else(|| panic!("a time-stamp line: {checkpoint}{err}"));
    let (code, said, err) = run(&["ledger", "verify"]);
    assert_eq!(code, 0, "{said}{err}");

    // The token, checked by openssl against the CA, over the note text.
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line.rsplit(' ').next().unwrap())
        .unwrap();
    std::fs::write(tsa_dir.join("token.der"), &raw[4..]).unwrap();
    let note = &checkpoint[..checkpoint.find("\n\n").unwrap() + 1];
    std::fs::write(tsa_dir.join("note.txt"), note).unwrap();
    let said = openssl(
        &tsa_dir,
        &[
            "ts",
            "-verify",
            "-data",
            "note.txt",
            "-in",
            "token.der",
            "-token_in",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "tsa.crt",
        ],
    );
    assert!(said.contains("Verification: OK"), "{said}");
    // A different message does not verify with openssl either.
    std::fs::write(tsa_dir.join("other.txt"), format!("{note}x")).unwrap();
    let other = Command::new("openssl")
        .current_dir(&tsa_dir)
        .args([
            "ts",
            "-verify",
            "-data",
            "other.txt",
            "-in",
            "token.der",
            "-token_in",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "tsa.crt",
        ])
        .output()
        .unwrap();
    assert!(!other.status.success());

    // The stamp proves today's evidence in time.
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let (_, out, err) = run(&["period", "--window", &format!("{today}..{today}"), "--json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
    let backup = common::find(&report["controls"], "control", "BACKUP");
    let proof = &backup["periods"][0]["proof"];
    assert_eq!(proof["state"], "intime", "{report}");
    assert_eq!(proof["proven_by"], "tsa:tsa.test", "{report}");

    // The evidence bundle carries the token and the TSA's certificate: both
    // checkers verify it (the Python one through `openssl ts -verify`).
    let bundle = tmp.path().join("bundle.zip");
    let (code, _, err) = run(&["export", "bundle", "--out", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, said, err) = run(&["ledger", "verify-bundle", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}{err}");
    assert!(
        said.contains("the checkpoint was witnessed by tsa:tsa.test at"),
        "{said}"
    );
    let checker = tmp.path().join("verify_bundle.py");
    std::fs::write(
        &checker,
        include_str!("../../evident-audit/bundle/verify_bundle.py"),
    )
    .unwrap();
    let out = Command::new("python3")
        .arg(&checker)
        .arg(&bundle)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("time-stamped by tsa.test (openssl ts -verify: OK)"),
        "{said}"
    );

    // A token whose signature was altered in the ledger is named by `ledger verify`.
    let db = repo.join(".evident/ledger.db");
    let forged = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             t = c.execute('select text from checkpoints where id = 1').fetchone()[0]\n\
             head, sep, tail = t.partition('\\u2014 tsa.test ')\n\
             mid = tail.index('\\n') - 8  # inside the signature, the token's last field\n\
             tail = tail[:mid] + ('A' if tail[mid] != 'A' else 'B') + tail[mid + 1:]\n\
             c.execute('update checkpoints set text = ? where id = 1', (head + sep + tail,))\n\
             c.commit()",
        ])
        .arg(&db)
        .status()
        .unwrap();
    assert!(forged.success());
    let (code, said, err) = run(&["ledger", "verify"]);
    assert_eq!(code, 1, "{said}{err}");
    assert!(
        said.contains("checkpoint 1: the time-stamp by tsa.test"),
        "{said}"
    );
}
