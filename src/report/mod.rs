//! Reports (SPEC §4): tables built from engine results, written as CSV, the
//! audit workbook (`report.xlsx`), Parquet (through `columnar`) and
//! `manifest.json`; masked by default; every file written atomically.
//!
//! [`write_reports`] is the one entry point of a run: it checks that every
//! input's rows balance, writes every file into a staging folder inside the
//! output folder (`.medrecon-tmp-<pid>`), fsyncs them, and only when all
//! succeeded moves them into place. If anything fails, the staging folder is
//! removed and the previous reports stay exactly as they were. Report files of
//! an earlier run that this run does not write (another `--format`) are
//! removed in the same swap, so the folder always matches `manifest.json`.
//! Each replaced file keeps its name throughout: the old one is hard-linked
//! into the staging folder, then the new one renamed over it; `manifest.json`
//! is moved last and lists every file's size and SHA-256, so a folder caught
//! mid-swap (or left by a killed run) is detectably incomplete: readers trust
//! a folder only when every file matches its manifest entry. A whole run holds
//! [`OutLock`] (`OUT/.medrecon.lock`, `flock` LOCK_EX|LOCK_NB on Linux): a
//! second run into the same folder fails at once rather than mix its files
//! with this one's. [`check_out_apart`] refuses an output folder inside an
//! input path, or an input inside it.
//! Stage timings are not part of the deterministic files: the pipeline writes
//! them last with [`write_timings`].
//!
//! How a run uses it:
//! ```text
//! let mut manifest = Manifest::new(std::env::args().collect(), as_of);
//! manifest.policies = policy_entries;
//! manifest.counts = RunCounts { events_accepted, future_events, duplicates, ..Default::default() };
//! let data = ReportData { results: &results, employers: &employers, rejects: &rejects,
//!                         inputs: &inputs, manifest: &manifest, changes: None,
//!                         calendar: None };
//! let (written, summary) = report::write_reports(&args.out, &data, &ReportOptions::from_run_args(args))?;
//! if !args.quiet {
//!     eprint!("{}", summary.to_text(&args.out));
//! }
//! report::write_timings(&args.out, &timings)?; // Vec<(String, f64)>, seconds per stage
//! ```

pub mod csv;
pub mod labels;
pub mod manifest;
pub mod mask;
pub mod parquet;
pub mod progress;
pub mod summary;
pub mod table;
pub mod tables;
pub mod xlsx;

use crate::cli::{Lang, OutputFormat};
use crate::model::{EmployerRow, InputReport, PersonResult, Reject};
pub use manifest::{Manifest, OutputEntry, RunCounts};
use mask::maybe_mask;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
pub use summary::RunSummary;
use tables::ReportTables;

/// Everything a run reports on.
pub struct ReportData<'a> {
    /// Engine output, sorted by person_id.
    pub results: &'a [PersonResult],
    /// Sorted by employer_id.
    pub employers: &'a [EmployerRow],
    /// Sorted by (input, sheet, row).
    pub rejects: &'a [Reject],
    /// All inputs of the run; `Reject.source.input` indexes it.
    pub inputs: &'a [InputReport],
    pub manifest: &'a Manifest,
    /// `--since`: what changed since the earlier date (`changes.csv`, 变化),
    /// in person order; `None` without `--since`.
    pub changes: Option<&'a [crate::model::ChangeRow]>,
    /// The coverage calendar sheet (参保月历) when the workbook is written.
    pub calendar: Option<&'a crate::model::Calendar>,
}

/// How to write the reports.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    pub formats: Vec<OutputFormat>,
    /// Mask IDs and names (`110101********123X`, `张*`).
    pub mask: bool,
    /// Language of the workbook's sheet names and headers.
    pub lang: Lang,
    /// Start CSV files with a UTF-8 BOM.
    pub csv_bom: bool,
    /// Show a progress bar for the rows written (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Data rows per workbook sheet before continuing on `… (2)`; Excel's
    /// limit by default, smaller in tests.
    pub max_sheet_rows: usize,
    /// Workbook sheets with more data rows than this are streamed in
    /// constant-memory mode (rows flushed to disk as written).
    pub constant_memory_rows: usize,
    /// Above this many persons the workbook leaves the per-person tables
    /// (persons but the flagged ones, stops, flags) to the CSVs.
    pub xlsx_full_persons: usize,
    /// In such a large run, each table sheet of the workbook holds at most
    /// this many rows (the first ones, in the CSV's order).
    pub xlsx_sheet_rows: usize,
    /// 单位名称 printed beside the employer codes (from the event files).
    pub employer_names: std::sync::Arc<crate::model::EmployerNames>,
}

/// The default of `--xlsx-full-limit`.
pub const XLSX_FULL_PERSONS: usize = 200_000;

/// The default of `--xlsx-sheet-rows`.
pub const XLSX_SHEET_ROWS: usize = 100_000;

impl Default for ReportOptions {
    /// CSV and xlsx, masked, Chinese, with a BOM, no progress bar.
    fn default() -> Self {
        ReportOptions {
            formats: vec![OutputFormat::Csv, OutputFormat::Xlsx],
            mask: true,
            lang: Lang::Zh,
            csv_bom: true,
            progress: false,
            max_sheet_rows: xlsx::EXCEL_MAX_DATA_ROWS,
            constant_memory_rows: xlsx::CONSTANT_MEMORY_ROWS,
            xlsx_full_persons: XLSX_FULL_PERSONS,
            xlsx_sheet_rows: XLSX_SHEET_ROWS,
            employer_names: Default::default(),
        }
    }
}

impl ReportOptions {
    /// The options `medrecon run` asked for; the progress bar unless `--quiet`.
    pub fn from_run_args(args: &crate::cli::RunArgs) -> Self {
        ReportOptions {
            formats: args.format.clone(),
            mask: !args.no_mask,
            lang: args.lang,
            csv_bom: args.csv_bom,
            progress: !args.quiet,
            xlsx_full_persons: args.xlsx_full_limit,
            xlsx_sheet_rows: usize::try_from(args.xlsx_sheet_rows).unwrap_or(usize::MAX),
            ..ReportOptions::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// SPEC §4: rows read = accepted + rejected + duplicates (+ other
    /// insurance + skipped rows) for every file.
    #[error(
        "rows do not balance for {path}, sheet {sheet}: read {read} but accepted {accepted} + rejected {rejected} + duplicates {duplicates} + other insurance {other_insurance} + skipped {skipped} = {sum}; no report written"
    )]
    Unbalanced {
        path: String,
        sheet: String,
        read: u64,
        accepted: u64,
        rejected: u64,
        duplicates: u64,
        other_insurance: u64,
        /// Rows that are not persons (example, subtotal, placeholder rows).
        skipped: u64,
        sum: u64,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error(
        "another medrecon run is writing to {} (lock {}); wait for it to end or choose another --out",
        out.display(),
        lock.display()
    )]
    Locked { out: PathBuf, lock: PathBuf },
}

impl ReportError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn write(path: &Path, message: impl std::fmt::Display) -> Self {
        ReportError::Write {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// Fails on the first input sheet whose rows do not balance
/// (read ≠ accepted + rejected + duplicates + other insurance + skipped).
/// Paths are masked when asked.
pub fn check_balanced(inputs: &[InputReport], mask: bool) -> Result<(), ReportError> {
    for input in inputs {
        for s in &input.sheets {
            let sum = s.accounted();
            if s.rows_read != sum {
                return Err(ReportError::Unbalanced {
                    path: maybe_mask(&input.path, mask).into_owned(),
                    sheet: maybe_mask(&s.name, mask).into_owned(),
                    read: s.rows_read,
                    accepted: s.accepted,
                    rejected: s.rejected,
                    duplicates: s.duplicates,
                    other_insurance: s.other_insurance,
                    skipped: s.skipped_rows,
                    sum,
                });
            }
        }
    }
    Ok(())
}

/// Writes every report of a run into `out_dir` (created if missing) and returns
/// the paths written, `manifest.json` last, and the run's summary (the one the
/// workbook and the manifest show). Atomic: on any error nothing in `out_dir`
/// changes.
pub fn write_reports(
    out_dir: &Path,
    data: &ReportData,
    opts: &ReportOptions,
) -> Result<(Vec<PathBuf>, RunSummary), ReportError> {
    check_balanced(data.inputs, opts.mask)?;
    fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
    let staging = Staging::create(out_dir)?;
    let (names, summary) = write_all(&staging.new_dir, data, opts)?;
    staging.commit(out_dir, &names)?;
    Ok((names.iter().map(|n| out_dir.join(n)).collect(), summary))
}

/// Writes `timings.json` (seconds per stage, in order) atomically into
/// `out_dir`. Separate from `manifest.json` so the latter stays deterministic.
pub fn write_timings(out_dir: &Path, stages: &[(String, f64)]) -> Result<PathBuf, ReportError> {
    let path = out_dir.join("timings.json");
    let bytes = manifest::timings_json(stages).map_err(|e| ReportError::write(&path, e))?;
    let tmp = out_dir.join(format!(".timings.json.tmp-{}", std::process::id()));
    let result = write_synced(&tmp, &bytes)
        .and_then(|()| fs::rename(&tmp, &path).map_err(|e| ReportError::io(&path, e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| path)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::io::Write;
    let mut f = fs::File::create(path).map_err(|e| ReportError::io(path, e))?;
    f.write_all(bytes).map_err(|e| ReportError::io(path, e))?;
    f.sync_all().map_err(|e| ReportError::io(path, e))
}

/// Writes every file into `dir`; returns their names in the order written and
/// the run's summary.
fn write_all(
    dir: &Path,
    data: &ReportData,
    opts: &ReportOptions,
) -> Result<(Vec<String>, RunSummary), ReportError> {
    let tables = ReportTables::new(
        data.results,
        data.employers,
        data.rejects,
        data.inputs,
        opts.mask,
    )
    .with_names(&opts.employer_names, true);
    let changes = data
        .changes
        .map(|c| tables::ChangesTable::new(c, opts.mask).with_names(&opts.employer_names));
    let mut all: Vec<&dyn table::Table> = tables.all().to_vec();
    if let Some(c) = &changes {
        all.push(c);
    }
    let summary = RunSummary::compute(data.results, data.employers, data.rejects.len());
    let has = |f: OutputFormat| opts.formats.contains(&f);
    // A large run: the workbook keeps what a person reads, the CSVs the rest
    // (only when the CSVs are written: else the workbook holds everything).
    let flagged = (has(OutputFormat::Xlsx)
        && has(OutputFormat::Csv)
        && data.results.len() > opts.xlsx_full_persons)
        .then(|| {
            tables::PersonsTable::flagged(data.results, opts.mask).with_names(&opts.employer_names)
        });
    let mut sheets: Vec<&dyn table::Table> = if let Some(flagged) = &flagged {
        vec![
            flagged,
            &tables.gaps,
            &tables.arrears,
            &tables.employers,
            &tables.rejects,
            &tables.overpaid,
        ]
    } else {
        tables.all().to_vec()
    };
    // What changed is what HR reads first each month: right after the summary.
    if let Some(c) = &changes {
        sheets.insert(0, c);
    }
    // A large run's sheets hold at most `xlsx_sheet_rows` rows each: the
    // first ones, in the CSV's order (the CSV keeps them all).
    let heads: Vec<table::Head<'_>> = if flagged.is_some() {
        sheets
            .iter()
            .map(|t| table::Head::new(*t, opts.xlsx_sheet_rows))
            .collect()
    } else {
        Vec::new()
    };
    if !heads.is_empty() {
        sheets = heads.iter().map(|h| h as &dyn table::Table).collect();
    }
    let count = |ts: &[&dyn table::Table]| ts.iter().map(|t| t.len() as u64).sum::<u64>();
    let rows = count(&all)
        * [OutputFormat::Csv, OutputFormat::Parquet]
            .into_iter()
            .filter(|f| has(*f))
            .count() as u64
        + if has(OutputFormat::Xlsx) {
            count(&sheets)
        } else {
            0
        };
    let bar = progress::RowProgress::new(rows, opts.progress);
    let mut names = Vec::new();
    // CSV files are hashed as they are written; the others are read back.
    let mut hashed: std::collections::HashMap<String, csv::Written> =
        std::collections::HashMap::new();

    // The CSVs (side by side) and the workbook are written at the same time:
    // the workbook's zip compression is serial, the CSVs take the other core.
    let write_csvs = || -> Result<Vec<(String, csv::Written)>, ReportError> {
        if !has(OutputFormat::Csv) {
            return Ok(Vec::new());
        }
        // One file per table, written side by side (rayon keeps the order).
        use rayon::prelude::*;
        all.par_iter()
            .map(|t| {
                let name = format!("{}.csv", t.name());
                let w = csv::write_csv(&dir.join(&name), *t, opts.csv_bom, &bar)?;
                Ok((name, w))
            })
            .collect()
    };
    let write_xlsx = || -> Result<Option<String>, ReportError> {
        if !has(OutputFormat::Xlsx) {
            return Ok(None);
        }
        use table::Table as _;
        let name = "report.xlsx".to_string();
        let input = xlsx::SummaryInput {
            manifest: data.manifest,
            inputs: data.inputs,
            summary: &summary,
            cut: flagged.as_ref().map(|f| xlsx::WorkbookCut {
                limit: opts.xlsx_full_persons,
                flagged: f.len(),
                sheet_rows: opts.xlsx_sheet_rows,
                heads: heads
                    .iter()
                    .filter(|h| h.is_cut())
                    .map(|h| xlsx::HeadCut {
                        table: h.name(),
                        sheet: match opts.lang {
                            Lang::Zh => h.sheet_zh(),
                            Lang::En => h.sheet_en(),
                        },
                        shown: h.len(),
                        total: h.total(),
                    })
                    .collect(),
            }),
            employer_names: &opts.employer_names,
        };
        let wb = xlsx::WorkbookOptions {
            lang: opts.lang,
            max_data_rows: opts.max_sheet_rows,
            constant_memory_rows: opts.constant_memory_rows,
            mask: opts.mask,
        };
        xlsx::write_workbook(&dir.join(&name), &sheets, &input, data.calendar, &wb, &bar)?;
        Ok(Some(name))
    };
    let (csvs, workbook) = rayon::join(write_csvs, write_xlsx);
    for (name, w) in csvs? {
        hashed.insert(name.clone(), w);
        names.push(name);
    }
    names.extend(workbook?);
    if has(OutputFormat::Parquet) {
        for t in all.iter().copied() {
            let name = format!("{}.parquet", t.name());
            let path = dir.join(&name);
            parquet::write_parquet(&path, t)
                .map_err(|e| ReportError::write(&path, format!("{e:#}")))?;
            bar.inc(t.len() as u64);
            names.push(name);
        }
    }
    bar.finish();
    write_manifest(
        dir,
        &mut names,
        hashed,
        data.manifest,
        data.inputs,
        &summary,
        opts,
    )?;
    Ok((names, summary))
}

/// Lists every file written (size and SHA-256: from `hashed` when known, else
/// read back) in `manifest.json`, written last; adds its name to `names`.
fn write_manifest(
    dir: &Path,
    names: &mut Vec<String>,
    mut hashed: std::collections::HashMap<String, csv::Written>,
    manifest: &Manifest,
    inputs: &[InputReport],
    summary: &RunSummary,
    opts: &ReportOptions,
) -> Result<(), ReportError> {
    let mut outputs = Vec::with_capacity(names.len());
    for name in names.iter() {
        let path = dir.join(name);
        let (bytes, sha256) = match hashed.remove(name) {
            Some(w) => (w.bytes, w.sha256),
            None => hash_file(&path)?,
        };
        outputs.push(OutputEntry {
            file: name.clone(),
            bytes,
            sha256,
        });
    }
    let ctx = manifest::ManifestContext {
        manifest,
        inputs,
        summary,
        formats: &opts.formats,
        mask: opts.mask,
        lang: opts.lang,
        csv_bom: opts.csv_bom,
        outputs: &outputs,
    };
    let name = "manifest.json".to_string();
    let path = dir.join(&name);
    let json = manifest::manifest_json(&ctx).map_err(|e| ReportError::write(&path, e))?;
    write_synced(&path, &json)?;
    names.push(name);
    Ok(())
}

/// CSV reports written while the engine runs, one batch of persons at a time
/// (`--format csv` alone): each batch's results are written, then dropped, so
/// a run's memory follows its events rather than its results. The files are
/// byte-identical to [`write_reports`]' and the commit is as atomic: they go
/// to the staging folder, and into place only when [`finish`](CsvStream::finish)
/// has written everything.
pub struct CsvStream {
    out_dir: PathBuf,
    staging: Staging,
    opts: ReportOptions,
    /// The per-person tables' files, in [`tables::TABLE_NAMES`] order.
    sinks: Vec<(&'static str, csv::CsvSink)>,
    summary: summary::SummaryParts,
    bar: progress::RowProgress,
}

/// Formats the per-person files' rows of some results without writing them:
/// used from many threads at once, each on its own persons, while the stream
/// writes earlier pieces; [`CsvStream::write_pieces`] then writes them in
/// order. The bytes are those the all-at-once writer gives the same rows.
#[derive(Clone, Debug)]
pub struct PieceFormat {
    names: Vec<&'static str>,
    mask: bool,
    employer_names: std::sync::Arc<crate::model::EmployerNames>,
}

impl PieceFormat {
    pub fn format(&self, results: &[PersonResult]) -> CsvPiece {
        let mut summary = summary::SummaryParts::default();
        summary.add(results);
        let tables = ReportTables::new(results, &[], &[], &[], self.mask)
            .with_names(&self.employer_names, false);
        let all = tables.all();
        let mut rows = 0;
        let files = self
            .names
            .iter()
            .map(|name| match all.iter().find(|t| t.name() == *name) {
                Some(t) => {
                    rows += t.len() as u64;
                    let mut out = Vec::new();
                    csv::format_rows(*t, &mut out);
                    out
                }
                None => Vec::new(),
            })
            .collect();
        CsvPiece {
            files,
            rows,
            summary,
        }
    }
}

/// The per-person files' rows for some persons, formatted off the writing
/// thread by [`PieceFormat::format`].
pub struct CsvPiece {
    /// One block per per-person file, in the stream's file order.
    files: Vec<Vec<u8>>,
    rows: u64,
    summary: summary::SummaryParts,
}

/// The tables filled from results, person by person.
const PER_PERSON_TABLES: [&str; 6] = ["persons", "gaps", "stops", "arrears", "overpaid", "flags"];

impl CsvStream {
    /// Creates the output folder, its staging folder and the per-person files.
    pub fn begin(out_dir: &Path, opts: &ReportOptions) -> Result<CsvStream, ReportError> {
        fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
        let staging = Staging::create(out_dir)?;
        let empty = ReportTables::new(&[], &[], &[], &[], opts.mask);
        let mut sinks = Vec::new();
        for t in empty.all() {
            if let Some(&name) = PER_PERSON_TABLES.iter().find(|n| **n == t.name()) {
                let path = staging.new_dir.join(format!("{name}.csv"));
                sinks.push((
                    name,
                    csv::CsvSink::create(&path, t.columns(), opts.csv_bom)?,
                ));
            }
        }
        Ok(CsvStream {
            out_dir: out_dir.to_path_buf(),
            staging,
            opts: opts.clone(),
            sinks,
            summary: summary::SummaryParts::default(),
            // The total is not known ahead: the bar shows rows written.
            bar: progress::RowProgress::new(0, false),
        })
    }

    /// How to format pieces for this stream, away from it: see [`PieceFormat`].
    pub fn piece_format(&self) -> PieceFormat {
        PieceFormat {
            names: self.sinks.iter().map(|(name, _)| *name).collect(),
            mask: self.opts.mask,
            employer_names: self.opts.employer_names.clone(),
        }
    }

    /// Appends formatted pieces, in the order given, the files side by side.
    pub fn write_pieces(&mut self, pieces: Vec<CsvPiece>) -> Result<(), ReportError> {
        use rayon::prelude::*;
        let rows: u64 = pieces.iter().map(|p| p.rows).sum();
        self.sinks
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(i, (_, sink))| {
                for p in &pieces {
                    if let Some(bytes) = p.files.get(i) {
                        sink.append_formatted(bytes)?;
                    }
                }
                Ok::<_, ReportError>(())
            })?;
        for p in pieces {
            self.summary.merge(p.summary);
        }
        self.bar.inc(rows);
        Ok(())
    }

    /// Writes the employer and reject tables and `manifest.json`, then moves
    /// every file into place. Returns the paths written and the run's summary.
    pub fn finish(
        self,
        employers: &[EmployerRow],
        rejects: &[Reject],
        inputs: &[InputReport],
        manifest: &Manifest,
        changes: Option<&[crate::model::ChangeRow]>,
    ) -> Result<(Vec<PathBuf>, RunSummary), ReportError> {
        check_balanced(inputs, self.opts.mask)?;
        let dir = self.staging.new_dir.clone();
        let summary = self.summary.finish(employers, rejects.len());
        let tables = ReportTables::new(&[], employers, rejects, inputs, self.opts.mask)
            .with_names(&self.opts.employer_names, false);
        // The employer-level flags follow the persons' in flags.csv.
        let employer_flags =
            tables::FlagsTable::employer_rows_only(&self.opts.employer_names, self.opts.mask);
        let mut sinks = self.sinks;
        if table::Table::len(&employer_flags) > 0
            && let Some((_, sink)) = sinks.iter_mut().find(|(n, _)| *n == "flags")
        {
            let mut bytes = Vec::new();
            csv::format_rows(&employer_flags, &mut bytes);
            sink.append_formatted(&bytes)?;
        }
        // The streamed files are flushed and fsynced side by side (the disk
        // takes the hundreds of MiB of a large run at once).
        let finished: Vec<(&str, csv::Written)> = {
            use rayon::prelude::*;
            sinks
                .into_par_iter()
                .map(|(name, sink)| sink.finish().map(|w| (name, w)))
                .collect::<Result<_, _>>()?
        };
        let mut finished: std::collections::HashMap<&str, csv::Written> =
            finished.into_iter().collect();
        let mut hashed = std::collections::HashMap::new();
        let mut names = Vec::new();
        let changes = changes.map(|c| {
            tables::ChangesTable::new(c, self.opts.mask).with_names(&self.opts.employer_names)
        });
        let mut all: Vec<&dyn table::Table> = tables.all().to_vec();
        if let Some(c) = &changes {
            all.push(c);
        }
        // Same files, same order as `write_all`.
        for t in all {
            let name = format!("{}.csv", t.name());
            let written = match finished.remove(t.name()) {
                Some(w) => w,
                None => csv::write_csv(&dir.join(&name), t, self.opts.csv_bom, &self.bar)?,
            };
            hashed.insert(name.clone(), written);
            names.push(name);
        }
        self.bar.finish();
        write_manifest(
            &dir, &mut names, hashed, manifest, inputs, &summary, &self.opts,
        )?;
        self.staging.commit(&self.out_dir, &names)?;
        let paths = names.iter().map(|n| self.out_dir.join(n)).collect();
        Ok((paths, summary))
    }
}

/// The lock file every run holds inside its output folder while it writes.
pub const LOCK_FILE: &str = ".medrecon.lock";

/// An exclusive lock on an output folder, held from the start of a run to its
/// end (`OUT/.medrecon.lock`, `flock` LOCK_EX|LOCK_NB): a second run into the
/// same folder fails at once instead of mixing its reports with this one's.
/// Released when dropped (or when the process dies: the kernel drops it).
pub struct OutLock {
    _file: fs::File,
    path: PathBuf,
}

impl OutLock {
    /// Creates `out_dir` if missing and takes its lock, or fails with
    /// "another medrecon run is writing to OUT (lock OUT/.medrecon.lock)".
    pub fn acquire(out_dir: &Path) -> Result<OutLock, ReportError> {
        fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
        let path = out_dir.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| ReportError::io(&path, e))?;
        try_lock(&file).map_err(|busy| {
            if busy {
                ReportError::Locked {
                    out: out_dir.to_path_buf(),
                    lock: path.clone(),
                }
            } else {
                ReportError::write(&path, "cannot lock the output folder")
            }
        })?;
        Ok(OutLock { _file: file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `Err(true)`: another process holds the lock.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn try_lock(file: &fs::File) -> Result<(), bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    Err(err.raw_os_error() == Some(libc::EWOULDBLOCK))
}

/// Without libc (other targets) there is no lock: runs into one folder are
/// the user's to keep apart; the manifest's hashes still tell a mixed set.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn try_lock(_file: &fs::File) -> Result<(), bool> {
    Ok(())
}

/// Refuses an output folder inside an input path, or an input path inside the
/// output folder: the next run would read its own reports as exports.
pub fn check_out_apart(out_dir: &Path, inputs: &[&Path]) -> Result<(), String> {
    let out = absolute(out_dir);
    for input in inputs {
        let inp = absolute(input);
        if out.starts_with(&inp) {
            return Err(format!(
                "--out {} is inside the input {}: the next run would read the reports as exports; choose an output folder outside the inputs",
                out_dir.display(),
                input.display()
            ));
        }
        if inp.starts_with(&out) {
            return Err(format!(
                "the input {} is inside --out {}: reports would be mixed with exports; choose an output folder outside the inputs",
                input.display(),
                out_dir.display()
            ));
        }
    }
    Ok(())
}

/// `path` made absolute and resolved through symlinks as far as it exists
/// (the rest, not yet created, appended as given).
fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = fs::canonicalize(&existing) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return abs,
        }
    }
}

/// Size and lower-case hex SHA-256 of a file, read in chunks.
pub fn hash_file(path: &Path) -> Result<(u64, String), ReportError> {
    let mut file = fs::File::open(path).map_err(|e| ReportError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| ReportError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, format!("{:x}", hasher.finalize())))
}

/// The staging folder of one run inside the output folder. Removed when
/// dropped, whether the run succeeded (files already moved out) or not.
struct Staging {
    root: PathBuf,
    /// New files are written here.
    new_dir: PathBuf,
    /// Reports being replaced are parked here until the whole swap succeeded.
    old_dir: PathBuf,
}

const STAGING_PREFIX: &str = ".medrecon-tmp-";

impl Staging {
    fn create(out_dir: &Path) -> Result<Staging, ReportError> {
        remove_stale_staging(out_dir);
        let root = out_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        if root.exists() {
            fs::remove_dir_all(&root).map_err(|e| ReportError::io(&root, e))?;
        }
        let new_dir = root.join("new");
        let old_dir = root.join("old");
        fs::create_dir_all(&new_dir).map_err(|e| ReportError::io(&new_dir, e))?;
        fs::create_dir_all(&old_dir).map_err(|e| ReportError::io(&old_dir, e))?;
        Ok(Staging {
            root,
            new_dir,
            old_dir,
        })
    }

    /// Moves every staged file into `out_dir`. Every target is checked first;
    /// if a rename still fails, the files already moved are put back.
    fn commit(&self, out_dir: &Path, names: &[String]) -> Result<(), ReportError> {
        for name in names {
            let target = out_dir.join(name);
            if target.is_dir() {
                return Err(ReportError::write(
                    &target,
                    "a folder is in the way of this report file",
                ));
            }
        }
        // Reports of an earlier run in a format this run does not write
        // (e.g. its persons.parquet) would not match this run's manifest.
        let stale: Vec<String> = report_file_names()
            .into_iter()
            .filter(|n| !names.contains(n) && out_dir.join(n).is_file())
            .collect();
        self.swap(out_dir, names, &stale)?;
        // Make the renames durable.
        if let Ok(dir) = fs::File::open(out_dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Moves the staged files `names` into `out_dir`, parking any file they
    /// replace, and parks the `stale` reports of an earlier run that this run
    /// does not write (so the folder matches the manifest). On a failure every
    /// step already taken is undone.
    fn swap(&self, out_dir: &Path, names: &[String], stale: &[String]) -> Result<(), ReportError> {
        // (name, whether an old file was parked, whether a new one was moved in)
        let mut done: Vec<(&String, bool, bool)> = Vec::with_capacity(names.len() + stale.len());
        let steps = names
            .iter()
            .map(|n| (n, true))
            .chain(stale.iter().map(|n| (n, false)));
        for (name, has_new) in steps {
            let target = out_dir.join(name);
            let parked = self.old_dir.join(name);
            let had_old = target.exists();
            let step = (|| {
                // An old file being replaced is kept by a second link and
                // the new one renamed over it: the name never goes missing,
                // even if the process is killed between two renames.
                if had_old && !(has_new && fs::hard_link(&target, &parked).is_ok()) {
                    fs::rename(&target, &parked).map_err(|e| ReportError::io(&target, e))?;
                }
                if !has_new {
                    return Ok(());
                }
                match fs::rename(self.new_dir.join(name), &target) {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        if had_old {
                            let _ = fs::rename(&parked, &target);
                        }
                        Err(ReportError::io(&target, e))
                    }
                }
            })();
            if let Err(e) = step {
                for (name, had_old, has_new) in done.into_iter().rev() {
                    let target = out_dir.join(name);
                    if has_new {
                        let _ = fs::rename(&target, self.new_dir.join(name));
                    }
                    if had_old {
                        let _ = fs::rename(self.old_dir.join(name), &target);
                    }
                }
                return Err(e);
            }
            done.push((name, had_old, has_new));
        }
        Ok(())
    }
}

/// Every file name a run can write (timings.json aside).
fn report_file_names() -> Vec<String> {
    let mut names = vec!["report.xlsx".to_string(), "manifest.json".to_string()];
    for table in tables::TABLE_NAMES.into_iter().chain(["changes"]) {
        names.push(format!("{table}.csv"));
        names.push(format!("{table}.parquet"));
    }
    names
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Removes staging folders left by killed runs (their process is gone).
/// Only where `/proc` tells whether a process lives; elsewhere they stay.
fn remove_stale_staging(out_dir: &Path) {
    let proc = Path::new("/proc/self");
    if !proc.exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_swap_puts_back_the_files_already_moved() {
        let out = tempfile::tempdir().unwrap();
        fs::write(out.path().join("a.csv"), "old a").unwrap();
        fs::write(out.path().join("b.csv"), "old b").unwrap();
        let staging = Staging::create(out.path()).unwrap();
        fs::write(staging.new_dir.join("a.csv"), "new a").unwrap();
        fs::write(staging.new_dir.join("b.csv"), "new b").unwrap();
        // c.csv is never staged: its rename fails after a and b were swapped.
        let names = ["a.csv", "b.csv", "c.csv"].map(String::from);
        assert!(staging.swap(out.path(), &names, &[]).is_err());
        assert_eq!(
            fs::read_to_string(out.path().join("a.csv")).unwrap(),
            "old a"
        );
        assert_eq!(
            fs::read_to_string(out.path().join("b.csv")).unwrap(),
            "old b"
        );
        assert!(!out.path().join("c.csv").exists());
        drop(staging);
        let left: Vec<_> = fs::read_dir(out.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 2, "staging folder removed");
    }

    #[test]
    fn a_new_file_without_predecessor_is_removed_on_rollback() {
        let out = tempfile::tempdir().unwrap();
        let staging = Staging::create(out.path()).unwrap();
        fs::write(staging.new_dir.join("a.csv"), "new a").unwrap();
        fs::write(out.path().join("stale.parquet"), "old").unwrap();
        let names = ["a.csv", "missing.csv"].map(String::from);
        let stale = ["stale.parquet".to_string()];
        assert!(staging.swap(out.path(), &names, &stale).is_err());
        assert!(!out.path().join("a.csv").exists());
        assert_eq!(
            fs::read_to_string(out.path().join("stale.parquet")).unwrap(),
            "old"
        );
        // Without the failing name, the stale file is parked and a.csv lands.
        let names = ["a.csv".to_string()];
        staging.swap(out.path(), &names, &stale).unwrap();
        assert!(!out.path().join("stale.parquet").exists());
        assert_eq!(
            fs::read_to_string(out.path().join("a.csv")).unwrap(),
            "new a"
        );
    }

    #[test]
    fn stale_staging_of_a_dead_process_is_removed() {
        let out = tempfile::tempdir().unwrap();
        // PIDs are below 2^22 on Linux: 4_000_000_000 cannot be alive.
        let stale = out.path().join(format!("{STAGING_PREFIX}4000000000"));
        fs::create_dir_all(stale.join("new")).unwrap();
        let keep = out.path().join(".medrecon-tmp-notapid");
        fs::create_dir_all(&keep).unwrap();
        remove_stale_staging(out.path());
        assert!(!stale.exists());
        assert!(keep.exists());
    }

    #[test]
    fn timings_go_to_their_own_file() {
        let out = tempfile::tempdir().unwrap();
        let path = write_timings(
            out.path(),
            &[("ingest".to_string(), 1.5), ("engine".to_string(), 0.25)],
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["stages"][0]["stage"], "ingest");
        assert_eq!(v["stages"][1]["seconds"], 0.25);
        assert_eq!(v["total_seconds"], 1.75);
        assert_eq!(fs::read_dir(out.path()).unwrap().count(), 1);
    }
}

#[cfg(test)]
mod option_tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn run_flags_map_to_report_options() {
        let cli = Cli::try_parse_from([
            "medrecon",
            "run",
            "in",
            "--out",
            "out",
            "--no-mask",
            "--lang",
            "en",
            "--csv-bom",
            "false",
            "--format",
            "csv,parquet",
            "--quiet",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run")
        };
        let o = ReportOptions::from_run_args(&args);
        assert_eq!(o.formats, [OutputFormat::Csv, OutputFormat::Parquet]);
        assert!(!o.mask && !o.csv_bom && !o.progress);
        assert_eq!(o.lang, Lang::En);
        assert_eq!(o.max_sheet_rows, 1_048_575);
    }
}
