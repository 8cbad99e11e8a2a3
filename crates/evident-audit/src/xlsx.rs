//! Tables as one XLSX workbook: a sheet per table with a frozen, filterable header
//! row, columns sized to their content, and dates stored as real dates.

use crate::AuditError;
use crate::table::{Cell, Table};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// Widest a column is sized to, in characters; longer text wraps.
const MAX_WIDTH: usize = 60;

/// Most characters an Excel cell holds.
const MAX_CELL_CHARS: usize = 32_767;

/// Text cut to what a cell holds, saying so at its end; the CSV export keeps it whole.
fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    let chars = s.chars().count();
    if chars <= MAX_CELL_CHARS {
        return s.into();
    }
    let note = format!(" [cut: {chars} characters in all; the CSV export holds the whole text]");
    let keep = MAX_CELL_CHARS - note.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(&note);
    out.into()
}

/// The date as Excel stores it, when Excel can (years 1900 to 9999).
fn excel_date(d: evident_core::time::Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, AuditError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#E7EEF7");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let wrap = Format::new().set_text_wrap();
    for t in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(t.name)?;
        let mut widths: Vec<usize> = t.headers.iter().map(|h| h.len() + 2).collect();
        for (c, h) in t.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                // Text is always written as a string, never a formula. What a
                // cell cannot hold is written so that it can: an export must
                // not fail forever because of one ledger entry.
                match cell {
                    Cell::Text(s) if s.len() > MAX_WIDTH => {
                        sheet.write_string_with_format(r, col, fit(s).as_ref(), &wrap)?;
                    }
                    Cell::Text(s) => {
                        sheet.write_string(r, col, s)?;
                    }
                    Cell::Number(n) if n.is_finite() => {
                        sheet.write_number(r, col, *n)?;
                    }
                    Cell::Number(n) => {
                        sheet.write_string(r, col, n.to_string())?;
                    }
                    Cell::Date(d) => match excel_date(*d) {
                        Some(when) => {
                            sheet.write_datetime_with_format(r, col, &when, &date)?;
                        }
                        // Before 1900 or after 9999: Excel has no such date.
                        None => {
                            sheet.write_string(r, col, d.to_string())?;
                        }
                    },
                    Cell::Empty => {}
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(cell.text().chars().count().min(MAX_WIDTH) + 2);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, *w as f64)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        if !t.headers.is_empty() {
            sheet.autofilter(0, 0, t.rows.len() as u32, t.headers.len() as u16 - 1)?;
        }
    }
    book.save_to_buffer().map_err(AuditError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use evident_core::time::Date;

    #[test]
    fn every_value_evident_accepts_fits_a_cell() {
        let long = "x".repeat(40_000);
        let table = Table {
            name: "T",
            headers: vec!["text", "before", "after", "nan"],
            rows: vec![vec![
                Cell::Text(long.clone()),
                Cell::Date(Date::new(1066, 10, 14).unwrap()),
                Cell::Date("9999-12-31".parse::<Date>().unwrap()),
                Cell::Number(f64::NAN),
            ]],
        };
        assert!(to_xlsx(&[table]).is_ok());
        let cut = fit(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with("40000 characters in all; the CSV export holds the whole text]"));
        assert!(excel_date(Date::new(1066, 10, 14).unwrap()).is_none());
    }
}
