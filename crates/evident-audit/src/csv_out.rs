//! A table as CSV (RFC 4180, header row first).

use crate::table::Table;

pub fn to_csv(table: &Table) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.headers).map_err(|e| e.to_string())?;
    for row in &table.rows {
        w.write_record(row.iter().map(|c| c.text()))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}
