//! `init` makes the new trust repo a git repository and commits the starter:
//! the history is what dates each finding (docs/status.md), and the starter's
//! git checks read the trust repo itself. The `git` program does it, as the
//! user would; where there is none, init says so and goes on.

use std::path::Path;
use std::process::Command;

pub enum Started {
    Committed,
    /// The directory is already inside a work tree: its owner commits.
    AlreadyInGit,
}

pub fn start(dir: &Path) -> Result<Started, String> {
    if gix::discover(dir).is_ok() {
        return Ok(Started::AlreadyInGit);
    }
    git(dir, &["init", "-q", "-b", "main"])?;
    git(dir, &["add", "-A"])?;
    git(
        dir,
        &[
            "commit",
            "-q",
            "-m",
            "Start the trust program (evident init)",
        ],
    )?;
    Ok(Started::Committed)
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args);
    // Without an identity configured, git refuses to commit: the commit is
    // then made in evident's name (the user's own commits follow).
    if !has_identity(dir) {
        cmd.env("GIT_AUTHOR_NAME", "evident init")
            .env("GIT_AUTHOR_EMAIL", "init@evident.invalid")
            .env("GIT_COMMITTER_NAME", "evident init")
            .env("GIT_COMMITTER_EMAIL", "init@evident.invalid");
    }
    let out = cmd.output().map_err(|e| {
        format!(
            "cannot run git ({e}): {} is not a git repository",
            dir.display()
        )
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn has_identity(dir: &Path) -> bool {
    Command::new("git")
        .current_dir(dir)
        .args(["config", "user.email"])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.trim_ascii().is_empty())
}
