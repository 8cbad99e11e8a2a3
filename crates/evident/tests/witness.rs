//! Two `evident witness serve` processes witness a ledger as it grows: each
//! checkpoint comes back cosigned, a forked log is refused by both, and
//! `period` flags a period whose evidence was witnessed only after its grace.

mod common;

use common::{run_env, write_fixture};
use evident_ledger::keys;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

/// A witness process, ended when dropped.
struct Witness {
    child: Child,
    url: String,
    vkey: String,
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(state: &Path, name: &str, log_vkey: &str) -> Witness {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("evident"))
        .args([
            "witness",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--name",
            name,
        ])
        .arg("--state")
        .arg(state)
        .args(["--trust", log_vkey])
        .env_remove("EVIDENT_NOW")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || {
        lines
            .next()
            .expect("the witness prints its address")
            .unwrap()
    };
    let url = next()
        .strip_prefix("witness listening on ")
        .expect("the first line names the address")
        .to_string();
    let vkey = next()
        .rsplit(' ')
        .next()
        .expect("the second line ends with the key")
        .to_string();
    Witness { child, url, vkey }
}

fn run(dir: &Path, now: Option<&str>, args: &[&str]) -> (i32, String, String) {
    run_env(dir, &None, now, args)
}

fn moment(days_ago: i64, hours_ago: i64) -> String {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * days_ago + hours_ago))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn day(days_ago: i64) -> String {
    moment(days_ago, 0)[..10].to_string()
}

fn backup(dir: &Path, now: Option<&str>, note: &str) {
    let (code, _, err) = run(
        dir,
        now,
        &[
            "evidence",
            "add",
            "evidence/password-policy.pdf",
            "--control",
            "BACKUP",
            "--item",
            "nightly",
            "--note",
            note,
        ],
    );
    assert_eq!(code, 0, "{err}");
}

fn checkpoint(dir: &Path) -> (String, String) {
    let (code, out, err) = run(dir, None, &["ledger", "checkpoint"]);
    assert_eq!(code, 0, "{err}");
    (out, err)
}

#[test]
fn witnesses_cosign_a_growing_log_refuse_a_fork_and_date_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write_fixture(&repo);
    keys::create(&repo).unwrap();
    let (code, log_vkey, err) = run(&repo, None, &["ledger", "vkey"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        log_vkey.starts_with("fixture.example/evidence-ledger+"),
        "{log_vkey}"
    );
    let witnesses: Vec<Witness> = ["w1", "w2"]
        .iter()
        .map(|w| {
            start_witness(
                &dir.path().join(w),
                &format!("{w}.witness.test/evident"),
                log_vkey.trim(),
            )
        })
        .collect();
    let mut config = common::CONFIG.to_string();
    for (w, name) in witnesses.iter().zip(["w1", "w2"]) {
        config.push_str(&format!(
            "\n[[witness]]\nname = \"{name}.witness.test/evident\"\nurl = \"{}\"\nkey = \"{}\"\n",
            w.url, w.vkey
        ));
    }
    std::fs::write(repo.join("evident.toml"), config).unwrap();

    // Ten days ago, recorded as then; the checkpoint is signed and witnessed now.
    backup(&repo, Some(&moment(10, 0)), "ten days ago");
    let (first, err) = checkpoint(&repo);

    for name in ["w1", "w2"] {
        assert!(
            first.contains(&format!("\n— {name}.witness.test/evident ")),
            "{name} cosigns: {first}{err}"
        );
    }
    let fork = dir.path().join("fork");
    copy_dir(&repo, &fork);

    // The log grows: each witness checks a consistency proof from size 1.
    backup(&repo, None, "today");
    let (second, err) = checkpoint(&repo);
    assert_eq!(second.matches("\n— w").count(), 2, "{second}{err}");
    assert_eq!(
        std::fs::read_to_string(repo.join("ledger/checkpoint")).unwrap(),
        second,
        "the committed checkpoint carries the cosignatures"
    );
    let (code, said, err) = run(&repo, None, &["ledger", "verify"]);
    assert_eq!(code, 0, "{said}{err}");

    // A fork: the copy taken at size 1 grows differently past size 2.
    backup(&fork, None, "a different history");
    backup(&fork, None, "and more of it");
    let (forked, err) = checkpoint(&fork);
    assert_eq!(forked.matches("\n— w").count(), 0, "{forked}");
    for name in ["w1", "w2"] {
        assert!(
            err.contains(&format!(
                "warning: witness {name}.witness.test/evident did not cosign"
            )) && err.contains("answered 422"),
            "{name} refuses the fork: {err}"
        );
    }

    // The period ten days ago was proven only now, past its two days' grace;
    // today's was proven in time.
    let window = format!("{}..{}", day(15), day(0));
    let (code, out, err) = run(&repo, None, &["period", "--window", &window, "--json"]);
    assert!(code <= 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["witnessed"], true);
    let backup = common::find(&report["controls"], "control", "BACKUP");
    let proof_of = |d: &str| common::find(&backup["periods"], "label", d)["proof"].clone();
    assert_eq!(proof_of(&day(10))["state"], "late", "{backup}");
    assert_eq!(proof_of(&day(0))["state"], "intime", "{backup}");
    let (_, out, _) = run(&repo, None, &["period", "--window", &window]);
    assert!(
        out.contains(&format!("BACKUP {}: late — last entry witnessed", day(10))),
        "{out}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
