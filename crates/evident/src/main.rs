//! `evident`: arguments in, parts wired together, exit codes out.
//!
//! Each verb lives in `commands/`; the work itself is done by the library crates.

#[macro_use]
mod output;
mod cli;
mod commands;
mod failure;

use clap::Parser;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match cli::Cli::try_parse() {
        Ok(cli) => {
            // A server (the witness, `serve`) keeps Rust's default: a client that
            // hangs up must not end it.
            if !matches!(
                cli.command,
                cli::Command::Witness(_) | cli::Command::Serve { .. }
            ) {
                restore_sigpipe();
            }
            match commands::run(cli) {
                Ok(()) => 0,
                Err(f) => {
                    if !f.message.is_empty() {
                        eprintln!("error: {}", evident_core::terminal::inert_lines(&f.message));
                    }
                    f.code
                }
            }
        }
        Err(e) => {
            let _ = e.print();
            // clap uses 0 for --help/--version and 2 for usage errors, as the design asks.
            u8::try_from(e.exit_code()).unwrap_or(2)
        }
    };
    ExitCode::from(code)
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
