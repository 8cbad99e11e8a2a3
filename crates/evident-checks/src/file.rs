//! `file`: existence, permission mode, owner, size, content, freshness and count
//! of a file or of the files under a directory.

use crate::{CheckResult, Context};
use evident_core::model::checks::{FileCheck, parse_mode};
use regex::Regex;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Directories are walked to this many files; a larger tree is an error, not a hang.
const MAX_FILES: usize = 10_000;
/// Content rules read at most this much of each file.
const MAX_READ: u64 = 16 << 20;

struct Found {
    path: PathBuf,
    mode: u32,
    uid: u32,
    len: u64,
    modified: SystemTime,
}

pub fn run(check: &FileCheck, cx: &Context) -> CheckResult {
    let path = cx.repo.join(&check.path);
    let exists = path.symlink_metadata().is_ok();
    if !check.exists {
        return if exists {
            CheckResult::fail(
                format!("{} exists and must not", check.path),
                json!({ "path": check.path, "exists": true }),
            )
        } else {
            CheckResult::pass(
                format!("{} does not exist", check.path),
                json!({ "path": check.path, "exists": false }),
            )
        };
    }
    if !exists {
        return CheckResult::fail(
            format!("{} does not exist", check.path),
            json!({ "path": check.path, "exists": false }),
        );
    }
    let files = match collect(&path) {
        Ok(files) => files,
        Err(e) => return CheckResult::error(format!("{}: {e}", check.path)),
    };
    let mut problems: Vec<String> = Vec::new();
    let rel = |p: &Path| p.strip_prefix(&cx.repo).unwrap_or(p).display().to_string();

    if let Some(max) = check.max_mode.as_deref().and_then(parse_mode) {
        for f in files.iter().filter(|f| f.mode & !max != 0) {
            problems.push(format!(
                "{} has mode {:04o}, more than {:04o}",
                rel(&f.path),
                f.mode,
                max
            ));
        }
    }
    if let Some(owner) = &check.owner {
        let wanted = uid_of(owner);
        for f in &files {
            if wanted != Some(f.uid) {
                problems.push(format!(
                    "{} is owned by uid {}, not {owner}",
                    rel(&f.path),
                    f.uid
                ));
            }
        }
    }
    if check.non_empty {
        for f in files.iter().filter(|f| f.len == 0) {
            problems.push(format!("{} is empty", rel(&f.path)));
        }
    }
    if let Some(min) = check.min_files
        && (files.len() as u64) < min
    {
        problems.push(format!("{} file(s), fewer than {min}", files.len()));
    }
    let newest = files.iter().map(|f| f.modified).max();
    let newest_age = newest.map(|m| cx.now.duration_since(m).unwrap_or(Duration::ZERO));
    if let Some(within) = check.newest_within {
        match newest_age {
            None => problems.push("no file to judge freshness by".into()),
            Some(age) if age.as_secs() > within.seconds() => problems.push(format!(
                "the newest file is {} old, older than {within}",
                human_age(age)
            )),
            Some(_) => {}
        }
    }
    // Compiled at load time already; a failure here cannot happen, but is not a panic.
    let compile = |re: &Option<String>| re.as_deref().and_then(|r| Regex::new(r).ok());
    let must = compile(&check.content_must_match);
    let must_not = compile(&check.content_must_not_match);
    if must.is_some() || must_not.is_some() {
        let mut matched_any = false;
        for f in &files {
            let text = match read_text(&f.path) {
                Ok(t) => t,
                Err(e) => return CheckResult::error(format!("{}: {e}", rel(&f.path))),
            };
            if must.as_ref().is_some_and(|re| re.is_match(&text)) {
                matched_any = true;
            }
            if let Some(re) = &must_not
                && let Some(m) = re.find(&text)
            {
                let line = text[..m.start()].matches('\n').count() + 1;
                problems.push(format!("{}:{line} matches `{}`", rel(&f.path), re.as_str()));
            }
        }
        if let Some(re) = &must
            && !matched_any
        {
            problems.push(format!("no file matches `{}`", re.as_str()));
        }
    }

    let detail = json!({
        "path": check.path,
        "files": files.len(),
        "newest_age_seconds": newest_age.map(|a| a.as_secs()),
        "modes": files.iter().take(50).map(|f| json!({ "file": rel(&f.path), "mode": format!("{:04o}", f.mode), "uid": f.uid, "bytes": f.len })).collect::<Vec<_>>(),
        "problems": problems,
    });
    let mut passed = format!("{} file(s) as required", files.len());
    if let Some(age) = newest_age.filter(|_| check.newest_within.is_some()) {
        passed.push_str(&format!(", newest {} old", human_age(age)));
    }
    CheckResult::judged(&problems, passed, detail)
}

fn collect(path: &Path) -> std::io::Result<Vec<Found>> {
    let mut out = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(p) = pending.pop() {
        let meta = p.symlink_metadata()?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&p)? {
                pending.push(entry?.path());
            }
        } else if meta.is_file() {
            out.push(found(p, &meta));
            if out.len() > MAX_FILES {
                return Err(std::io::Error::other(format!(
                    "more than {MAX_FILES} files; point the check at a narrower path"
                )));
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(unix)]
fn found(path: PathBuf, meta: &std::fs::Metadata) -> Found {
    use std::os::unix::fs::MetadataExt;
    Found {
        path,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        len: meta.len(),
        modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    }
}

#[cfg(not(unix))]
fn found(path: PathBuf, meta: &std::fs::Metadata) -> Found {
    Found {
        path,
        mode: 0,
        uid: 0,
        len: meta.len(),
        modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    }
}

/// A user by name (from /etc/passwd) or by number.
fn uid_of(owner: &str) -> Option<u32> {
    if let Ok(n) = owner.parse() {
        return Some(n);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut parts = l.split(':');
        (parts.next() == Some(owner))
            .then(|| parts.nth(1).and_then(|uid| uid.parse().ok()))
            .flatten()
    })
}

/// The first 16 MiB of a regular file (a FIFO or device is refused, not waited on).
fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    evident_fsio::open_regular(path)
        .map_err(std::io::Error::other)?
        .take(MAX_READ)
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) fn human_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evident_ledger::entry::Outcome;
    use std::os::unix::fs::PermissionsExt;

    fn cx(dir: &Path) -> Context {
        Context {
            repo: dir.to_path_buf(),
            now: SystemTime::now(),
        }
    }

    fn check(path: &str) -> FileCheck {
        FileCheck {
            path: path.into(),
            exists: true,
            ..FileCheck::default()
        }
    }

    #[test]
    fn modes_content_and_freshness_against_real_files() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        std::fs::create_dir(&keys).unwrap();
        std::fs::write(keys.join("a.key"), "secret").unwrap();
        std::fs::set_permissions(keys.join("a.key"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        let c = FileCheck {
            max_mode: Some("0600".into()),
            non_empty: true,
            ..check("keys")
        };
        assert_eq!(run(&c, &cx(dir.path())).outcome, Outcome::Pass);

        std::fs::write(keys.join("b.key"), "").unwrap();
        std::fs::set_permissions(keys.join("b.key"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let o = run(&c, &cx(dir.path()));
        assert_eq!(o.outcome, Outcome::Fail);
        assert!(
            o.summary
                .starts_with("keys/b.key has mode 0644, more than 0600 (and 1 more)"),
            "{}",
            o.summary
        );

        std::fs::write(
            dir.path().join("infra.tf"),
            "x = 1\nkey = \"-----BEGIN RSA PRIVATE KEY-----\"\n",
        )
        .unwrap();
        let c = FileCheck {
            content_must_not_match: Some("BEGIN (RSA|OPENSSH) PRIVATE KEY".into()),
            ..check("infra.tf")
        };
        let o = run(&c, &cx(dir.path()));
        assert_eq!(
            o.summary,
            "infra.tf:2 matches `BEGIN (RSA|OPENSSH) PRIVATE KEY`"
        );

        let fresh = FileCheck {
            newest_within: Some("1h".parse().unwrap()),
            min_files: Some(2),
            ..check("keys")
        };
        assert_eq!(run(&fresh, &cx(dir.path())).outcome, Outcome::Pass);
        let later = Context {
            now: SystemTime::now() + Duration::from_secs(3 * 3600),
            ..cx(dir.path())
        };
        let o = run(&fresh, &later);
        assert_eq!(o.outcome, Outcome::Fail);
        assert!(
            o.summary
                .starts_with("the newest file is 3h old, older than 1h"),
            "{}",
            o.summary
        );

        let gone = FileCheck {
            exists: false,
            ..check("id_rsa")
        };
        assert_eq!(run(&gone, &cx(dir.path())).outcome, Outcome::Pass);
        assert_eq!(
            run(&check("missing"), &cx(dir.path())).summary,
            "missing does not exist"
        );
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata(keys.join("a.key")).unwrap().uid();
        let mine = FileCheck {
            owner: Some(uid.to_string()),
            ..check("keys")
        };
        assert_eq!(run(&mine, &cx(dir.path())).outcome, Outcome::Pass);
        let theirs = FileCheck {
            owner: Some((uid + 1).to_string()),
            ..check("keys")
        };
        assert_eq!(run(&theirs, &cx(dir.path())).outcome, Outcome::Fail);
    }
}
