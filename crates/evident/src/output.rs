//! Shared output helpers: JSON to stdout, tables that fit the terminal.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// `println!` for people: what it prints often quotes the trust repo or the
/// ledger, so control characters are shown escaped (line breaks are kept:
/// they are the message's own).
macro_rules! say {
    () => { println!() };
    ($($arg:tt)*) => {
        println!("{}", evident_core::terminal::inert_lines(&format!($($arg)*)))
    };
}

/// `eprintln!` for people, escaped as [`say!`] is.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", evident_core::terminal::inert_lines(&format!($($arg)*)))
    };
}

pub fn print_json<T: Serialize>(value: &T) {
    // Our report types serialise infallibly (no non-string map keys, no custom errors).
    let text = serde_json::to_string_pretty(value).expect("report serialises to JSON");
    println!("{text}");
}

/// A table with a header row, wrapped to the terminal width. Every cell is
/// shown inert ([`terminal`]): a table prints ids, names and notes users wrote.
pub fn table<const N: usize>(header: [&str; N]) -> Rows {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    Rows(t)
}

/// A terminal table whose cells are escaped as they are added.
pub struct Rows(Table);

impl Rows {
    pub fn add_row<I, C>(&mut self, cells: I) -> &mut Rows
    where
        I: IntoIterator<Item = C>,
        C: std::fmt::Display,
    {
        let row: Vec<String> = cells
            .into_iter()
            .map(|c| evident_core::terminal::inert_lines(&c.to_string()))
            .collect();
        self.0.add_row(row);
        self
    }
}

impl std::fmt::Display for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// User-written text for the terminal: control characters (an escape
/// sequence, a carriage return that overwrites the line) are shown escaped,
/// never sent to the terminal as they are.
pub fn terminal(text: &str) -> String {
    evident_core::terminal::inert(text)
}
