//! Which database holds the ledger: `EVIDENT_DATABASE_URL`, else `database = "..."`
//! in evident.toml, else a SQLite file in the trust repo's `.evident/`.

use crate::StoreError;
use std::path::{Path, PathBuf};

/// The embedded default, relative to the trust repo.
pub const DEFAULT_SQLITE: &str = ".evident/ledger.db";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// Reads a database URL: `sqlite:PATH` (relative paths are taken from the trust
    /// repo) or `postgres://...` / `postgresql://...`.
    fn parse(url: &str, repo: &Path) -> Result<Location, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(format!(
                    "`{url}` names no file; write `sqlite:{DEFAULT_SQLITE}`"
                ));
            }
            return Ok(Location::Sqlite(repo.join(path)));
        }
        Err(format!(
            "`{url}` is not a database evident can use; write `sqlite:PATH` or `postgres://USER@HOST/DB`"
        ))
    }

    /// The environment's choice, then the trust repo's, then the default.
    pub fn choose(
        env: Option<&str>,
        configured: Option<&str>,
        repo: &Path,
    ) -> Result<Location, StoreError> {
        let (url, origin) = match (env.filter(|v| !v.is_empty()), configured) {
            (Some(url), _) => (url, "EVIDENT_DATABASE_URL"),
            (None, Some(url)) => (url, "evident.toml: database"),
            (None, None) => return Ok(Location::Sqlite(repo.join(DEFAULT_SQLITE))),
        };
        Location::parse(url, repo).map_err(|e| StoreError::Request(format!("{origin}: {e}")))
    }

    /// The URL sqlx opens. SQLite file names are percent-encoded where a URL would
    /// misread them.
    pub fn url(&self) -> String {
        match self {
            Location::Postgres(url) => url.clone(),
            Location::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut out = String::with_capacity(path.len());
                for c in path.chars() {
                    match c {
                        '%' => out.push_str("%25"),
                        '?' => out.push_str("%3F"),
                        '#' => out.push_str("%23"),
                        c => out.push(c),
                    }
                }
                format!("sqlite://{out}?mode=rwc")
            }
        }
    }

    /// For messages: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if url[s + 3..at].contains(':') => {
                    let user_end = s + 3 + url[s + 3..at].find(':').unwrap_or(0);
                    format!("{}:***{}", &url[..user_end], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_environment_then_config_then_default() {
        let repo = Path::new("/trust");
        assert_eq!(
            Location::choose(None, None, repo).unwrap(),
            Location::Sqlite("/trust/.evident/ledger.db".into())
        );
        assert_eq!(
            Location::choose(None, Some("sqlite:state/l.db"), repo).unwrap(),
            Location::Sqlite("/trust/state/l.db".into())
        );
        assert_eq!(
            Location::choose(Some("postgres://u@h/db"), Some("sqlite:x"), repo).unwrap(),
            Location::Postgres("postgres://u@h/db".into())
        );
        let err = Location::choose(None, Some("mysql://x"), repo)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("evident.toml: database: `mysql://x`"),
            "{err}"
        );
    }

    #[test]
    fn urls_survive_odd_file_names_and_hide_passwords() {
        let odd = Location::Sqlite("/a b/c?#%.db".into());
        assert_eq!(odd.url(), "sqlite:///a b/c%3F%23%25.db?mode=rwc");
        let pg = Location::Postgres("postgres://me:secret@db/ledger".into());
        assert_eq!(pg.describe(), "postgres://me:***@db/ledger");
    }
}
