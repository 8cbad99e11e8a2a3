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
    let mut evident = Command::new(env!("CARGO_BIN_EXE_evident"));
    evident
        .args(args)
        .env_remove("EVIDENT_DATABASE_URL")
        .envs(env.iter().copied());
    measured(evident).unwrap_or_else(|e| panic!("evident {args:?} failed: {e}"))
}

/// Runs any command to its end: (wall seconds, peak resident MiB), or what it said
/// when it could not start or failed.
pub fn measured(mut command: Command) -> Result<(f64, f64), String> {
    // Standard error goes to a file, not a pipe nobody reads while it runs.
    let mut said = tempfile::tempfile().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(said.try_clone().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| e.to_string())?;
    // The peak is sampled on another thread while this one waits for the end,
    // so the time is when the child ended, not when a sample noticed.
    let status_file = format!("/proc/{}/status", child.id());
    let done = std::sync::atomic::AtomicBool::new(false);
    let (status, elapsed, peak_kib) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut peak_kib = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(text) = std::fs::read_to_string(&status_file) {
                    let hwm = text
                        .lines()
                        .find_map(|l| l.strip_prefix("VmHWM:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
                    peak_kib = peak_kib.max(hwm.unwrap_or(0));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            peak_kib
        });
        let status = child.wait();
        let elapsed = started.elapsed().as_secs_f64();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (status, elapsed, sampler.join().unwrap())
    });
    let status = status.map_err(|e| e.to_string())?;
    if !status.success() {
        use std::io::{Read, Seek};
        let mut text = String::new();
        let _ = said.rewind().and_then(|_| said.read_to_string(&mut text));
        return Err(text);
    }
    Ok((elapsed, peak_kib as f64 / 1024.0))
}
