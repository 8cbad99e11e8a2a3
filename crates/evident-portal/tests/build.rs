//! The portal as a pure function of the judgement and the templates: a program
//! built in code, judged in memory, rendered into a map of files. No database,
//! no disk.

use evident_core::catalog::Catalog;
use evident_core::judgement::Judgement;
use evident_core::model::*;
use evident_core::record::Record;
use evident_portal::{Failed, Inputs, build};
use std::collections::BTreeMap;

fn control(id: &str, visibility: Visibility, statement: &str) -> Control {
    Control {
        id: id.into(),
        title: format!("{id} title"),
        criteria: vec!["CC6.1".into()],
        owner: "security@example.com".into(),
        frequency: Frequency::Daily,
        nature: Nature::Automated,
        visibility,
        claimed: None,
        not_applicable: None,
        review: None,
        evidence: vec![EvidenceItem {
            id: "mfa".into(),
            describe: "MFA on every login".into(),
            fresh_for: "30d".parse().unwrap(),
            required: true,
            visibility,
            source: EvidenceSource::Manual,
        }],
        gaps: vec![],
        statement: statement.into(),
        implementation: "Enforced by the identity provider.".into(),
        origin: Origin {
            file: format!("controls/{id}.md"),
            line: 1,
        },
    }
}

fn program() -> TrustProgram {
    TrustProgram {
        config: Config {
            schema: 1,
            org: Org {
                name: "Example Co".into(),
                url: None,
                security_contact: "security@example.com".into(),
            },
            audit: Audit {
                kind: AuditType::Type1,
                categories: vec!["security".into()],
                point_in_time: None,
                window: None,
                target: None,
                auditor: Auditor::default(),
            },
            portal: Portal {
                title: "Example Co Trust Center".into(),
                base_url: None,
                languages: vec!["en".into()],
                disclosure_policy: None,
            },
            sla: SlaDays::default(),
            escalation: Escalation::default(),
            sample: SampleSizes::default(),
            database: None,
        },
        controls: vec![
            control(
                "AUTH",
                Visibility::Public,
                "Every login needs *two* factors.",
            ),
            control("SECRET-OPS", Visibility::Private, "Internal runbook text."),
        ],
        policies: vec![],
        registers: Registers::default(),
        journal: None,
        remediation: vec![],
    }
}

fn record(seq: u64, control: &str, result: Outcome, when: &str) -> Record {
    let collected: evident_core::time::Instant = when.parse().unwrap();
    Record {
        seq,
        control: control.into(),
        item: "mfa".into(),
        result,
        collected,
        covers_from: collected.date(),
        covers_to: collected.date(),
        summary: format!("{} at {when}", result.as_str()),
    }
}

#[test]
fn a_judgement_renders_to_files_with_nothing_private_in_them() {
    let (program, catalog) = (program(), Catalog::tsc());
    let records = vec![
        record(0, "AUTH", Outcome::Pass, "2026-11-20T10:00:00Z"),
        record(1, "SECRET-OPS", Outcome::Pass, "2026-11-20T10:00:00Z"),
        record(2, "AUTH", Outcome::Fail, "2026-11-21T10:00:00Z"),
    ];
    let as_of = "2026-11-22T12:00:00Z".parse().unwrap();
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
    let judgement = Judgement::new(&program, &catalog, &[], as_of, None);
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
