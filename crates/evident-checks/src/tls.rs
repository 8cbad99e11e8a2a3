//! `tls`: which protocol versions a server accepts, the suite it picks, and the
//! certificate it shows (trusted chain, names, days left).
//!
//! rustls speaks only TLS 1.2 and 1.3, so TLS 1.0 and 1.1 are probed by hand: a
//! ClientHello for that version is sent and the first record back says whether
//! the server answered with a ServerHello (accepted) or an alert (refused).

use crate::{CheckResult, Context, tls_provider};
use evident_core::causes::chain as error_chain;
use evident_core::model::checks::TlsCheck;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub async fn run(check: &TlsCheck, cx: &Context) -> CheckResult {
    tls_provider();
    let name = check
        .server_name
        .clone()
        .unwrap_or_else(|| check.host.clone());
    let addr = format!("{}:{}", check.host, check.port);
    let mut accepted: Vec<&str> = Vec::new();
    for (label, version) in [("1.0", 0x0301u16), ("1.1", 0x0302)] {
        match legacy_probe(&addr, &name, version).await {
            Ok(true) => accepted.push(label),
            Ok(false) => {}
            Err(e) => return CheckResult::error(format!("{addr}: {e}")),
        }
    }
    let modern = [
        ("1.2", &rustls::version::TLS12),
        ("1.3", &rustls::version::TLS13),
    ];
    let mut session = None;
    for (label, version) in modern {
        match handshake(&addr, &name, version).await {
            Ok(Some(s)) => {
                accepted.push(label);
                session = Some(s);
            }
            Ok(None) => {}
            Err(e) => return CheckResult::error(format!("{addr}: {e}")),
        }
    }
    let Some(session) = session else {
        return CheckResult::fail(
            format!("{addr} completed no TLS 1.2 or 1.3 handshake"),
            json!({ "address": addr, "accepted": accepted }),
        );
    };

    let mut problems = Vec::new();
    let too_old: Vec<&str> = accepted
        .iter()
        .copied()
        .filter(|v| *v < check.min_version.as_str())
        .collect();
    if !too_old.is_empty() {
        problems.push(format!(
            "{addr} accepts TLS {}, older than {}",
            too_old.join(", "),
            check.min_version
        ));
    }
    let leaf = session.chain.first().cloned();
    let mut cert = json!(null);
    if let Some(leaf) = &leaf {
        match x509_parser::parse_x509_certificate(leaf) {
            Err(e) => problems.push(format!("{addr}: its certificate does not parse: {e}")),
            Ok((_, c)) => {
                let not_after = c.validity().not_after.timestamp();
                let now = cx
                    .now
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let days_left = (not_after - now).div_euclid(86_400);
                if not_after < now {
                    problems.push(format!(
                        "{addr}: the certificate expired {} day(s) ago",
                        -days_left
                    ));
                } else if let Some(min) = check.min_days_valid
                    && days_left < min
                {
                    problems.push(format!(
                        "{addr}: the certificate expires in {days_left} day(s), fewer than {min}"
                    ));
                }
                let names: Vec<String> = c
                    .subject_alternative_name()
                    .ok()
                    .flatten()
                    .map(|san| {
                        san.value
                            .general_names
                            .iter()
                            .map(|n| n.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                cert = json!({
                    "subject": c.subject().to_string(),
                    "issuer": c.issuer().to_string(),
                    "not_after": c.validity().not_after.to_string(),
                    "days_left": days_left,
                    "names": names,
                });
            }
        }
        if let Err(e) = trusted(check, cx, &name, &session.chain) {
            problems.push(format!(
                "{addr}: the certificate is not trusted for {name}: {e}"
            ));
        }
    }
    let detail = json!({
        "address": addr,
        "server_name": name,
        "accepted": accepted,
        "negotiated": { "version": session.version, "suite": session.suite },
        "certificate": cert,
        "chain_length": session.chain.len(),
    });
    CheckResult::judged(
        &problems,
        format!(
            "{addr} accepts TLS {} only; {} {}; certificate trusted",
            accepted.join(", "),
            session.version,
            session.suite
        ),
        detail,
    )
}

/// What one completed handshake showed.
struct Session {
    version: String,
    suite: String,
    chain: Vec<CertificateDer<'static>>,
}

/// A handshake restricted to one version; `None` when the server refuses it.
/// The chain is captured, not judged: trust is checked separately so an
/// untrusted or expired certificate is still described.
async fn handshake(
    addr: &str,
    name: &str,
    version: &'static rustls::SupportedProtocolVersion,
) -> Result<Option<Session>, String> {
    let seen = Arc::new(Recorder::default());
    let config = rustls::ClientConfig::builder_with_protocol_versions(&[version])
        .dangerous()
        .with_custom_certificate_verifier(seen.clone())
        .with_no_client_auth();
    let server = ServerName::try_from(name.to_string()).map_err(|e| format!("server name: {e}"))?;
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let tls = match tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(server, tcp)
        .await
    {
        Ok(t) => t,
        // The server refused this version (an alert) or closed: not accepted.
        Err(_) => return Ok(None),
    };
    let (_, conn) = tls.get_ref();
    let chain = seen.0.lock().map(|c| c.clone()).unwrap_or_default();
    Ok(Some(Session {
        version: format!("{:?}", conn.protocol_version().unwrap_or(version.version)),
        suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        chain,
    }))
}

/// Checks the captured chain against the public roots and `ca_file`.
fn trusted(
    check: &TlsCheck,
    cx: &Context,
    name: &str,
    chain: &[CertificateDer<'static>],
) -> Result<(), String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(ca) = &check.ca_file {
        let path = cx.repo.join(ca);
        let pem = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert: CertificateDer<'static> =
                cert.map_err(|e| format!("{}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let verifier = rustls::client::WebPkiServerVerifier::builder(Arc::new(roots))
        .build()
        .map_err(|e| e.to_string())?;
    let server = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    let (leaf, rest) = chain.split_first().ok_or("no certificate was sent")?;
    let now = UnixTime::since_unix_epoch(
        cx.now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default(),
    );
    verifier
        .verify_server_cert(leaf, rest, &server, &[], now)
        .map(|_| ())
        .map_err(|e| error_chain(&e))
}

/// Accepts any chain (keeping it to judge afterwards) but checks the handshake signatures.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<CertificateDer<'static>>>);

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut chain) = self.0.lock() {
            *chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    // The server must still prove it holds the certificate's key: only the
    // chain's trust is judged later, the handshake signature is checked here.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algorithms().supported_schemes()
    }
}

fn algorithms() -> rustls::crypto::WebPkiSupportedAlgorithms {
    rustls::crypto::ring::default_provider().signature_verification_algorithms
}

/// Sends a TLS 1.0 or 1.1 ClientHello and reads the first record back:
/// `Ok(true)` for a ServerHello of that version, `Ok(false)` for an alert, a
/// different version or a closed connection.
async fn legacy_probe(addr: &str, name: &str, version: u16) -> Result<bool, String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    tcp.write_all(&client_hello(name, version))
        .await
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 5];
    if tcp.read_exact(&mut head).await.is_err() {
        return Ok(false);
    }
    let len = usize::from(u16::from_be_bytes([head[3], head[4]])).min(1 << 14);
    let mut body = vec![0u8; len];
    if tcp.read_exact(&mut body).await.is_err() {
        return Ok(false);
    }
    // Record type 22 (handshake) carrying message type 2 (ServerHello), whose
    // first two bytes after the 4-byte header are the version the server chose.
    Ok(head[0] == 22
        && body.first() == Some(&2)
        && body.get(4..6) == Some(&version.to_be_bytes()[..]))
}

/// A minimal ClientHello: CBC suites every TLS 1.0 server knows, SNI, and the
/// elliptic-curve extensions ECDHE suites need.
fn client_hello(name: &str, version: u16) -> Vec<u8> {
    let suites: [u16; 8] = [
        0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x0033, 0x000a,
    ];
    let mut ext = Vec::new();
    if name.parse::<std::net::IpAddr>().is_err() {
        let host = name.as_bytes();
        let mut sni = Vec::new();
        sni.extend((host.len() as u16 + 3).to_be_bytes());
        sni.push(0);
        sni.extend((host.len() as u16).to_be_bytes());
        sni.extend(host);
        ext.extend(0u16.to_be_bytes());
        ext.extend((sni.len() as u16).to_be_bytes());
        ext.extend(sni);
    }
    // supported_groups: secp256r1, secp384r1; ec_point_formats: uncompressed.
    ext.extend([0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18]);
    ext.extend([0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);

    let mut hello = Vec::new();
    hello.extend(version.to_be_bytes());
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(73) ^ 0x5a;
    }
    hello.extend(random);
    hello.push(0); // no session id
    hello.extend(((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend(s.to_be_bytes());
    }
    hello.extend([1, 0]); // null compression only
    hello.extend((ext.len() as u16).to_be_bytes());
    hello.extend(ext);

    let mut handshake = vec![1]; // ClientHello
    handshake.extend(&(hello.len() as u32).to_be_bytes()[1..]);
    handshake.extend(hello);
    let mut record = vec![22, 0x03, 0x01];
    record.extend((handshake.len() as u16).to_be_bytes());
    record.extend(handshake);
    record
}
