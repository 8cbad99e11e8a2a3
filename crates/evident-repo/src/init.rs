//! `evident init`: a complete starter program a company can adopt and edit.
//!
//! The starter lives in `templates/starter/` as ordinary trust-repo files with a
//! few minijinja placeholders (`{{ org }}`, `{{ domain }}`, ...), embedded in the
//! binary. Scaffolding never overwrites: existing files are skipped and reported.

use evident_core::time::Date;
use evident_fsio::{self as fsio, Created};
use include_dir::{Dir, include_dir};
use std::path::Path;

static STARTER: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates/starter");
/// Controls for the categories a company may add (`categories/<id>/controls/`),
/// scaffolded only when the category is chosen.
static CATEGORIES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates/categories");

/// What the starter is made for.
#[derive(Debug, Clone)]
pub struct Starter {
    /// The organisation's display name.
    pub org: String,
    /// The day the program is adopted: the audit's planned dates count from
    /// it. No review, approval or register entry is dated: none happened yet.
    pub today: Date,
    /// What the starter's checks observe; `None`: the company's own (placeholder) hosts.
    pub endpoints: Option<Endpoints>,
    /// The categories in scope, security first.
    pub categories: Vec<String>,
}

/// The hosts, paths and repository the starter's checks point at.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Base URL of the application (login page, health endpoint).
    pub app: String,
    /// Base URL of the public website (`/.well-known/security.txt`).
    pub site: String,
    pub tls_host: String,
    pub tls_port: u16,
    /// A CA certificate (path relative to the repo) that the TLS check trusts
    /// besides the public roots.
    pub ca_file: Option<String>,
    /// The directory where database backups land.
    pub backups: String,
    /// The application's source repository (path relative to the trust repo).
    pub code: String,
    /// The host the port scan looks at.
    pub scan_host: String,
}

impl Endpoints {
    /// A company's own hosts under `domain`, to be edited after `init`.
    pub fn under(domain: &str) -> Endpoints {
        Endpoints {
            app: format!("https://app.{domain}"),
            site: format!("https://{domain}"),
            tls_host: format!("app.{domain}"),
            tls_port: 443,
            ca_file: None,
            backups: "/var/backups/db".into(),
            code: ".".into(),
            scan_host: format!("app.{domain}"),
        }
    }
}

impl Starter {
    fn context(&self) -> minijinja::Value {
        let slug = evident_core::slug::slug(&self.org);
        let slug = if slug.is_empty() {
            "example".to_string()
        } else {
            slug
        };
        let domain = format!("{slug}.example");
        let at = self
            .endpoints
            .clone()
            .unwrap_or_else(|| Endpoints::under(&domain));
        minijinja::context! {
            app => at.app,
            site => at.site,
            tls_host => at.tls_host,
            tls_port => at.tls_port,
            ca_file => at.ca_file,
            backups => at.backups,
            code => at.code,
            scan_host => at.scan_host,
            // The company's own hosts are placeholders until edited: the
            // checks that reach them need setup.
            placeholders => self.endpoints.is_none(),
            org => self.org.clone(),
            org_toml => self.org.replace('\\', "\\\\").replace('"', "\\\""),
            contact => format!("security@{domain}"),
            domain => domain,
            categories => format!(
                "[{}]",
                self.categories
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            year => self.today.year(),
            window_from => self.today.add_days(90).to_string(),
            window_to => self.today.add_days(90 + 182).to_string(),
        }
    }

    /// Every starter file as (path relative to the repo, rendered text), sorted by path.
    pub fn render(&self) -> Result<Vec<(String, String)>, InitError> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| InitError::Template("syntax".into(), e))?;
        env.set_syntax(syntax);
        let ctx = self.context();
        let mut files = Vec::new();
        collect(&STARTER, &mut files);
        for category in &self.categories {
            if let Some(dir) = CATEGORIES.get_dir(category) {
                let mut extra = Vec::new();
                collect(dir, &mut extra);
                let prefix = format!("{category}/");
                files.extend(extra.into_iter().map(|(path, text)| {
                    (
                        path.strip_prefix(&prefix).unwrap_or(&path).to_string(),
                        text,
                    )
                }));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
            .into_iter()
            .map(|(path, template)| {
                env.render_str(template, &ctx)
                    .map(|text| (path.clone(), text))
                    .map_err(|e| InitError::Template(path, e))
            })
            .collect()
    }
}

fn collect(dir: &Dir<'static>, out: &mut Vec<(String, &'static str)>) {
    for f in dir.files() {
        let path = f.path().to_string_lossy().replace('\\', "/");
        // `dot-` stands for a leading dot: include_dir skips no files, but editors and
        // packagers are happier without hidden files in the template tree.
        let path = path.replace("dot-gitignore", ".gitignore");
        if let Some(text) = f.contents_utf8() {
            out.push((path, text));
        }
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

/// Why the starter could not be written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A built-in template did not render: a defect of this build.
    #[error("starter template {0}: {1}")]
    Template(String, minijinja::Error),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Paths written and skipped by [`scaffold`].
#[derive(Debug, Default)]
pub struct Scaffolded {
    pub written: Vec<String>,
    pub skipped: Vec<String>,
}

/// Writes the starter into `dir`, skipping every file that already exists.
pub fn scaffold(dir: &Path, starter: &Starter) -> Result<Scaffolded, InitError> {
    let mut report = Scaffolded::default();
    for (rel, text) in starter.render()? {
        let path = dir.join(&rel);
        match fsio::create_new(&path, text.as_bytes()) {
            Ok(Created::Written) => report.written.push(rel),
            Ok(Created::Skipped) => report.skipped.push(rel),
            Err(source) => return Err(InitError::Write { path, source }),
        }
    }
    Ok(report)
}
