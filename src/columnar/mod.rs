//! The one module that uses polars (eager API, exact version pinned): the
//! contribution ledger read and summed by person·employer·month, and Parquet
//! copies of the report tables. Nothing outside this module sees a polars type.
//!
//! OWNER: ledger helper. Keep the signatures below (add freely).

use crate::model::{InputReport, LedgerEntry, Reject};
use std::path::PathBuf;

#[derive(Debug, Default)]
pub struct LedgerBatch {
    /// Summed entries, sorted by person, employer, month.
    pub entries: Vec<LedgerEntry>,
    pub rejects: Vec<Reject>,
    pub inputs: Vec<InputReport>,
    /// Ledger rows that were summed into an entry already holding another row.
    pub merged_rows: u64,
}

#[derive(Debug, Clone, Default)]
pub struct LedgerOptions {
    /// Employer for rows without an employer column (`--employer`); else the file stem.
    pub default_employer: Option<String>,
}

pub fn read_ledger(_paths: &[PathBuf], _opts: &LedgerOptions) -> anyhow::Result<LedgerBatch> {
    anyhow::bail!("ledger not built yet")
}
