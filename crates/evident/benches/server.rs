//! Server benchmark, in one run, from loopback with `wrk` (Debian's):
//!
//! - the public portal's pages served by `evident serve` (rendered from the
//!   judgement, kept in memory) beside nginx serving the same pages as static
//!   files `evident build` wrote, 50 connections, every page in turn;
//!   goal: at least half of nginx's requests per second, p99 under 5 ms;
//!   the p99 is also measured below saturation (each connection waits 2 ms
//!   between requests), where it is the servers' latency rather than the
//!   queue of a machine whose two cores the client shares;
//! - authenticated uploads of small evidence files through
//!   `POST /api/v1/evidence`, each acknowledged only once durable, on SQLite
//!   and on PostgreSQL; goal: at least 1,000 entries/s;
//! - the server's peak resident memory (VmHWM).
//!
//! `scripts/bench-server` (installs wrk and nginx, then
//! `cargo bench -p evident --bench server`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const EVIDENT: &str = env!("CARGO_BIN_EXE_evident");
const ROUNDS: usize = 3;
const SECONDS: u32 = 5;
const CONNECTIONS: u32 = 50;
const UPLOAD_CONNECTIONS: u32 = 16;
/// The pause of each connection between requests in the paced run.
const PACE_MS: u32 = 2;
const UPLOAD_SECONDS: u32 = 10;

struct Process(Child);

impl Drop for Process {
    /// SIGTERM, so nginx's master stops its workers and the server shuts down cleanly.
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}

fn evident(repo: &Path, db: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new(EVIDENT);
    cmd.arg("-C").arg(repo).args(args).env_remove("EVIDENT_NOW");
    match db {
        Some(url) => cmd.env("EVIDENT_DATABASE_URL", url),
        None => cmd.env_remove("EVIDENT_DATABASE_URL"),
    };
    let out = cmd.output().expect("evident runs");
    assert!(
        out.status.success(),
        "evident {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `evident serve` on a free port; its address and process.
fn serve(repo: &Path, db: Option<&str>) -> (String, Process) {
    let mut cmd = Command::new(EVIDENT);
    cmd.arg("-C")
        .arg(repo)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("EVIDENT_NOW")
        .stdout(Stdio::piped());
    match db {
        Some(url) => cmd.env("EVIDENT_DATABASE_URL", url),
        None => cmd.env_remove("EVIDENT_DATABASE_URL"),
    };
    let mut child = cmd.spawn().expect("evident serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    std::thread::spawn(move || for _ in lines {});
    let base = first
        .strip_prefix("evident serve: ")
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    (base, Process(child))
}

fn nginx(dir: &Path, site: &Path) -> (String, Process) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = dir.join("nginx.conf");
    // SAFETY: geteuid has no preconditions.
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root;"
    } else {
        ""
    };
    std::fs::write(
        &conf,
        format!(
            "{user}\ndaemon off;\nworker_processes auto;\npid {pid};\nerror_log stderr;\nevents {{ worker_connections 1024; }}\nhttp {{\n include /etc/nginx/mime.types;\n access_log off;\n sendfile on;\n tcp_nopush on;\n client_body_temp_path {tmp};\n proxy_temp_path {tmp};\n fastcgi_temp_path {tmp};\n uwsgi_temp_path {tmp};\n scgi_temp_path {tmp};\n server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            tmp = dir.display(),
            root = site.display()
        ),
    )
    .unwrap();
    let child = Command::new("nginx")
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(dir)
        .spawn()
        .expect("nginx runs (scripts/bench-server installs it)");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (base, Process(child))
}

/// What wrk measured: requests per second, p99 latency in ms, 2xx requests.
struct Measured {
    rps: f64,
    p99_ms: f64,
    ok: u64,
}

fn wrk(script: &Path, url: &str, connections: u32, seconds: u32) -> Measured {
    let out = Command::new("wrk")
        .args(["-t", "2", "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--latency", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .expect("wrk runs (scripts/bench-server installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let rps: f64 = field("Requests/sec:").unwrap().parse().unwrap();
    let p99 = field("99%").unwrap();
    let p99_ms = if let Some(us) = p99.strip_suffix("us") {
        us.parse::<f64>().unwrap() / 1000.0
    } else if let Some(ms) = p99.strip_suffix("ms") {
        ms.parse().unwrap()
    } else {
        p99.trim_end_matches('s').parse::<f64>().unwrap() * 1000.0
    };
    let total: u64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let bad: u64 = field("Non-2xx or 3xx responses:")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Measured {
        rps,
        p99_ms,
        ok: total - bad,
    }
}

fn pages(site: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(format!("/{}", p.strip_prefix(site).unwrap().display()));
            }
        }
    }
    out.sort();
    out
}

fn peak_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Uploads of one small file, each a new entry (no idempotency key).
fn upload_script(dir: &Path, token: &str) -> PathBuf {
    let boundary = "evidentbench";
    let mut body = String::new();
    for (k, v) in [
        ("control", "BCDR"),
        ("item", "dr-exercise"),
        ("note", "bench"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.txt\"\r\nContent-Type: text/plain\r\n\r\nthe DR exercise report, 512 bytes of it{}\r\n--{boundary}--\r\n",
        " ".repeat(473)
    ));
    let script = dir.join("upload.lua");
    // A quoted Lua string with escapes: a long string would turn CR LF into LF.
    let lua: String = body
        .chars()
        .map(|c| match c {
            '\r' => "\\r".to_string(),
            '\n' => "\\n".to_string(),
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c => c.to_string(),
        })
        .collect();
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nwrk.headers[\"Content-Type\"] = \"multipart/form-data; boundary={boundary}\"\nwrk.body = \"{lua}\"\n"
        ),
    )
    .unwrap();
    script
}

fn ingest(name: &str, dir: &Path, repo: &Path, db: Option<&str>) -> (f64, f64) {
    let token = evident(
        repo,
        db,
        &["token", "create", "--name", "bench", "--role", "editor"],
    );
    let script = upload_script(dir, token.trim());
    let (base, server) = serve(repo, db);
    let before = ledger_size(repo, db);
    let m = wrk(
        &script,
        &format!("{base}/api/v1/evidence"),
        UPLOAD_CONNECTIONS,
        UPLOAD_SECONDS,
    );
    let peak = peak_mib(server.0.id());
    drop(server);
    let grown = ledger_size(repo, db) - before;
    // Each upload is two entries: the evidence and its audit record. wrk
    // stops reading at the deadline, so a few uploads may land unacknowledged.
    assert!(
        grown >= 2 * m.ok && m.ok > 0,
        "{name}: {grown} entries for {} acknowledged uploads",
        m.ok
    );
    (m.ok as f64 / f64::from(UPLOAD_SECONDS), peak)
}

fn ledger_size(repo: &Path, db: Option<&str>) -> u64 {
    let out = evident(repo, db, &["ledger", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["entries"].as_u64().unwrap()
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let out = Command::new(EVIDENT)
        .args(["init"])
        .arg(&repo)
        .args(["--org", "Bench Co"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let site = repo.join("site");
    evident(&repo, None, &["build", "--out", site.to_str().unwrap()]);
    let paths = pages(&site);
    let script = tmp.path().join("pages.lua");
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    std::fs::write(
        &script,
        format!(
            "paths = {{{}}}\ni = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
            list.join(", ")
        ),
    )
    .unwrap();

    let paced = tmp.path().join("pages-paced.lua");
    let pacing = format!(
        "{}delay = function()\n  return {PACE_MS}\nend\n",
        std::fs::read_to_string(&script).unwrap()
    );
    std::fs::write(&paced, pacing).unwrap();

    let (nginx_base, nginx_process) = nginx(tmp.path(), &site);
    let (evident_base, server) = serve(&repo, None);
    let (mut n, mut e) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        n.push(wrk(&script, &nginx_base, CONNECTIONS, SECONDS));
        e.push(wrk(&script, &evident_base, CONNECTIONS, SECONDS));
    }
    let n_paced = wrk(&paced, &nginx_base, CONNECTIONS, SECONDS);
    let e_paced = wrk(&paced, &evident_base, CONNECTIONS, SECONDS);
    let portal_peak = peak_mib(server.0.id());
    drop(server);
    drop(nginx_process);
    let (n_rps, e_rps) = (
        median(n.iter().map(|m| m.rps).collect()),
        median(e.iter().map(|m| m.rps).collect()),
    );
    let (n_p99, e_p99) = (
        median(n.iter().map(|m| m.p99_ms).collect()),
        median(e.iter().map(|m| m.p99_ms).collect()),
    );
    println!(
        "== portal: {} pages in turn, {CONNECTIONS} connections, wrk -t2, medians of {ROUNDS} x {SECONDS} s",
        paths.len()
    );
    println!("{:<16} {:>12} {:>10}", "", "requests/s", "p99 ms");
    println!("{:<16} {n_rps:>12.0} {n_p99:>10.2}", "nginx (static)");
    println!("{:<16} {e_rps:>12.0} {e_p99:>10.2}", "evident serve");
    println!(
        "ratio {:.2} of nginx (goal >= 0.5); p99 goal < 5 ms; server peak {portal_peak:.1} MiB",
        e_rps / n_rps
    );
    println!(
        "== the same below saturation: each connection waits {PACE_MS} ms between requests, one run of {SECONDS} s"
    );
    println!("{:<16} {:>12} {:>10}", "", "requests/s", "p99 ms");
    println!(
        "{:<16} {:>12.0} {:>10.2}",
        "nginx (static)", n_paced.rps, n_paced.p99_ms
    );
    println!(
        "{:<16} {:>12.0} {:>10.2}",
        "evident serve", e_paced.rps, e_paced.p99_ms
    );

    let (sqlite, sqlite_peak) = ingest("sqlite", tmp.path(), &repo, None);
    let pg_url = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(evident_store::testing::scratch_postgres("bench_server"))
        .ok()
        .map(|l| match l {
            evident_store::Location::Postgres(url) => url,
            other => panic!("{other:?}"),
        });
    println!(
        "== authenticated uploads of a 512-byte file, {UPLOAD_CONNECTIONS} connections, {UPLOAD_SECONDS} s, each durable before its 201"
    );
    println!(
        "sqlite       {sqlite:>8.0} entries/s (goal >= 1,000); server peak {sqlite_peak:.1} MiB"
    );
    match pg_url {
        Some(url) => {
            let (pg, pg_peak) = ingest("postgres", tmp.path(), &repo, Some(&url));
            println!(
                "postgresql   {pg:>8.0} entries/s (goal >= 1,000); server peak {pg_peak:.1} MiB"
            );
        }
        None => println!("postgresql   not measured: no server at EVIDENT_TEST_PG"),
    }
}
