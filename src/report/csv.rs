//! CSV reports (SPEC §4): UTF-8, a BOM first by default so spreadsheet users
//! see Chinese correctly, `\n` line ends, quoting only where needed.
//!
//! Cells: months `YYYY-MM`, dates `YYYY-MM-DD`, money with exactly two
//! decimals (no thousands separator), `true`/`false`, blank for no value.
//!
//! Formula neutralisation (CSV injection): a *text* cell starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return would be run as a formula by a
//! spreadsheet opening the file, so it is written with a leading apostrophe
//! (`=1+1` → `'=1+1`), the convention spreadsheets show as "text". Typed
//! numbers and money are never prefixed: `-12.50` is a number, not a formula.

use super::ReportError;
use super::progress::RowProgress;
use super::table::{Table, Value, looks_like_formula};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of one CSV cell, neutralised when it is text that looks like a formula.
pub fn csv_cell(value: &Value) -> String {
    let mut s = String::new();
    push_csv_cell(value, &mut s);
    s
}

/// Appends [`csv_cell`]'s text to `buf`.
fn push_csv_cell(value: &Value, buf: &mut String) {
    if let Value::Text(s) = value
        && looks_like_formula(s)
    {
        buf.push('\'');
    }
    value.write_text(buf);
}

/// Writes `table` to `path` (created or truncated), header row of column keys
/// first, then fsyncs the file.
pub fn write_csv(
    path: &Path,
    table: &dyn Table,
    bom: bool,
    progress: &RowProgress,
) -> Result<(), ReportError> {
    let io_err = |e: std::io::Error| ReportError::io(path, e);
    let csv_err = |e: csv::Error| ReportError::write(path, e);
    let file = File::create(path).map_err(io_err)?;
    let mut buffered = BufWriter::with_capacity(1 << 16, file);
    if bom {
        buffered.write_all(BOM).map_err(io_err)?;
    }
    let mut writer = csv::WriterBuilder::new().from_writer(buffered);
    writer
        .write_record(table.columns().iter().map(|c| c.key))
        .map_err(csv_err)?;
    let mut values = Vec::with_capacity(table.columns().len());
    let mut cell = String::new();
    for i in 0..table.len() {
        table.row(i, &mut values);
        for v in &values {
            cell.clear();
            push_csv_cell(v, &mut cell);
            writer.write_field(&cell).map_err(csv_err)?;
        }
        writer.write_record(None::<&[u8]>).map_err(csv_err)?;
        if i % 4096 == 4095 {
            progress.inc(4096);
        }
    }
    progress.inc((table.len() % 4096) as u64);
    let buffered = writer
        .into_inner()
        .map_err(|e| ReportError::io(path, e.into_error()))?;
    let file = buffered
        .into_inner()
        .map_err(|e| ReportError::io(path, e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn text_formulas_are_neutralised_numbers_are_not() {
        assert_eq!(csv_cell(&Value::Text("=1+1".into())), "'=1+1");
        assert_eq!(csv_cell(&Value::Text("+86 10".into())), "'+86 10");
        assert_eq!(csv_cell(&Value::Text("-x".into())), "'-x");
        assert_eq!(csv_cell(&Value::Text("@SUM(A1)".into())), "'@SUM(A1)");
        assert_eq!(csv_cell(&Value::Text("\tcmd".into())), "'\tcmd");
        assert_eq!(csv_cell(&Value::Text("a=b".into())), "a=b");
        // A negative amount stays a number: -12.5 → -12.50, no apostrophe.
        assert_eq!(csv_cell(&Value::Money(Decimal::new(-125, 1))), "-12.50");
        assert_eq!(csv_cell(&Value::Int(-3)), "-3");
    }
}
