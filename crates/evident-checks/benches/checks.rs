//! 500 checks against loopback servers: wall time beside the sum of the
//! individual check durations (goal: ≤ 2 s wall).
//!
//! `cargo bench -p evident-checks --bench checks`. Half are `http` checks against
//! a plain HTTP server, half `tls` checks against a TLS server, both on
//! 127.0.0.1 and started here; they run `DEFAULT_CONCURRENCY` at a time, as
//! `evident check` does.

use evident_checks::{Context, DEFAULT_CONCURRENCY, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CHECKS: usize = 500;

async fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = "ok";
                let r = format!(
                    "HTTP/1.1 200 OK\r\nstrict-transport-security: max-age=31536000\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(r.as_bytes()).await;
            });
        }
    });
    port
}

async fn tls_server() -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            tokio::spawn(async move {
                if let Ok(mut t) = acceptor.accept(s).await {
                    let _ = t.shutdown().await;
                }
            });
        }
    });
    port
}

fn settings(kind: CheckKind, v: serde_json::Value) -> CheckSettings {
    CheckSettings::parse(kind, &serde_json::from_value(v).unwrap()).unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = http_server().await;
        let tls = tls_server().await;
        let checks: Vec<CheckSettings> = (0..CHECKS)
            .map(|i| {
                if i % 2 == 0 {
                    settings(CheckKind::Http, serde_json::json!({ "url": format!("http://127.0.0.1:{http}/{i}"), "expect_status": 200, "hsts_min_age": 31536000 }))
                } else {
                    settings(CheckKind::Tls, serde_json::json!({ "host": "localhost", "port": tls }))
                }
            })
            .collect();
        let cx = Context { repo: std::env::temp_dir(), now: std::time::SystemTime::now() };
        let started = Instant::now();
        let results: Vec<(Duration, evident_ledger::entry::Outcome)> = futures_util::stream::iter(&checks)
            .map(|c| {
                let cx = &cx;
                async move {
                    let t = Instant::now();
                    let o = run(c, cx).await;
                    (t.elapsed(), o.outcome)
                }
            })
            .buffer_unordered(DEFAULT_CONCURRENCY)
            .collect()
            .await;
        let wall = started.elapsed();
        let sum: Duration = results.iter().map(|(d, _)| *d).sum();
        let errors = results.iter().filter(|(_, o)| *o == evident_ledger::entry::Outcome::Error).count();
        println!("== {CHECKS} checks (http and tls) against loopback servers, {DEFAULT_CONCURRENCY} at a time (goal: <= 2 s wall)");
        println!("wall            {:>8.3} s", wall.as_secs_f64());
        println!("sum of checks   {:>8.3} s  ({:.1}x overlap)", sum.as_secs_f64(), sum.as_secs_f64() / wall.as_secs_f64());
        println!("results         {} ran, {errors} error(s) (tls checks fail on the self-signed certificate, as they should)", results.len());
    });
}
