//! Shared output helpers: JSON to stdout, tables that fit the terminal.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

pub fn print_json<T: Serialize>(value: &T) {
    // Our report types serialise infallibly (no non-string map keys, no custom errors).
    let text = serde_json::to_string_pretty(value).expect("report serialises to JSON");
    println!("{text}");
}

/// A table with a header row, wrapped to the terminal width.
pub fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    t
}
