//! The one module that uses polars (eager API, exact version pinned): the
//! contribution ledger (实缴记录) read and summed by person·employer·month
//! (polars reads Parquet ledgers; the summing itself is a sort-and-sum pass,
//! see `aggregate`), and Parquet copies of the report tables. Nothing outside
//! this module sees a polars type.
//!
//! Ledger inputs are recognised by their bytes: CSV (UTF-8, UTF-8 with BOM,
//! GB18030/GBK), Excel (.xlsx/.xls/.xlsb/.ods via calamine) and Parquet; a
//! folder means every such file directly inside it, sorted by name. Columns
//! come from the `[ledger.*]` aliases of `schemas/columns.toml`: 身份证号,
//! 单位编号 (else `--employer`, else the file stem), 费款所属期 (`202503` or
//! `2025-03`), 实缴金额 or 单位缴纳 + 个人缴纳, optional 缴费日期.
//!
//! Accounting: every non-blank data row is read and either accepted,
//! rejected (one `Reject` per bad row, at its first bad cell) or a duplicate,
//! so `rows_read = accepted + rejected + duplicates` per sheet. Rows for the
//! same person, employer and month are **summed** into one `LedgerEntry`
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
    let files = expand_ledger_paths(paths)?;
    let mut store = LedgerStore::default();
    let mut rejects = Vec::new();
    let mut inputs = Vec::with_capacity(files.len());
    for (index, path) in files.iter().enumerate() {
        let default_employer = opts.default_employer.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let report = read_one(
            path,
            index as u32,
            &schema,
            &default_employer,
            &mut store,
            &mut rejects,
        )
        .with_context(|| format!("{}", path.display()))?;
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
    })
}

const LEDGER_EXTENSIONS: [&str; 7] = ["csv", "txt", "xlsx", "xls", "xlsb", "ods", "parquet"];

/// Files as given; a folder becomes its ledger files (not recursive), by name.
fn expand_ledger_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside = Vec::new();
            for entry in std::fs::read_dir(path).with_context(|| format!("{}", path.display()))? {
                let entry = entry.with_context(|| format!("{}", path.display()))?;
                let p = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                // Hidden files and Excel's lock files (~$book.xlsx) are not exports.
                if name.starts_with('.') || name.starts_with("~$") || !p.is_file() {
                    continue;
                }
                let ext = p
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                if LEDGER_EXTENSIONS.contains(&ext.as_str()) {
                    inside.push(p);
                }
            }
            inside.sort();
            files.extend(inside);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            anyhow::bail!("{}: no such file or folder", path.display());
        }
    }
    Ok(files)
}

/// What a file is, from its first bytes (and, for zip containers, its name).
fn sniff_format(path: &Path, head: &[u8]) -> anyhow::Result<InputFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if head.starts_with(b"PAR1") {
        return Ok(InputFormat::Parquet);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(InputFormat::Xls);
    }
    if head.starts_with(b"PK\x03\x04") {
        if head
            .windows(b"opendocument.spreadsheet".len())
            .any(|w| w == b"opendocument.spreadsheet")
        {
            return Ok(InputFormat::Ods);
        }
        return Ok(if ext == "xlsb" {
            InputFormat::Xlsb
        } else {
            InputFormat::Xlsx
        });
    }
    let text_start: Vec<u8> = head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if text_start.starts_with(b"<?xml") && (ext == "xls" || ext == "xml") {
        anyhow::bail!(
            "this is an \"Excel 2003 XML\" spreadsheet, not a real .xls: open it and save as .xlsx"
        );
    }
    if text_start.starts_with(b"<html")
        || text_start.starts_with(b"<!doctype html")
        || text_start.starts_with(b"<table")
    {
        anyhow::bail!("this is an HTML table, not a spreadsheet: open it and save as .xlsx or CSV");
    }
    Ok(InputFormat::Csv)
}

fn read_one(
    path: &Path,
    index: u32,
    schema: &schema::LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
) -> anyhow::Result<InputReport> {
    let mut head = [0u8; 128];
    if !std::fs::metadata(path)?.file_type().is_file() {
        anyhow::bail!("not a regular file (a FIFO, socket or device): only regular files are read");
    }
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path)?;
        let mut n = 0;
        while n < head.len() {
            let k = f.read(&mut head[n..])?;
            if k == 0 {
                break;
            }
            n += k;
        }
        n
    };
    let format = sniff_format(path, &head[..n])?;
    let display = path.display().to_string();
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
            let (sha256, bytes) = hash_file(path)?;
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
        InputFormat::Xlsx | InputFormat::Xls | InputFormat::Xlsb | InputFormat::Ods => {
            let data = std::fs::read(path)?;
            let sha256 = format!("{:x}", Sha256::digest(&data));
            let bytes = data.len() as u64;
            let sheets =
                excel::read_workbook(data, index, schema, default_employer, store, rejects)?;
            Ok(InputReport {
                path: display,
                role: InputRole::Ledger,
                format,
                sha256,
                bytes,
                encoding: None,
                sheets,
            })
        }
    }
}

fn hash_file(path: &Path) -> anyhow::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        bytes += k as u64;
        hasher.update(&buf[..k]);
    }
    Ok((format!("{:x}", hasher.finalize()), bytes))
}
