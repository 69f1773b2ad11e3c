//! Reports (SPEC §4): tables built from engine results, written as CSV, the
//! audit workbook (`report.xlsx`), Parquet (through `columnar`) and
//! `manifest.json`; masked by default; every file written atomically.
//!
//! OWNER: report helper.

pub mod table;
