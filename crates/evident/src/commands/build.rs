//! `evident build`: the public trust portal as a static site.
//!
//! The site is written to a fresh directory beside the target, flushed with one
//! file-system sync and swapped in whole (`evident_fsio::NewDir`), so a page
//! that should no longer exist (a control made private) never lingers from an
//! earlier build, and a crash leaves the old site or the new one.

use super::judge::Loaded;
use crate::failure::{Failure, VerbResult};
use evident_fsio::NewDir;
use evident_ledger::keys;
use evident_portal::{Failed, Inputs, build, template_names};
use evident_repo::MAX_TEXT_FILE_BYTES;
use std::path::{Path, PathBuf};

/// Where a trust repo keeps templates that replace the built-in ones.
pub const TEMPLATE_DIR: &str = "portal/templates";

pub fn run(repo: &Path, out: Option<&Path>) -> VerbResult {
    let out = out.map_or_else(|| repo.join("site"), Path::to_path_buf);
    let index = write_site(repo, &out)?;
    say!("built the trust portal: {}", index.display());
    Ok(())
}

/// Builds the site into `out`; returns the path of its index.html.
pub fn write_site(repo: &Path, out: &Path) -> Result<PathBuf, Failure> {
    let loaded = Loaded::read(repo)?;
    let judgement = loaded.judge(super::instant(), None);
    let inputs = Inputs {
        judgement: &judgement,
        checkpoint: loaded.checkpoint.as_ref().map(|c| c.to_text()),
        public_key: public_key(repo),
        overrides: overrides(repo)?,
    };
    let mut site = NewDir::beside(out).map_err(|e| io(out, e))?;
    let put =
        |path: &str, bytes: &[u8]| site.write(path, bytes).map_err(|e| io(&out.join(path), e));
    build(&inputs, put).map_err(|e| match e {
        Failed::Template(e) => {
            Failure::input(format!("{e}\nhint: check the templates in {TEMPLATE_DIR}/"))
        }
        Failed::Put(failure) => failure,
    })?;
    site.swap_in().map_err(|e| io(out, e))?;
    Ok(out.join("index.html"))
}

/// The ledger's public key file, as the portal's verify page shows it.
pub fn public_key(repo: &Path) -> Option<String> {
    evident_fsio::read_inside(repo, keys::PUBLIC_KEY_FILE, keys::KEY_FILE_CAP)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// Templates in `portal/templates/` that replace built-in ones; any other file
/// there is a mistake worth stopping for.
pub fn overrides(repo: &Path) -> Result<Vec<(String, String)>, Failure> {
    let dir = repo.join(TEMPLATE_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let known: Vec<&str> = template_names().collect();
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !known.contains(&name.as_str()) {
            return Err(Failure::input(format!(
                "{TEMPLATE_DIR}/{name}: not a portal template; the names are: {}",
                known.join(", ")
            )));
        }
        // Only regular files inside the repo, of a text file's size.
        let rel = format!("{TEMPLATE_DIR}/{name}");
        let text = evident_fsio::read_inside(repo, &rel, MAX_TEXT_FILE_BYTES)
            .map_err(|err| Failure::input(format!("{rel}: not read: {err}")))
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| Failure::input(format!("{rel}: not UTF-8 text")))
            })?;
        out.push((name, text));
    }
    Ok(out)
}

fn io(path: &Path, e: std::io::Error) -> Failure {
    Failure::unmet(format!("{}: {e}", path.display()))
}
