//! A table as CSV (RFC 4180, header row first).

use crate::AuditError;
use crate::table::Table;

pub fn to_csv(table: &Table) -> Result<Vec<u8>, AuditError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.headers)?;
    for row in &table.rows {
        w.write_record(row.iter().map(|c| c.text()))?;
    }
    w.into_inner()
        .map_err(|e| AuditError::from(csv::Error::from(e.into_error())))
}
