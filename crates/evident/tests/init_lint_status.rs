mod common;

use common::{add_evidence, evident, find, run_at, run_in, write_fixture};
use serde_json::Value;
use std::path::Path;

#[test]
fn init_scaffolds_a_program_that_lints_clean_and_covers_security_availability_confidentiality() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("acme");
    let out = evident()
        .args(["init"])
        .arg(&repo)
        .args(["--org", "Acme \"Cloud\" O'Brien"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let controls = std::fs::read_dir(repo.join("controls")).unwrap().count();
    let policies = std::fs::read_dir(repo.join("policies")).unwrap().count();
    assert!(controls >= 25, "{controls} controls");
    assert!(policies >= 10, "{policies} policies");
    for register in ["vendors", "risks", "incidents", "access-reviews"] {
        assert!(
            repo.join(format!("registers/{register}.toml")).is_file(),
            "{register}"
        );
    }

    let (code, stdout, stderr) = run_in(&repo, &["lint"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");

    // The ledger key pair: private with mode 0600 and gitignored, public beside the config.
    let public = std::fs::read_to_string(repo.join("ledger.pub")).unwrap();
    assert!(
        public.starts_with("evident-ledger-public-key/1\n"),
        "{public}"
    );
    let private = repo.join(".evident/keys/ledger.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let gitignore = std::fs::read_to_string(repo.join(".gitignore")).unwrap();
    assert!(gitignore.contains("/.evident/"));

    let (code, stdout, _) = run_in(&repo, &["status", "--json"]);
    assert_eq!(code, 0);
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["org"], "Acme \"Cloud\" O'Brien");
    for cat in status["categories"].as_array().unwrap() {
        if ["security", "availability", "confidentiality"].contains(&cat["id"].as_str().unwrap()) {
            assert_eq!(cat["in_scope"], true);
            assert_eq!(cat["uncovered"].as_array().unwrap().len(), 0, "{cat}");
        }
    }
    let uncovered: Vec<&Value> = status["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["security", "availability", "confidentiality"]
                .contains(&c["category"].as_str().unwrap())
        })
        .filter(|c| c["state"] == "uncovered")
        .collect();
    assert!(uncovered.is_empty(), "{uncovered:?}");
}

#[test]
fn init_never_overwrites_and_names_what_it_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join("controls")).unwrap();
    std::fs::write(repo.join("controls/authentication.md"), "mine").unwrap();
    std::fs::write(repo.join("evident.toml"), "also mine").unwrap();

    let out = evident().arg("init").arg(repo).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("skipped 2 existing file(s)"), "{text}");
    assert!(text.contains("controls/authentication.md") && text.contains("evident.toml"));
    assert_eq!(
        std::fs::read_to_string(repo.join("controls/authentication.md")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("evident.toml")).unwrap(),
        "also mine"
    );

    let key_before = std::fs::read(repo.join(".evident/keys/ledger.key")).unwrap();
    let again = evident().arg("init").arg(repo).output().unwrap();
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("created 0 file(s)"), "{text}");
    assert!(
        text.contains(".evident/keys/ledger.key"),
        "an existing key is reported as skipped: {text}"
    );
    assert_eq!(
        std::fs::read(repo.join(".evident/keys/ledger.key")).unwrap(),
        key_before,
        "the key is never replaced"
    );
}

/// The fixture with two days of evidence: on the 22nd everything passes; on the
/// 23rd the MFA check fails (a regression) and the nightly backup passes again.
fn fixture_with_history(dir: &Path) {
    write_fixture(dir);
    let add = |now: &str, item: &str, result: &str| add_evidence(dir, now, item, result);
    add("2026-11-22T09:00:00Z", "AUTH/mfa-enforced", "pass");
    add("2026-11-22T09:00:00Z", "AUTH/password-policy", "pass");
    add("2026-11-22T09:00:00Z", "BACKUP/nightly", "pass");
    add("2026-11-23T09:00:00Z", "AUTH/mfa-enforced", "fail");
    add("2026-11-23T09:00:00Z", "BACKUP/nightly", "pass");
}

#[test]
fn status_json_of_the_fixture_is_stable() {
    let tmp = tempfile::tempdir().unwrap();
    fixture_with_history(tmp.path());
    let (code, stdout, stderr) = run_at(tmp.path(), "2026-11-23T12:00:00Z", &["status", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!("status_fixture", json);
}

#[test]
fn status_derives_regressions_and_discrepancies_from_the_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    fixture_with_history(tmp.path());
    let (code, stdout, stderr) = run_at(tmp.path(), "2026-11-23T12:00:00Z", &["status"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("AUTH/mfa-enforced: passed in entry 0 (2026-11-22T09:00:00Z), fail since entry 3 (2026-11-23T09:00:00Z)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("AUTH: claims implemented, evidence shows partial"),
        "{stdout}"
    );
    assert!(stdout.contains("mfa-enforced failing: entry 3"), "{stdout}");
    assert!(stdout.contains("open gaps: password-plain"), "{stdout}");
    // As of the 22nd the regression had not happened yet.
    let (_, before, _) = run_at(
        tmp.path(),
        "2026-11-23T12:00:00Z",
        &["status", "--json", "--as-of", "2026-11-22"],
    );
    let json: Value = serde_json::from_str(&before).unwrap();
    let auth = &json["controls"][0];
    assert_eq!(auth["id"], "AUTH");
    assert_eq!(auth["flags"]["regression"], false, "{auth}");
    assert_eq!(auth["derived"], "partial", "the open gap keeps it partial");
    let backup = &json["controls"][1];
    assert_eq!(backup["derived"], "implemented", "{backup}");
    // 26h after its last run the nightly backup is stale.
    let (_, later, _) = run_at(tmp.path(), "2026-11-24T12:00:00Z", &["status", "--json"]);
    let json: Value = serde_json::from_str(&later).unwrap();
    assert_eq!(json["controls"][1]["items"][0]["state"], "stale");
    assert_eq!(json["controls"][1]["flags"]["stale"], true);
}

#[test]
fn status_human_output_names_uncovered_criteria_and_overdue_reviews() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, stdout, _) = run_in(tmp.path(), &["status", "--as-of", "2026-11-23"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Fixture Co — SOC 2 Type I, as of 2026-11-23"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2026-10-30 OVERDUE"),
        "AUTH review every 90d from 2026-08-01: {stdout}"
    );
    assert!(stdout.contains("password-plain (critical)"));
    assert!(stdout.contains("in-scope criteria have no control"));
}

#[test]
fn lint_warns_about_stale_reviews_without_failing() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, stdout, _) = run_in(tmp.path(), &["lint", "--as-of", "2027-02-01"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("policies/access.md:2:1: warning: review.last: policy `POL-ACCESS` was due for review on 2027-01-10"), "{stdout}");
    assert!(
        stdout.contains("controls/auth.md:2:1: warning: review.last: control `AUTH`"),
        "{stdout}"
    );

    let (code, stdout, _) = run_in(tmp.path(), &["lint", "--json", "--as-of", "2026-09-01"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["errors"], 0);
    assert!(
        json["warnings"].as_u64().unwrap() > 0,
        "uncovered criteria are warned about"
    );
}

#[test]
fn bad_as_of_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    let (code, _, stderr) = run_in(tmp.path(), &["status", "--as-of", "2026-02-31"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--as-of: `2026-02-31` is not a real calendar day"),
        "{stderr}"
    );
}

#[test]
fn demo_runs_end_to_end_and_says_where_to_look() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    // A second run replaces the first demo rather than mixing two.
    for _ in 0..2 {
        let out = evident().arg("demo").arg(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("0 errors"), "{text}");
        assert!(text.contains("Where to look:"));
        assert!(text.contains("9. publish the trust portal"), "{text}");
        assert!(dir.join("site/index.html").is_file());
        assert!(dir.join("site/controls/CRYPTO.html").is_file());
        assert!(
            text.contains("regression: AUTH/login-hsts passed before, fails now"),
            "{text}"
        );
        assert!(
            text.contains("discrepancy: CRYPTO claims implemented, the evidence shows partial"),
            "{text}"
        );
        assert!(text.contains("review overdue: ACCESS-REVIEW"), "{text}");
        // `check` sums its run up per control.
        assert!(
            text.contains("┆ pass ┆ fail ┆ error ┆ regressions"),
            "{text}"
        );
        assert!(
            text.contains("   | lumen-analytics.example/evidence-ledger\n   | "),
            "{text}"
        );
    }
    // The demo ends with the server's command and its owner's sign-in; the
    // server serves the same portal pages `build` wrote, and the owner signs
    // in with a printed recovery code.
    let out = evident().arg("demo").arg(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(&format!("-C {} serve", dir.display())),
        "{text}"
    );
    let password = text
        .split("password ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .expect("the demo prints the owner's password");
    let recovery = text
        .split("(each works once): ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("the demo prints recovery codes");
    let server = common::serve(&dir);
    let base = server.base.clone();
    let site: Vec<String> = common::files_under(&dir.join("site"))
        .into_iter()
        .map(|p| {
            p.strip_prefix(dir.join("site"))
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(site.len() > 20, "{site:?}");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let c = common::http_client();
            for page in &site {
                let res = c.get(format!("{base}/{page}")).send().await.unwrap();
                assert_eq!(res.status(), 200, "{page}");
            }
            let body = serde_json::json!({ "email": "owner@demo.example", "password": password, "totp": recovery });
            let res = c
                .post(format!("{base}/api/v1/session"))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
            let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
            let page = c.get(format!("{base}/app/")).header("cookie", cookie).send().await.unwrap();
            assert_eq!(page.status(), 200);
            let page = page.text().await.unwrap();
            assert!(page.contains("Lumen Analytics") && page.contains("Open findings"), "{page}");
        });
    drop(server);
    let (code, out, err) = run_in(&dir, &["ledger", "verify", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Step 8 signs one checkpoint; the evidence bundle signs the one it is proven against.
    assert_eq!(report["checkpoints"], 2);
    for f in [
        "audit/worksheet.xlsx",
        "audit/evidence-bundle.zip",
        "audit/oscal/ssp.json",
        "audit/oscal/assessment-results.json",
        "audit/oscal/poam.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let (code, out, err) = run_in(
        &dir,
        &["ledger", "verify-bundle", "audit/evidence-bundle.zip"],
    );
    assert_eq!(code, 0, "{out}{err}");

    // Its checks ran against the servers, files and repository it set up itself.
    let (_, out, _) = run_in(&dir, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    let item = |control: &str, item: &str| -> serde_json::Value {
        find(
            &find(&status["controls"], "id", control)["items"],
            "id",
            item,
        )
        .clone()
    };
    for (control, id) in [
        ("MONITOR", "health-endpoint"),
        ("VDP", "security-txt"),
        ("BACKUP", "backup-fresh"),
        ("PRIV", "no-static-keys"),
        ("CHANGE", "reviewed-merges"),
        ("SDLC", "codeowners"),
        ("DEPS", "lockfile"),
    ] {
        let i = item(control, id);
        assert_eq!(i["state"], "satisfied", "{control}/{id}: {i}");
    }
    let hsts = item("AUTH", "login-hsts");
    assert_eq!(
        (hsts["state"].as_str(), hsts["regression"].as_bool()),
        (Some("failing"), Some(true)),
        "{hsts}"
    );
    let tls = item("CRYPTO", "tls-modern");
    assert!(
        tls["latest"]["summary"]
            .as_str()
            .unwrap()
            .contains("the certificate expires in"),
        "{tls}"
    );

    // The claim the TLS check contradicts is a finding of `gaps` too.
    let (_, out, _) = run_in(&dir, &["gaps", "--json"]);
    let gaps: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = find(&gaps["findings"], "id", "discrepancy:CRYPTO");
    assert!(
        d["title"]
            .as_str()
            .unwrap()
            .starts_with("claims implemented, evidence shows partial: tls-modern failing"),
        "{d}"
    );

    // A directory that is not an earlier demo is never replaced.
    let other = tmp.path().join("mine");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "keep me").unwrap();
    let out = evident().arg("demo").arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(other.join("notes.txt")).unwrap(),
        "keep me"
    );
}

/// Every file `init` wrote, as text.
fn starter_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name == ".git" || name == ".evident" {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), text));
            }
        }
    }
    out
}

#[test]
fn the_starter_invents_nothing_and_its_checks_pass_or_need_setup() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("fresh");
    let out = evident().arg("init").arg(&repo).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // No approval, review or register entry is dated: none happened.
    let date = regex_lite_date();
    for (file, text) in starter_files(&repo) {
        // What a line says, without its comment.
        for line in text.lines().map(|l| l.split('#').next().unwrap_or("")) {
            let key = line.trim_start();
            let field = ["approved_by:", "approved_on:", "last_review =", "date ="]
                .iter()
                .find(|f| key.starts_with(*f))
                .or(line.contains("last:").then_some(&"last:"));
            assert!(
                field.is_none(),
                "{file}: `{line}` records a fact nobody made"
            );
            assert!(
                !(file.starts_with("registers/") || file.starts_with("policies/")) || !date(line),
                "{file}: `{line}` carries a date"
            );
        }
    }
    // Before anything ran, nothing is satisfied.
    let status = |repo: &Path| -> Value {
        let (code, out, err) = run_in(repo, &["status", "--json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let items = |s: &Value| -> Vec<(String, String, String)> {
        s["controls"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| {
                c["items"].as_array().unwrap().iter().map(move |i| {
                    (
                        format!(
                            "{}/{}",
                            c["id"].as_str().unwrap(),
                            i["id"].as_str().unwrap()
                        ),
                        i["state"].as_str().unwrap().to_string(),
                        i["latest"]["summary"].as_str().unwrap_or("").to_string(),
                    )
                })
            })
            .collect()
    };
    let before = status(&repo);
    let satisfied: Vec<_> = items(&before)
        .into_iter()
        .filter(|(_, s, _)| s == "satisfied")
        .collect();
    assert!(satisfied.is_empty(), "{satisfied:?}");

    // `check` on a fresh machine: every check passes or needs setup; exit 0.
    let (code, out, err) = run_in(&repo, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 fail, 0 error"), "{out}");
    assert!(err.contains("needs setup, not run"), "{err}");
    let after = status(&repo);
    for (item, state, _) in items(&after) {
        assert!(
            ["needs-setup", "missing", "satisfied"].contains(&state.as_str()),
            "{item}: {state}"
        );
    }
    // What is satisfied now is what a check observed: the trust repo's own history.
    let satisfied: Vec<String> = items(&after)
        .into_iter()
        .filter(|(_, s, _)| s == "satisfied")
        .map(|(i, ..)| i)
        .collect();
    assert_eq!(satisfied, ["CHANGE/reviewed-merges"]);
    // Needs-setup is its own finding, never a failure.
    let (_, out, _) = run_in(&repo, &["gaps", "--json"]);
    let gaps: Value = serde_json::from_str(&out).unwrap();
    let setup = find(&gaps["findings"], "id", "needs-setup:BACKUP/backup-fresh");
    assert_eq!(setup["severity"], "minor");
    assert_eq!(setup["since_from"], "git", "{setup}");
    assert!(
        !gaps["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "failing"),
        "{gaps}"
    );
}

/// `2026-01-15`-like text in a line.
fn regex_lite_date() -> impl Fn(&str) -> bool {
    |line: &str| {
        let b = line.as_bytes();
        b.windows(10).any(|w| {
            w.iter().enumerate().all(|(k, c)| match k {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
        })
    }
}

#[test]
fn all_five_categories_cover_all_61_criteria_and_a_criterion_can_be_declared_not_applicable() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("all");
    let out = evident()
        .arg("init")
        .arg(&repo)
        .args([
            "--categories",
            "security,availability,confidentiality,processing-integrity,privacy",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (code, out, err) = run_in(&repo, &["lint"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
    let (_, out, _) = run_in(&repo, &["status", "--json"]);
    let status: Value = serde_json::from_str(&out).unwrap();
    let criteria = status["criteria"].as_array().unwrap();
    assert_eq!(
        criteria.iter().filter(|c| c["in_scope"] == true).count(),
        61
    );
    let uncovered: Vec<&Value> = criteria
        .iter()
        .filter(|c| c["state"] == "uncovered")
        .collect();
    assert!(uncovered.is_empty(), "{uncovered:?}");

    // P5.1 declared not applicable: shown so, never uncovered, in status, the
    // portal and the worksheet.
    let config = std::fs::read_to_string(repo.join("evident.toml")).unwrap();
    std::fs::write(
        repo.join("evident.toml"),
        format!("{config}\n[[audit.not_applicable]]\ncriteria = [\"P8.1\"]\nreason = \"Customers, not we, answer their users' complaints.\"\n")
            .replace("[P5.1, P5.2, P6.7, P8.1]", "[P5.1, P5.2, P6.7]"),
    )
    .unwrap();
    // While a control still names it, lint says the declaration wins.
    let (code, out, _) = run_in(&repo, &["lint"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("controls/privacy-rights.md:2:1: warning: criteria: P8.1 is declared not applicable in evident.toml, yet control `PRIV-RIGHTS` names it"),
        "{out}"
    );
    std::fs::write(
        repo.join("controls/privacy-rights.md"),
        std::fs::read_to_string(repo.join("controls/privacy-rights.md"))
            .unwrap()
            .replace("[P5.1, P5.2, P6.7, P8.1]", "[P5.1, P5.2, P6.7]"),
    )
    .unwrap();
    let (code, out, err) = run_in(&repo, &["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("not applicable: Customers, not we, answer their users' complaints."),
        "{out}"
    );
    let (_, out, _) = run_in(&repo, &["status", "--json"]);
    let status: Value = serde_json::from_str(&out).unwrap();
    let p81 = find(&status["criteria"], "id", "P8.1");
    assert_eq!(p81["state"], "not-applicable", "{p81}");
    let (_, out, _) = run_in(&repo, &["gaps", "--json"]);
    assert!(!out.contains("uncovered:P8.1"), "{out}");
    let site = repo.join("site");
    let (code, _, err) = run_in(&repo, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(repo.join("site/criteria.html")).unwrap();
    assert!(
        page.contains("Not applicable: Customers, not we, answer their users&#x27; complaints."),
        "{page}"
    );
    let sheets = repo.join("sheets");
    let (code, _, err) = run_in(
        &repo,
        &[
            "export",
            "worksheet",
            "--format",
            "csv",
            "--out",
            sheets.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let sheet = std::fs::read_to_string(repo.join("sheets/criteria.csv")).unwrap();
    assert!(
        sheet.contains("P8.1,")
            && sheet.contains("Customers, not we, answer their users' complaints."),
        "{sheet}"
    );
}
