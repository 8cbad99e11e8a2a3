//! `command`: run a program (no shell unless asked), judge its exit code and
//! output; what it printed is the evidence.

use crate::{CheckResult, Context};
use evident_core::model::checks::CommandCheck;
use regex::Regex;
use serde_json::json;
use std::process::Stdio;
use std::time::Instant;

/// Output kept as evidence, per stream.
const MAX_OUTPUT: usize = 1 << 20;

pub async fn run(check: &CommandCheck, cx: &Context) -> CheckResult {
    let mut cmd = if check.shell {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(check.run.join(" "));
        c
    } else {
        let mut c = tokio::process::Command::new(&check.run[0]);
        c.args(&check.run[1..]);
        c
    };
    cmd.current_dir(&cx.repo)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A timed-out check drops this future; the program must not outlive it.
        .kill_on_drop(true);
    let started = Instant::now();
    let out = match cmd.output().await {
        Ok(out) => out,
        Err(e) => return CheckResult::error(format!("cannot run `{}`: {e}", check.run[0])),
    };
    let text =
        |bytes: &[u8]| String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_OUTPUT)]).into_owned();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let code = out.status.code();
    let mut problems = Vec::new();
    match code {
        Some(c) if c == check.expect_exit => {}
        Some(c) => problems.push(format!("exited {c}, expected {}", check.expect_exit)),
        None => problems.push("was killed by a signal".to_string()),
    }
    if let Some(re) = check
        .stdout_must_match
        .as_deref()
        .and_then(|r| Regex::new(r).ok())
        && !re.is_match(&stdout)
    {
        problems.push(format!("output does not match `{}`", re.as_str()));
    }
    if let Some(re) = check
        .stdout_must_not_match
        .as_deref()
        .and_then(|r| Regex::new(r).ok())
        && let Some(m) = re.find(&stdout)
    {
        problems.push(format!(
            "output matches `{}`: {}",
            re.as_str(),
            m.as_str().trim()
        ));
    }
    let detail = json!({
        "run": check.run,
        "shell": check.shell,
        "exit": code,
        "seconds": started.elapsed().as_secs_f64(),
        "stdout": stdout,
        "stderr": stderr,
    });
    let program = check.run[0].as_str();
    let problems: Vec<String> = problems
        .iter()
        .map(|p| format!("`{program}` {p}"))
        .collect();
    CheckResult::judged(
        &problems,
        format!("`{program}` exited {}", check.expect_exit),
        detail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use evident_ledger::entry::Outcome;

    fn cx() -> Context {
        Context {
            repo: std::env::temp_dir(),
            now: std::time::SystemTime::now(),
        }
    }

    fn cmd(run: &[&str]) -> CommandCheck {
        CommandCheck {
            run: run.iter().map(|s| s.to_string()).collect(),
            ..CommandCheck::default()
        }
    }

    #[tokio::test]
    async fn exit_codes_output_and_missing_programs() {
        let o = run(&cmd(&["echo", "22/tcp closed"]), &cx()).await;
        assert_eq!(
            (o.outcome, o.summary.as_str()),
            (Outcome::Pass, "`echo` exited 0")
        );
        assert_eq!(o.detail["stdout"], "22/tcp closed\n");

        let c = CommandCheck {
            stdout_must_not_match: Some("(22|3306)/tcp open".into()),
            ..cmd(&["echo", "3306/tcp open"])
        };
        let o = run(&c, &cx()).await;
        assert_eq!(
            o.summary,
            "`echo` output matches `(22|3306)/tcp open`: 3306/tcp open"
        );

        let o = run(&cmd(&["false"]), &cx()).await;
        assert_eq!(
            (o.outcome, o.summary.as_str()),
            (Outcome::Fail, "`false` exited 1, expected 0")
        );

        let c = CommandCheck {
            shell: true,
            ..cmd(&["echo", "$((6*7))", "|", "grep", "42"])
        };
        assert_eq!(run(&c, &cx()).await.outcome, Outcome::Pass);

        let o = run(&cmd(&["no-such-program-evident"]), &cx()).await;
        assert_eq!(o.outcome, Outcome::Error);
        assert!(
            o.summary
                .starts_with("cannot run `no-such-program-evident`"),
            "{}",
            o.summary
        );
    }

    #[tokio::test]
    async fn a_slow_program_times_out_as_an_error() {
        let c = CommandCheck {
            timeout: Some("1s".parse().unwrap()),
            ..cmd(&["sleep", "5"])
        };
        let started = Instant::now();
        let o = crate::run(
            &evident_core::model::checks::CheckSettings::Command(c),
            &cx(),
        )
        .await;
        assert_eq!(
            (o.outcome, o.summary.as_str()),
            (Outcome::Error, "timed out after 1s")
        );
        assert!(
            started.elapsed().as_secs() < 5,
            "the program was not stopped"
        );
    }
}
