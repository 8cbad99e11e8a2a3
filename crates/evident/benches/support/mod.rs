//! What the benches share: running the `evident` binary and measuring it.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `evident ARGS` and returns (wall seconds, peak resident MiB). The peak is
/// the child's own `VmHWM`, sampled every 5 ms: `ru_maxrss` from wait4 would also
/// count this (large) parent, whose size a spawned child inherits on Linux.
pub fn measured_run(args: &[&str]) -> (f64, f64) {
    measured_run_env(args, &[])
}

/// [`measured_run`] with extra environment variables.
pub fn measured_run_env(args: &[&str], env: &[(&str, &str)]) -> (f64, f64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_evident"))
        .args(args)
        .env_remove("EVIDENT_DATABASE_URL")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(status.success(), "evident {args:?} failed");
    (started.elapsed().as_secs_f64(), peak_kib as f64 / 1024.0)
}
