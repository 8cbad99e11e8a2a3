//! `git`: a local repository's history and files, read with gix (no git binary):
//! required files at the branch tip, commits within a window, the share of
//! merges carrying review evidence and the share of signed commits.

use crate::{CheckResult, Context};
use evident_core::model::checks::GitCheck;
use serde_json::json;
use std::time::{Duration, SystemTime};

/// History is read to this many commits; enough for any window a check asks about.
const MAX_COMMITS: usize = 200_000;
/// The window when a check names none.
const DEFAULT_WINDOW: Duration = Duration::from_secs(90 * 86_400);

pub fn run(check: &GitCheck, cx: &Context) -> CheckResult {
    match observe(check, cx) {
        Ok(o) => o,
        Err(e) => CheckResult::error(format!("git repository {}: {e}", check.repo)),
    }
}

fn observe(check: &GitCheck, cx: &Context) -> Result<CheckResult, String> {
    let repo = gix::open(cx.repo.join(&check.repo)).map_err(|e| e.to_string())?;
    let mut reference = match &check.branch {
        Some(b) => repo
            .find_reference(format!("refs/heads/{b}").as_str())
            .map_err(|e| format!("branch `{b}`: {e}"))?,
        None => repo
            .head_ref()
            .map_err(|e| e.to_string())?
            .ok_or("HEAD is detached; name a `branch`")?,
    };
    let branch = reference.name().shorten().to_string();
    let tip = reference.peel_to_commit().map_err(|e| e.to_string())?;
    let tree = tip.tree().map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for file in &check.require_files {
        match tree.lookup_entry_by_path(file) {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(file.clone()),
            Err(e) => return Err(format!("{file}: {e}")),
        }
    }
    if !missing.is_empty() {
        problems.push(format!("{branch} lacks {}", missing.join(", ")));
    }

    let window = check
        .within
        .map(|w| Duration::from_secs(w.seconds()))
        .unwrap_or(DEFAULT_WINDOW);
    let since = cx
        .now
        .checked_sub(window)
        .unwrap_or(SystemTime::UNIX_EPOCH)
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (mut commits, mut signed, mut merges, mut reviewed) = (0u64, 0u64, 0u64, 0u64);
    let mut unreviewed = Vec::new();
    let walk = repo.rev_walk([tip.id]).all().map_err(|e| e.to_string())?;
    for info in walk.take(MAX_COMMITS) {
        let info = info.map_err(|e| e.to_string())?;
        let commit = info.object().map_err(|e| e.to_string())?;
        if commit.time().map_err(|e| e.to_string())?.seconds < since {
            continue;
        }
        commits += 1;
        if commit.signature().ok().flatten().is_some() {
            signed += 1;
        }
        if commit.parent_ids().count() > 1 {
            merges += 1;
            let message = commit.message_raw_sloppy().to_string();
            let trailer = format!("\n{}:", check.review_trailer);
            if message.contains(&trailer) || message.starts_with("Merge pull request #") {
                reviewed += 1;
            } else if unreviewed.len() < 20 {
                unreviewed.push(commit.id.to_hex_with_len(12).to_string());
            }
        }
    }
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            1.0
        } else {
            part as f64 / whole as f64
        }
    };
    if let Some(min) = check.min_commits
        && commits < min
    {
        problems.push(format!(
            "{commits} commit(s) on {branch} within {}, fewer than {min}",
            human(window)
        ));
    }
    if let Some(min) = check.reviewed_merges_at_least
        && share(reviewed, merges) < min
    {
        problems.push(format!(
            "{reviewed} of {merges} merge(s) on {branch} carry review evidence, below {:.0}%",
            min * 100.0
        ));
    }
    if let Some(min) = check.signed_commits_at_least
        && share(signed, commits) < min
    {
        problems.push(format!(
            "{signed} of {commits} commit(s) on {branch} are signed, below {:.0}%",
            min * 100.0
        ));
    }
    let detail = json!({
        "repo": check.repo,
        "branch": branch,
        "tip": tip.id.to_string(),
        "window_days": window.as_secs() / 86_400,
        "commits": commits,
        "signed_commits": signed,
        "merges": merges,
        "reviewed_merges": reviewed,
        "unreviewed_merges": unreviewed,
        "missing_files": missing,
        "signatures_note": "a signed commit carries a signature header; keys are not checked",
    });
    Ok(CheckResult::judged(
        &problems,
        format!(
            "{branch}: {commits} commit(s) in {}, {signed} signed, {reviewed}/{merges} merges reviewed",
            human(window)
        ),
        detail,
    ))
}

fn human(d: Duration) -> String {
    format!("{}d", d.as_secs() / 86_400)
}
