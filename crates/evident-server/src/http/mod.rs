//! The HTTP surface: the portal at `/`, the team's pages under `/app/`, the
//! API under `/api/v1/`. Every response carries the security headers; every
//! handler asks [`crate::authz::authorize`] first.

mod api;
mod pages;
mod portal;
mod request;
mod view;

use crate::reflection::Reflection;
use crate::{ServerError, accounts, db};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use evident_core::time::Instant;
use evident_store::{Blobs, Ledger, Location, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// How the server runs.
pub struct Config {
    pub listen: SocketAddr,
    /// Behind a TLS-terminating reverse proxy: cookies are `Secure` and the
    /// client's address is the proxy's `X-Forwarded-For`.
    pub trust_proxy: bool,
    pub location: Location,
    /// Where evidence content is kept (the checkout, or a bucket several servers share).
    pub blobs: Blobs,
    /// Shown at start: the trust repo served.
    pub repo: PathBuf,
}

/// Loads the trust repo and its ledger and renders them (the binary does the
/// loading; the server calls it on a blocking thread when something changed).
pub trait Loader: Send + Sync + 'static {
    fn load(&self) -> Result<Reflection, String>;
    /// A cheap summary of the trust repo's files and commit: when it changes,
    /// the server reloads.
    fn fingerprint(&self) -> String;
}

/// Everything a request may need; nothing here is the only copy of any state.
pub(crate) struct App {
    pub ledger: Ledger<Blobs>,
    pub loader: Arc<dyn Loader>,
    pub view: RwLock<Arc<Reflection>>,
    /// Why the latest reload failed (the previous reflection is still served).
    pub load_error: RwLock<Option<String>>,
    fingerprint: Mutex<String>,
    reloading: Mutex<()>,
    pub changed: Notify,
    pub secure: bool,
    pub trust_proxy: bool,
    pub pages: view::Pages,
}

/// Largest upload the API takes (larger evidence belongs in the system that made it).
pub const MAX_UPLOAD: usize = 64 << 20;

pub(crate) fn now() -> Instant {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Instant::from_unix(secs).expect("the clock is after 1970")
}

impl App {
    pub fn view(&self) -> Arc<Reflection> {
        self.view.read().expect("not poisoned").clone()
    }

    pub fn pool(&self) -> &sqlx::AnyPool {
        self.ledger.store.pool()
    }

    /// Records a change in the audit log.
    pub async fn record(&self, change: crate::audit::Change) -> Result<(), ServerError> {
        let at = now();
        self.ledger
            .record_request(vec![change.evidence(at)], at, None)
            .await?;
        Ok(())
    }

    /// Reloads when the ledger or the trust repo changed since the last
    /// load (or `force`); one reload at a time, the others wait for it.
    pub async fn refresh(&self, force: bool) -> Result<Arc<Reflection>, ServerError> {
        let _one = self.reloading.lock().await;
        let size = self.ledger.store.size().await?;
        let loader = self.loader.clone();
        let fingerprint = tokio::task::spawn_blocking(move || loader.fingerprint())
            .await
            .map_err(|e| ServerError::Load(e.to_string()))?;
        let stale = {
            let seen = self.fingerprint.lock().await;
            *seen != fingerprint || self.view().ledger_size != size
        };
        if !force && !stale {
            return Ok(self.view());
        }
        let loader = self.loader.clone();
        let loaded = tokio::task::spawn_blocking(move || loader.load())
            .await
            .map_err(|e| ServerError::Load(e.to_string()))?;
        match loaded {
            Ok(view) => {
                let view = Arc::new(view);
                *self.view.write().expect("not poisoned") = view.clone();
                *self.load_error.write().expect("not poisoned") = None;
                *self.fingerprint.lock().await = fingerprint;
                Ok(view)
            }
            Err(e) => {
                eprintln!(
                    "evident serve: the trust repo did not load, still serving the last good load: {e}"
                );
                *self.load_error.write().expect("not poisoned") = Some(e.clone());
                *self.fingerprint.lock().await = fingerprint;
                Err(ServerError::Load(e))
            }
        }
    }
}

/// Adds the headers every response carries.
async fn security_headers(req: Request, next: Next) -> Response {
    let private = req.uri().path().starts_with("/app") || req.uri().path().starts_with("/api");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cross-origin-opener-policy", "same-origin");
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The whole router.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/app/", get(pages::dashboard))
        .route("/app", get(pages::to_app))
        .route("/app/app.css", get(pages::stylesheet))
        .route(
            "/app/sign-in",
            get(pages::sign_in_page).post(pages::sign_in),
        )
        .route("/app/sign-out", post(pages::sign_out))
        .route("/app/enrol", get(pages::enrol_page).post(pages::enrol))
        .route(
            "/app/tokens",
            get(pages::tokens_page).post(pages::tokens_change),
        )
        .route(
            "/app/users",
            get(pages::users_page).post(pages::users_change),
        )
        .route("/app/audit-log", get(pages::audit_page))
        .route("/api/v1/session", post(api::session))
        .route("/api/v1/evidence", post(api::evidence_add))
        .route("/api/v1/evidence/{entry}", get(api::evidence_read))
        .route(
            "/api/v1/evidence/{entry}/content",
            get(api::evidence_content),
        )
        .route("/api/v1/status", get(api::status))
        .route("/api/v1/gaps", get(api::gaps))
        .route("/api/v1/remediation", get(api::remediation))
        .route("/api/v1/audit-log", get(api::audit_log))
        .route("/api/v1/repo/refresh", post(api::repo_refresh))
        .route("/api/v1/openapi.json", get(api::openapi))
        .fallback(portal::page)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

/// Opens the database (creating the server's tables), loads the program,
/// listens, and serves until SIGTERM or Ctrl-C, finishing requests in flight.
pub async fn serve(config: Config, loader: Arc<dyn Loader>) -> Result<(), ServerError> {
    let unusable = |e: &dyn std::fmt::Display| {
        ServerError::Config(format!(
            "the database {} cannot be used: {e}",
            config.location.describe()
        ))
    };
    let store = Store::open(config.location.clone())
        .await
        .map_err(|e| unusable(&e))?;
    db::prepare(&store).await.map_err(|e| unusable(&e))?;
    config.blobs.probe().await.map_err(|e| {
        ServerError::Config(format!(
            "evidence content cannot be kept in {}: {e}",
            config.blobs.describe()
        ))
    })?;
    let first = {
        let loader = loader.clone();
        tokio::task::spawn_blocking(move || loader.load())
            .await
            .map_err(|e| ServerError::Load(e.to_string()))?
            .map_err(ServerError::Load)?
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            ServerError::Config(format!(
                "cannot listen on {}: {e}; choose another address with --listen",
                config.listen
            ))
        })?;
    let accounts = accounts::list(store.pool()).await?;
    let fingerprint = loader.fingerprint();
    let blobs_at = config.blobs.describe();
    let app = Arc::new(App {
        ledger: Ledger {
            store,
            blobs: config.blobs,
        },
        loader,
        view: RwLock::new(Arc::new(first)),
        load_error: RwLock::new(None),
        fingerprint: Mutex::new(fingerprint),
        reloading: Mutex::new(()),
        changed: Notify::new(),
        secure: config.trust_proxy,
        trust_proxy: config.trust_proxy,
        pages: view::Pages::new(),
    });
    let address = listener
        .local_addr()
        .map_err(|e| ServerError::Config(e.to_string()))?;
    let view = app.view();
    println!(
        "evident serve: http://{address}/ (trust repo {}{}, database {}, blobs {}, {} ledger entries)",
        config.repo.display(),
        view.commit
            .as_deref()
            .map(|c| format!(" at {}", &c[..c.len().min(12)]))
            .unwrap_or_default(),
        config.location.describe(),
        blobs_at,
        view.ledger_size
    );
    if !accounts.iter().any(|u| u.role == crate::roles::Role::Owner) {
        println!(
            "no owner yet: create the first with `evident user add EMAIL --role owner --password-stdin`, then sign in at http://{address}/app/"
        );
    }
    tokio::spawn(watch(app.clone()));
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| ServerError::Config(e.to_string()))?;
    println!("evident serve: stopped; every acknowledged request was committed");
    Ok(())
}

/// Reloads when the trust repo or the ledger changes: checked every two
/// seconds, at once after an upload, and at least every ten minutes (status
/// ages with time).
async fn watch(app: Arc<App>) {
    let mut last = std::time::Instant::now();
    loop {
        tokio::select! {
            _ = app.changed.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
        let force = last.elapsed() > Duration::from_secs(600);
        if app.refresh(force).await.is_ok() && force {
            last = std::time::Instant::now();
        }
        // A reload judges and renders the whole program: under a stream of
        // uploads the pages are renewed at most once a second rather than
        // after every one, leaving the cores to the uploads. (The API's
        // reports reload themselves when the ledger grew.)
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn shutdown() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
