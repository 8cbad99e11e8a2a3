//! The demo company's small world, made on this machine so the demo's checks run
//! offline: its web application (HTTP on 127.0.0.1), its TLS endpoint (a
//! certificate from a CA made here), a backups folder, an infrastructure folder and
//! the application's git repository. Everything lives while the demo runs.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use evident_core::time::Date;
use evident_repo::init::Endpoints;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Days the demo's TLS certificate has left: under the starter's 21-day minimum,
/// so the TLS check fails as a forgotten renewal would make it.
pub const CERT_DAYS_LEFT: i64 = 10;

/// Where the demo's CA certificate is written, relative to the trust repo.
pub const CA_FILE: &str = ".evident/demo-ca.pem";

pub struct World {
    /// Runs the servers on their own thread while the demo works; dropping it stops them.
    _runtime: tokio::runtime::Runtime,
    /// Whether the login page still sends Strict-Transport-Security.
    hsts: Arc<AtomicBool>,
    /// The CA certificate (PEM) the TLS endpoint's certificate chains to.
    ca_pem: String,
    pub endpoints: Endpoints,
}

impl World {
    /// Starts the servers. The TLS certificate, issued yesterday, expires
    /// [`CERT_DAYS_LEFT`] days after `today`.
    pub fn start(today: Date) -> Result<World, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the demo's servers: {e}"))?;
        let hsts = Arc::new(AtomicBool::new(true));
        let http = runtime.block_on(serve_app(hsts.clone()))?;
        let (tls, ca_pem) = runtime.block_on(serve_tls(today))?;
        Ok(World {
            _runtime: runtime,
            hsts,
            ca_pem,
            endpoints: Endpoints {
                app: format!("http://127.0.0.1:{http}"),
                site: format!("http://127.0.0.1:{http}"),
                tls_host: "127.0.0.1".into(),
                tls_port: tls,
                ca_file: Some(CA_FILE.into()),
                backups: "backups/db".into(),
                code: "app".into(),
                scan_host: "127.0.0.1".into(),
            },
        })
    }

    /// A deploy that drops the HSTS header from the login page.
    pub fn drop_hsts(&self) {
        self.hsts.store(false, Ordering::SeqCst);
    }

    /// Writes the files the checks look at into the trust repo `dir`.
    pub fn furnish(&self, dir: &Path) -> Result<(), String> {
        let write = |rel: &str, bytes: &[u8]| {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            evident_fsio::replace(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
        };
        write(CA_FILE, self.ca_pem.as_bytes())?;
        write(
            "backups/db/lumen-nightly.sql.gz",
            b"(a nightly database dump would be here)",
        )?;
        write(
            "infra/main.tf",
            b"resource \"aws_db_instance\" \"main\" {\n  storage_encrypted = true\n}\n",
        )?;
        super::app_repo::create(&dir.join("app"))
    }
}

/// The demo web application: a login page with security headers, a health
/// endpoint and a security.txt. Returns the port.
async fn serve_app(hsts: Arc<AtomicBool>) -> Result<u16, String> {
    let login = move || {
        let hsts = hsts.clone();
        async move {
            let mut headers = vec![
                (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ];
            if hsts.load(Ordering::SeqCst) {
                headers.push((
                    header::STRICT_TRANSPORT_SECURITY,
                    "max-age=31536000; includeSubDomains; preload",
                ));
            }
            let mut response = "<h1>Sign in to Lumen</h1>".into_response();
            for (name, value) in headers {
                response
                    .headers_mut()
                    .insert(name, header::HeaderValue::from_static(value));
            }
            response
        }
    };
    let app = Router::new()
        .route("/login", get(login))
        .route(
            "/healthz",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"status":"ok"}"#,
                )
            }),
        )
        .route(
            "/.well-known/security.txt",
            get(|| async {
                "Contact: mailto:security@lumen-analytics.example\nExpires: 2027-11-01T00:00:00Z\n"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(port)
}

/// A TLS endpoint with a certificate for 127.0.0.1 from a CA made here.
/// Returns the port and the CA certificate (PEM).
async fn serve_tls(today: Date) -> Result<(u16, String), String> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let fail = |e: rcgen::Error| format!("cannot make the demo certificate: {e}");
    let ca_key = KeyPair::generate().map_err(fail)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Lumen Analytics demo CA");
    let ca_cert = ca.self_signed(&ca_key).map_err(fail)?;
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().map_err(fail)?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_string()]).map_err(fail)?;
    let ymd = |d: Date| rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8);
    leaf.not_before = ymd(today.add_days(-1));
    leaf.not_after = ymd(today.add_days(CERT_DAYS_LEFT));
    let cert = leaf.signed_by(&key, &issuer).map_err(fail)?;

    evident_checks::tls_provider();
    let der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], der)
        .map_err(|e| format!("demo TLS configuration: {e}"))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            // A handshake is all the TLS check needs; legacy hellos are refused by rustls.
            tokio::spawn(async move { drop(acceptor.accept(stream).await) });
        }
    });
    Ok((port, ca_cert.pem()))
}
