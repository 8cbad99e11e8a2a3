//! `command`: run a program (no shell unless asked), judge its exit code and
//! output; what it printed is the evidence.

use crate::{CheckResult, Context};
use evident_core::model::checks::CommandCheck;
use regex::Regex;
use serde_json::json;
use std::process::Stdio;
use std::time::Instant;

/// Output kept as evidence, per stream; the rest is read and dropped, so a
/// program printing without end costs no memory (it runs into its timeout).
const MAX_OUTPUT: usize = 1 << 20;

/// A process group, killed when dropped.
struct Group(u32);

impl Drop for Group {
    fn drop(&mut self) {
        if let Ok(pgid) = i32::try_from(self.0) {
            // SAFETY: kill(2) with a negative pid signals that process group;
            // the group is the check's own (process_group(0) at spawn).
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Up to [`MAX_OUTPUT`] bytes of a stream, read to its end; and how many it held.
async fn capped(stream: Option<impl tokio::io::AsyncRead + Unpin>) -> (Vec<u8>, u64) {
    use tokio::io::AsyncReadExt;
    let (mut kept, mut total) = (Vec::new(), 0u64);
    let Some(mut stream) = stream else {
        return (kept, total);
    };
    let mut buf = vec![0; 64 << 10];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        total += n as u64;
        let room = MAX_OUTPUT.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    (kept, total)
}

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
        // Its own process group, so that everything it starts can be ended with it.
        .process_group(0)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return CheckResult::error(format!("cannot run `{}`: {e}", check.run[0])),
    };
    // Whenever this future ends (done, timed out, dropped), the whole group ends:
    // a grandchild left in the background must not outlive the check.
    let _group = child.id().map(Group);
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let (status, stdout, stderr) = tokio::join!(child.wait(), capped(out), capped(err));
    let status = match status {
        Ok(s) => s,
        Err(e) => return CheckResult::error(format!("waiting for `{}`: {e}", check.run[0])),
    };
    let text = |(bytes, total): (Vec<u8>, u64)| {
        let mut t = String::from_utf8_lossy(&bytes).into_owned();
        if total > bytes.len() as u64 {
            t.push_str(&format!(
                "\n[cut: {total} bytes in all, the first {MAX_OUTPUT} kept]"
            ));
        }
        t
    };
    let (stdout, stderr) = (text(stdout), text(stderr));
    let code = status.code();
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

    /// The process's peak resident memory so far, in MiB.
    fn peak_mib() -> i64 {
        // SAFETY: getrusage fills the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
        usage.ru_maxrss / 1024
    }

    #[tokio::test]
    async fn a_program_printing_without_end_costs_no_memory() {
        let c = CommandCheck {
            timeout: Some("3s".parse().unwrap()),
            ..cmd(&["yes"])
        };
        let o = crate::run(
            &evident_core::model::checks::CheckSettings::Command(c),
            &cx(),
        )
        .await;
        assert_eq!(o.outcome, Outcome::Error, "{}", o.summary);
        // `yes` writes gigabytes in 3 s; only the first MiB is kept.
        assert!(peak_mib() < 400, "peak {} MiB", peak_mib());

        let o = run(&cmd(&["head", "-c", "3000000", "/dev/zero"]), &cx()).await;
        assert_eq!(o.outcome, Outcome::Pass);
        let out = o.detail["stdout"].as_str().unwrap();
        assert!(
            out.ends_with("[cut: 3000000 bytes in all, the first 1048576 kept]"),
            "{}",
            &out[out.len() - 80..]
        );
    }

    #[tokio::test]
    async fn a_timed_out_program_takes_its_whole_process_group_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let c = CommandCheck {
            shell: true,
            timeout: Some("1s".parse().unwrap()),
            ..cmd(&[&format!(
                "sleep 300 >/dev/null 2>&1 & echo $! > {}; sleep 300",
                pidfile.display()
            )])
        };
        let o = crate::run(
            &evident_core::model::checks::CheckSettings::Command(c),
            &cx(),
        )
        .await;
        assert_eq!(o.summary, "timed out after 1s");
        let pid = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .to_string();
        // Gone, or a zombie waiting for its new parent: not running.
        let running = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| !s.split(") ").nth(1).is_some_and(|r| r.starts_with('Z')))
        };
        for _ in 0..50 {
            if !running() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the grandchild {pid} outlived the check");
    }
}
