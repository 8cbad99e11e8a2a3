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

/// User-written text for the terminal: control characters (an escape
/// sequence, a carriage return that overwrites the line) are shown escaped,
/// never sent to the terminal as they are.
pub fn terminal(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_reach_the_terminal_escaped() {
        assert_eq!(super::terminal("ok\u{1b}[2Jdone\r"), "ok\\u{1b}[2Jdone\\r");
        assert_eq!(super::terminal("plain — ✓"), "plain — ✓");
    }
}
