//! Type II period testing on a worked example, and the auditor's sample.

use evident_core::model::{Frequency, Outcome, Window};
use evident_core::period::{PeriodResult, ProofState, periods, test_window};
use evident_core::proof::{Proofs, Witnessed};
use evident_core::record::Record;
use evident_core::sample::{SampleSizes, draw, event_sample_size, pick};
use evident_core::testing::*;
use evident_core::time::Date;
use proptest::prelude::*;

const AS_OF: &str = "2026-11-23T12:00:00Z";

fn window() -> Window {
    Window {
        from: day("2026-08-01"),
        to: day("2026-10-29"),
    }
}

/// An entry collected at 02:00 on `d`, covering `from..=to`.
fn covering(
    seq: u64,
    control: &str,
    item: &str,
    result: Outcome,
    d: Date,
    from: Date,
    to: Date,
) -> Record {
    let mut e = entry(seq, control, item, result, &format!("{d}T02:00:00Z"));
    e.covers_from = from;
    e.covers_to = to;
    e
}

/// The worked example: a 90-day window; a daily backup missing three days and
/// failing one; a quarterly access review done each quarter; a weekly
/// vulnerability scan run on Mondays, one of which slipped to the Tuesday after.
fn worked_example() -> (evident_core::model::TrustProgram, Vec<Record>) {
    let mut backup = control("BACKUP", &["A1.2"], &["nightly"], "26h");
    backup.frequency = Frequency::Daily;
    let mut access = control("ACCESS-REVIEW", &["CC6.2"], &["review"], "100d");
    access.frequency = Frequency::Quarterly;
    let mut scan = control("VULN-SCAN", &["CC7.1"], &["scan"], "8d");
    scan.frequency = Frequency::Weekly;
    let program = program(vec![backup, access, scan]);

    let mut entries = Vec::new();
    let mut seq = 0;
    let mut push = |control: &str, item: &str, result, d: Date, from: Date, to: Date| {
        entries.push(covering(seq, control, item, result, d, from, to));
        seq += 1;
    };
    let missing = [day("2026-08-10"), day("2026-09-05"), day("2026-10-20")];
    let mut d = day("2026-08-01");
    while d <= day("2026-10-29") {
        if !missing.contains(&d) {
            let result = if d == day("2026-09-15") {
                Outcome::Fail
            } else {
                Outcome::Pass
            };
            push("BACKUP", "nightly", result, d, d, d);
        }
        d = d.add_days(1);
    }
    push(
        "ACCESS-REVIEW",
        "review",
        Outcome::Pass,
        day("2026-10-02"),
        day("2026-07-01"),
        day("2026-09-30"),
    );
    push(
        "ACCESS-REVIEW",
        "review",
        Outcome::Pass,
        day("2026-10-26"),
        day("2026-10-01"),
        day("2026-10-25"),
    );
    // Mondays from the one before the window opens; 2026-09-07 ran a day late, in the next week.
    let mut monday = day("2026-07-27");
    while monday <= day("2026-10-26") {
        let ran = if monday == day("2026-09-07") {
            day("2026-09-15")
        } else {
            monday
        };
        push("VULN-SCAN", "scan", Outcome::Pass, ran, ran, ran);
        monday = monday.add_days(7);
    }
    (program, entries)
}

/// A window tested without witness proofs or population events.
fn unproven_window(
    program: &evident_core::model::TrustProgram,
    entries: &[Record],
    w: Window,
    as_of: evident_core::time::Instant,
) -> evident_core::period::PeriodReport {
    test_window(
        program,
        entries,
        &Proofs::default(),
        &Default::default(),
        w,
        as_of,
    )
}

#[test]
fn the_worked_example_reports_exactly_its_exceptions() {
    let (program, entries) = worked_example();
    let report = unproven_window(&program, &entries, window(), at(AS_OF));
    let control = |id: &str| report.controls.iter().find(|c| c.control == id).unwrap();

    let backup = control("BACKUP");
    assert_eq!(backup.expected, 90);
    let exceptions: Vec<(&str, PeriodResult)> = backup
        .exceptions
        .iter()
        .map(|p| (p.period.label.as_str(), p.result))
        .collect();
    assert_eq!(
        exceptions,
        [
            ("2026-08-10", PeriodResult::Missing),
            ("2026-09-05", PeriodResult::Missing),
            ("2026-09-15", PeriodResult::Failed),
            ("2026-10-20", PeriodResult::Missing),
        ]
    );
    assert_eq!(backup.passed, 86);

    let access = control("ACCESS-REVIEW");
    let labels: Vec<&str> = access
        .periods
        .iter()
        .map(|p| p.period.label.as_str())
        .collect();
    assert_eq!(labels, ["2026-Q3", "2026-Q4"]);
    assert!(access.exceptions.is_empty(), "{:?}", access.exceptions);
    assert_eq!(access.passed, 2);

    let scan = control("VULN-SCAN");
    assert_eq!(scan.expected, 14, "ISO weeks 31 to 44");
    let late: Vec<&str> = scan
        .exceptions
        .iter()
        .map(|p| p.period.label.as_str())
        .collect();
    assert_eq!(late, ["2026-W37"]);
    assert_eq!(scan.exceptions[0].result, PeriodResult::Missing);
    let w38 = scan
        .periods
        .iter()
        .find(|p| p.period.label == "2026-W38")
        .unwrap();
    assert_eq!(w38.entries.len(), 2, "the late run and the regular one");
}

#[test]
fn a_period_not_over_yet_is_pending_not_an_exception() {
    let (program, entries) = worked_example();
    // As of 2026-10-29 noon, that day's backup has run but Q4 has not ended.
    let report = unproven_window(&program, &entries, window(), at("2026-10-29T12:00:00Z"));
    let access = report
        .controls
        .iter()
        .find(|c| c.control == "ACCESS-REVIEW")
        .unwrap();
    assert_eq!(access.periods[1].result, PeriodResult::Passed);
    let empty: Vec<Record> = vec![];
    let report = unproven_window(&program, &empty, window(), at("2026-10-29T12:00:00Z"));
    let access = report
        .controls
        .iter()
        .find(|c| c.control == "ACCESS-REVIEW")
        .unwrap();
    assert_eq!(access.periods[1].result, PeriodResult::Pending);
    assert_eq!(access.exceptions.len(), 1, "Q3 is over and missing");
}

#[test]
fn continuous_controls_are_judged_by_gaps_between_passes() {
    let mut c = control("UPTIME", &["A1.1"], &["probe"], "2h");
    c.frequency = Frequency::Continuous;
    let program = program(vec![c]);
    let w = Window {
        from: day("2026-11-01"),
        to: day("2026-11-01"),
    };
    // Hourly passes, except none from 06:00 to 11:00 and a failure at 15:00.
    let mut entries = Vec::new();
    for hour in 0..24u64 {
        if (6..11).contains(&hour) {
            continue;
        }
        let result = if hour == 15 {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        entries.push(entry(
            hour,
            "UPTIME",
            "probe",
            result,
            &format!("2026-11-01T{hour:02}:00:00Z"),
        ));
    }
    let report = unproven_window(&program, &entries, w, at(AS_OF));
    let lapses = &report.controls[0].lapses;
    assert_eq!(lapses.len(), 1, "{lapses:?}");
    assert_eq!(lapses[0].from.to_string(), "2026-11-01T07:00:00Z");
    assert_eq!(lapses[0].to.to_string(), "2026-11-01T11:00:00Z");
    assert_eq!(
        (lapses[0].after_entry, lapses[0].before_entry),
        (Some(5), Some(11))
    );
}

#[test]
fn calendar_periods_cover_the_window_without_overlap() {
    let w = window();
    for f in [
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Annual,
    ] {
        let ps = periods(f, w);
        assert!(
            ps[0].from <= w.from && ps.last().unwrap().to >= w.to,
            "{f:?}"
        );
        for pair in ps.windows(2) {
            assert_eq!(pair[0].to.add_days(1), pair[1].from, "{f:?}");
        }
    }
    let months: Vec<String> = periods(Frequency::Monthly, w)
        .into_iter()
        .map(|p| p.label)
        .collect();
    assert_eq!(months, ["2026-08", "2026-09", "2026-10"]);
    assert_eq!(periods(Frequency::Annual, w)[0].label, "2026");
}

#[test]
fn the_sample_evidences_each_member_with_its_entries() {
    let (program, entries) = worked_example();
    let report = draw(
        &program,
        &entries,
        &Default::default(),
        window(),
        at(AS_OF),
        7,
        &SampleSizes::default(),
    );
    let backup = report
        .controls
        .iter()
        .find(|c| c.control == "BACKUP")
        .unwrap();
    assert_eq!(
        (backup.population, backup.size, backup.basis),
        (90, 25, "periods")
    );
    for m in &backup.sample {
        let expected: Vec<u64> = entries
            .iter()
            .filter(|e| &*e.control == "BACKUP" && e.covers_from == m.from)
            .map(|e| e.seq)
            .collect();
        assert_eq!(m.entries, expected, "{}", m.label);
    }
    let access = report
        .controls
        .iter()
        .find(|c| c.control == "ACCESS-REVIEW")
        .unwrap();
    assert_eq!(
        (access.population, access.size),
        (2, 2),
        "Q3, and Q4 already passed"
    );
    assert!(access.whole_population);
    // With no Q4 review yet, Q4 is pending and not part of the population.
    let q3_only: Vec<Record> = entries
        .iter()
        .filter(|e| &*e.control != "ACCESS-REVIEW" || e.covers_to == day("2026-09-30"))
        .cloned()
        .collect();
    let report = draw(
        &program,
        &q3_only,
        &Default::default(),
        window(),
        at(AS_OF),
        7,
        &SampleSizes::default(),
    );
    let access = report
        .controls
        .iter()
        .find(|c| c.control == "ACCESS-REVIEW")
        .unwrap();
    assert_eq!((access.population, access.size), (1, 1));
}

#[test]
fn event_sample_sizes_follow_the_table() {
    for (population, size) in [
        (0, 0),
        (1, 1),
        (5, 5),
        (6, 5),
        (50, 5),
        (51, 6),
        (100, 10),
        (250, 25),
        (251, 25),
        (10_000, 25),
    ] {
        assert_eq!(
            event_sample_size(population),
            size,
            "population {population}"
        );
    }
}

proptest! {
    #[test]
    fn the_same_seed_gives_the_same_sample(seed in any::<u64>(), population in 0..500usize, size in 0..60usize) {
        let a = pick(seed, "BACKUP", population, size);
        prop_assert_eq!(&a, &pick(seed, "BACKUP", population, size));
        prop_assert_eq!(a.len(), size.min(population));
        prop_assert!(a.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        prop_assert!(a.iter().all(|i| *i < population));
    }

    #[test]
    fn different_seeds_give_different_samples(a in any::<u64>(), b in any::<u64>()) {
        prop_assume!(a != b);
        // 25 of 365: about 10^40 possible samples, so equal draws mean a broken seed.
        prop_assert_ne!(pick(a, "BACKUP", 365, 25), pick(b, "BACKUP", 365, 25));
    }

    #[test]
    fn sample_sizes_match_the_table_for_every_frequency(population in 0..1000usize) {
        let t = SampleSizes::default();
        for (f, wanted) in [
            (Frequency::Annual, 1), (Frequency::Quarterly, 2), (Frequency::Monthly, 2),
            (Frequency::Weekly, 5), (Frequency::Daily, 25), (Frequency::Continuous, 25),
            (Frequency::PerEvent, event_sample_size(population)),
        ] {
            prop_assert_eq!(t.size(f, population), wanted.min(population));
        }
    }
}

/// Each period says whether its evidence was witnessed by the period's end
/// plus `proof_grace` (2 days): in time, late, or not yet proven at all.
#[test]
fn periods_say_whether_their_evidence_was_proven_in_time() {
    let mut backup = control("BACKUP", &["A1.2"], &["nightly"], "26h");
    backup.frequency = Frequency::Daily;
    let program = program(vec![backup]);
    let entries = vec![
        entry(
            0,
            "BACKUP",
            "nightly",
            Outcome::Pass,
            "2026-08-01T02:00:00Z",
        ),
        entry(
            1,
            "BACKUP",
            "nightly",
            Outcome::Pass,
            "2026-08-02T02:00:00Z",
        ),
        entry(
            2,
            "BACKUP",
            "nightly",
            Outcome::Pass,
            "2026-08-03T02:00:00Z",
        ),
    ];
    let witnessed = |size, when: &str| Witnessed {
        size,
        at: at(when),
        by: "witness.example/w1".into(),
    };
    // Entry 0 witnessed the next day; entry 1 only a week later; entry 2 never.
    let proofs = Proofs::new(vec![
        witnessed(1, "2026-08-02T00:00:00Z"),
        witnessed(2, "2026-08-09T00:00:00Z"),
    ]);
    let report = test_window(
        &program,
        &entries,
        &proofs,
        &Default::default(),
        window(),
        at(AS_OF),
    );
    assert!(report.witnessed);
    let periods = &report.controls[0].periods;
    let state = |i: usize| periods[i].proof.as_ref().map(|p| p.state);
    assert_eq!(state(0), Some(ProofState::InTime));
    assert_eq!(state(1), Some(ProofState::Late));
    assert_eq!(
        periods[1].proof.as_ref().unwrap().deadline.to_string(),
        "2026-08-04T23:59:59Z"
    );
    assert_eq!(state(2), Some(ProofState::Unproven));
    assert_eq!(
        state(3),
        None,
        "a period without entries has nothing to prove"
    );
    assert_eq!(report.unproven().count(), 2);
    // Without any witness, nothing is claimed either way.
    let unwitnessed = unproven_window(&program, &entries, window(), at(AS_OF));
    assert!(!unwitnessed.witnessed);
    assert!(
        unwitnessed.controls[0]
            .periods
            .iter()
            .all(|p| p.proof.is_none())
    );
}

#[test]
fn evidence_covering_two_months_counts_for_both() {
    let mut review = control("ACCESS-REVIEW", &["CC6.2"], &["review"], "100d");
    review.frequency = Frequency::Monthly;
    let program = program(vec![review]);
    let window = Window {
        from: day("2026-01-01"),
        to: day("2026-03-31"),
    };
    let entries = vec![covering(
        0,
        "ACCESS-REVIEW",
        "review",
        Outcome::Pass,
        day("2026-03-02"),
        day("2026-01-01"),
        day("2026-02-28"),
    )];
    let report = unproven_window(&program, &entries, window, at(AS_OF));
    let results: Vec<(&str, PeriodResult)> = report.controls[0]
        .periods
        .iter()
        .map(|p| (p.period.label.as_str(), p.result))
        .collect();
    assert_eq!(
        results,
        [
            ("2026-01", PeriodResult::Passed),
            ("2026-02", PeriodResult::Passed),
            ("2026-03", PeriodResult::Missing),
        ]
    );
}

#[test]
fn a_run_that_errored_is_no_event() {
    let mut merges = control("CHANGE", &["CC8.1"], &["merge"], "30d");
    merges.frequency = Frequency::PerEvent;
    let program = program(vec![merges]);
    let d = day("2026-08-03");
    let entries = vec![
        covering(0, "CHANGE", "merge", Outcome::Pass, d, d, d),
        covering(1, "CHANGE", "merge", Outcome::Error, d, d, d),
        covering(2, "CHANGE", "merge", Outcome::Fail, d, d, d),
    ];
    let report = unproven_window(&program, &entries, window(), at(AS_OF));
    assert_eq!(report.controls[0].events, 2);
    let sample = draw(
        &program,
        &entries,
        &Default::default(),
        window(),
        at(AS_OF),
        7,
        &SampleSizes::default(),
    );
    assert_eq!(sample.controls[0].population, 2);
}
