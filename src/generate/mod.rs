//! `medrecon generate`: realistic synthetic exports for trying medrecon and for
//! the benches — valid resident IDs (and, for about 1% of persons, a passport
//! or travel permit beside a 证件类型 cell), Chinese names, skewed wages, 1–4 spells per
//! person (first hired from 2000 to 2026, as a real roster has them) across
//! employers with short, long and open gaps, retirements, late stop filings,
//! deliberately bad rows (`--bad-rate`) and a matching contribution ledger
//! (实缴记录, `--ledger`, 2024-01..2026-10) with months missing, underpaid,
//! paid late or duplicated.
//!
//! Deterministic: every person is derived from `(seed, index)` alone, so the
//! same seed writes byte-identical files however the work is split over threads.
//!
//! Layout of `DIR`: `events.csv` / `events.xlsx` (or `events/<单位编号>.csv|xlsx`
//! with `--split`), `ledger.csv`, and `generate.json` saying what was written.

pub mod ledger;
mod markup;
pub mod population;
pub mod render;
pub mod rng;
mod xlsx;

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::model::{EventKind, RejectCode};
use crate::policy::PolicySet;
use ledger::DueTable;
use population::{Employer, EmployerPicker, IdSpace, plan_person};
use rayon::prelude::*;
use render::{
    BadKind, DECLARATION_HEADER, EVENT_HEADER, EventRow, RenderContext, person_rows, push_csv_row,
    push_declaration_row,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to generate (the `medrecon generate` flags).
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub persons: u64,
    pub employers: u32,
    pub seed: u64,
    pub format: GenerateFormat,
    pub ledger: bool,
    /// The ledger's layout.
    pub ledger_shape: crate::cli::LedgerShape,
    /// Share of deliberately bad event rows, 0.0–1.0.
    pub bad_rate: f64,
    /// One file per employer.
    pub split: bool,
}

impl From<&GenerateArgs> for GenerateOptions {
    fn from(a: &GenerateArgs) -> Self {
        GenerateOptions {
            persons: a.persons,
            employers: a.employers,
            seed: a.seed,
            format: a.format,
            ledger: a.ledger,
            ledger_shape: a.ledger_shape,
            bad_rate: a.bad_rate,
            split: a.split,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Options(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Write { path: String, message: String },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// One file written.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileSummary {
    /// Relative to the output folder.
    pub path: String,
    /// Data rows (header and title lines not counted).
    pub rows: u64,
    pub bytes: u64,
}

/// What `ledger.csv` holds.
#[derive(Clone, Debug, Serialize, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    /// Covered person·employer·months (before anything was dropped or doubled).
    pub months: u64,
    /// Months with no payment row at all.
    pub months_missing: u64,
    /// Months paid less than due.
    pub months_underpaid: u64,
    /// Months paid after their due date.
    pub months_paid_late: u64,
    /// Months whose payment row appears twice.
    pub rows_duplicated: u64,
}

/// Everything `generate` wrote; also saved as `generate.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GenerateSummary {
    pub seed: u64,
    pub persons: u64,
    pub employers: u32,
    pub format: &'static str,
    pub split: bool,
    pub event_rows: u64,
    /// Persons named by another document than a resident ID (证件类型 护照,
    /// 港澳居民来往内地通行证 …), in the events and the ledger alike.
    pub document_holders: u64,
    pub hires: u64,
    pub separations: u64,
    pub retirements: u64,
    /// Separations whose 减员日期 is more than 15 days after the separation.
    pub late_filings: u64,
    pub bad_rows: u64,
    /// Bad rows by the reject code ingest should give them.
    pub bad_rows_by_code: BTreeMap<&'static str, u64>,
    pub requested_bad_rate: f64,
    pub bad_rate: f64,
    pub files: Vec<FileSummary>,
    pub ledger: Option<LedgerSummary>,
    /// The as-of date the data is meant to be run with.
    pub as_of: &'static str,
}

/// Rows per parallel rendering chunk.
const CHUNK_ROWS: usize = 32 * 1024;

/// Generates the exports into `out_dir` (created if missing).
pub fn generate(out_dir: &Path, opts: &GenerateOptions) -> Result<GenerateSummary, GenerateError> {
    if !(0.0..=1.0).contains(&opts.bad_rate) {
        return Err(GenerateError::Options(format!(
            "--bad-rate must be between 0 and 1, got {}",
            opts.bad_rate
        )));
    }
    if opts.employers == 0 {
        return Err(GenerateError::Options(
            "--employers must be at least 1".into(),
        ));
    }
    if opts.persons > IdSpace::SIZE {
        return Err(GenerateError::Options(format!(
            "--persons can be at most {} (distinct resident IDs)",
            IdSpace::SIZE
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;

    let employers = population::employers(opts.seed, opts.employers);
    let picker = EmployerPicker::new(opts.employers);
    let ids = IdSpace::new(opts.seed);
    let bad_threshold = rng::probability_threshold(opts.bad_rate);
    let seed = opts.seed;

    let mut rows: Vec<EventRow> = (0..opts.persons)
        .into_par_iter()
        .flat_map_iter(|p| {
            let plan = plan_person(seed, p, &ids, &picker);
            let mut buf = [EMPTY_ROW; 8];
            let n = person_rows(&plan, seed, bad_threshold, &mut buf);
            buf.into_iter().take(n)
        })
        .collect();
    rows.par_sort_unstable_by_key(EventRow::export_order);

    let mut summary = count_rows(&rows, opts);
    summary.document_holders = (0..opts.persons)
        .into_par_iter()
        .filter(|&p| ids.document(p).is_some())
        .count() as u64;
    let ctx = RenderContext {
        seed,
        ids,
        employers: &employers,
        gbk: matches!(
            opts.format,
            GenerateFormat::Gbk | GenerateFormat::Declaration | GenerateFormat::Html
        ),
    };

    let extension = match opts.format {
        GenerateFormat::Csv | GenerateFormat::Gbk | GenerateFormat::Declaration => "csv",
        GenerateFormat::Xlsx => "xlsx",
        GenerateFormat::Spreadsheetml | GenerateFormat::Html => "xls",
    };
    if opts.split {
        let folder = out_dir.join("events");
        std::fs::create_dir_all(&folder).map_err(io_error(&folder))?;
        for group in rows.chunk_by(|a, b| a.employer == b.employer) {
            let employer = &employers[group[0].employer as usize];
            let relative = format!("events/{}.{extension}", employer.code);
            let title = title_line(employer);
            let bytes = write_events(&out_dir.join(&relative), group, &title, &ctx, opts.format)?;
            summary.files.push(FileSummary {
                path: relative,
                rows: group.len() as u64,
                bytes,
            });
        }
    } else {
        let relative = format!("events.{extension}");
        let title = "众联人力资源服务有限公司2026年10月社保增减员表".to_string();
        let bytes = write_events(&out_dir.join(&relative), &rows, &title, &ctx, opts.format)?;
        summary.files.push(FileSummary {
            path: relative,
            rows: rows.len() as u64,
            bytes,
        });
    }
    drop(rows);

    if opts.ledger {
        summary.ledger = Some(ledger::write_ledger(
            out_dir,
            "ledger.csv",
            opts,
            &ctx,
            &picker,
        )?);
    }

    let json_path = out_dir.join("generate.json");
    let mut json = serde_json::to_vec_pretty(&summary).map_err(|e| GenerateError::Write {
        path: json_path.display().to_string(),
        message: e.to_string(),
    })?;
    json.push(b'\n');
    std::fs::write(&json_path, json).map_err(io_error(&json_path))?;
    Ok(summary)
}

const EMPTY_ROW: EventRow = EventRow {
    person: 0,
    employer: 0,
    kind: EventKind::Hire,
    date: chrono::NaiveDate::MIN,
    wage_cents: None,
    retirement: false,
    reason: 0,
    filed: None,
    male: false,
    name_variant: false,
    bad: None,
    bad_choice: 0,
};

/// The reject code a bad row gets in `format`: a declaration's bad date is
/// a month that does not exist.
fn bad_code(kind: BadKind, format: GenerateFormat) -> &'static str {
    match (kind, format) {
        (BadKind::BadDate, GenerateFormat::Declaration) => RejectCode::BadMonth.as_str(),
        _ => kind.code().as_str(),
    }
}

fn title_line(employer: &Employer) -> String {
    format!("{}2026年10月社保增减员表", employer.name)
}

fn count_rows(rows: &[EventRow], opts: &GenerateOptions) -> GenerateSummary {
    let mut by_code: BTreeMap<&'static str, u64> = BTreeMap::new();
    let (mut hires, mut separations, mut retirements, mut late, mut bad) = (0, 0, 0, 0, 0);
    for row in rows {
        match row.kind {
            EventKind::Hire => hires += 1,
            EventKind::Separation => {
                separations += 1;
                retirements += u64::from(row.retirement);
                if let Some(filed) = row.filed {
                    late += u64::from((filed - row.date).num_days() > 15);
                }
            }
        }
        if let Some(kind) = row.bad {
            bad += 1;
            *by_code.entry(bad_code(kind, opts.format)).or_default() += 1;
        }
    }
    for kind in BadKind::ALL {
        if opts.bad_rate > 0.0 {
            by_code.entry(bad_code(kind, opts.format)).or_default();
        }
    }
    GenerateSummary {
        seed: opts.seed,
        persons: opts.persons,
        employers: opts.employers,
        format: match opts.format {
            GenerateFormat::Csv => "csv",
            GenerateFormat::Gbk => "gbk",
            GenerateFormat::Xlsx => "xlsx",
            GenerateFormat::Declaration => "declaration",
            GenerateFormat::Spreadsheetml => "spreadsheetml",
            GenerateFormat::Html => "html",
        },
        split: opts.split,
        event_rows: rows.len() as u64,
        document_holders: 0,
        hires,
        separations,
        retirements,
        late_filings: late,
        bad_rows: bad,
        bad_rows_by_code: by_code,
        requested_bad_rate: opts.bad_rate,
        bad_rate: if rows.is_empty() {
            0.0
        } else {
            bad as f64 / rows.len() as f64
        },
        files: Vec::new(),
        ledger: None,
        as_of: "2026-11-22",
    }
}

/// Writes one event file; returns its size in bytes.
fn write_events(
    path: &Path,
    rows: &[EventRow],
    title: &str,
    ctx: &RenderContext<'_>,
    format: GenerateFormat,
) -> Result<u64, GenerateError> {
    match format {
        GenerateFormat::Csv => write_csv(path, rows, None, ctx, "\n", None),
        // Windows HR systems: GBK, CRLF, a title line padded to the row width.
        GenerateFormat::Gbk => write_csv(path, rows, Some(title), ctx, "\r\n", None),
        GenerateFormat::Xlsx => xlsx::write_workbook(path, rows, title, ctx),
        GenerateFormat::Spreadsheetml => {
            markup::write(path, rows, title, ctx, markup::Markup::SpreadsheetMl)
        }
        GenerateFormat::Html => markup::write(path, rows, title, ctx, markup::Markup::Html),
        // A bureau declaration: GBK, CRLF, months by the shipped packs' rules.
        GenerateFormat::Declaration => {
            let dues = match PolicySet::load(&[]) {
                Ok(policies) => DueTable::from_policies(&policies),
                Err(_) => DueTable::rough(),
            };
            let title = title.replace("社保增减员表", "社会保险增减员申报表");
            write_csv(path, rows, Some(&title), ctx, "\r\n", Some(&dues))
        }
    }
}

fn encode(text: String, gbk: bool, path: &Path) -> Result<Vec<u8>, GenerateError> {
    if !gbk {
        return Ok(text.into_bytes());
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    if unmappable {
        return Err(GenerateError::Write {
            path: path.display().to_string(),
            message: "a generated value has a character GBK cannot encode".into(),
        });
    }
    Ok(bytes.into_owned())
}

fn write_csv(
    path: &Path,
    rows: &[EventRow],
    title: Option<&str>,
    ctx: &RenderContext<'_>,
    line_end: &str,
    declaration: Option<&DueTable>,
) -> Result<u64, GenerateError> {
    let file = File::create(path).map_err(io_error(path))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut head = String::new();
    let header = match declaration {
        None => EVENT_HEADER.as_slice(),
        Some(_) => DECLARATION_HEADER.as_slice(),
    };
    if let Some(title) = title {
        head.push_str(title);
        head.push_str(&",".repeat(header.len() - 1));
        head.push_str(line_end);
    }
    head.push_str(&header.join(","));
    head.push_str(line_end);
    let head = encode(head, ctx.gbk, path)?;
    w.write_all(&head).map_err(io_error(path))?;
    let body = write_rows(&mut w, rows, ctx.gbk, path, |text, row| match declaration {
        None => push_csv_row(text, row, ctx, line_end),
        Some(dues) => push_declaration_row(text, row, ctx, dues, line_end),
    })?;
    w.flush().map_err(io_error(path))?;
    Ok(head.len() as u64 + body)
}

/// Renders `rows` with `render` in parallel pieces of [`CHUNK_ROWS`], encodes
/// each piece (GBK when asked) and writes them in order; returns the bytes
/// written. Shared by the CSV and the SpreadsheetML/HTML writers.
fn write_rows<W: Write>(
    w: &mut W,
    rows: &[EventRow],
    gbk: bool,
    path: &Path,
    render: impl Fn(&mut String, &EventRow) + Sync,
) -> Result<u64, GenerateError> {
    let mut bytes = 0u64;
    let threads = rayon::current_num_threads().max(1);
    for window in rows.chunks(CHUNK_ROWS * threads * 2) {
        let parts: Vec<Vec<u8>> = window
            .par_chunks(CHUNK_ROWS)
            .map(|chunk| {
                let mut text = String::with_capacity(chunk.len() * 128);
                for row in chunk {
                    render(&mut text, row);
                }
                encode(text, gbk, path)
            })
            .collect::<Result<_, _>>()?;
        for part in parts {
            bytes += part.len() as u64;
            w.write_all(&part).map_err(io_error(path))?;
        }
    }
    Ok(bytes)
}

/// The command a user runs next on what was generated.
pub fn suggested_run(out_dir: &Path, summary: &GenerateSummary) -> String {
    let events: PathBuf = match (summary.split, summary.files.first()) {
        (false, Some(file)) => out_dir.join(&file.path),
        _ => out_dir.join("events"),
    };
    let mut cmd = format!(
        "medrecon run {} --as-of {} --out {}",
        events.display(),
        summary.as_of,
        out_dir.join("reports").display()
    );
    if let Some(ledger) = &summary.ledger {
        cmd.push_str(&format!(
            " --ledger {}",
            out_dir.join(&ledger.path).display()
        ));
    }
    cmd
}
