//! Parquet copies of the report tables (`--format parquet`). The writing itself
//! lives in `columnar` (the one module allowed to use polars); this is the
//! report side's single call into it.

use super::table::Table;
use std::path::Path;

/// Writes `table` as a typed Parquet file at `path`.
/// Flushed to disk (fsync) before returning, like every other report file.
pub fn write_parquet(path: &Path, table: &dyn Table) -> anyhow::Result<()> {
    crate::columnar::parquet::write_table(path, table)?;
    std::fs::File::open(path)?.sync_all()?;
    Ok(())
}
