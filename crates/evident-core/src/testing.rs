//! Trust programs built in code, so the core's rules (and the outputs that
//! render them) are tested with plain values. For tests only: behind the
//! `testing` feature, and it unwraps what it parses.

use crate::model::*;
use crate::record::{Kind, Record};
use crate::time::{Date, Instant, Interval};

pub fn day(text: &str) -> Date {
    text.parse().unwrap()
}

pub fn at(text: &str) -> Instant {
    text.parse().unwrap()
}

pub fn program(controls: Vec<Control>) -> TrustProgram {
    TrustProgram {
        config: Config {
            schema: 1,
            org: Org {
                name: "Example Co".into(),
                url: None,
                security_contact: "security@example.com".into(),
            },
            audit: Audit {
                kind: AuditType::Type2,
                categories: vec!["security".into()],
                point_in_time: None,
                window: Some(Window {
                    from: day("2026-08-01"),
                    to: day("2026-10-29"),
                }),
                target: None,
                auditor: Auditor::default(),
                proof_grace: Interval::days(2),
                not_applicable: vec![],
            },
            portal: Portal {
                title: "Trust".into(),
                base_url: None,
                languages: vec!["en".into()],
                disclosure_policy: None,
                pages: Page::DEFAULT.to_vec(),
                detail: Detail::Summary,
                report_request: None,
                disclosure: DisclosureTerms::default(),
            },
            sla: SlaDays::default(),
            escalation: Escalation::default(),
            sample: crate::sample::SampleSizes::default(),
            database: None,
            witnesses: vec![],
            timestamp: None,
            metrics: Default::default(),
            s3: None,
        },
        controls,
        policies: vec![],
        registers: Registers::default(),
        journal: None,
        disclosure: None,
        remediation: vec![],
        history: Default::default(),
    }
}

/// A control with manual evidence items `items` (each fresh for `fresh`).
pub fn control(id: &str, criteria: &[&str], items: &[&str], fresh: &str) -> Control {
    Control {
        id: id.into(),
        title: format!("{id} title"),
        criteria: criteria.iter().map(|c| c.to_string()).collect(),
        owner: "ops".into(),
        frequency: Frequency::Daily,
        nature: Nature::Automated,
        visibility: Visibility::Public,
        claimed: None,
        not_applicable: None,
        review: None,
        evidence: items
            .iter()
            .map(|i| EvidenceItem {
                id: i.to_string(),
                describe: format!("{i} evidence"),
                fresh_for: fresh.parse::<Interval>().unwrap(),
                required: true,
                visibility: Visibility::Public,
                source: EvidenceSource::Manual,
                manual_allowed: false,
                setup: None,
            })
            .collect(),
        gaps: vec![],
        sections: vec![],
        test_procedure: None,
        origin: Origin {
            file: format!("controls/{id}.md"),
            line: 1,
        },
    }
}

pub fn gap(id: &str, severity: Severity, opened: &str) -> Gap {
    Gap {
        id: id.into(),
        title: format!("{id} gap"),
        severity,
        opened: day(opened),
        owner: None,
        target: None,
        accepted_by: None,
        closed: None,
        visibility: Visibility::Public,
        origin: Origin {
            file: "controls/test.md".into(),
            line: 1,
        },
    }
}

/// An entry collected at `when`, covering that day.
pub fn entry(seq: u64, control: &str, item: &str, result: Outcome, when: &str) -> Record {
    let collected = at(when);
    Record {
        seq,
        control: control.into(),
        item: item.into(),
        kind: Kind::Check,
        result,
        collected,
        covers_from: collected.date(),
        covers_to: collected.date(),
        summary: format!("{} at {when}", result.as_str()),
        retracts: None,
    }
}
