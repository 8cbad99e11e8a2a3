//! `evident serve`: wires the trust repo's loading (the same as every
//! judging verb) into the server, which renders and serves it.

use super::build::{overrides, public_key};
use super::judge::Loaded;
use crate::failure::{Failure, VerbResult};
use evident_core::provenance::Source;
use evident_server::reflection::{Inputs, Reflection};
use evident_server::{Config, Loader, ServerError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn run(repo: &Path, listen: &str, trust_proxy: bool) -> VerbResult {
    let listen = listen.parse().map_err(|_| {
        Failure::input(format!(
            "--listen `{listen}`: write an address and port, 127.0.0.1:8080"
        ))
    })?;
    // Everything that can be wrong with the trust repo is said before listening.
    let program = super::load_program(repo, &evident_core::catalog::Catalog::tsc())?;
    let location = super::ledger_access::location(repo, &program.config)?;
    let blobs = super::ledger_access::blobs(repo, &program.config)?;
    let trust = TrustRepo {
        repo: repo.to_path_buf(),
    };
    trust.load().map_err(Failure::input)?;
    let config = Config {
        listen,
        trust_proxy,
        location,
        blobs,
        repo: repo.to_path_buf(),
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::unmet(format!("cannot start the server's runtime: {e}")))?
        .block_on(evident_server::serve(config, Arc::new(trust)))
        .map_err(server_failure)
}

pub fn server_failure(e: ServerError) -> Failure {
    match e {
        ServerError::Input(m) | ServerError::Config(m) | ServerError::Load(m) => Failure::input(m),
        other => Failure::unmet(other.to_string()),
    }
}

struct TrustRepo {
    repo: PathBuf,
}

impl Loader for TrustRepo {
    fn load(&self) -> Result<Reflection, String> {
        let loaded = Loaded::read(&self.repo).map_err(|f| f.message)?;
        let judgement = loaded.judge(super::instant(), None);
        let commit = match &loaded.program.history.source {
            Source::Git { commit, .. } => Some(commit.clone()),
            _ => None,
        };
        Reflection::render(Inputs {
            judgement: &judgement,
            checkpoint: loaded.checkpoint.as_ref(),
            public_key: public_key(&self.repo),
            overrides: overrides(&self.repo).map_err(|f| f.message)?,
            commit,
            ledger_size: loaded.size,
        })
    }

    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        walk(&self.repo, &self.repo, &mut hash, &mut 0);
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// At most this many files are looked at per fingerprint.
const MAX_FILES: usize = 20_000;

/// Each file's path, size and modification time, skipping what evident
/// writes itself and git's object store (a commit moves HEAD and refs).
fn walk(root: &Path, dir: &Path, hash: &mut Sha256, seen: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if *seen >= MAX_FILES {
            return;
        }
        *seen += 1;
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        if [
            ".evident",
            "site",
            ".git/objects",
            ".git/logs",
            "node_modules",
        ]
        .contains(&rel.as_str())
        {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            walk(root, &path, hash, seen);
        } else {
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            hash.update(rel.as_bytes());
            hash.update(meta.len().to_le_bytes());
            hash.update(modified.to_le_bytes());
        }
    }
}
