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
use super::table::{Column, Table, Value, looks_like_formula};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of one CSV cell, neutralised when it is text that looks like a
/// formula, and quoted (RFC 4180) when it holds a comma, a quote or a line break.
pub fn csv_cell(value: &Value) -> String {
    let mut out = Vec::new();
    push_cell(value, &mut out);
    // Every byte pushed comes from a `str` or from ASCII digits.
    String::from_utf8(out).unwrap_or_default()
}

/// Whether a field must be quoted: the bytes the `csv` crate quotes with its
/// default settings (delimiter, quote, CR, LF), so output is unchanged.
fn needs_quotes(s: &[u8]) -> bool {
    if s.len() < 16 {
        return s.iter().any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    }
    memchr::memchr3(b',', b'"', b'\n', s).is_some() || memchr::memchr(b'\r', s).is_some()
}

fn push_text(s: &str, out: &mut Vec<u8>) {
    let neutralise = looks_like_formula(s);
    let bytes = s.as_bytes();
    if !needs_quotes(bytes) {
        if neutralise {
            out.push(b'\'');
        }
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    if neutralise {
        out.push(b'\'');
    }
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Appends one cell's CSV text to `out`: text quoted and neutralised, every
/// other value in its SPEC form ([`Value::push_text`]).
fn push_cell(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Text(s) => push_text(s, out),
        other => other.push_text(out),
    }
}

/// One record: cells separated by commas, then `\n`.
fn push_row(values: &[Value], out: &mut Vec<u8>) {
    for (j, v) in values.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        push_cell(v, out);
    }
    if values.len() == 1 && matches!(values[0], Value::Null) {
        // A record of one empty field is written `""` so it is not a blank line.
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

/// Appends every row of `table` to `out` exactly as [`CsvSink::append`]
/// writes it, so rows can be formatted in parallel and written in order.
pub fn format_rows(table: &dyn Table, out: &mut Vec<u8>) {
    let mut values = Vec::with_capacity(table.columns().len());
    for i in 0..table.len() {
        table.row(i, &mut values);
        push_row(&values, out);
    }
}

/// What a written report file is: its size and SHA-256, computed from the
/// bytes as they were written (no second read of the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    pub sha256: String,
}

/// A file written through a large buffer, hashed as each block goes out.
struct HashingFile {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    hasher: Sha256,
    bytes: u64,
    /// Bytes handed to the disk so far (see [`HashingFile::wrote`]).
    writeback_from: u64,
}

const FLUSH_AT: usize = 1 << 20;

/// Formatted rows from this size up are written without going through the buffer.
const DIRECT_AT: usize = 64 << 10;

/// Written bytes are handed to the disk in steps of this size.
const WRITEBACK_STEP: u64 = 8 << 20;

impl HashingFile {
    fn create(path: &Path) -> Result<Self, ReportError> {
        let file = File::create(path).map_err(|e| ReportError::io(path, e))?;
        Ok(HashingFile {
            path: path.to_path_buf(),
            file,
            buf: Vec::with_capacity(FLUSH_AT + (64 << 10)),
            hasher: Sha256::new(),
            bytes: 0,
            writeback_from: 0,
        })
    }
    /// Counts `n` bytes just written, and asks the kernel to start writing
    /// them to disk once a step has gathered: a large report then reaches the
    /// disk while the run goes on, and the fsync at the end only waits for
    /// the rest (it was ~0.2 s of a million-person run). Advisory: an error
    /// here is ignored, the fsync in [`finish`](Self::finish) reports any.
    fn wrote(&mut self, n: usize) {
        self.bytes += n as u64;
        if self.bytes - self.writeback_from < WRITEBACK_STEP {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (from, len) = (self.writeback_from, self.bytes - self.writeback_from);
            if let (Ok(from), Ok(len)) = (i64::try_from(from), i64::try_from(len)) {
                // SAFETY: a plain system call on a file descriptor this value
                // owns; it reads no memory of ours.
                unsafe {
                    libc::sync_file_range(
                        self.file.as_raw_fd(),
                        from,
                        len,
                        libc::SYNC_FILE_RANGE_WRITE,
                    );
                }
            }
        }
        self.writeback_from = self.bytes;
    }
    fn flush_if_full(&mut self) -> Result<(), ReportError> {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }
    /// Hashes and writes `bytes` (after anything already written).
    fn write_out(&mut self, bytes: &[u8]) -> Result<(), ReportError> {
        self.hasher.update(bytes);
        self.file
            .write_all(bytes)
            .map_err(|e| ReportError::io(&self.path, e))?;
        self.wrote(bytes.len());
        Ok(())
    }
    fn flush(&mut self) -> Result<(), ReportError> {
        let buf = std::mem::take(&mut self.buf);
        let written = self.write_out(&buf);
        self.buf = buf;
        self.buf.clear();
        written
    }
    /// Flushes, fsyncs and returns the file's size and hash.
    fn finish(mut self) -> Result<Written, ReportError> {
        self.flush()?;
        self.file
            .sync_all()
            .map_err(|e| ReportError::io(&self.path, e))?;
        Ok(Written {
            bytes: self.bytes,
            sha256: format!("{:x}", self.hasher.finalize()),
        })
    }
}

/// A CSV report written in one or several passes: the header when created,
/// then the rows of each table appended (one per batch of persons when the
/// run streams its results), then fsynced by [`finish`](CsvSink::finish).
pub struct CsvSink {
    f: HashingFile,
}

impl CsvSink {
    /// Creates (or truncates) `path` and writes the header row of column keys.
    pub fn create(path: &Path, columns: &[Column], bom: bool) -> Result<Self, ReportError> {
        let mut f = HashingFile::create(path)?;
        if bom {
            f.buf.extend_from_slice(BOM);
        }
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                f.buf.push(b',');
            }
            push_text(c.key, &mut f.buf);
        }
        f.buf.push(b'\n');
        Ok(CsvSink { f })
    }

    /// Appends every row of `table` (whose columns are the header's).
    pub fn append(&mut self, table: &dyn Table, progress: &RowProgress) -> Result<(), ReportError> {
        let f = &mut self.f;
        let mut values = Vec::with_capacity(table.columns().len());
        for i in 0..table.len() {
            table.row(i, &mut values);
            push_row(&values, &mut f.buf);
            f.flush_if_full()?;
            if i % 4096 == 4095 {
                progress.inc(4096);
            }
        }
        progress.inc((table.len() % 4096) as u64);
        Ok(())
    }

    /// Appends rows already formatted by [`format_rows`] (on another thread).
    pub fn append_formatted(&mut self, rows: &[u8]) -> Result<(), ReportError> {
        let f = &mut self.f;
        if rows.len() < DIRECT_AT {
            if f.buf.len() + rows.len() > FLUSH_AT {
                f.flush()?;
            }
            f.buf.extend_from_slice(rows);
            return Ok(());
        }
        // A large block goes out as it is, after what is buffered: hashed
        // and written, not copied (a piece of 1,024 persons' rows is ~100 KiB
        // a file; copying them all was a pass over every report byte).
        f.flush()?;
        f.write_out(rows)
    }

    /// Writes what is buffered, fsyncs, and returns the file's size and SHA-256.
    pub fn finish(self) -> Result<Written, ReportError> {
        self.f.finish()
    }
}

/// Writes `table` to `path` (created or truncated), header row of column keys
/// first, then fsyncs the file. Returns its size and SHA-256.
pub fn write_csv(
    path: &Path,
    table: &dyn Table,
    bom: bool,
    progress: &RowProgress,
) -> Result<Written, ReportError> {
    let mut sink = CsvSink::create(path, table.columns(), bom)?;
    sink.append(table, progress)?;
    sink.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::table::{ColumnKind, round_money};
    use rust_decimal::Decimal;

    #[test]
    fn formatted_pieces_small_and_large_arrive_in_order_and_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let columns = [Column {
            key: "a",
            zh: "甲",
            kind: ColumnKind::Text,
        }];
        let mut sink = CsvSink::create(&path, &columns, false).unwrap();
        // Buffered pieces (crossing the 1 MiB flush), pieces written directly
        // (one past the 8 MiB writeback step), and small ones between them.
        let mut pieces: Vec<Vec<u8>> = vec![b"x\n".to_vec()];
        pieces.extend((0..60u8).map(|i| vec![b'a' + i % 26; 20 << 10]));
        pieces.push(vec![b'L'; 70 << 10]);
        pieces.push(b"y\n".to_vec());
        pieces.push(vec![b'M'; 9 << 20]);
        pieces.push(b"z\n".to_vec());
        for p in &pieces {
            sink.append_formatted(p).unwrap();
        }
        let written = sink.finish().unwrap();
        let mut expected = b"a\n".to_vec();
        for p in &pieces {
            expected.extend_from_slice(p);
        }
        let on_disk = std::fs::read(&path).unwrap();
        assert!(on_disk == expected, "file differs from the pieces in order");
        assert_eq!(written.bytes, expected.len() as u64);
        assert_eq!(written.sha256, format!("{:x}", Sha256::digest(&expected)));
    }

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

    #[test]
    fn fields_are_quoted_like_rfc_4180() {
        assert_eq!(csv_cell(&Value::Text("a,b".into())), "\"a,b\"");
        assert_eq!(
            csv_cell(&Value::Text("say \"hi\"".into())),
            "\"say \"\"hi\"\"\""
        );
        assert_eq!(
            csv_cell(&Value::Text("two\nlines".into())),
            "\"two\nlines\""
        );
        assert_eq!(csv_cell(&Value::Text("=1,2".into())), "\"'=1,2\"");
        assert_eq!(csv_cell(&Value::Text("单位,甲".into())), "\"单位,甲\"");
        assert_eq!(csv_cell(&Value::Null), "");
    }

    #[test]
    fn money_text_matches_the_formatter() {
        use std::str::FromStr;
        let cases = [
            "0",
            "0.004",
            "0.005",
            "-0.004",
            "-0.005",
            "1",
            "-1",
            "12.5",
            "35.986",
            "2366",
            "0.125",
            "-0.125",
            "99.995",
            "-99.995",
            "10000000.00",
            "123456789.999",
            "0.01",
            "-0.01",
            "7.1",
            "1e-10",
        ];
        for c in cases {
            let d = Decimal::from_str(c).unwrap_or_else(|_| Decimal::from_scientific(c).unwrap());
            assert_eq!(
                csv_cell(&Value::Money(d)),
                format!("{:.2}", round_money(d)),
                "{c}"
            );
        }
        // Every cent from -2.00 to 2.00 at scales 2, 3 and 4.
        for n in -20_000i64..=20_000 {
            for scale in [2u32, 3, 4] {
                let d = Decimal::new(n, scale);
                assert_eq!(csv_cell(&Value::Money(d)), format!("{:.2}", round_money(d)));
            }
        }
    }

    #[test]
    fn months_and_dates_print_in_spec_forms() {
        use crate::model::Month;
        use chrono::NaiveDate;
        assert_eq!(
            csv_cell(&Value::Month(Month::new(2025, 4).unwrap())),
            "2025-04"
        );
        assert_eq!(
            csv_cell(&Value::Month(Month::new(987, 12).unwrap())),
            "0987-12"
        );
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(csv_cell(&Value::Date(d)), "2024-02-29");
        assert_eq!(csv_cell(&Value::Bool(false)), "false");
        assert_eq!(csv_cell(&Value::Int(1_234_567)), "1234567");
    }
}
