//! The one module that uses polars (eager API, exact version pinned): the
//! contribution ledger (实缴记录) read and summed by person·employer·month
//! (polars reads Parquet ledgers; the summing itself is a sort-and-sum pass,
//! see `aggregate`), and Parquet copies of the report tables. Nothing outside
//! this module sees a polars type.
//!
//! Ledger inputs are recognised by their bytes: CSV (UTF-8, UTF-8 with BOM,
//! GB18030/GBK), Excel (.xlsx/.xls/.xlsb/.ods via calamine), SpreadsheetML and
//! HTML `.xls`, and Parquet; a folder or `.zip` bundle is listed as for events
//! (`ingest::inputs`: recursive, sorted, owner and hidden files skipped). Columns
//! come from the `[ledger.*]` aliases of `schemas/columns.toml`: 身份证号,
//! 单位编号 (else `--employer`, else the file stem), 费款所属期 (`202503` or
//! `2025-03`), 实缴金额 or 单位缴纳 + 个人缴纳, optional 缴费日期.
//!
//! Accounting: every non-blank data row is read and either accepted,
//! rejected (one `Reject` per bad row, at its first bad cell) or a duplicate,
//! or a row of another insurance (`other_insurance`), or skipped as not a
//! person (example, subtotal or total, placeholder rows: the events' rule,
//! `ingest::normalize::not_a_person_at`, counted with the reason), so
//! `rows_read = accepted + rejected + duplicates + other_insurance + skipped`
//! per sheet (CSV and workbooks). Rows for the same
//! person, employer, month, insurance, payment kind and paid date are
//! **summed** into one `LedgerEntry`
//! (its `rows` says how many) — except a row *identical* to another (same
//! person, employer, month, amount and paid date): a real ledger repeats a
//! row only by an export error, so it is kept once and counted in its
//! sheet's `duplicates` (the repeat in the later sheet, in file order) and in
//! `LedgerBatch::duplicate_rows`. `LedgerBatch::merged_rows` counts the rows
//! that were summed into an entry already holding another row. A negative
//! amount is a refund: kept (summed) and counted in `refund_rows`.

mod aggregate;
mod csv_source;
mod excel;
pub mod parquet;
mod schema;
mod values;
mod vocab;

use crate::ingest::inputs::{Expanded, InputFile, expand_inputs};
use crate::ingest::sniff::FileKind;
use crate::model::{InputFormat, InputReport, InputRole, LedgerEntry, Reject};
use aggregate::LedgerStore;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct LedgerBatch {
    /// Summed entries, sorted by person, employer, month.
    pub entries: Vec<LedgerEntry>,
    pub rejects: Vec<Reject>,
    pub inputs: Vec<InputReport>,
    /// Ledger rows that were summed into an entry already holding another row.
    pub merged_rows: u64,
    /// Rows identical to an earlier one, kept once (also in their sheets' `duplicates`).
    pub duplicate_rows: u64,
    /// Rows with a negative amount, kept as refunds.
    pub refund_rows: u64,
    /// Files and folders met in the PATHs and not read, one line each.
    pub skipped: Vec<crate::text::Text>,
}

#[derive(Debug, Clone, Default)]
pub struct LedgerOptions {
    /// Employer for rows without an employer column (`--employer`); else the file stem.
    pub default_employer: Option<String>,
}

/// Reads and sums every ledger file. A file that cannot be read at all is an
/// error naming it; bad rows are rejects.
pub fn read_ledger(paths: &[PathBuf], opts: &LedgerOptions) -> anyhow::Result<LedgerBatch> {
    let schema = schema::LedgerSchema::shipped()?;
    let Expanded { files, skipped } = expand_inputs(paths, &[])?;
    let mut store = LedgerStore::default();
    let mut rejects = Vec::new();
    let mut inputs = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        let shown = file.display_path();
        let default_employer = opts.default_employer.clone().unwrap_or_else(|| {
            shown
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let report = read_one(
            file,
            index as u32,
            &schema,
            &default_employer,
            &mut store,
            &mut rejects,
        )
        .with_context(|| file.name.clone())?;
        inputs.push(report);
    }
    let (entries, counts) = store.aggregate()?;
    let mut duplicate_rows = 0;
    for ((input, sheet), d) in counts.duplicates {
        let s = inputs
            .get_mut(input as usize)
            .and_then(|i: &mut InputReport| i.sheets.get_mut(sheet as usize))
            .context("internal: a ledger duplicate's sheet is unknown")?;
        s.accepted -= d.min(s.accepted);
        s.duplicates += d;
        duplicate_rows += d;
    }
    Ok(LedgerBatch {
        entries,
        rejects,
        inputs,
        merged_rows: counts.merged,
        duplicate_rows,
        refund_rows: counts.refunds,
        skipped,
    })
}

/// What a ledger file is, from its bytes (the first 4 KiB, or the whole of a
/// zip): Parquet, else what ingest's sniffer says.
fn sniff_format(bytes: &[u8]) -> anyhow::Result<(InputFormat, FileKind)> {
    if bytes.starts_with(b"PAR1") {
        return Ok((InputFormat::Parquet, FileKind::Csv));
    }
    let kind = crate::ingest::sniff::sniff_whole(bytes);
    match kind.format() {
        Some(f) => Ok((f, kind)),
        None => anyhow::bail!(
            "is {}, not a CSV, Excel, Excel 2003 XML, HTML table or Parquet ledger that can be read, whatever its name says; {}",
            kind.label(),
            kind.advice()
        ),
    }
}

/// A bundle entry that the CSV and Parquet readers (which read from a path)
/// need as a file: written to a temporary file, removed when dropped.
struct TempCopy(PathBuf);

impl TempCopy {
    fn new(bytes: &[u8], index: u32, ext: &str) -> anyhow::Result<TempCopy> {
        let path = std::env::temp_dir().join(format!(
            "medrecon-ledger-{}-{index}.{ext}",
            std::process::id()
        ));
        std::fs::write(&path, bytes).with_context(|| format!("{}", path.display()))?;
        Ok(TempCopy(path))
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn read_one(
    file: &InputFile,
    index: u32,
    schema: &schema::LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
) -> anyhow::Result<InputReport> {
    let entry = file.entry_bytes().transpose()?;
    let head: Vec<u8> = match &entry {
        Some(bytes) => bytes[..bytes.len().min(4096)].to_vec(),
        None => {
            use std::io::Read;
            if !std::fs::metadata(&file.path)?.file_type().is_file() {
                anyhow::bail!(
                    "not a regular file (a FIFO, socket or device): only regular files are read"
                );
            }
            let mut head = Vec::with_capacity(4096);
            std::fs::File::open(&file.path)?
                .take(4096)
                .read_to_end(&mut head)?;
            head
        }
    };
    // A zip is read whole here (its workbook reader needs every byte anyway):
    // its part names may lie past the first 4 KiB (openpyxl writes docProps/
    // first) and only its end tells whether it was cut short.
    let whole = match &entry {
        None if head.starts_with(b"PK") => Some(std::fs::read(&file.path)?),
        _ => None,
    };
    let (format, kind) = sniff_format(entry.as_deref().or(whole.as_deref()).unwrap_or(&head))?;
    let display = file.name.clone();
    // CSV and Parquet are read from a path: a bundle entry gets a temporary copy.
    let temp = match (&entry, format) {
        (Some(bytes), InputFormat::Csv) => Some(TempCopy::new(bytes, index, "csv")?),
        (Some(bytes), InputFormat::Parquet) => Some(TempCopy::new(bytes, index, "parquet")?),
        _ => None,
    };
    let path: &Path = temp.as_ref().map_or(file.path.as_path(), |t| t.0.as_path());
    match format {
        InputFormat::Csv => {
            let read = csv_source::read_csv(path, index, schema, default_employer, store, rejects)?;
            Ok(InputReport {
                path: display,
                role: InputRole::Ledger,
                format,
                sha256: read.sha256,
                bytes: read.bytes,
                encoding: Some(read.encoding.as_str().to_string()),
                sheets: vec![read.sheet],
            })
        }
        InputFormat::Parquet => {
            let (sha256, bytes) = crate::ingest::hash_file(path)?;
            let sheet = parquet::read_ledger_parquet(
                path,
                index,
                schema,
                default_employer,
                store,
                rejects,
            )?;
            Ok(InputReport {
                path: display,
                role: InputRole::Ledger,
                format,
                sha256,
                bytes,
                encoding: None,
                sheets: vec![sheet],
            })
        }
        InputFormat::Xlsx
        | InputFormat::Xls
        | InputFormat::Xlsb
        | InputFormat::Ods
        | InputFormat::Spreadsheetml
        | InputFormat::Html => {
            let mut visitor =
                excel::LedgerSheets::new(index, schema, default_employer, store, rejects);
            let (sha256, bytes) =
                if matches!(format, InputFormat::Spreadsheetml | InputFormat::Html) {
                    // Read as it streams (a bundle's entry from its bytes in memory).
                    let hashed = match &entry {
                        Some(data) => (format!("{:x}", Sha256::digest(data)), data.len() as u64),
                        None => crate::ingest::hash_file(path)?,
                    };
                    let mut streamer = crate::ingest::streamed::SheetStreamer::new(visitor);
                    match &entry {
                        Some(data) => crate::ingest::markup::read_markup(
                            &mut std::io::Cursor::new(data.as_slice()),
                            kind,
                            &mut streamer,
                        ),
                        None => crate::ingest::markup::read_markup(
                            &mut std::io::BufReader::with_capacity(
                                1 << 20,
                                std::fs::File::open(path)?,
                            ),
                            kind,
                            &mut streamer,
                        ),
                    }
                    .map_err(|m| anyhow::anyhow!("{m}"))?;
                    visitor = streamer.visitor;
                    hashed
                } else {
                    let data = match entry.or(whole) {
                        Some(bytes) => bytes,
                        None => std::fs::read(path)?,
                    };
                    let hashed = (format!("{:x}", Sha256::digest(&data)), data.len() as u64);
                    let loaded = crate::ingest::excel::load_workbook(&data, kind)
                        .map_err(|m| anyhow::anyhow!("{m}"))?;
                    drop(data);
                    excel::read_workbook(loaded, &mut visitor);
                    hashed
                };
            Ok(InputReport {
                path: display,
                role: InputRole::Ledger,
                format,
                sha256,
                bytes,
                encoding: None,
                sheets: visitor.finish()?,
            })
        }
    }
}
