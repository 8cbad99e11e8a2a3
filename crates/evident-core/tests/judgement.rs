//! The judgement: built once, and the rules the binary used to hold (what a
//! result changed, what `--fail-on` stops on) judged from it.

use evident_core::catalog::Catalog;
use evident_core::judgement::{Change, FailOn, Judgement, Scope};
use evident_core::model::{Outcome, Window};
use evident_core::record::Records;
use evident_core::status::{History, derive, judge_item};
use evident_core::testing::*;

const NOW: &str = "2026-11-23T12:00:00Z";

#[test]
fn the_judgement_holds_what_each_rule_gives_on_its_own() {
    let p = program(vec![control("backups", &["CC7.1"], &["nightly"], "2d")]);
    let records = vec![
        entry(
            0,
            "backups",
            "nightly",
            Outcome::Pass,
            "2026-11-21T02:00:00Z",
        ),
        entry(
            1,
            "backups",
            "nightly",
            Outcome::Fail,
            "2026-11-22T02:00:00Z",
        ),
    ];
    let catalog = Catalog::tsc();
    let window = Window {
        from: day("2026-11-01"),
        to: day("2026-11-30"),
    };
    let scope = Scope { window, seed: 7 };
    let ledger = Records::new(records.clone());
    let j = Judgement::new(&p, &catalog, &ledger, at(NOW), Some(scope));
    let alone = derive(&p, &catalog, &records, at(NOW));
    assert_eq!(
        serde_json::to_value(&j.status).unwrap(),
        serde_json::to_value(&alone).unwrap()
    );
    let audit = j.audit.as_ref().expect("judged over a window");
    assert_eq!(audit.sample.seed, 7);
    assert_eq!(audit.periods.window.from, window.from);
    assert!(
        Judgement::new(&p, &catalog, &ledger, at(NOW), None)
            .audit
            .is_none()
    );

    // --fail-on names exactly the conditions chosen that hold.
    assert_eq!(
        j.unmet(&[FailOn::Regression, FailOn::Stale]),
        vec!["regression: backups/nightly".to_string()]
    );
    assert_eq!(
        j.unmet(&[FailOn::Failing]),
        vec!["failing: backups/nightly".to_string()]
    );
    assert!(j.unmet(&[FailOn::Stale]).is_empty());
}

#[test]
fn a_result_is_new_a_regression_fixed_or_the_same() {
    let p = program(vec![control("keys", &["CC6.1"], &["mode"], "1d")]);
    let item = &p.controls[0].evidence[0];
    let moment = at(NOW);
    let history = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::Pass,
        Outcome::Pass,
    ];
    let mut records = Vec::new();
    let mut changes = Vec::new();
    for (n, result) in history.into_iter().enumerate() {
        let when = format!("2026-11-23T0{n}:00:00Z");
        let before = judge_item(item, History::new(&records).of("keys", "mode"), moment);
        records.push(entry(n as u64, "keys", "mode", result, &when));
        let after = judge_item(item, History::new(&records).of("keys", "mode"), moment);
        changes.push(Change::between(&before, &after));
    }
    assert_eq!(
        changes,
        [
            Change::New,
            Change::Regression,
            Change::Same,
            Change::Fixed,
            Change::Same
        ]
    );
}

#[test]
fn a_failure_that_never_passed_is_no_regression() {
    let p = program(vec![control("keys", &["CC6.1"], &["mode"], "1d")]);
    let item = &p.controls[0].evidence[0];
    let first = vec![entry(
        0,
        "keys",
        "mode",
        Outcome::Fail,
        "2026-11-23T01:00:00Z",
    )];
    let mut both = first.clone();
    both.push(entry(
        1,
        "keys",
        "mode",
        Outcome::Fail,
        "2026-11-23T02:00:00Z",
    ));
    let judged = |r: &[_]| judge_item(item, History::new(r).of("keys", "mode"), at(NOW));
    assert_eq!(
        Change::between(&judged(&first), &judged(&both)),
        Change::Same
    );
    assert!(!judged(&both).regression);
}
