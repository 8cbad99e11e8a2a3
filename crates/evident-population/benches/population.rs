//! A population query joining a 10,000,000-row events export with a
//! 100,000-row accounts export: evident (DataFusion, through the population
//! check's own entry point) beside DuckDB (the `duckdb` PyPI package) on the
//! same CSV files and the same query, in one run. Prints each one's time and
//! peak memory (resident set high-water mark of its process).
//!
//! `cargo bench -p evident-population --bench population` (rows: EVIDENT_BENCH_EVENTS).

use evident_population::{Question, Source, Table};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const ACCOUNTS: u64 = 100_000;

/// Events by accounts after their deactivation: each such account is an exception.
const QUERY: &str = "SELECT a.account_id, count(*) AS late_events \
    FROM events e JOIN accounts a ON e.account_id = a.account_id \
    WHERE a.deactivated_at IS NOT NULL AND e.at > a.deactivated_at \
    GROUP BY a.account_id";

fn main() {
    let events: u64 = std::env::var("EVIDENT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("population-{events}"));
    if !dir.join("done").exists() {
        generate(&dir, events);
    }
    let tables = [
        Table {
            name: "events".into(),
            source: Source::File(dir.join("events.csv")),
        },
        Table {
            name: "accounts".into(),
            source: Source::File(dir.join("accounts.csv")),
        },
    ];
    let question = Question {
        tables: &tables,
        population: "accounts",
        query: QUERY,
        key: "account_id",
        date: None,
    };
    reset_peak();
    let start = Instant::now();
    let tested = evident_population::test_on_all_cores(&question).expect("the query runs");
    let evident_secs = start.elapsed().as_secs_f64();
    let evident_peak = peak_mib();

    let duck = Command::new("python3")
        .arg("-c")
        .arg(format!(
            r#"
import duckdb, time
con = duckdb.connect()
start = time.perf_counter()
con.execute("CREATE VIEW events AS SELECT * FROM read_csv('{d}/events.csv')")
con.execute("CREATE VIEW accounts AS SELECT * FROM read_csv('{d}/accounts.csv')")
population = con.execute("SELECT count(*) FROM accounts").fetchone()[0]
exceptions = len(con.execute("""{q}""").fetchall())
secs = time.perf_counter() - start
# VmHWM of this process's own memory map: ru_maxrss would carry the bench's
# resident set over from before exec.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(secs, population, exceptions, hwm // 1024)
"#,
            d = dir.display(),
            q = QUERY
        ))
        .output()
        .expect("python3 runs (pip install duckdb)");
    assert!(
        duck.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&duck.stderr)
    );
    let out = String::from_utf8_lossy(&duck.stdout);
    let f: Vec<&str> = out.split_whitespace().collect();
    let (duck_secs, duck_population, duck_exceptions, duck_peak): (f64, u64, u64, u64) = (
        f[0].parse().unwrap(),
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
    );
    assert_eq!(
        (tested.population, tested.exceptions),
        (duck_population, duck_exceptions),
        "both engines find the same population and exceptions"
    );
    println!(
        "population query, {events} events ⋈ {ACCOUNTS} accounts: {} exceptions in a population of {}",
        tested.exceptions, tested.population
    );
    println!(
        "  evident (DataFusion): {evident_secs:.2} s, peak {evident_peak} MiB  |  DuckDB {}: {duck_secs:.2} s, peak {duck_peak} MiB  |  ratio {:.2}x (goal ≤ 2x)",
        duckdb_version(),
        evident_secs / duck_secs
    );
}

/// Deterministic exports: accounts, a tenth of them deactivated; events spread
/// over accounts and a year of seconds.
fn generate(dir: &Path, events: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let mut a = std::io::BufWriter::new(std::fs::File::create(dir.join("accounts.csv")).unwrap());
    writeln!(a, "account_id,email,deactivated_at").unwrap();
    let year = 31_536_000u64;
    for i in 0..ACCOUNTS {
        let off = if i % 10 == 0 {
            (1_767_225_600 + (i * 7919) % year).to_string()
        } else {
            String::new()
        };
        writeln!(a, "{i},user{i}@example.com,{off}").unwrap();
    }
    a.flush().unwrap();
    let mut e = std::io::BufWriter::new(std::fs::File::create(dir.join("events.csv")).unwrap());
    writeln!(e, "event_id,account_id,at,kind").unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..events {
        // xorshift: a spread without a dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let kind = ["login", "api", "export"][(x % 3) as usize];
        writeln!(
            e,
            "{i},{},{},{kind}",
            x % ACCOUNTS,
            1_767_225_600 + (x >> 20) % year
        )
        .unwrap();
    }
    e.flush().unwrap();
    std::fs::write(dir.join("done"), "").unwrap();
}

/// Resets the process's resident-set high-water mark (Linux), so the peak
/// read after the query is the query's, not the file generation's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn duckdb_version() -> String {
    Command::new("python3")
        .args(["-c", "import duckdb; print(duckdb.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
