//! A table as CSV (RFC 4180, header row first).

use crate::AuditError;
use crate::table::{Cell, Table};

/// A text cell as CSV: one a spreadsheet would take for a formula (it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`,
/// so user-written text (a summary, a reason) never runs when the file is
/// opened. Numbers and dates are written as they are.
fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{t}"),
        other => other.text(),
    }
}

pub fn to_csv(table: &Table) -> Result<Vec<u8>, AuditError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.headers)?;
    for row in &table.rows {
        w.write_record(row.iter().map(csv_cell))?;
    }
    w.into_inner()
        .map_err(|e| AuditError::from(csv::Error::from(e.into_error())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_quoted() {
        let table = Table {
            name: "T",
            headers: vec!["a", "b", "c"],
            rows: vec![vec![
                Cell::Text("=HYPERLINK(\"http://x\")".into()),
                Cell::Text("plain".into()),
                Cell::Number(-3.0),
            ]],
        };
        let out = String::from_utf8(to_csv(&table).unwrap()).unwrap();
        assert_eq!(out, "a,b,c\n\"'=HYPERLINK(\"\"http://x\"\")\",plain,-3\n");
    }
}
