//! Crash safety: a child appends evidence in a loop (`evident evidence add`, one
//! process per entry, with a checkpoint now and then) and is killed with SIGKILL at
//! a random moment, round after round. After every kill, every entry the child
//! saw acknowledged (exit 0) must be in the ledger, and `ledger verify` must pass.
//!
//! `EVIDENT_CRASH_ROUNDS` sets the rounds per backend (default 100);
//! `scripts/soak-crash` runs many more.

mod common;

use common::{postgres_url, run_with_db, write_fixture};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD: &str = r#"
i=$1
while :; do
    printf 'evidence %s\n' "$i" > "$DIR/in.txt"
    "$EVIDENT" -C "$DIR" evidence add in.txt --control AUTH --item mfa-enforced --note "n$i" >/dev/null || exit 3
    echo "acked $i"
    if [ $((i % 7)) -eq 0 ]; then "$EVIDENT" -C "$DIR" ledger checkpoint >/dev/null 2>&1 || exit 4; fi
    i=$((i + 1))
done
"#;

fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b) % n
}

/// One round: start the appender at note number `start`, kill it after a random
/// delay, and return the note numbers it saw acknowledged.
fn crash_once(dir: &Path, url: &Option<String>, start: u64) -> Vec<u64> {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", CHILD, "appender", &start.to_string()])
        .env("DIR", dir)
        .env("EVIDENT", env!("CARGO_BIN_EXE_evident"))
        .env_remove("EVIDENT_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group, so the kill reaches the evident process mid-append.
        .process_group(0);
    if let Some(url) = url {
        cmd.env("EVIDENT_DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.strip_prefix("acked ").and_then(|n| n.parse().ok()))
            .collect::<Vec<u64>>()
    });
    std::thread::sleep(Duration::from_millis(20 + random_below(250)));
    // SAFETY: kills the process group we just created; no memory is involved.
    unsafe {
        libc::killpg(child.id() as i32, libc::SIGKILL);
    }
    let status = child.wait().unwrap();
    assert!(
        status.code().is_none(),
        "the appender stopped by itself: {status}"
    );
    reader.join().unwrap()
}

fn crash_rounds(backend: &str, url: Option<String>) {
    let rounds: u64 = std::env::var("EVIDENT_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    evident_ledger::keys::create(dir).unwrap();
    let began = Instant::now();
    let mut acked_total = 0;
    let mut next = 1_000_000;
    for round in 0..rounds {
        let acked = crash_once(dir, &url, next);
        next += 1000;
        let (code, out, err) = run_with_db(dir, &url, &["evidence", "list", "--json"]);
        assert!(code == 0, "{backend} round {round}: list failed: {err}");
        let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
        let summaries: std::collections::HashSet<&str> = listed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["summary"].as_str().unwrap())
            .collect();
        for n in &acked {
            assert!(
                summaries.contains(format!("in.txt: n{n}").as_str()),
                "{backend} round {round}: acknowledged entry n{n} is missing after the crash"
            );
        }
        let (code, out, err) = run_with_db(dir, &url, &["ledger", "verify"]);
        assert!(
            code == 0,
            "{backend} round {round}: the ledger does not verify after a crash:\n{out}{err}"
        );
        acked_total += acked.len();
    }
    eprintln!(
        "{backend}: {rounds} SIGKILLs, {acked_total} acknowledged entries all present, ledger verified after each ({:.1}s)",
        began.elapsed().as_secs_f64()
    );
    assert!(
        acked_total > 0,
        "{backend}: no append was ever acknowledged"
    );
}

#[test]
fn sqlite_survives_sigkill_at_random_moments() {
    crash_rounds("sqlite", None);
}

#[test]
fn postgres_survives_sigkill_at_random_moments() {
    crash_rounds("postgres", Some(postgres_url("crash")));
}
