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
        /// The categories in scope, comma-separated (security is always in):
        /// security, availability, confidentiality, processing-integrity, privacy.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "security,availability,confidentiality"
        )]
        categories: Vec<String>,
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
    /// Status derived from evidence: criteria, controls, regressions, discrepancies.
    Status {
        #[command(flatten)]
        report: Report,
    },
    /// Run the automated checks and record each result in the ledger.
    Check {
        /// Only this control's checks, or one item: CONTROL or CONTROL/ITEM.
        #[arg(long, value_name = "CONTROL[/ITEM]")]
        only: Option<String>,
        /// Exit 1 only for these, judged over the whole program after the run
        /// (default: when a check in this run fails or errors).
        #[arg(long, value_name = "WHAT", value_delimiter = ',', value_enum)]
        fail_on: Vec<FailOn>,
        /// How many checks run at once.
        #[arg(long, default_value_t = evident_checks::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=1024))]
        concurrency: u16,
        /// Print machine-readable JSON (documented in docs/json.md).
        #[arg(long)]
        json: bool,
    },
    /// Publish the trust portal: a static site from the trust repo and the ledger.
    Build {
        /// Where to write it (default: `site/` in the trust repo).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// The auditor's package: the worksheet (control matrix).
    #[command(subcommand)]
    Export(ExportCommand),
    /// What's still missing for the audit in scope, in one list, worst first.
    Gaps {
        #[command(flatten)]
        report: Report,
    },
    /// Every finding as a remediation item: severity, owner, SLA due date, escalation.
    Remediation {
        #[command(flatten)]
        report: Report,
    },
    /// Type II: each control's periods in the observation window, and the exceptions.
    Period {
        /// The window FROM..TO (default: `[audit] window` in evident.toml).
        #[arg(long, value_name = "FROM..TO")]
        window: Option<String>,
        #[command(flatten)]
        report: Report,
    },
    /// The programme's metrics month by month: incidents, open vulnerabilities,
    /// access reviews on time, backup success, uptime.
    Metrics {
        /// The window FROM..TO (default: `[audit] window`, else the year to today).
        #[arg(long, value_name = "FROM..TO")]
        window: Option<String>,
        #[command(flatten)]
        report: Report,
    },
    /// The auditor's sample: each control's population and a seeded random draw.
    Sample {
        /// The seed; the same seed always draws the same sample.
        #[arg(long)]
        seed: u64,
        /// The window FROM..TO (default: `[audit] window` in evident.toml).
        #[arg(long, value_name = "FROM..TO")]
        window: Option<String>,
        #[command(flatten)]
        report: Report,
    },
    /// Add and list evidence.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// The tamper-evident ledger: checkpoints, verification and proofs.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// An independent witness of ledgers' checkpoints (C2SP tlog-witness).
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// The server: the public portal, the team's dashboard and the API, for a
    /// team, its CI and its auditor (docs/server.md).
    Serve {
        /// Where to listen.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Behind a reverse proxy that terminates TLS: cookies are `Secure` and
        /// the client's address is the last one in `X-Forwarded-For`.
        #[arg(long)]
        trust_proxy: bool,
    },
    /// The server's accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The server's API tokens, for CI.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account. With --password-stdin it is ready at once and its
    /// authenticator enrolment URI and recovery codes are printed once;
    /// without, an invitation link is printed for the person to enrol.
    Add {
        email: String,
        /// owner, admin, editor, viewer or auditor.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// The accounts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Give an account another role; its sessions end, so the new role
    /// applies from its next sign-in.
    Role {
        email: String,
        /// owner, admin, editor, viewer or auditor.
        #[arg(long)]
        role: String,
    },
    /// Remove an account and end its sessions.
    Remove { email: String },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Make an API token; it is printed once.
    Create {
        /// Where it is used (`ci-main`).
        #[arg(long)]
        name: String,
        /// What it may do: editor uploads evidence; viewer and auditor read; admin and owner also refresh.
        #[arg(long)]
        role: String,
        /// Limit its uploads to these controls (repeat the flag).
        #[arg(long = "control", value_name = "ID")]
        controls: Vec<String>,
        /// Days until it expires (default: never).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires: Option<u32>,
    },
    /// The tokens (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Run a witness: it cosigns a log's new checkpoint only when a consistency
    /// proof shows the log only grew since the last one it cosigned, and its
    /// cosignature carries its own clock.
    Serve {
        /// Its state directory: key, name, trusted logs, last cosigned trees.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Its name, a schema-less URL (needed the first time), e.g. witness.example.org/w1.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Where to listen.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7380")]
        listen: String,
        /// A log to witness, by its verifier key (`evident ledger vkey`); kept in the state.
        #[arg(long, value_name = "VKEY")]
        trust: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// OSCAL 1.1 JSON: the system security plan (with the profile and catalog it
    /// imports), assessment results or POA&M.
    Oscal {
        #[arg(long, value_enum)]
        model: OscalModel,
        /// Where to write it (default: audit/oscal/MODEL.json).
        #[arg(long, value_name = "FILE.json")]
        out: Option<PathBuf>,
        /// The assessment window FROM..TO (default: `[audit] window`).
        #[arg(long, value_name = "FROM..TO")]
        window: Option<String>,
    },
    /// Everything an auditor needs offline in one zip: worksheet, evidence blobs,
    /// entries with inclusion proofs, a signed checkpoint and the public key.
    Bundle {
        /// Where to write it (default: audit/evidence-bundle.zip).
        #[arg(long, value_name = "FILE.zip")]
        out: Option<PathBuf>,
        /// The seed of the worksheet's Samples sheet.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only entries whose covered days meet FROM..TO (default: `[audit] window`, else all).
        #[arg(long, value_name = "FROM..TO")]
        window: Option<String>,
    },
    /// The control matrix: Controls, Criteria, Samples, Populations, Remediation, PBC.
    Worksheet {
        /// xlsx (one workbook) or csv (a folder with one file per sheet).
        #[arg(long, value_enum, default_value = "xlsx")]
        format: SheetFormat,
        /// Where to write it (default: audit/worksheet.xlsx, or audit/worksheet/ for csv).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// The seed the Samples sheet is drawn with (as `evident sample --seed`).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The observation window FROM..TO (default: `[audit] window`).
        #[arg(long, value_name = "FROM..TO")]
        window: Option<String>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OscalModel {
    Ssp,
    Profile,
    Catalog,
    AssessmentResults,
    Poam,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    Xlsx,
    Csv,
}

/// What `check --fail-on` can fail a pipeline on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// A required evidence item that passed before fails now.
    Regression,
    /// A required evidence item's latest result fails or errors.
    Failing,
    /// A required evidence item's evidence is older than its `fresh_for`.
    Stale,
    /// A remediation item is past its SLA due date.
    Overdue,
}

impl FailOn {
    /// The core's condition this flag names.
    pub fn policy(self) -> evident_core::judgement::FailOn {
        use evident_core::judgement::FailOn as Core;
        match self {
            FailOn::Regression => Core::Regression,
            FailOn::Failing => Core::Failing,
            FailOn::Stale => Core::Stale,
            FailOn::Overdue => Core::Overdue,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum EvidenceCommand {
    /// Record a file as evidence for one evidence item of one control.
    Add {
        /// The evidence file (PDF, PNG, CSV, JSON...): stored once, by its SHA-256.
        file: PathBuf,
        /// The control it serves (its `id`).
        #[arg(long, value_name = "ID")]
        control: String,
        /// The evidence item of that control it satisfies.
        #[arg(long, value_name = "ID")]
        item: String,
        /// The days it speaks for, FROM..TO (YYYY-MM-DD..YYYY-MM-DD; default: today).
        #[arg(long, value_name = "FROM..TO")]
        covers: Option<String>,
        /// A short note kept with the entry.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// What the evidence shows: pass, fail or n/a.
        #[arg(long, default_value = "pass", value_parser = ["pass", "fail", "n/a"])]
        result: String,
        /// Who collected it (default: $EVIDENT_USER, else $USER).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// Upload through an evident server (its URL) instead of writing the
        /// ledger here; the token is read from EVIDENT_TOKEN.
        #[arg(long, value_name = "URL", conflicts_with = "by")]
        server: Option<String>,
        /// With --server: makes a retried upload one entry.
        #[arg(long, value_name = "KEY", requires = "server")]
        idempotency_key: Option<String>,
        /// Print the recorded entry as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a mistaken entry: a later entry names it and says why. Nothing
    /// is deleted; judging leaves the entry out and every output shows both.
    Retract {
        /// The entry's number (the # column of `evidence list`).
        entry: u64,
        /// Why it is withdrawn, kept in the ledger for the auditor.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Who withdraws it (default: $EVIDENT_USER, else $USER).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The recorded evidence, oldest first.
    List {
        /// Only this control's evidence.
        #[arg(long, value_name = "ID")]
        control: Option<String>,
        /// Print machine-readable JSON (documented in docs/json.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Sign the current tree head and store it; prints the checkpoint.
    Checkpoint {
        #[arg(long)]
        json: bool,
    },
    /// Recompute every leaf, node, blob and checkpoint; exit 1 naming what is wrong.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Inclusion proof of one entry against the latest checkpoint.
    Prove {
        /// The entry's number, as `evidence list` shows it.
        entry: String,
        /// Print the proof file (give it to `ledger verify-proof`).
        #[arg(long)]
        json: bool,
    },
    /// Proof that the log only grew since an earlier checkpoint.
    Consistency {
        /// A checkpoint file saved earlier (`evident ledger checkpoint > FILE`).
        #[arg(long, value_name = "CHECKPOINT_FILE")]
        from: PathBuf,
        /// Print the proof file (give it to `ledger verify-proof`).
        #[arg(long)]
        json: bool,
    },
    /// The ledger's C2SP verifier key, which a witness is given to trust the log.
    Vkey,
    /// Check an evidence bundle completely, offline.
    VerifyBundle {
        /// The bundle (`evident export bundle`).
        bundle: PathBuf,
        /// The public key to trust (default: the bundle's own ledger.pub).
        #[arg(long, value_name = "PUBKEY")]
        key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a proof file offline, with nothing but the ledger's public key.
    VerifyProof {
        /// The proof file (`ledger prove --json` or `ledger consistency --json`).
        proof: PathBuf,
        /// The ledger's public key file (`ledger.pub`).
        #[arg(long, value_name = "PUBKEY")]
        key: PathBuf,
        #[arg(long)]
        json: bool,
    },
}
