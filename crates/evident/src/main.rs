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
    let code = match cli::Cli::try_parse() {
        Ok(cli) => match commands::run(cli) {
            Ok(()) => 0,
            Err(f) => {
                if !f.message.is_empty() {
                    eprintln!("error: {}", f.message);
                }
                f.code
            }
        },
        Err(e) => {
            let _ = e.print();
            // clap uses 0 for --help/--version and 2 for usage errors, as the design asks.
            u8::try_from(e.exit_code()).unwrap_or(2)
        }
    };
    exit_now(code)
}

/// Ends the process once the command is done, without tearing the heap down.
/// Everything the command writes is written, synced and closed by the time it
/// returns; what is left is memory. At a normal exit mimalloc would first hand
/// its free pages back to the kernel one range at a time (each `madvise` a TLB
/// shootdown on every core), just before the kernel reclaims the whole address
/// space at once: about 4 ms at the end of a 100 ms portal build
/// (docs/benchmarks.md).
fn exit_now(code: u8) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    // SAFETY: _exit only ends the process; the streams above are flushed and
    // every file the command wrote was closed when its handle was dropped.
    unsafe {
        libc::_exit(i32::from(code))
    }
    #[cfg(not(unix))]
    ExitCode::from(code)
}

/// Transparent huge pages off for this process from here on. mimalloc is built
/// without asking for them (`no_thp`); on a kernel that hands them out unasked
/// ("always"), every first touch of a region would still zero 2 MiB for a few
/// small allocations: right after a memory-hungry process had run, a portal
/// build took 182-261 ms with them and 136-163 ms without (docs/benchmarks.md).
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
