//! The command-line surface (DESIGN.md, "Command line").

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "evident",
    version,
    about = "SOC 2 program as code: status derived from evidence, not typed by hand."
)]
pub struct Cli {
    /// The trust repo to work on (default: the current directory), as with `git -C`.
    #[arg(short = 'C', global = true, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every reporting verb takes.
#[derive(Args, Debug, Clone)]
pub struct Report {
    /// Print machine-readable JSON (documented in docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Judge the program as of this day (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build a sample company's program end to end and say where to look.
    Demo {
        /// Where to put the sample trust repo.
        #[arg(default_value = "evident-demo")]
        dir: PathBuf,
    },
    /// Scaffold a complete starter program (never overwrites an existing file).
    Init {
        /// Where to create it (default: the `-C` directory).
        dir: Option<PathBuf>,
        /// The organisation's name.
        #[arg(long, default_value = "Example Inc.")]
        org: String,
    },
    /// Validate the trust repo; errors name file:line:column and field.
    Lint {
        #[command(flatten)]
        report: Report,
    },
    /// The criteria evident knows.
    Catalog {
        /// Only this category (security, availability, confidentiality, processing-integrity, privacy).
        #[arg(long)]
        category: Option<String>,
        #[command(flatten)]
        report: Report,
    },
    /// Controls and criteria: coverage and what each control declares.
    Status {
        #[command(flatten)]
        report: Report,
    },
}
