//! Parquet copies of the report tables (`--format parquet`). The writing itself
//! lives in `columnar` (the one module allowed to use polars); this is the
//! report side's single call into it.

use super::table::Table;
use std::path::Path;

/// Writes `table` as a typed Parquet file at `path`.
///
/// Until `columnar::parquet::write_table` lands, this fails with a clear
/// message, so `--format parquet` errors (and, the writes being atomic,
/// leaves the previous reports untouched) rather than writing nothing silently.
pub fn write_parquet(path: &Path, table: &dyn Table) -> anyhow::Result<()> {
    anyhow::bail!(
        "cannot write {} ({} rows): Parquet output is not available in this build yet",
        path.display(),
        table.len()
    )
}
