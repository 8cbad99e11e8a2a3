//! `evident catalog`: the criteria evident knows.

use crate::cli::Report;
use crate::failure::{Failure, VerbResult};
use crate::output::{print_json, table};
use evident_core::catalog::{Catalog, Criterion};
use serde::Serialize;

#[derive(Serialize)]
struct CatalogJson<'a> {
    title: &'a str,
    version: &'a str,
    criteria: Vec<&'a Criterion>,
}

pub fn run(category: Option<&str>, report: &Report) -> VerbResult {
    let catalog = Catalog::tsc();
    let only = match category {
        None => None,
        Some(name) => Some(
            catalog
                .category(name)
                .map(|c| c.id.clone())
                .ok_or_else(|| {
                    let ids: Vec<&str> = catalog.categories.iter().map(|c| c.id.as_str()).collect();
                    let hint = match evident_core::suggest::closest(name, ids.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("categories: {}", ids.join(", ")),
                    };
                    Failure::input(format!("--category: unknown category `{name}`; {hint}"))
                })?,
        ),
    };
    let criteria: Vec<&Criterion> = catalog
        .criteria()
        .filter(|c| only.as_ref().is_none_or(|o| &c.category == o))
        .collect();
    if report.json {
        print_json(&CatalogJson {
            title: &catalog.title,
            version: &catalog.version,
            criteria,
        });
        return Ok(());
    }
    let mut t = table(["Criterion", "Category", "Title", "What it asks"]);
    for c in &criteria {
        t.add_row([
            c.id.as_str(),
            c.category.as_str(),
            c.title.as_str(),
            c.description.as_str(),
        ]);
    }
    say!("{} ({} criteria)\n{t}", catalog.title, criteria.len());
    Ok(())
}
