//! A corpus of broken trust repos. Each must give a located message and exit 2, never a panic.

mod common;

use common::{CONFIG, CONTROL, REGISTERS, run_in, write_fixture};
use std::path::Path;

enum Edit {
    /// Replace the first occurrence of `from` with `to` in the file.
    Replace(&'static str, &'static str, &'static str),
    Write(&'static str, Vec<u8>),
    Remove(&'static str),
    /// A symbolic link at the path, to the target.
    Link(&'static str, &'static str),
    /// A FIFO at the path (nothing ever writes to it).
    Fifo(&'static str),
}
use Edit::*;

fn apply(dir: &Path, edit: &Edit) {
    match edit {
        Replace(file, from, to) => {
            let p = dir.join(file);
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.contains(from), "fixture {file} lacks {from:?}");
            std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        }
        Write(file, bytes) => {
            let p = dir.join(file);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        Remove(file) => std::fs::remove_file(dir.join(file)).unwrap(),
        Link(file, target) => {
            let p = dir.join(file);
            let _ = std::fs::remove_file(&p);
            std::os::unix::fs::symlink(target, p).unwrap();
        }
        Fifo(file) => {
            let p = dir.join(file);
            let _ = std::fs::remove_file(&p);
            let made = std::process::Command::new("mkfifo")
                .arg(&p)
                .status()
                .unwrap();
            assert!(made.success(), "mkfifo {file}");
        }
    }
}

fn w(file: &'static str, text: &str) -> Edit {
    Write(file, text.as_bytes().to_vec())
}

/// (name, edits, fragments the lint output must contain)
fn corpus() -> Vec<(&'static str, Vec<Edit>, Vec<&'static str>)> {
    let deep = format!(
        "---\nid: DEEP\ntitle: Deep\ncriteria: [CC6.1]\nowner: o\nfrequency: daily\nnature: manual\nevidence:\n  - id: e\n    describe: d\n    fresh_for: 1d\n    check: {{ kind: http, url: {}{} }}\n---\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    vec![
        (
            "a control that links to a file outside the repo",
            vec![Link("controls/auth.md", "/etc/hostname")],
            vec![
                "controls/auth.md:1:1: error: not read: it links to /etc/hostname, outside the folder it belongs to",
                "copy the file in instead of linking to it",
            ],
        ),
        (
            "the hardening log links to /dev/zero",
            vec![Link("HARDENING-LOG.md", "/dev/zero")],
            vec!["HARDENING-LOG.md:1:1: error: not read: it links to /dev/zero"],
        ),
        (
            "a FIFO among the controls and the registers",
            vec![Fifo("controls/pipe.md"), Fifo("registers/main.toml")],
            vec![
                "controls/pipe.md:1:1: error: not read: it is a FIFO, not a regular file",
                "registers/main.toml:1:1: error: not read: it is a FIFO, not a regular file",
            ],
        ),
        (
            "a FIFO in place of the remediation file",
            vec![Fifo("remediation.toml")],
            vec!["remediation.toml:1:1: error: not read: it is a FIFO"],
        ),
        (
            "a rego check whose policy does not parse, and one whose policy is missing",
            vec![
                w("rego/broken.rego", "package x\n\ndeny contains msg if {\n"),
                w(
                    "controls/rego.md",
                    "---\nid: REGO\ntitle: Rego\ncriteria: [CC6.1]\nowner: o\nfrequency: daily\nnature: automated\nevidence:\n  - id: a\n    describe: d\n    fresh_for: 1d\n    check: { kind: rego, policy: rego/broken.rego, input: x.json, query: data.x.deny }\n  - id: b\n    describe: d\n    fresh_for: 1d\n    check: { kind: rego, policy: none.rego, input: x.json, query: data.x.deny }\n---\n",
                ),
            ],
            vec![
                "controls/rego.md:12:12: error: evidence[0].check.policy: policy does not parse: rego/broken.rego:4:1: ",
                "controls/rego.md:16:12: error: evidence[1].check.policy: policy `none.rego` does not exist",
            ],
        ),
        (
            "a cyclonedx check whose advisories folder is missing, and one outside the repo",
            vec![w(
                "controls/sbom.md",
                "---\nid: SBOM\ntitle: SBOM\ncriteria: [CC7.1]\nowner: o\nfrequency: daily\nnature: automated\nevidence:\n  - id: a\n    describe: d\n    fresh_for: 1d\n    check: { kind: cyclonedx, path: sbom.json, advisories: osv }\n  - id: b\n    describe: d\n    fresh_for: 1d\n    check: { kind: cyclonedx, path: sbom.json, advisories: /etc }\n---\n",
            )],
            vec![
                "controls/sbom.md:12:12: error: evidence[0].check.advisories: folder `osv` does not exist",
                "controls/sbom.md:16:12: error: evidence[1].check.advisories: folder `/etc` is outside the trust repo",
            ],
        ),
        (
            "population checks whose query does not parse, writes, or names no table",
            vec![w(
                "controls/pop.md",
                "---\nid: POP\ntitle: Pop\ncriteria: [CC6.2]\nowner: o\nfrequency: per-event\nnature: automated\nevidence:\n  - id: a\n    describe: d\n    fresh_for: 1d\n    check: { kind: population, tables: { leavers: l.csv }, query: 'SELEC email FROM leavers', key: email }\n  - id: b\n    describe: d\n    fresh_for: 1d\n    check: { kind: population, tables: { leavers: l.csv }, query: 'DROP TABLE leavers', key: email }\n  - id: c\n    describe: d\n    fresh_for: 1d\n    check: { kind: population, tables: { leavers: l.csv, accounts: a.csv }, population: leaver, query: 'SELECT 1', key: email }\n---\n",
            )],
            vec![
                "controls/pop.md:12:12: error: evidence[0].check.query: the SQL does not parse: ",
                "controls/pop.md:16:12: error: evidence[1].check.query: not a query: only SELECT (or WITH … SELECT) runs",
                "controls/pop.md:20:12: error: evidence[2].check.population: `leaver` is not one of the tables (accounts, leavers) nor a query",
            ],
        ),
        (
            "broken yaml",
            vec![Replace(
                "controls/auth.md",
                "criteria: [CC6.1, CC6.2]",
                "criteria: [CC6.1, CC6.2",
            )],
            vec!["controls/auth.md:5:6: error:"],
        ),
        (
            "wrong type: evidence is not a list",
            vec![Replace(
                "controls/auth.md",
                "evidence:\n  - id: mfa-enforced",
                "evidence: yes\nxevidence:\n  - id: mfa-enforced",
            )],
            vec!["controls/auth.md:10:", "evidence"],
        ),
        (
            "wrong type: criteria entry is a map",
            vec![Replace(
                "controls/auth.md",
                "criteria: [CC6.1, CC6.2]",
                "criteria: [{a: 1}]",
            )],
            vec!["controls/auth.md:4:", "criteria"],
        ),
        (
            "unknown criterion",
            vec![Replace("controls/auth.md", "CC6.2]", "CC6.9]")],
            vec![
                "controls/auth.md:4:19: error: criteria: unknown criterion `CC6.9`",
                "did you mean",
            ],
        ),
        (
            "unknown criterion in a policy",
            vec![Replace(
                "policies/access.md",
                "criteria: [CC6.1]",
                "criteria: [CC66.1]",
            )],
            vec!["policies/access.md:9:", "unknown criterion `CC66.1`"],
        ),
        (
            "duplicate control ids",
            vec![w("controls/auth-copy.md", CONTROL)],
            vec![
                "controls/auth.md:2:5: error: id: duplicate control id `AUTH`",
                "already used at controls/auth-copy.md:2",
            ],
        ),
        (
            "duplicate evidence ids",
            vec![Replace(
                "controls/auth.md",
                "id: password-policy",
                "id: mfa-enforced",
            )],
            vec![
                "controls/auth.md:16:",
                "duplicate evidence item id `mfa-enforced`",
            ],
        ),
        (
            "missing evidence file",
            vec![Remove("evidence/password-policy.pdf")],
            vec![
                "controls/auth.md:18:11: error: evidence[1].file: evidence file `evidence/password-policy.pdf` does not exist",
            ],
        ),
        (
            "evidence file outside the repo",
            vec![Replace(
                "controls/auth.md",
                "file: evidence/password-policy.pdf",
                "file: ../../etc/passwd",
            )],
            vec!["controls/auth.md:18:", "is outside the trust repo"],
        ),
        (
            "bad date",
            vec![Replace(
                "controls/auth.md",
                "opened: 2026-10-01",
                "opened: 2026-13-01",
            )],
            vec![
                "controls/auth.md:24:",
                "`2026-13-01` is not a real calendar day",
            ],
        ),
        (
            "date in the wrong shape",
            vec![Replace(
                "controls/auth.md",
                "last: 2026-08-01",
                "last: 01/08/2026",
            )],
            vec!["controls/auth.md:9:", "write it as YYYY-MM-DD"],
        ),
        (
            "bad duration",
            vec![Replace(
                "controls/auth.md",
                "fresh_for: 30d",
                "fresh_for: 30x",
            )],
            vec![
                "controls/auth.md:13:",
                "fresh_for",
                "`30x` has no known unit",
            ],
        ),
        (
            "empty control file",
            vec![w("controls/empty.md", "")],
            vec!["controls/empty.md:1:1: error: file is empty"],
        ),
        (
            "binary garbage",
            vec![Write(
                "controls/garbage.md",
                (0u8..=255).cycle().take(4096).collect(),
            )],
            vec!["controls/garbage.md:1:1: error: file contains a NUL byte"],
        ),
        (
            "invalid utf-8",
            vec![Write(
                "controls/latin1.md",
                b"---\nid: CAF\xe9\n---\n".to_vec(),
            )],
            vec!["controls/latin1.md:2:", "not valid UTF-8"],
        ),
        (
            "50 MB file",
            vec![Write("controls/huge.md", vec![b'a'; 50 * 1024 * 1024])],
            vec!["controls/huge.md:1:1: error: file is 52428800 bytes"],
        ),
        (
            "deep nesting",
            vec![Write("controls/deep.md", deep.into_bytes())],
            vec!["controls/deep.md:12:", "recursion limit"],
        ),
        (
            "unknown field with a typo",
            vec![Replace(
                "controls/auth.md",
                "owner: security@",
                "ownr: security@",
            )],
            vec![
                "controls/auth.md:5:1: error: ownr: unknown field `ownr`",
                "did you mean `owner`?",
            ],
        ),
        (
            "missing statement section",
            vec![Replace("controls/auth.md", "## Statement", "## Statment")],
            vec!["controls/auth.md:", "missing the `## Statement` section"],
        ),
        (
            "no front matter",
            vec![w("controls/plain.md", "# Just a heading\n")],
            vec!["controls/plain.md:1:1: error: no front matter"],
        ),
        (
            "unclosed front matter",
            vec![w("controls/open.md", "---\nid: OPEN\ntitle: Open\n")],
            vec!["controls/open.md:1:1: error: front matter is never closed"],
        ),
        (
            "missing evident.toml",
            vec![Remove("evident.toml")],
            vec!["evident.toml:1:1: error: no evident.toml", "evident init"],
        ),
        (
            "broken toml",
            vec![w(
                "evident.toml",
                &CONFIG.replacen("name = \"Fixture Co\"", "name = Fixture Co", 1),
            )],
            vec!["evident.toml:4:8: error: name:"],
        ),
        (
            "unsupported schema version",
            vec![w(
                "evident.toml",
                &CONFIG.replacen("schema = 1", "schema = 2", 1),
            )],
            vec!["evident.toml:1:10: error: schema: schema 2 is not one this evident reads"],
        ),
        (
            "unusable database URL",
            vec![w(
                "evident.toml",
                &CONFIG.replacen(
                    "schema = 1\n",
                    "schema = 1\ndatabase = \"mysql://ledger\"\n",
                    1,
                ),
            )],
            vec![
                "evident.toml:2:12: error: database: `mysql://ledger` is not a database evident can use",
            ],
        ),
        (
            "an S3 bucket name that is not one",
            vec![w(
                "evident.toml",
                &format!(
                    "{CONFIG}\n[blobs]\ns3 = {{ endpoint = \"https://s3.example.com\", bucket = \"Acme_Evidence\" }}\n"
                ),
            )],
            vec![
                "evident.toml:20:6: error: blobs.s3.bucket: `Acme_Evidence` is not a bucket name",
            ],
        ),
        (
            "an S3 secret in the trust repo",
            vec![w(
                "evident.toml",
                &format!(
                    "{CONFIG}\n[blobs]\ns3 = {{ endpoint = \"https://s3.example.com\", bucket = \"acme\", secret_access_key = \"x\" }}\n"
                ),
            )],
            vec!["secret_access_key"],
        ),
        (
            "a javascript: organisation address",
            vec![w(
                "evident.toml",
                &CONFIG.replacen(
                    "url = \"https://fixture.example\"",
                    "url = \"javascript:alert(1)\"",
                    1,
                ),
            )],
            vec!["evident.toml:5:7: error: org.url: `javascript:alert(1)` is not an http(s) address"],
        ),
        (
            "a line break in the security contact (a second Contact line)",
            vec![w(
                "evident.toml",
                &CONFIG.replacen(
                    "security_contact = \"security@fixture.example\"",
                    "security_contact = \"security@fixture.example\\nContact: https://evil.example\"",
                    1,
                ),
            )],
            vec!["evident.toml:6:20: error: org.security_contact: `security@fixture.example\\nContact: https://evil.example` is not one e-mail address"],
        ),
        (
            "a base URL with a line break and a language with one",
            vec![w(
                "evident.toml",
                &format!(
                    "{CONFIG}\n[portal]\nbase_url = \"https://trust.fixture.example\\nEncryption: https://evil.example/k\"\nlanguages = [\"en\\nHiring: x\"]\n"
                ),
            )],
            vec![
                "error: portal.base_url: `https://trust.fixture.example\\nEncryption: https://evil.example/k` holds a space, a line break or a character an address cannot",
                "error: portal.languages: `en\\nHiring: x` is not a language tag",
            ],
        ),
        (
            "unknown category",
            vec![w(
                "evident.toml",
                &CONFIG.replacen("\"availability\"]", "\"availabilty\"]", 1),
            )],
            vec![
                "evident.toml:10:27: error: audit.categories: unknown category `availabilty`",
                "did you mean `availability`?",
            ],
        ),
        (
            "type2 without a window",
            vec![w(
                "evident.toml",
                &CONFIG.replacen("type = \"type1\"", "type = \"type2\"", 1),
            )],
            vec![
                "evident.toml:",
                "audit.window: a Type II audit needs an observation window",
            ],
        ),
        (
            "window ends before it starts",
            vec![w(
                "evident.toml",
                &CONFIG.replacen(
                    "target = ",
                    "window = { from = 2026-12-31, to = 2026-07-01 }\ntarget = ",
                    1,
                ),
            )],
            vec!["evident.toml:12:10: error: audit.window: window ends before it starts"],
        ),
        (
            "sla out of range",
            vec![w(
                "evident.toml",
                &CONFIG.replacen("critical = 1", "critical = 0", 1),
            )],
            vec!["evident.toml:15:12: error: sla.critical: 0 is not a number of days"],
        ),
        (
            "invalid utf-8 in evident.toml",
            vec![Write(
                "evident.toml",
                b"schema = 1\n[org]\nname = \"\xff\"\n".to_vec(),
            )],
            vec!["evident.toml:3:", "not valid UTF-8"],
        ),
        (
            "unknown field in a vendor",
            vec![w(
                "registers/main.toml",
                &REGISTERS.replacen("purpose = ", "purpse = ", 1),
            )],
            vec![
                "registers/main.toml:3:1: error: purpse: unknown field `purpse`",
                "did you mean `purpose`?",
            ],
        ),
        (
            "risk names an unknown control",
            vec![w(
                "registers/main.toml",
                &REGISTERS.replacen("controls = [\"AUTH\"]", "controls = [\"AUTHN\"]", 1),
            )],
            vec![
                "registers/main.toml:18:13: error: risk.controls: no control has id `AUTHN`",
                "did you mean `AUTH`?",
            ],
        ),
        (
            "incident tier out of range",
            vec![w(
                "registers/main.toml",
                &REGISTERS.replacen("tier = 3", "tier = 7", 1),
            )],
            vec!["registers/main.toml:24:8: error: incident.tier: tier 7 is not 1 to 4"],
        ),
        (
            "impossible register date",
            vec![w(
                "registers/main.toml",
                &REGISTERS.replacen(
                    "last_review = 2026-03-01",
                    "last_review = \"2026-02-30\"",
                    1,
                ),
            )],
            vec!["registers/main.toml:9:", "not a real calendar day"],
        ),
        (
            "duplicate vendors",
            vec![w(
                "registers/more.toml",
                "[[vendor]]\nname = \"Cloud Host\"\npurpose = \"x\"\nlocation = \"EU\"\nlast_review = 2026-01-01\n",
            )],
            vec!["registers/more.toml:1:1: error: vendor.name: duplicate vendor id `Cloud Host`"],
        ),
        (
            "policy approved by someone on no day",
            vec![Replace(
                "policies/access.md",
                "approved_on: 2026-01-10\n",
                "",
            )],
            vec![
                "policies/access.md:2:1: error: approved_on: `approved_by` is set but `approved_on` is not",
            ],
        ),
        (
            "invalid control id",
            vec![Replace("controls/auth.md", "id: AUTH", "id: \"bad id!\"")],
            vec!["controls/auth.md:2:5: error: id: `bad id!` is not a valid id"],
        ),
        (
            "misspelt check setting",
            vec![Replace(
                "controls/auth.md",
                "check: { kind: http, url: \"https://app.example.com/login\" }",
                "check: { kind: http, url: \"https://app.example.com/login\", expect_stauts: 200 }",
            )],
            vec![
                "controls/auth.md:14:12: error: evidence[0].check.expect_stauts: unknown setting `expect_stauts`; did you mean `expect_status`?",
            ],
        ),
        (
            "check regex that does not compile",
            vec![Replace(
                "controls/auth.md",
                "check: { kind: http, url: \"https://app.example.com/login\" }",
                "check: { kind: command, run: [\"true\"], stdout_must_match: \"(\" }",
            )],
            vec!["evidence[0].check.stdout_must_match: not a regular expression"],
        ),
        (
            "check and file on one item",
            vec![Replace(
                "controls/auth.md",
                "    file: evidence/password-policy.pdf",
                "    file: evidence/password-policy.pdf\n    check: { kind: file, path: x }",
            )],
            vec!["controls/auth.md:19:", "a check or a file, not both"],
        ),
        (
            "unknown check kind",
            vec![Replace("controls/auth.md", "kind: http", "kind: smtp")],
            vec!["controls/auth.md:14:", "unknown variant `smtp`"],
        ),
        (
            "gap closed before it opened",
            vec![Replace(
                "controls/auth.md",
                "opened: 2026-10-01",
                "opened: 2026-10-01\n    closed: 2026-09-01",
            )],
            vec![
                "controls/auth.md:25:",
                "gaps[0].closed: 2026-09-01 is before the gap was opened",
            ],
        ),
        (
            "duplicate yaml key",
            vec![Replace(
                "controls/auth.md",
                "nature: automated",
                "nature: automated\nnature: manual",
            )],
            vec!["controls/auth.md:8:", "duplicate"],
        ),
        (
            "no criteria",
            vec![Replace(
                "controls/auth.md",
                "criteria: [CC6.1, CC6.2]",
                "criteria: []",
            )],
            vec![
                "controls/auth.md:2:1: error: criteria: a control must map to at least one criterion",
            ],
        ),
        (
            "unknown frequency",
            vec![Replace(
                "controls/auth.md",
                "frequency: continuous",
                "frequency: fortnightly",
            )],
            vec!["controls/auth.md:6:", "unknown variant `fortnightly`"],
        ),
        (
            "missing required field",
            vec![Replace(
                "controls/auth.md",
                "owner: security@example.com\n",
                "",
            )],
            vec!["controls/auth.md:", "missing field `owner`"],
        ),
        (
            "claimed state contradicts not_applicable",
            vec![Replace(
                "controls/auth.md",
                "claimed: implemented",
                "claimed: implemented\nnot_applicable: no users",
            )],
            vec![
                "controls/auth.md:8:10: error: claimed: claims `implemented` but is declared not applicable",
            ],
        ),
        (
            "front matter is a list",
            vec![w("controls/list.md", "---\n- a\n- b\n---\n")],
            vec!["controls/list.md:2:", "error:"],
        ),
        (
            "remediation state misspelt",
            vec![w(
                "remediation.toml",
                "[[item]]\nid = \"gap:AUTH/password-plain\"\nstate = \"remediatng\"\n",
            )],
            vec![
                "remediation.toml:3:9: error: item.state: `remediatng` is not a remediation state",
                "did you mean `remediating`?",
            ],
        ),
        (
            "remediation verified without proof, listed twice",
            vec![w(
                "remediation.toml",
                "[[item]]\nid = \"gap:AUTH/x\"\nstate = \"closed\"\n[[item]]\nid = \"a\"\nstate = \"open\"\n[[item]]\nid = \"a\"\nstate = \"open\"\n",
            )],
            vec![
                "remediation.toml:3:9: error: item.verified_by: `gap:AUTH/x` is closed but names no ledger entry",
                "remediation.toml:8:6: error: item.id: `a` is listed twice",
            ],
        ),
        (
            "sample size out of range",
            vec![Replace(
                "evident.toml",
                "[sla]",
                "[sample]\ndaily = 0\n\n[sla]",
            )],
            vec![
                "evident.toml:",
                "error: sample.daily: 0 is not a sample size from 1 to 1000",
            ],
        ),
    ]
}

#[test]
fn every_malformed_repo_gets_a_located_error_and_exit_2() {
    let cases = corpus();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (name, edits, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        write_fixture(tmp.path());
        for e in &edits {
            apply(tmp.path(), e);
        }
        let (code, stdout, stderr) = run_in(tmp.path(), &["lint"]);
        let problems = [
            (code != 2).then(|| format!("exit {code}, not 2")),
            stderr.contains("panicked").then(|| "panicked".to_string()),
        ];
        let mut why: Vec<String> = problems.into_iter().flatten().collect();
        why.extend(
            expected
                .iter()
                .filter(|f| !stdout.contains(*f))
                .map(|f| format!("missing {f:?}")),
        );
        if !why.is_empty() {
            failures.push(format!("{name}: {}\n---\n{stdout}{stderr}", why.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_verb_that_needs_the_repo_refuses_a_broken_one_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixture(tmp.path());
    apply(tmp.path(), &Replace("controls/auth.md", "CC6.2]", "CC6.9]"));
    let (code, stdout, stderr) = run_in(tmp.path(), &["status"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("controls/auth.md:4:19: error: criteria: unknown criterion `CC6.9`"),
        "{stderr}"
    );
}
