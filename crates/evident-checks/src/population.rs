//! `population`: every event of a population tested with SQL over exports
//! (evident-population runs it with DataFusion). Each row of the query is an
//! exception; the entry keeps the population's size and events and every
//! exception, so period testing and the auditor's sample can say "whole
//! population tested".

use crate::{CheckResult, Context};
use evident_core::model::checks::PopulationCheck;
use evident_population::{Question, Source, Table};
use serde_json::json;

pub fn run(check: &PopulationCheck, cx: &Context) -> CheckResult {
    let mut tables = Vec::new();
    for (name, source) in &check.tables {
        let source = Source::parse(&cx.repo, source);
        if let (Source::File(path), Some(max)) = (&source, check.max_age)
            && let Err(e) = crate::report::fresh(path, &check.tables[name], max, cx)
        {
            return e;
        }
        tables.push(Table {
            name: name.clone(),
            source,
        });
    }
    let Some(population) = check.population() else {
        return CheckResult::error("no population named");
    };
    let question = Question {
        tables: &tables,
        population,
        query: &check.query,
        key: &check.key,
        date: check.date.as_deref(),
    };
    let tested = match evident_population::test_on_all_cores(&question) {
        Ok(t) => t,
        Err(e) => return CheckResult::error(e.to_string()),
    };
    let events: Vec<_> = tested
        .events
        .iter()
        .map(|e| json!({ "key": e.key, "date": e.date }))
        .collect();
    let exceptions: Vec<_> = tested
        .exception_rows
        .iter()
        .map(|(key, row)| json!({ "key": key, "row": row }))
        .collect();
    let detail = json!({
        "tables": check.tables,
        "population": population,
        "key": check.key,
        "population_size": tested.population,
        "events": events,
        "events_listed": events.len(),
        "exceptions": tested.exceptions,
        "exceptions_named": exceptions,
    });
    let problems = match tested.exception_rows.first() {
        None => vec![],
        Some((first, _)) => vec![format!(
            "{} of {} events are exceptions (first: {first})",
            tested.exceptions, tested.population
        )],
    };
    CheckResult::judged(
        &problems,
        format!("all {} events tested, none an exception", tested.population),
        detail,
    )
}
