//! The demo's trust portal in headless Chromium (Debian `chromium`): axe-core
//! (npm) finds no serious or critical accessibility violation on any page, and
//! no page scrolls sideways on a 390 px phone.
//!
//! The portal has no JavaScript of its own: the test adds axe and a few lines
//! that write the results into the page, and reads them back from the DOM
//! Chromium dumps (`--dump-dom`, with virtual time so axe finishes first).

mod common;

use common::{evident, files_under};
use std::path::{Path, PathBuf};

/// Where `npm ci` put axe-core (scripts/test runs it).
fn axe_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js")
}

/// Every HTML page under `dir`.
fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut out = files_under(dir);
    out.retain(|p| p.extension().is_some_and(|x| x == "html"));
    out
}

/// Runs `page` in Chromium at `width`×`height` and returns what the probe wrote.
fn probe(page: &Path, width: u32, height: u32) -> serde_json::Value {
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--window-size={width},{height}"),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs (scripts/test installs it)");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"probe\">");
    let Some(start) = start else {
        panic!(
            "{}: the probe wrote nothing\n{}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let rest = &dom[start + "<pre id=\"probe\">".len()..];
    let json = &rest[..rest.find("</pre>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}: {json}", page.display()))
}

/// A copy of the site whose pages load axe and write the probe's findings.
fn probed_site(site: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", site.display()))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::copy(axe_source(), copy.path().join("axe.min.js"))
        .expect("axe-core is installed (scripts/test runs npm ci in tests/browser)");
    let probe = r#"<script>
axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
  var bad = r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
    .map(function (v) { return { id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.html; }).slice(0, 3) }; });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({
    violations: bad,
    rules: r.passes ? r.passes.length : 0,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    text: document.body.innerText.length
  });
  document.body.appendChild(pre);
});
</script>"#;
    for page in pages(copy.path()) {
        let depth = page.strip_prefix(copy.path()).unwrap().components().count() - 1;
        let root = "../".repeat(depth);
        let html = std::fs::read_to_string(&page).unwrap();
        let html = html.replace(
            "</body>",
            &format!("<script src=\"{root}axe.min.js\"></script>{probe}</body>"),
        );
        std::fs::write(&page, html).unwrap();
    }
    copy
}

fn demo_site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = evident().arg("demo").arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site = dir.join("site");
    (tmp, site)
}

#[test]
fn every_page_of_the_demo_portal_passes_axe_and_fits_a_phone() {
    let (_tmp, site) = demo_site();
    // The probe can fail: an image without a text alternative is caught.
    std::fs::write(
        site.join("known-bad.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><title>x</title></head><body><main><p>A page with one flaw, long enough to count as a page of text for the probe's check.</p><img src=\"x.png\"><div style=\"width:2000px\">wide</div></main></body></html>",
    )
    .unwrap();
    let probed = probed_site(&site);
    let bad = probed.path().join("known-bad.html");
    let found = probe(&bad, 390, 844);
    assert!(
        found["violations"].to_string().contains("image-alt"),
        "{found}"
    );
    assert!(found["overflow"].as_i64().unwrap() > 0, "{found}");
    std::fs::remove_file(&bad).unwrap();
    let all = pages(probed.path());
    assert!(all.len() >= 15, "only {} pages", all.len());
    let mut problems = Vec::new();
    for page in &all {
        let name = page
            .strip_prefix(probed.path())
            .unwrap()
            .display()
            .to_string();
        // One run per page, at phone width: axe's rules do not depend on the
        // width, the overflow does (the desktop layout is screenshot in portal.rs).
        let phone = probe(page, 390, 844);
        let violations = phone["violations"].as_array().unwrap();
        if !violations.is_empty() {
            problems.push(format!("{name}: {violations:?}"));
        }
        assert!(phone["text"].as_u64().unwrap() > 100, "{name} is empty");
        let overflow = phone["overflow"].as_i64().unwrap();
        if overflow > 0 {
            problems.push(format!("{name}: {overflow} px wider than a 390 px phone"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
