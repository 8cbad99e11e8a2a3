//! Tables as one XLSX workbook: a sheet per table with a frozen, filterable header
//! row, columns sized to their content, and dates stored as real dates.

use crate::AuditError;
use crate::table::{Cell, Table};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// Widest a column is sized to, in characters; longer text wraps.
const MAX_WIDTH: usize = 60;

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
                match cell {
                    Cell::Text(s) if s.len() > MAX_WIDTH => {
                        sheet.write_string_with_format(r, col, s, &wrap)?;
                    }
                    Cell::Text(s) => {
                        sheet.write_string(r, col, s)?;
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, col, *n)?;
                    }
                    Cell::Date(d) => {
                        let when = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        sheet.write_datetime_with_format(r, col, &when, &date)?;
                    }
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
