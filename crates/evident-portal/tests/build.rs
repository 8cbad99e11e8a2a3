//! The portal as a pure function of the judgement and the templates: a program
//! built in code, judged in memory, rendered into a map of files. No database,
//! no disk.

use evident_core::catalog::Catalog;
use evident_core::judgement::Judgement;
use evident_core::model::*;
use evident_core::record::Records;
use evident_core::testing::{self, control, entry};
use evident_portal::{Failed, Inputs, build};
use std::collections::BTreeMap;

/// A Type I program with a public control and a private one, each with one
/// manual evidence item `mfa`.
fn program() -> TrustProgram {
    let mut public = control("AUTH", &["CC6.1"], &["mfa"], "30d");
    public.sections = vec![section("Statement", "Every login needs *two* factors.")];
    let mut private = control("SECRET-OPS", &["CC6.1"], &["mfa"], "30d");
    private.visibility = Visibility::Private;
    private.evidence[0].visibility = Visibility::Private;
    private.sections = vec![section("Statement", "Internal runbook text.")];
    let mut p = testing::program(vec![public, private]);
    p.config.audit.kind = AuditType::Type1;
    p.config.audit.window = None;
    // Full detail: withdrawn evidence and its reason are published too.
    p.config.portal.detail = evident_core::model::Detail::Full;
    p
}

fn section(title: &str, markdown: &str) -> evident_core::model::Section {
    evident_core::model::Section {
        title: title.into(),
        markdown: markdown.into(),
    }
}

/// Entry `seq` withdrawing entry `of` of CONTROL/mfa at `when`.
fn withdraw(
    seq: u64,
    of: u64,
    control: &str,
    when: &str,
    reason: &str,
) -> evident_core::record::Record {
    let mut r = entry(seq, control, "mfa", Outcome::NotApplicable, when);
    r.kind = evident_core::record::Kind::Retraction;
    r.retracts = Some(of);
    r.summary = reason.into();
    r
}

#[test]
fn a_judgement_renders_to_files_with_nothing_private_in_them() {
    let (program, catalog) = (program(), Catalog::tsc());
    let records = vec![
        entry(0, "AUTH", "mfa", Outcome::Pass, "2026-11-20T10:00:00Z"),
        entry(
            1,
            "SECRET-OPS",
            "mfa",
            Outcome::Pass,
            "2026-11-20T10:00:00Z",
        ),
        entry(2, "AUTH", "mfa", Outcome::Fail, "2026-11-21T10:00:00Z"),
        entry(3, "AUTH", "mfa", Outcome::Pass, "2026-11-21T11:00:00Z"),
        withdraw(
            4,
            3,
            "AUTH",
            "2026-11-21T12:00:00Z",
            "<script>alert(1)</script> wrong tenant",
        ),
        withdraw(
            5,
            1,
            "SECRET-OPS",
            "2026-11-21T12:00:00Z",
            "Internal runbook leak",
        ),
    ];
    let as_of = "2026-11-22T12:00:00Z".parse().unwrap();
    let records = Records::new(records);
    let judgement = Judgement::new(&program, &catalog, &records, as_of, None);
    let inputs = Inputs {
        judgement: &judgement,
        checkpoint: None,
        public_key: None,
        overrides: vec![],
    };
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    build(&inputs, |path: &str, bytes: &[u8]| {
        files.insert(path.into(), String::from_utf8(bytes.to_vec()).unwrap());
        Ok::<(), ()>(())
    })
    .unwrap();
    for page in [
        "index.html",
        "controls/AUTH.html",
        "changes.html",
        ".well-known/security.txt",
    ] {
        assert!(
            files.contains_key(page),
            "{page} missing: {:?}",
            files.keys()
        );
    }
    assert!(!files.contains_key("controls/SECRET-OPS.html"));
    let auth = &files["controls/AUTH.html"];
    // Its own Markdown, rendered and cleaned by the portal.
    assert!(auth.contains("<em>two</em>"), "{auth}");
    // The status the judgement derived: the pass then the failure.
    assert!(auth.contains("failing"), "{auth}");
    assert!(files["changes.html"].contains("AUTH"));
    // The withdrawn pass does not count, and the page says why, escaped.
    let changes = &files["changes.html"];
    assert!(
        changes.contains(
            "ledger entry 3 withdrawn (&lt;script&gt;alert(1)&lt;&#x2f;script&gt; wrong tenant)"
        ),
        "{changes}"
    );
    assert!(!changes.contains("<script>alert"), "{changes}");
    for (path, text) in &files {
        assert!(
            !text.contains("SECRET-OPS"),
            "{path} names a private control"
        );
        assert!(
            !text.contains("Internal runbook"),
            "{path} shows private prose"
        );
    }
}

#[test]
fn a_broken_override_template_is_named() {
    let (program, catalog) = (program(), Catalog::tsc());
    let as_of = "2026-11-22T12:00:00Z".parse().unwrap();
    let none = Records::default();
    let judgement = Judgement::new(&program, &catalog, &none, as_of, None);
    let inputs = Inputs {
        judgement: &judgement,
        checkpoint: None,
        public_key: None,
        overrides: vec![("index.html".into(), "{% if %}".into())],
    };
    match build(&inputs, |_: &str, _: &[u8]| Ok::<(), ()>(())) {
        Err(Failed::Template(e)) => assert!(e.contains("index.html"), "{e}"),
        other => panic!("expected a template error, got {:?}", other.err()),
    }
}
