//! A hostile-input corpus: every user-controlled field carries markup, a
//! formula, a terminal escape or a line break, and every output renders it
//! inert: the portal's HTML pages, sitemap.xml, security.txt, the Atom feed,
//! the CSV and XLSX worksheets, OSCAL JSON and the terminal. Values that would
//! change what a line-based file or a link says are refused where they enter,
//! as lint errors naming the file, line and field.

mod common;

use common::{
    CONFIG, CONTROL, POLICY, REGISTERS, add_evidence, add_evidence_noted, files_under, run_at,
    write_fixture,
};
use std::path::Path;

const NOW: &str = "2026-11-23T12:00:00Z";

/// Values refused where they enter: (case, text replacing `[sla]` in
/// evident.toml, the field the lint error names).
const REFUSED: [(&str, &str, &str); 14] = [
    (
        "a javascript: organisation address",
        "[org]\nurl = \"javascript:alert(1)\"",
        "org.url",
    ),
    (
        "a base URL with a line of its own",
        "[portal]\nbase_url = \"https://t.example\\nContact: mailto:evil@evil.example\"",
        "portal.base_url",
    ),
    (
        "a javascript: disclosure policy",
        "[portal]\ndisclosure_policy = \"JavaScript:alert(1)\"",
        "portal.disclosure_policy",
    ),
    (
        "a language with a line of its own",
        "[portal]\nlanguages = [\"en\\nEncryption: https://evil.example\"]",
        "portal.languages",
    ),
    (
        "a javascript: report request",
        "[portal]\nreport_request = \"javascript:alert(1)\"",
        "portal.report_request",
    ),
    (
        "a mailto: report request with a line break",
        "[portal]\nreport_request = \"mailto:a@b.example\\nBcc: x@evil.example\"",
        "portal.report_request",
    ),
    (
        "a data: encryption key",
        "[portal.disclosure]\nencryption = \"data:text/html,<script>alert(1)</script>\"",
        "portal.disclosure.encryption",
    ),
    (
        "a vbscript: bounty",
        "[portal.disclosure]\nbounty = \"vbscript:msgbox(1)\"",
        "portal.disclosure.bounty",
    ),
    (
        "an acknowledgments address with a space",
        "[portal.disclosure]\nacknowledgments = \"https://a.example/ x\"",
        "portal.disclosure.acknowledgments",
    ),
    (
        "a response time with a line of its own",
        "[portal.disclosure]\nresponse_time = \"1 day\\nContact: mailto:evil@evil.example\"",
        "portal.disclosure.response_time",
    ),
    (
        "a safe harbour with a terminal escape",
        "[portal.disclosure]\nsafe_harbour = \"ok\\u001b[2J\"",
        "portal.disclosure.safe_harbour",
    ),
    (
        "a page that is not one",
        "[portal]\npages = [\"../../etc/passwd\"]",
        "portal.pages",
    ),
    (
        "a detail level that is not one",
        "[portal]\ndetail = \"<script>\"",
        "portal.detail",
    ),
    (
        "a security contact with a second line",
        "[org]\nsecurity_contact = \"a@b.example\\nEncryption: https://evil.example\"",
        "org.security_contact",
    ),
];

#[test]
fn values_that_would_change_a_line_or_a_link_are_refused_where_they_enter() {
    let mut failures = Vec::new();
    for (case, toml, field) in REFUSED {
        let tmp = tempfile::tempdir().unwrap();
        write_fixture(tmp.path());
        // [org] is already there: a second one would be a TOML error, so org
        // cases replace its field instead.
        let config = match toml.strip_prefix("[org]\n") {
            Some(line) => {
                let key = line.split(" = ").next().unwrap();
                CONFIG
                    .lines()
                    .map(|l| {
                        if l.starts_with(&format!("{key} = ")) {
                            line.to_string()
                        } else {
                            l.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            None => CONFIG.replace("[sla]", &format!("{toml}\n\n[sla]")),
        };
        std::fs::write(tmp.path().join("evident.toml"), config).unwrap();
        let (code, out, err) = run_at(tmp.path(), NOW, &["lint"]);
        let located = out
            .lines()
            .any(|l| l.starts_with("evident.toml:") && l.contains(&format!("error: {field}: ")));
        if code != 2 || !located || out.contains('\u{1b}') {
            failures.push(format!("{case}: exit {code}\n{out}{err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Accepted values, each hostile for some output; `N` numbers the case so that
/// each can be found, escaped, where it lands.
fn script(n: u32) -> String {
    format!("<script>alert({n})</script>")
}

const ESC: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}";

/// (case, where it lands inert: output and the text that must be there)
fn accepted_cases() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "organisation name with a script",
            vec![
                ("html", "Fixture &lt;script&gt;alert(1)".into()),
                ("feed", "Fixture &lt;script&gt;alert(1)".into()),
            ],
        ),
        (
            "portal title breaking out of an attribute",
            vec![(
                "html",
                "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;".into(),
            )],
        ),
        (
            "control title with a script",
            vec![
                ("html", "&lt;script&gt;alert(3)".into()),
                ("csv", script(3)),
                ("oscal", "alert(3)".into()),
            ],
        ),
        (
            "item description with an event handler",
            vec![("html", "&lt;img src=x onerror=alert(4)&gt;".into())],
        ),
        (
            "item description starting a formula",
            vec![("csv", "password-policy: =HYPERLINK(".into())],
        ),
        (
            "control owner with a terminal escape",
            vec![("terminal", "\\u{1b}[31m".into())],
        ),
        (
            "section title with a script",
            vec![("html", "Heading 7".into())],
        ),
        (
            "Markdown link to javascript:",
            vec![("html", "click 8".into())],
        ),
        ("Markdown iframe", vec![("html", "after iframe 9".into())]),
        (
            "gap title starting a formula",
            vec![("csv", "'+cmd|".into()), ("terminal", "+cmd|".into())],
        ),
        (
            "gap title with a terminal escape",
            vec![("terminal", "\\u{1b}]0;owned".into())],
        ),
        (
            "vendor name starting a formula, with markup",
            vec![
                ("html", "-2+3 &lt;b&gt;Vendor&lt;&#x2f;b&gt;".into()),
                ("csv", "'-2+3 <b>Vendor</b>".into()),
            ],
        ),
        (
            "vendor purpose starting a formula",
            vec![("csv", "'@SUM(1+1)".into())],
        ),
        (
            "vendor location with a terminal escape",
            vec![("xlsx", "EU_x001B_[2J".into())],
        ),
        (
            "vendor SOC 2 with an SVG handler",
            vec![("html", "&lt;svg onload=alert(15)&gt;".into())],
        ),
        (
            "vendor data with a script",
            vec![("html", "&lt;script&gt;alert(16)".into())],
        ),
        (
            "public incident title with a script",
            vec![("html", "&lt;script&gt;alert(17)".into())],
        ),
        (
            "incident title starting a formula",
            vec![("csv", "'=1+18".into())],
        ),
        (
            "risk title starting a formula",
            vec![("csv", "'=cmd|' /C calc'!A19".into())],
        ),
        (
            "policy title with a script",
            vec![("csv", script(20)), ("xlsx", script(20))],
        ),
        (
            "access review system with a formula",
            vec![("csv", "'=21".into())],
        ),
        (
            "evidence note with a script and an escape",
            vec![
                (
                    "terminal",
                    "note 22 <script>alert(22)</script> \\u{1b}[2J".into(),
                ),
                ("html", "note 24".into()),
            ],
        ),
        (
            "evidence note starting a formula",
            vec![("terminal", "password-policy.pdf: =23+note".into())],
        ),
        (
            "evidence note with a fake line",
            vec![("terminal", "note 24\\nerror: forged".into())],
        ),
        (
            "retraction reason with a script",
            vec![("html", "reason &lt;script&gt;alert(25)".into())],
        ),
        (
            "hardening log with a script and a javascript: link",
            vec![("html", "log 26".into())],
        ),
        (
            "DISCLOSURE.md with an iframe and a javascript: link",
            vec![("html", "disclosure 27".into())],
        ),
        (
            "not-applicable reason with a script",
            vec![
                ("html", "&lt;script&gt;alert(28)".into()),
                ("oscal", "alert(28)".into()),
            ],
        ),
        (
            "audit target with a script",
            vec![("html", "&lt;script&gt;alert(29)".into())],
        ),
        (
            "auditor firm with a script",
            vec![("html", "&lt;script&gt;alert(30)".into())],
        ),
        (
            "remediation owner with a terminal escape",
            vec![
                ("csv", "remediation 31".into()),
                ("terminal", "remediation 31 \\u{1b}[2J".into()),
            ],
        ),
        (
            "safe harbour with markup",
            vec![
                ("html", "&lt;b&gt;harbour 32".into()),
                ("security.txt", "# Safe harbour: <b>harbour 32".into()),
            ],
        ),
        (
            "response time with markup",
            vec![("html", "&lt;i&gt;1 day".into())],
        ),
        (
            "base URL with a quote-free query",
            vec![
                ("sitemap", "a=1&amp;b=2/index.html".into()),
                (
                    "security.txt",
                    "Canonical: https://t.example/x?a=1&b=2/.well-known/security.txt".into(),
                ),
            ],
        ),
    ]
}

/// Writes a trust repo whose every field is hostile (the cases above).
fn hostile_repo(dir: &Path) {
    write_fixture(dir);
    evident_ledger::keys::create(dir).unwrap();
    let config = CONFIG
        .replace("name = \"Fixture Co\"", "name = \"Fixture <script>alert(1)</script>\"")
        .replace("target = \"H1 2027\"", "target = \"H1 2027 <script>alert(29)</script>\"")
        .replace(
            "[sla]",
            concat!(
                "[audit.auditor]\nengaged = true\nfirm = \"Firm <script>alert(30)</script>\"\n\n",
                "[[audit.not_applicable]]\ncriteria = [\"A1.3\"]\nreason = \"N/A <script>alert(28)</script>\"\n\n",
                "[portal]\n",
                "title = \"\\\"><img src=x onerror=alert(2)>\"\n",
                "base_url = \"https://t.example/x?a=1&b=2\"\n",
                "detail = \"full\"\n",
                "[portal.disclosure]\n",
                "safe_harbour = \"<b>harbour 32</b>\"\n",
                "response_time = \"<i>1 day</i>\"\n\n",
                "[sla]",
            ),
        );
    std::fs::write(dir.join("evident.toml"), config).unwrap();
    let control = CONTROL
        .replace("title: Authentication", "title: \"Auth <script>alert(3)</script>\"")
        .replace("owner: security@example.com", "owner: \"owner \\e[31mred\"")
        .replace("describe: MFA required", "describe: \"MFA <img src=x onerror=alert(4)>\"")
        .replace(
            "describe: Approved password policy",
            "describe: '=HYPERLINK(\"http://evil.example\",\"5\")'",
        )
        .replace(
            "title: Remove the plaintext password column",
            "title: \"+cmd|' /C calc'!A10 \\e]0;owned\\a\"",
        )
        .replace(
            "## Implementation\n\nSSO with enforced MFA.",
            "## Heading 7 <script>alert(7)</script>\n\n[click 8](javascript:alert(8))\n\n<iframe src=\"https://evil.example\"></iframe>after iframe 9\n\n## Implementation\n\nSSO with enforced MFA.",
        );
    std::fs::write(dir.join("controls/auth.md"), control).unwrap();
    std::fs::write(
        dir.join("policies/access.md"),
        POLICY.replace(
            "title: Access control policy",
            "title: \"Policy <script>alert(20)</script>\"",
        ),
    )
    .unwrap();
    let registers = REGISTERS
        .replace("name = \"Cloud Host\"", "name = \"-2+3 <b>Vendor</b>\"")
        .replace("purpose = \"Hosting\"", "purpose = \"@SUM(1+1)\"")
        .replace("location = \"EU\"", "location = \"EU\\u001b[2J\"")
        .replace("soc2 = \"type2\"", "soc2 = \"<svg onload=alert(15)>\"")
        .replace(
            "data = [\"customer data\"]",
            "data = [\"<script>alert(16)</script>\"]",
        )
        .replace(
            "title = \"Expired certificate\"",
            "title = \"<script>alert(17)</script>\"\nvisibility = \"public\"",
        )
        .replace(
            "title = \"Account takeover\"",
            "title = \"=cmd|' /C calc'!A19\"",
        )
        .replace("system = \"Production\"", "system = \"=21\"")
        + "\n[[incident]]\nid = \"INC-2\"\ntitle = \"=1+18\"\ntier = 3\nopened = 2026-03-05\nresolved = 2026-03-06\n";
    std::fs::write(dir.join("registers/main.toml"), registers).unwrap();
    std::fs::write(
        dir.join("HARDENING-LOG.md"),
        "# Log\n\n- log 26 <script>alert(26)</script> [x](javascript:alert(26))\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("DISCLOSURE.md"),
        "disclosure 27 <iframe src=\"https://evil.example\"></iframe> [x](javascript:alert(27))\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("remediation.toml"),
        "[[item]]\nid = \"gap:AUTH/password-plain\"\nstate = \"remediating\"\nowner = \"remediation 31 \\u001b[2J\"\n",
    )
    .unwrap();
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/password-policy", "pass");
    for (at, note) in [
        (
            "2026-11-21T09:00:00Z",
            format!("note 22 {} {ESC}", script(22)),
        ),
        ("2026-11-21T10:00:00Z", "=23+note".to_string()),
        ("2026-11-21T11:00:00Z", "note 24\nerror: forged".to_string()),
    ] {
        add_evidence_noted(dir, at, "AUTH/mfa-enforced", "fail", Some(&note));
    }
    let (code, _, err) = run_at(
        dir,
        "2026-11-22T09:00:00Z",
        &[
            "evidence",
            "retract",
            "2",
            "--reason",
            &format!("reason {}", script(25)),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_at(dir, NOW, &["ledger", "checkpoint"]);
    assert_eq!(code, 0, "{err}");
}

/// Every file under `dir`, as text, by path.
fn read_all(dir: &Path) -> Vec<(String, String)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (p.strip_prefix(dir).unwrap().display().to_string(), text)
        })
        .collect()
}

fn python(script: &str, arg: &Path) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(arg)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_output_renders_every_hostile_value_inert() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hostile_repo(dir);
    if std::env::var_os("HOSTILE_KEEP").is_some() {
        eprintln!("kept: {}", tmp.keep().display());
        return;
    }
    let (code, out, err) = run_at(dir, NOW, &["lint"]);
    assert!(code == 0 || code == 1, "lint: {code}\n{out}{err}");

    // The outputs.
    let site = dir.join("site");
    let (code, _, err) = run_at(dir, NOW, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let csv_dir = dir.join("csv");
    let xlsx = dir.join("w.xlsx");
    let oscal = dir.join("ssp.json");
    for args in [
        vec![
            "export",
            "worksheet",
            "--format",
            "csv",
            "--out",
            csv_dir.to_str().unwrap(),
        ],
        vec!["export", "worksheet", "--out", xlsx.to_str().unwrap()],
        vec![
            "export",
            "oscal",
            "--model",
            "ssp",
            "--out",
            oscal.to_str().unwrap(),
        ],
    ] {
        let (code, _, err) = run_at(dir, NOW, &args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let mut terminal = String::new();
    for verb in [
        &["lint"][..],
        &["status"],
        &["gaps"],
        &["remediation"],
        &["evidence", "list"],
        &["period"],
    ] {
        let (_, out, err) = run_at(dir, NOW, verb);
        terminal.push_str(&out);
        terminal.push_str(&err);
    }
    let files = read_all(&site);
    let html: String = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(_, t)| t.as_str())
        .collect();
    let file = |name: &str| {
        files
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("{name} not built"))
    };
    let csv: String = read_all(&csv_dir).into_iter().map(|(_, t)| t).collect();
    let cells = python(
        r#"
import sys, json, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
cells = []
for sheet in book.worksheets:
    for row in sheet.iter_rows():
        for c in row:
            if c.value is not None:
                cells.append([c.data_type, str(c.value)])
print(json.dumps(cells))
"#,
        &xlsx,
    );
    let cells: Vec<(String, String)> = serde_json::from_str(&cells).unwrap();
    let xlsx_text: String = cells.iter().map(|(_, v)| format!("{v}\n")).collect();
    let oscal_text = std::fs::read_to_string(&oscal).unwrap();
    let _: serde_json::Value = serde_json::from_str(&oscal_text).expect("OSCAL is JSON");
    let outputs: Vec<(&str, String)> = vec![
        ("html", html.clone()),
        ("sitemap", file("sitemap.xml")),
        ("security.txt", file(".well-known/security.txt")),
        ("feed", file("feed.xml")),
        ("csv", csv.clone()),
        ("xlsx", xlsx_text),
        ("oscal", oscal_text),
        ("terminal", terminal.clone()),
    ];

    // Each case reached its outputs, inert.
    let cases = accepted_cases();
    let mut missing = Vec::new();
    for (case, wants) in &cases {
        for (output, text) in wants {
            let (_, got) = outputs.iter().find(|(o, _)| o == output).unwrap();
            if !got.contains(text.as_str()) {
                missing.push(format!("{case}: {output} lacks {text:?}"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(cases.len() + REFUSED.len() >= 40);

    // Nothing anywhere is live.
    let lower = html.to_lowercase();
    for live in [
        "<script",
        "<iframe",
        "javascript:",
        "onerror=\"",
        "onload=\"",
        "<img src=x",
    ] {
        assert!(!lower.contains(live), "HTML holds {live:?}");
    }
    for (path, text) in &files {
        if path.ends_with(".xml") || path.ends_with(".svg") {
            assert!(!text.contains("<script"), "{path} holds a script");
        }
    }
    assert!(
        !terminal.contains('\u{1b}'),
        "the terminal got an escape:\n{terminal}"
    );
    assert!(
        !terminal.contains("\nerror: forged"),
        "a forged line reached the terminal"
    );
    for line in csv.lines().flat_map(|l| l.split(',')) {
        let cell = line.trim_start_matches('"');
        assert!(
            !cell.starts_with(['=', '+', '@']),
            "a CSV cell would run as a formula: {cell}"
        );
    }
    assert!(
        cells.iter().all(|(kind, _)| kind != "f"),
        "an XLSX cell is a formula"
    );
    // security.txt: every line a field or a comment; sectxt accepts it.
    let txt = file(".well-known/security.txt");
    for line in txt.lines() {
        assert!(
            line.starts_with('#')
                || [
                    "Contact:",
                    "Expires:",
                    "Canonical:",
                    "Policy:",
                    "Preferred-Languages:",
                    "Encryption:",
                    "Acknowledgments:"
                ]
                .iter()
                .any(|f| line.starts_with(f)),
            "security.txt line {line:?}"
        );
    }
    python(
        "import sys, sectxt\np = sectxt.Parser(open(sys.argv[1], 'rb').read())\nprint(p.errors)\nsys.exit(0 if p.is_valid() else 1)",
        &site.join(".well-known/security.txt"),
    );
    python(
        "import sys, feedparser\nd = feedparser.parse(sys.argv[1])\nassert not d.bozo, d.bozo_exception\nassert d.feed.title",
        &site.join("feed.xml"),
    );
    python(
        "import sys, xml.etree.ElementTree as E\nE.parse(sys.argv[1])",
        &site.join("sitemap.xml"),
    );
}
