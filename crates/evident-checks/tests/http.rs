//! The `http` check against real servers on 127.0.0.1: plain HTTP, and HTTPS with
//! a certificate made here (rcgen), with and without HSTS.

use evident_checks::{Context, run};
use evident_core::model::CheckKind;
use evident_core::model::checks::CheckSettings;
use evident_ledger::entry::Outcome;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves `response` (a whole HTTP/1.1 response) to every connection; returns the port.
async fn serve(response: String, tls: Option<Arc<rustls::ServerConfig>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let response = response.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    None => answer(stream, &response).await,
                    Some(config) => {
                        if let Ok(s) = tokio_rustls::TlsAcceptor::from(config).accept(stream).await
                        {
                            answer(s, &response).await
                        }
                    }
                }
            });
        }
    });
    port
}

async fn answer<S: AsyncReadExt + AsyncWriteExt + Unpin>(mut s: S, response: &str) {
    let mut buf = vec![0u8; 8192];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let _ = s.write_all(response.as_bytes()).await;
    let _ = s.shutdown().await;
}

fn response(headers: &[&str], body: &str) -> String {
    let mut r = String::from("HTTP/1.1 200 OK\r\nconnection: close\r\n");
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    r.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    r
}

fn tls_config() -> Arc<rustls::ServerConfig> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap(),
    )
}

fn http(settings: serde_json::Value) -> CheckSettings {
    CheckSettings::parse(CheckKind::Http, &serde_json::from_value(settings).unwrap()).unwrap()
}

fn cx() -> Context {
    Context {
        repo: std::env::temp_dir(),
        now: std::time::SystemTime::now(),
    }
}

#[tokio::test]
async fn status_headers_hsts_and_json_over_plain_http() {
    let hsts = "strict-transport-security: max-age=63072000; includeSubDomains";
    let port = serve(
        response(
            &[hsts, "content-type: application/json"],
            r#"{"status":{"db":"ok"}}"#,
        ),
        None,
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/healthz");
    let o = run(&http(serde_json::json!({
        "url": url, "expect_status": 200, "hsts_min_age": 31536000, "hsts_include_subdomains": true,
        "json_pointer": "/status/db", "json_equals": "ok", "expect_header": { "content-type": "json" }
    })), &cx()).await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    assert_eq!(o.detail["status"], 200);

    let o = run(&http(serde_json::json!({ "url": url, "hsts_preload": true, "json_pointer": "/status/db", "json_equals": "down" })), &cx()).await;
    assert_eq!(o.outcome, Outcome::Fail);
    assert!(
        o.summary.ends_with("lacks preload (and 1 more)"),
        "{}",
        o.summary
    );

    let bare = serve(response(&[], "hi"), None).await;
    let o = run(
        &http(serde_json::json!({ "url": format!("http://127.0.0.1:{bare}/"), "hsts_min_age": 1 })),
        &cx(),
    )
    .await;
    assert!(
        o.summary.ends_with("no Strict-Transport-Security header"),
        "{}",
        o.summary
    );
    let o = run(
        &http(
            serde_json::json!({ "url": format!("http://127.0.0.1:{bare}/"), "expect_status": 204 }),
        ),
        &cx(),
    )
    .await;
    assert!(
        o.summary.ends_with("status 200, expected 204"),
        "{}",
        o.summary
    );
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_not_a_crash() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let o = run(
        &http(serde_json::json!({ "url": format!("http://127.0.0.1:{port}/") })),
        &cx(),
    )
    .await;
    assert_eq!(o.outcome, Outcome::Error);
    assert!(
        o.summary.contains("Connection refused") || o.summary.contains("connect"),
        "{}",
        o.summary
    );
}

#[tokio::test]
async fn https_with_and_without_hsts_and_an_untrusted_certificate() {
    let config = tls_config();
    let with = serve(
        response(&["strict-transport-security: max-age=31536000"], "ok"),
        Some(config.clone()),
    )
    .await;
    let without = serve(response(&[], "ok"), Some(config)).await;

    // A certificate no root vouches for is refused unless the check says otherwise.
    let o = run(
        &http(serde_json::json!({ "url": format!("https://localhost:{with}/") })),
        &cx(),
    )
    .await;
    assert_eq!(o.outcome, Outcome::Error, "{}", o.summary);
    assert!(
        o.summary.to_lowercase().contains("certificate"),
        "{}",
        o.summary
    );

    let strict = |port: u16| {
        http(
            serde_json::json!({ "url": format!("https://localhost:{port}/"), "insecure": true, "hsts_min_age": 31536000 }),
        )
    };
    let o = run(&strict(with), &cx()).await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    let o = run(&strict(without), &cx()).await;
    assert_eq!(o.outcome, Outcome::Fail, "{}", o.summary);
}

/// The process's peak resident memory so far, in MiB.
fn peak_mib() -> i64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss / 1024
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_while_it_is_read() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = s.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                // 64 KiB chunks for ever, until the client hangs up.
                let chunk = format!("10000\r\n{}\r\n", "y".repeat(0x10000));
                while s.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    let started = std::time::Instant::now();
    let o = run(
        &http(serde_json::json!({ "url": format!("http://127.0.0.1:{port}/"), "timeout": "20s" })),
        &cx(),
    )
    .await;
    assert_eq!(o.outcome, Outcome::Pass, "{}", o.summary);
    // Stopped at the cap, long before the timeout, without growing the process.
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert!(peak_mib() < 400, "peak {} MiB", peak_mib());
}
