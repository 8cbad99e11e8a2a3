//! Derived status: the rules on worked cases, and their properties under proptest.

use evident_core::catalog::Catalog;
use evident_core::model::{ControlState, Outcome, Severity};
use evident_core::record::Record;
use evident_core::status::{CriterionState, History, ItemState, derive, readiness_at};
use evident_core::testing::*;
use proptest::prelude::*;

const NOW: &str = "2026-11-23T12:00:00Z";

#[test]
fn items_are_missing_satisfied_stale_or_failing() {
    let p = program(vec![control(
        "backups",
        &["CC7.1"],
        &["fresh", "old", "broken", "never", "flaky"],
        "1d",
    )]);
    let entries = vec![
        entry(0, "backups", "fresh", Outcome::Pass, "2026-11-23T02:00:00Z"),
        entry(1, "backups", "old", Outcome::Pass, "2026-11-20T02:00:00Z"),
        entry(
            2,
            "backups",
            "broken",
            Outcome::Fail,
            "2026-11-23T02:00:00Z",
        ),
        entry(3, "backups", "flaky", Outcome::Pass, "2026-11-22T02:00:00Z"),
        entry(
            4,
            "backups",
            "flaky",
            Outcome::Error,
            "2026-11-23T02:00:00Z",
        ),
    ];
    let s = derive(&p, &Catalog::tsc(), &entries, at(NOW));
    let c = s.control("backups").unwrap();
    let state = |id: &str| c.items.iter().find(|i| i.id == id).unwrap();
    assert_eq!(state("fresh").state, ItemState::Satisfied);
    assert_eq!(state("old").state, ItemState::Stale);
    assert_eq!(state("broken").state, ItemState::Failing);
    assert!(!state("broken").regression, "it never passed");
    assert_eq!(state("never").state, ItemState::Missing);
    assert_eq!(state("flaky").state, ItemState::Failing);
    assert!(state("flaky").regression, "it passed the day before");
    assert_eq!(state("flaky").last_pass.as_ref().unwrap().entry, 3);
    assert_eq!(c.derived, ControlState::Partial);
    assert!(c.flags.failing && c.flags.regression && c.flags.stale);
    assert_eq!(c.headline(), "failing");
}

#[test]
fn as_of_a_past_moment_ignores_later_entries() {
    let p = program(vec![control("scan", &["CC7.1"], &["weekly"], "7d")]);
    let entries = vec![
        entry(0, "scan", "weekly", Outcome::Pass, "2026-11-01T00:00:00Z"),
        entry(1, "scan", "weekly", Outcome::Fail, "2026-11-05T00:00:00Z"),
    ];
    let then = derive(&p, &Catalog::tsc(), &entries, at("2026-11-03T00:00:00Z"));
    assert_eq!(
        then.control("scan").unwrap().derived,
        ControlState::Implemented
    );
    let now = derive(&p, &Catalog::tsc(), &entries, at("2026-11-06T00:00:00Z"));
    assert_eq!(now.control("scan").unwrap().derived, ControlState::Planned);
    assert!(now.control("scan").unwrap().flags.regression);
}

#[test]
fn evidence_is_as_fresh_as_the_period_it_covers() {
    let p = program(vec![control("review", &["CC6.2"], &["quarterly"], "100d")]);
    let mut e = entry(
        0,
        "review",
        "quarterly",
        Outcome::Pass,
        "2026-11-20T00:00:00Z",
    );
    e.covers_from = day("2026-04-01");
    e.covers_to = day("2026-06-30");
    let s = derive(&p, &Catalog::tsc(), &[e], at(NOW));
    let item = &s.control("review").unwrap().items[0];
    assert_eq!(
        item.state,
        ItemState::Stale,
        "June's review is past 100 days"
    );
    assert_eq!(
        item.fresh_until.unwrap().to_string(),
        "2026-10-08T23:59:59Z"
    );
}

#[test]
fn gaps_and_optional_items_shape_the_control_state() {
    let mut gapped = control("mfa", &["CC6.1"], &["idp"], "30d");
    gapped.gaps.push(gap("G-1", Severity::Major, "2026-11-01"));
    let mut optional = control("edr", &["CC6.8"], &["agent", "extra"], "30d");
    optional.evidence[1].required = false;
    let mut na = control("physical", &["CC6.4"], &["badge"], "30d");
    na.not_applicable = Some("fully remote; no offices".into());
    let p = program(vec![gapped, optional, na]);
    let entries = vec![
        entry(0, "mfa", "idp", Outcome::Pass, NOW),
        entry(1, "edr", "agent", Outcome::Pass, NOW),
    ];
    let s = derive(&p, &Catalog::tsc(), &entries, at(NOW));
    assert_eq!(s.control("mfa").unwrap().derived, ControlState::Partial);
    assert_eq!(s.control("edr").unwrap().derived, ControlState::Implemented);
    assert_eq!(
        s.control("physical").unwrap().derived,
        ControlState::NotApplicable
    );
    assert_eq!(
        s.criterion("CC6.4").unwrap().state,
        CriterionState::NotApplicable
    );
}

#[test]
fn criteria_take_the_weakest_control_and_readiness_counts_implemented() {
    let p = program(vec![
        control("a", &["CC6.1", "CC6.2"], &["x"], "30d"),
        control("b", &["CC6.1"], &["x"], "30d"),
    ]);
    let entries = vec![entry(0, "a", "x", Outcome::Pass, NOW)];
    let s = derive(&p, &Catalog::tsc(), &entries, at(NOW));
    let cc61 = s.criterion("CC6.1").unwrap();
    assert_eq!(cc61.state, CriterionState::Planned);
    assert_eq!((cc61.counts.implemented, cc61.counts.planned), (1, 1));
    assert_eq!(
        s.criterion("CC6.2").unwrap().state,
        CriterionState::Implemented
    );
    assert_eq!(
        s.criterion("CC1.1").unwrap().state,
        CriterionState::Uncovered
    );
    let security = s.categories.iter().find(|c| c.id == "security").unwrap();
    assert_eq!(security.implemented, 1);
    assert!((s.readiness - 1.0 / security.criteria as f64).abs() < 1e-9);
}

#[test]
fn a_claim_better_than_the_evidence_is_a_discrepancy() {
    let mut tls = control("encryption-in-transit", &["CC6.7"], &["tls", "hsts"], "1d");
    tls.claimed = Some(ControlState::Implemented);
    let mut honest = control("logging", &["CC7.2"], &["siem"], "1d");
    honest.claimed = Some(ControlState::Partial);
    let p = program(vec![tls, honest]);
    let entries = vec![
        entry(
            0,
            "encryption-in-transit",
            "tls",
            Outcome::Pass,
            "2026-11-22T09:00:00Z",
        ),
        entry(
            1,
            "encryption-in-transit",
            "tls",
            Outcome::Fail,
            "2026-11-23T09:00:00Z",
        ),
        entry(2, "encryption-in-transit", "hsts", Outcome::Pass, NOW),
        entry(3, "logging", "siem", Outcome::Pass, NOW),
    ];
    let s = derive(&p, &Catalog::tsc(), &entries, at(NOW));
    assert_eq!(s.discrepancies.len(), 1, "{:?}", s.discrepancies);
    let d = &s.discrepancies[0];
    assert_eq!(d.control, "encryption-in-transit");
    assert_eq!(
        (d.claimed, d.derived),
        (ControlState::Implemented, ControlState::Partial)
    );
    assert_eq!(d.contradicting.len(), 1);
    assert_eq!(d.contradicting[0].item, "tls");
    assert_eq!(d.contradicting[0].state, ItemState::Failing);
    assert_eq!(d.contradicting[0].latest.as_ref().unwrap().entry, 1);
}

// --- properties -------------------------------------------------------------

const ITEMS: [&str; 3] = ["i0", "i1", "i2"];
const CONTROLS: [&str; 3] = ["c0", "c1", "c2"];

fn arb_entries() -> impl Strategy<Value = Vec<Record>> {
    let one = (0..3usize, 0..3usize, 0..5u8, 0..40 * 86_400i64);
    prop::collection::vec(one, 0..40).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(seq, (c, i, r, offset))| {
                let result = [
                    Outcome::Pass,
                    Outcome::Fail,
                    Outcome::Error,
                    Outcome::Pass,
                    Outcome::NotApplicable,
                ][r as usize];
                let when = evident_core::time::Instant::from_unix(at(NOW).unix() - offset).unwrap();
                entry(seq as u64, CONTROLS[c], ITEMS[i], result, &when.to_string())
            })
            .collect()
    })
}

fn arb_program() -> impl Strategy<Value = evident_core::model::TrustProgram> {
    (
        prop::bool::ANY,
        prop::sample::select(vec!["1d", "7d", "30d"]),
    )
        .prop_map(|(gap_open, fresh)| {
            let mut a = control("c0", &["CC6.1", "CC7.1"], &ITEMS, fresh);
            if gap_open {
                a.gaps.push(gap("G-1", Severity::Minor, "2026-11-01"));
            }
            a.evidence[2].required = false;
            let b = control("c1", &["CC6.1"], &ITEMS[..2], fresh);
            let c = control("c2", &["CC7.1", "CC8.1"], &ITEMS[..1], fresh);
            program(vec![a, b, c])
        })
}

proptest! {
    #[test]
    fn a_fresh_pass_never_makes_a_control_worse(
        p in arb_program(),
        entries in arb_entries(),
        c in 0..3usize,
        i in 0..3usize,
        age in 0..3600i64,
    ) {
        let catalog = Catalog::tsc();
        let before = derive(&p, &catalog, &entries, at(NOW));
        let mut more = entries.clone();
        let when = evident_core::time::Instant::from_unix(at(NOW).unix() - age).unwrap();
        more.push(entry(entries.len() as u64, CONTROLS[c], ITEMS[i], Outcome::Pass, &when.to_string()));
        let after = derive(&p, &catalog, &more, at(NOW));
        for (b, a) in before.controls.iter().zip(&after.controls) {
            prop_assert!(a.derived >= b.derived, "{}: {:?} -> {:?}", b.id, b.derived, a.derived);
            prop_assert!(!a.flags.failing || b.flags.failing);
            prop_assert!(!a.flags.stale || b.flags.stale);
            for (bi, ai) in b.items.iter().zip(&a.items) {
                prop_assert!(ai.state >= bi.state, "{}/{}: {:?} -> {:?}", b.id, bi.id, bi.state, ai.state);
            }
        }
        for (b, a) in before.criteria.iter().zip(&after.criteria) {
            prop_assert!(a.state >= b.state);
        }
        prop_assert!(after.readiness >= before.readiness);
    }

    #[test]
    fn removing_a_pass_never_makes_a_control_better(
        p in arb_program(),
        entries in arb_entries(),
        pick in 0..40usize,
    ) {
        let catalog = Catalog::tsc();
        let passes: Vec<usize> = (0..entries.len()).filter(|k| entries[*k].result == Outcome::Pass).collect();
        prop_assume!(!passes.is_empty());
        let gone = passes[pick % passes.len()];
        let before = derive(&p, &catalog, &entries, at(NOW));
        let mut fewer = entries.clone();
        fewer.remove(gone);
        let after = derive(&p, &catalog, &fewer, at(NOW));
        for (b, a) in before.controls.iter().zip(&after.controls) {
            prop_assert!(a.derived <= b.derived, "{}: {:?} -> {:?}", b.id, b.derived, a.derived);
            for (bi, ai) in b.items.iter().zip(&a.items) {
                prop_assert!(ai.state <= bi.state, "{}/{}: {:?} -> {:?}", b.id, bi.id, bi.state, ai.state);
            }
        }
    }

    #[test]
    fn a_criterion_is_never_better_than_its_weakest_control(
        p in arb_program(),
        entries in arb_entries(),
    ) {
        let s = derive(&p, &Catalog::tsc(), &entries, at(NOW));
        for cr in &s.criteria {
            let states: Vec<CriterionState> = cr.controls.iter()
                .map(|id| s.control(id).unwrap().derived.into())
                .collect();
            match states.iter().min() {
                None => prop_assert_eq!(cr.state, CriterionState::Uncovered),
                Some(weakest) => prop_assert!(cr.state <= *weakest, "{}: {:?} vs {:?}", cr.id, cr.state, weakest),
            }
            let any_failing = cr.controls.iter().any(|id| s.control(id).unwrap().flags.failing);
            prop_assert_eq!(cr.failing, any_failing);
        }
    }

    #[test]
    fn readiness_over_time_is_the_whole_reports_readiness_at_each_moment(
        p in arb_program(),
        entries in arb_entries(),
        back in prop::collection::vec(0..45 * 86_400i64, 0..6),
    ) {
        let catalog = Catalog::tsc();
        let moments: Vec<_> = back
            .iter()
            .map(|b| evident_core::time::Instant::from_unix(at(NOW).unix() - b).unwrap())
            .collect();
        let light = readiness_at(&p, &catalog, &History::new(&entries), &moments);
        let whole: Vec<f64> = moments.iter().map(|m| derive(&p, &catalog, &entries, *m).readiness).collect();
        prop_assert_eq!(light, whole);
    }
}
