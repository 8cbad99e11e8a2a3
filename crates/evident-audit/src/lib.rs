//! The auditor's package. `worksheet` lays the control matrix out as tables from
//! the same judgement the portal reads; `xlsx` and `csv` turn tables into bytes.
//! Nothing here touches the disk: the binary writes what these return.

pub mod bundle;
pub mod csv_out;
pub mod oscal;
pub mod table;
pub mod worksheet;
pub mod xlsx;
