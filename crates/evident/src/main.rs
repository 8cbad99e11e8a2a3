//! `evident`: arguments in, parts wired together, exit codes out.
//!
//! Each verb lives in `commands/`; the work itself is done by the library crates.

mod cli;
mod commands;
mod failure;
mod output;

use clap::Parser;

/// mimalloc rather than the system allocator: a build allocates and frees a
/// hundred thousand ledger records and a thousand pages on two threads, and
/// measured side by side it takes about a tenth less time and a fifth of the
/// page faults (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    no_huge_pages();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap uses 0 for --help/--version and 2 for usage errors, as the design asks.
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

/// Transparent huge pages off for this process from here on. mimalloc asks for
/// them, and when the kernel has some at hand every first touch of a region
/// zeroes 2 MiB for a few small allocations: right after a memory-hungry process
/// had run, a portal build took 182-261 ms with them and 136-163 ms without
/// (docs/benchmarks.md). The Rust runtime's own first allocations, before `main`,
/// may still land in two huge pages; turning them off that early too
/// (`MIMALLOC_ALLOW_THP=0`) measured no faster.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// `evident status | head` should end quietly, as other Unix tools do, rather than
/// panic on a closed pipe: Rust ignores SIGPIPE by default, so put it back.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
