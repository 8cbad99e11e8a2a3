//! The `tls` check against Debian's `openssl s_server` on 127.0.0.1: one that
//! still accepts TLS 1.0/1.1 and one that refuses them (the hand-made legacy
//! probe proven both ways), a certificate from a CA made here (trusted through
//! `ca_file`), an untrusted one, and an expired one.

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `openssl s_server` with `cert`/`key`, accepting from `min_protocol` up, on a
/// port the kernel picks: the server's own `ACCEPT 127.0.0.1:PORT` line names it.
/// (Picking a free port first and handing it over raced with the other test
/// doing the same: both servers got one port, one died, and the survivor
/// vanished with the other test.)
fn s_server(dir: &Path, cert: &str, key: &str, min_protocol: &str) -> (Server, u16) {
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0", "-www"])
        .args(["-cert", cert, "-key", key, "-min_protocol", min_protocol])
        // Debian's OpenSSL refuses legacy versions at its default security level.
        .args(["-cipher", "ALL:@SECLEVEL=0"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl (Debian package `openssl`) is needed by the tls tests");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let server = Server(child);
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("ACCEPT 127.0.0.1:")
                .and_then(|p| p.trim().parse::<u16>().ok())
        })
        .expect("s_server did not start listening");
    // What it prints per connection is read and dropped, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (server, port)
}

/// A CA, a leaf for localhost signed by it (valid `days` more days, or already
/// expired when negative), written as PEM files into `dir`.
fn certificates(dir: &Path, leaf_name: &str, days: i64) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "evident test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);

    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let now = time_now();
    if days < 0 {
        leaf.not_before = now - time::Duration::days(30);
        leaf.not_after = now + time::Duration::days(days);
    } else {
        leaf.not_before = now - time::Duration::days(1);
        leaf.not_after = now + time::Duration::days(days);
    }
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join(format!("{leaf_name}.pem")), cert.pem()).unwrap();
    std::fs::write(dir.join(format!("{leaf_name}.key")), key.serialize_pem()).unwrap();
    std::fs::write(dir.join(format!("{leaf_name}-ca.pem")), ca_cert.pem()).unwrap();
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn tls(settings: serde_json::Value) -> CheckSettings {
    CheckSettings::parse(CheckKind::Tls, &serde_json::from_value(settings).unwrap()).unwrap()
}

fn cx(dir: &Path) -> Context {
    Context {
        repo: dir.to_path_buf(),
        now: std::time::SystemTime::now(),
    }
}

#[tokio::test]
async fn legacy_versions_are_probed_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path(), "good", 90);
    let (_legacy, legacy_port) = s_server(dir.path(), "good.pem", "good.key", "TLSv1");
    let (_modern, modern_port) = s_server(dir.path(), "good.pem", "good.key", "TLSv1.2");
    let check = |port: u16| {
        tls(serde_json::json!({
            "host": "localhost", "port": port, "ca_file": "good-ca.pem", "min_days_valid": 30
        }))
    };

    let o = run(&check(legacy_port), &cx(dir.path())).await;
    assert_eq!(o.outcome, Outcome::Fail, "{}", o.summary);
    assert!(
        o.summary.contains("accepts TLS 1.0, 1.1, older than 1.2"),
        "{}",
        o.summary
    );
    assert_eq!(
        o.detail["accepted"],
        serde_json::json!(["1.0", "1.1", "1.2", "1.3"])
    );

    let o = run(&check(modern_port), &cx(dir.path())).await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    assert_eq!(o.detail["accepted"], serde_json::json!(["1.2", "1.3"]));
    assert_eq!(o.detail["negotiated"]["version"], "TLSv1_3");
    assert!(o.detail["certificate"]["days_left"].as_i64().unwrap() >= 89);

    let strict = tls(
        serde_json::json!({ "host": "localhost", "port": modern_port, "ca_file": "good-ca.pem", "min_version": "1.3" }),
    );
    let o = run(&strict, &cx(dir.path())).await;
    assert!(
        o.summary.contains("accepts TLS 1.2, older than 1.3"),
        "{}",
        o.summary
    );
}

#[tokio::test]
async fn untrusted_expiring_and_expired_certificates_fail() {
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path(), "soon", 10);
    certificates(dir.path(), "old", -3);
    let (_soon, soon_port) = s_server(dir.path(), "soon.pem", "soon.key", "TLSv1.2");
    let (_old, old_port) = s_server(dir.path(), "old.pem", "old.key", "TLSv1.2");

    let untrusted = tls(serde_json::json!({ "host": "localhost", "port": soon_port }));
    let o = run(&untrusted, &cx(dir.path())).await;
    assert_eq!(o.outcome, Outcome::Fail);
    assert!(
        o.summary.contains("is not trusted for localhost"),
        "{}",
        o.summary
    );

    let expiring = tls(
        serde_json::json!({ "host": "localhost", "port": soon_port, "ca_file": "soon-ca.pem", "min_days_valid": 21 }),
    );
    let o = run(&expiring, &cx(dir.path())).await;
    assert!(
        o.summary
            .contains("the certificate expires in 9 day(s), fewer than 21")
            || o.summary.contains("expires in 10 day(s)"),
        "{}",
        o.summary
    );

    let expired =
        tls(serde_json::json!({ "host": "localhost", "port": old_port, "ca_file": "old-ca.pem" }));
    let o = run(&expired, &cx(dir.path())).await;
    assert_eq!(o.outcome, Outcome::Fail);
    assert!(
        o.summary.contains("the certificate expired 3 day(s) ago")
            || o.summary.contains("expired 4 day(s) ago"),
        "{}",
        o.summary
    );

    let nobody = free_port();
    let o = run(
        &tls(serde_json::json!({ "host": "127.0.0.1", "port": nobody })),
        &cx(dir.path()),
    )
    .await;
    assert_eq!(o.outcome, Outcome::Error, "{}", o.summary);
}
