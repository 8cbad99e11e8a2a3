//! The auditor's package. `worksheet` lays the control matrix out as tables from
//! the same judgement the portal reads; `xlsx` and `csv` turn tables into bytes.
//! Nothing here touches the disk: the binary writes what these return.

pub mod bundle;
pub mod csv_out;
mod metrics_sheet;
pub mod oscal;
pub mod register_sheets;
pub mod table;
pub mod worksheet;
pub mod xlsx;

/// Why an auditor's document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the workbook cannot be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("the CSV cannot be written: {0}")]
    Csv(#[from] csv::Error),
    #[error("the bundle cannot be assembled: {0}")]
    Bundle(String),
}
