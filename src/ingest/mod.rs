//! Ingest: read every input file by its bytes (CSV in UTF-8/BOM/GB18030, Excel
//! via calamine), find the header row, map columns from `schemas/columns.toml`,
//! and normalize rows into typed `Event`s or `Reject`s with file·sheet·row·column.
//!
//! Every data row is accounted for: per sheet, rows read (non-blank rows below
//! the header) = accepted + rejected + duplicates + skipped. Rows that are not
//! persons — example rows (`例：张三`), subtotals and totals (`合计`,
//! `北京分公司汇总`), placeholder rows (`--`) — are skipped before they are
//! normalized, counted per sheet with their reason
//! ([`normalize::not_a_person`]), and never rejected.
//!
//! A folder PATH stands for every readable export in it, sub-folders included,
//! and a `.zip` bundle for its entries (see [`inputs`]); what is skipped on
//! the way is listed in the batch's `skipped`. A folder that is also given as
//! `--ledger` or `--ui` is skipped by the events (`read_events_excluding`), so
//! `samples/ledger/` and `samples/ui/` can sit beside the event exports.

pub mod csv;
pub mod dedupe;
pub mod excel;
pub mod group;
pub mod header;
pub mod inputs;
pub mod markup;
pub mod normalize;
pub mod odscheck;
pub mod olecheck;
pub mod schema;
pub mod sniff;
pub(crate) mod streamed;
pub mod ui;
pub mod values;
pub mod zipscan;

use crate::model::{
    Code, Event, InputFormat, InputReport, InputRole, RegionId, RegionLookup, Reject, RejectCode,
    SheetReport, SourceRef, UiSpan,
};
use normalize::{EventColumns, Interner, RowCells, RowOutcome, SheetContext};
use rayon::prelude::*;
use schema::ColumnSchema;
use sha2::{Digest, Sha256};
use sniff::FileKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to fill values a file does not carry.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Region for rows without a region column (from `--region`, else `national`).
    pub default_region: RegionId,
    /// Employer for rows without an employer column (`--employer`); else the file stem.
    pub default_employer: Option<String>,
    /// A column-aliases file replacing the shipped one (`--columns`).
    pub columns: Option<PathBuf>,
}

/// Everything read from the event inputs.
#[derive(Debug, Default)]
pub struct EventBatch {
    /// Accepted, de-duplicated events grouped by person (the ID's numeric
    /// key), in input order (file, sheet, row) within a person.
    pub events: Vec<Event>,
    pub rejects: Vec<Reject>,
    /// One per input file, in the order read; `SourceRef::input` indexes this.
    pub inputs: Vec<InputReport>,
    /// Files and folders met in the PATHs and not read (owner, hidden…), one line each.
    pub skipped: Vec<crate::text::Text>,
    /// 单位名称 of the employer codes, where the files give them.
    pub employer_names: crate::model::EmployerNames,
}

#[derive(Debug, Default)]
pub struct UiBatch {
    pub spans: Vec<UiSpan>,
    pub rejects: Vec<Reject>,
    pub inputs: Vec<InputReport>,
    /// Files and folders met in the PATHs and not read, one line each.
    pub skipped: Vec<crate::text::Text>,
}

/// A file that cannot be read at all. Always names the file.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn file_error(path: &Path, message: impl Into<String>) -> IngestError {
    IngestError::File {
        path: path.display().to_string(),
        message: message.into(),
    }
}

pub use inputs::{Expanded, InputFile, expand_inputs};

/// A file read into memory with its hash.
struct Loaded {
    bytes: Vec<u8>,
    kind: FileKind,
}

fn load_file(file: &InputFile) -> Result<Loaded, IngestError> {
    let bytes = match file.entry_bytes() {
        Some(b) => b?,
        None => read_whole(&file.path).map_err(|e| IngestError::Io {
            path: file.name.clone(),
            source: e,
        })?,
    };
    let kind = sniff::sniff_whole(&bytes);
    match kind {
        FileKind::Mhtml | FileKind::OtherZip | FileKind::TruncatedZip | FileKind::Encrypted => {
            return Err(file_error(
                &file.display_path(),
                format!(
                    "is {}, not a CSV, Excel, Excel 2003 XML or HTML table that can be read, whatever its name says; {}",
                    kind.label(),
                    kind.advice()
                ),
            ));
        }
        _ => {}
    }
    Ok(Loaded { bytes, kind })
}

/// Files from this size up are read in pieces side by side.
const PARALLEL_READ_BYTES: u64 = 8 << 20;

/// Reads a whole file. A large one is read in pieces by the pool, each
/// piece straight into its place (the copy from the page cache and the first
/// touch of the buffer's pages were one thread's work for a whole file).
fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    // A FIFO or device found in a folder is refused before it is opened.
    if !std::fs::metadata(path)?.file_type().is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, socket or device): only regular files are read",
        ));
    }
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    #[cfg(unix)]
    if len >= PARALLEL_READ_BYTES {
        // Two pieces per worker at least, 1 to 16 MiB each.
        let piece = (len as usize / (2 * rayon::current_num_threads())).clamp(1 << 20, 16 << 20);
        return read_whole_parallel(&file, len, piece);
    }
    let mut bytes = Vec::with_capacity(len as usize + 1);
    std::io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok(bytes)
}

#[cfg(unix)]
fn read_whole_parallel(file: &std::fs::File, len: u64, piece: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0u8; len as usize];
    bytes
        .par_chunks_mut(piece)
        .enumerate()
        .try_for_each(|(i, p)| file.read_exact_at(p, (i * piece) as u64))?;
    // A file that grew while being read: the rest is read as it is now.
    let mut f = file;
    std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(len))?;
    std::io::Read::read_to_end(&mut f, &mut bytes)?;
    Ok(bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Rows normalized from one sheet (or CSV file), in row order.
#[derive(Default)]
struct SheetRows {
    /// Events of the chunk being filled.
    events: Vec<Event>,
    /// Events of earlier chunks, in order; moved once into the batch at the end.
    parts: Vec<Vec<Event>>,
    rejects: Vec<Reject>,
    rows_read: u64,
    /// Rows that are not persons, by reason.
    skipped: BTreeMap<&'static str, u64>,
    /// Rows per (employer code, 单位名称).
    employer_names: NameCounts,
}

/// Rows per (employer code, 单位名称).
type NameCounts = Vec<((Code, Box<str>), u64)>;

impl SheetRows {
    /// Counts a row read and skipped for `reason` (not a person).
    fn skip(&mut self, reason: &'static str) {
        self.rows_read += 1;
        *self.skipped.entry(reason).or_default() += 1;
    }
    /// Rows skipped, and their reasons as the sheet report keeps them.
    fn skipped_counts(&self) -> (u64, BTreeMap<String, u64>) {
        let reasons: BTreeMap<String, u64> = self
            .skipped
            .iter()
            .map(|(r, n)| ((*r).to_string(), *n))
            .collect();
        (self.skipped.values().sum(), reasons)
    }
    /// Counts a row read and files its outcome.
    fn push(&mut self, o: RowOutcome) {
        self.rows_read += 1;
        match o {
            RowOutcome::One(e) => self.events.push(e),
            RowOutcome::Two(a, b) => {
                self.events.push(a);
                self.events.push(b);
            }
            RowOutcome::Rejected(r) => self.rejects.push(r),
        }
    }
    fn append(&mut self, mut other: SheetRows) {
        if !self.events.is_empty() {
            self.parts.push(std::mem::take(&mut self.events));
        }
        self.parts.append(&mut other.parts);
        if !other.events.is_empty() {
            self.parts.push(other.events);
        }
        self.rejects.append(&mut other.rejects);
        self.employer_names.append(&mut other.employer_names);
        self.rows_read += other.rows_read;
        for (reason, n) in other.skipped {
            *self.skipped.entry(reason).or_default() += n;
        }
    }
    fn into_parts(mut self) -> (Vec<Vec<Event>>, Vec<Reject>, NameCounts) {
        if !self.events.is_empty() {
            self.parts.push(self.events);
        }
        (self.parts, self.rejects, self.employer_names)
    }
}

fn skipped_sheet(name: &str, reason: String) -> SheetReport {
    SheetReport {
        name: name.to_string(),
        shape: None,
        skipped: Some(reason),
        header_row: None,
        rows_read: 0,
        accepted: 0,
        rejected: 0,
        duplicates: 0,
        other_insurance: 0,
        skipped_rows: 0,
        skipped_reasons: Default::default(),
        notes: Vec::new(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The cells of a row a whole-row reject (BAD_ROW, BAD_ENCODING) keeps
/// beside its value, so a masked report masks them inside it: the name cell
/// and the ID cell (证件号码: a document number is no resident ID that
/// `mask_free_text` would find).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MaskedCells {
    pub name: Option<usize>,
    pub id: Option<usize>,
}

impl MaskedCells {
    /// The name cells and the ID cells of `rec` for a whole-row reject.
    fn of(self, rec: &csv::Record<'_>) -> (Vec<String>, Vec<String>) {
        let cell = |column: Option<usize>| -> Vec<String> {
            column
                .filter(|&i| i < rec.cell_count())
                .map(|i| crate::ingest::schema::trim_spaces(rec.field(i)))
                .filter(|v| !v.is_empty())
                .map(|v| v.chars().take(200).collect())
                .into_iter()
                .collect()
        };
        (cell(self.name), cell(self.id))
    }
}

/// The ID cell of each whole-row reject in `rejects` (column blank, value
/// the row's text split by `delim`), kept as the reject's `documents`: for
/// readers whose whole-row rejects are made where the ID column is not known
/// (the ledger's CSV reader).
pub(crate) fn keep_row_documents(rejects: &mut [Reject], delim: u8, id_column: usize) {
    for r in rejects.iter_mut().filter(|r| r.column.is_empty()) {
        let Some((_, fields, _, _)) = csv::head_records(&r.value, delim, 1).pop() else {
            continue;
        };
        let id = fields
            .get(id_column)
            .map(|v| crate::ingest::schema::trim_spaces(v))
            .unwrap_or_default();
        if !id.is_empty() {
            r.documents = vec![id.to_string()];
        }
    }
}

/// A BAD_ROW reject for a CSV record that does not fit the header: fewer fields
/// than the named header columns, or text beyond them, or an unclosed quote.
fn ragged_check(
    rec: &csv::Record<'_>,
    header_len: usize,
    cells: MaskedCells,
    src: SourceRef,
) -> Option<Reject> {
    let reject = |message: crate::text::Text| {
        let (names, documents) = cells.of(rec);
        Some(Reject {
            source: src,
            column: String::new(),
            value: rec.joined(200),
            names,
            documents,
            code: RejectCode::BadRow,
            message,
        })
    };
    if let Some(message) = rec.oversize() {
        return reject(message);
    }
    if rec.resynced {
        return reject(crate::text!(quote_not_closed_on_line, header_len));
    }
    if rec.unterminated {
        return reject(crate::text!(quote_never_closed));
    }
    // `header_len` counts up to the last named header: trailing unnamed
    // columns (`a,b,c,,`) may be missing or blank in a row.
    let n = rec.cell_count();
    if !csv::fits(rec, header_len) {
        return reject(crate::text!(field_count, n, header_len));
    }
    None
}

/// How a reject message names an encoding.
fn encoding_name(encoding: &str) -> &'static str {
    if encoding.starts_with("utf-8") {
        "UTF-8"
    } else {
        "GB18030/GBK"
    }
}

/// A BAD_ENCODING reject for a CSV record on a line that is not text in the
/// file's encoding: the column is the first whose cell holds an undecodable
/// byte (shown as U+FFFD), the value that cell (the row when none does).
fn bad_encoding(
    rec: &csv::Record<'_>,
    headers: &[String],
    cells: MaskedCells,
    bad: &csv::BadLine,
    encoding: &str,
    src: SourceRef,
) -> Reject {
    let cell = (0..rec.cell_count()).find(|&i| rec.field(i).contains('\u{FFFD}'));
    let (column, value, (names, documents)) = match cell {
        Some(i) => (
            headers.get(i).cloned().unwrap_or_default(),
            rec.field(i).chars().take(200).collect(),
            Default::default(),
        ),
        None => (String::new(), rec.joined(200), cells.of(rec)),
    };
    let within = match cell {
        Some(_) if !column.is_empty() => crate::text!(in_column, column.as_str()).into(),
        Some(i) => crate::text!(in_field, i + 1).into(),
        None => crate::text::Arg::Empty,
    };
    Reject {
        source: src,
        column,
        value,
        names,
        documents,
        code: RejectCode::BadEncoding,
        message: crate::text!(
            line_not_decodable,
            bad.line,
            encoding_name(encoding),
            bad.byte,
            within
        ),
    }
}

/// Columns up to the last non-blank header cell.
fn named_len(headers: &[String]) -> usize {
    headers
        .iter()
        .rposition(|h| !schema::trim_spaces(h).is_empty())
        .map_or(0, |i| i + 1)
}

/// Parses the header of a CSV text; returns the header, the data text offset and its first line.
fn csv_header<'t>(
    text: &'t str,
    delim: u8,
    schema: &ColumnSchema,
    table: &str,
    names: &[(&str, &str)],
) -> Result<(header::HeaderMap, u32, &'t str, u32), String> {
    let head = csv::head_records(text, delim, header::HEADER_SEARCH_ROWS);
    if head.is_empty() {
        return Err("is empty".into());
    }
    let rows: Vec<Vec<String>> = head.iter().map(|h| h.1.clone()).collect();
    let hm = header::find_header_named(schema, table, &rows, names)?;
    let (line, _, offset, next_line) = &head[hm.index];
    Ok((hm, *line, text.get(*offset..).unwrap_or(""), *next_line))
}

/// [`csv_header`] on a file decoded by [`csv::decode_recovering`]: an
/// undecodable line among the first rows is named when no header is found,
/// and an undecodable header row is the file's error (a data row's costs only
/// that row, checked by the caller with [`csv::bad_line_in`]).
fn decoded_csv_header<'t>(
    path: &Path,
    decoded: &'t csv::Decoded<'_>,
    delim: u8,
    schema: &ColumnSchema,
    table: &str,
    names: &[(&str, &str)],
) -> Result<(header::HeaderMap, u32, &'t str, u32), IngestError> {
    let (text, bad, enc) = (&decoded.text, &decoded.bad, decoded.encoding);
    let found = csv_header(text, delim, schema, table, names).map_err(|m| match bad.first() {
        Some(b) if b.line as usize <= header::HEADER_SEARCH_ROWS => file_error(
            path,
            format!(
                "{m}; line {} is not {} text (byte {} cannot be decoded)",
                b.line,
                encoding_name(enc),
                b.byte
            ),
        ),
        _ => file_error(path, m),
    })?;
    let (_, header_line, _, data_line) = &found;
    if let Some(b) = bad
        .iter()
        .find(|b| (*header_line..*data_line).contains(&b.line))
    {
        return Err(file_error(
            path,
            format!(
                "the header row (line {}) is not {} text (byte {} cannot be decoded)",
                b.line,
                encoding_name(enc),
                b.byte
            ),
        ));
    }
    Ok(found)
}

/// Runs `per_chunk` over the data text cut into chunks at record boundaries, in
/// parallel; one result per chunk, in input order. The splitters resynchronise
/// on quotes that do not close into a row of `width` fields
/// ([`csv::Splitter`]). The cuts are placed by quote parity, which a stray
/// quote upsets (a cut may fall inside a later quoted line break): when any
/// chunk resynchronised, the data is read again as one chunk (the error path
/// only).
fn csv_parallel<T, F>(data: &str, first_line: u32, delim: u8, width: usize, per_chunk: F) -> Vec<T>
where
    T: Send,
    F: Fn(&mut csv::Splitter<'_>, usize) -> T + Sync,
{
    let run = |chunks: &[(usize, usize, u32)]| -> (Vec<T>, bool) {
        let outs: Vec<(T, bool)> = chunks
            .par_iter()
            .map(|&(a, b, line)| {
                let mut sp =
                    csv::Splitter::new(data.get(a..b).unwrap_or(""), delim, line).with_width(width);
                let out = per_chunk(&mut sp, a);
                (out, sp.resynced())
            })
            .collect();
        let resynced = outs.iter().any(|o| o.1);
        (outs.into_iter().map(|o| o.0).collect(), resynced)
    };
    let chunks = csv::chunk_bounds(data, first_line);
    let (outs, resynced) = run(&chunks);
    if resynced && chunks.len() > 1 {
        return run(&[(0, data.len(), first_line)]).0;
    }
    outs
}

struct EventsContext<'a> {
    schema: &'a ColumnSchema,
    regions: &'a dyn RegionLookup,
    opts: &'a IngestOptions,
}

fn default_employer(opts: &IngestOptions, path: &Path) -> Code {
    match &opts.default_employer {
        Some(e) => Code::new(e),
        None => Code::new(
            &path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
    }
}

fn read_events_csv(
    cx: &EventsContext<'_>,
    path: &Path,
    bytes: &[u8],
    input: u32,
    report: &mut InputReport,
) -> Result<Vec<SheetRows>, IngestError> {
    let decoded = csv::decode_recovering(bytes).map_err(|m| file_error(path, m))?;
    let (text, bad) = (&decoded.text, &decoded.bad);
    report.encoding = Some(decoded.encoding.to_string());
    let delim = csv::detect_delimiter(text);
    let (hm, header_line, data, data_line) = decoded_csv_header(
        path,
        &decoded,
        delim,
        cx.schema,
        "events",
        &[("file name", &file_stem(path))],
    )?;
    let data_at = text.len() - data.len();
    let columns =
        EventColumns::from_header(&hm).ok_or_else(|| file_error(path, "no person ID column"))?;
    let header_len = named_len(&hm.headers);
    let cells = MaskedCells {
        name: columns.name,
        id: Some(columns.person_id),
    };
    let ctx = SheetContext {
        columns: &columns,
        schema: cx.schema,
        regions: cx.regions,
        default_region: cx.opts.default_region,
        default_employer: default_employer(cx.opts, path),
        is_1904: false,
        input,
        sheet: 0,
    };
    let parts = csv_parallel(data, data_line, delim, header_len, |sp, chunk_at| {
        let mut out = SheetRows {
            events: Vec::with_capacity(sp.text_len() / 64 + 16),
            ..SheetRows::default()
        };
        let mut interner = Interner::default();
        let mut rec = csv::Record::default();
        while let Some(line) = sp.next_record(&mut rec) {
            if rec.is_blank() {
                continue;
            }
            let src = SourceRef {
                input,
                sheet: 0,
                row: line,
            };
            if !bad.is_empty() {
                let at = data_at + chunk_at + rec.start;
                if let Some(b) = csv::bad_line_in(bad, at, at + rec.span) {
                    let r = bad_encoding(&rec, &hm.headers, cells, b, decoded.encoding, src);
                    out.push(RowOutcome::Rejected(r));
                    continue;
                }
            }
            // A subtotal row may be short (`合计,,,`): it is skipped whatever
            // its field count; one over the size limits is still refused.
            if let Some(reason) = normalize::not_a_person(&rec, &columns)
                && !rec.unterminated
                && rec.oversize().is_none()
            {
                out.skip(reason);
                continue;
            }
            if let Some(r) = ragged_check(&rec, header_len, cells, src) {
                out.push(RowOutcome::Rejected(r));
                continue;
            }
            out.push(normalize::normalize_row(&ctx, &mut interner, &rec, line));
        }
        out.employer_names = interner.take_employer_names().into_iter().collect();
        out
    });
    let mut all = SheetRows::default();
    for p in parts {
        all.append(p);
    }
    report
        .sheets
        .push(read_sheet_report(file_name(path), &hm, header_line, &all));
    Ok(vec![all])
}

/// A file's name without its extension (the event hint of a CSV).
fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The note a sheet gets when its event type comes from a name.
fn event_note(hm: &header::HeaderMap) -> Option<String> {
    hm.event_from.as_ref().map(|(word, from)| {
        let kind = match word {
            schema::EventWord::Hire => "a hire (增员)",
            schema::EventWord::Separation => "a separation (减员)",
            schema::EventWord::Retirement => "a retirement (退休)",
        };
        format!("no event type column: every row is {kind}, from the {from}")
    })
}

/// Finds the header of a sheet: its index in the range's rows and the map.
fn sheet_header(
    sheet: &excel::LoadedSheet,
    schema: &ColumnSchema,
    table: &str,
    file_name: &str,
) -> Result<header::HeaderMap, String> {
    if sheet.range.is_empty() {
        return Err("the sheet is empty".into());
    }
    let rows: Vec<Vec<String>> = sheet
        .range
        .rows()
        .take(header::HEADER_SEARCH_ROWS)
        .map(excel::row_texts)
        .collect();
    header::find_header_named(
        schema,
        table,
        &rows,
        &[("sheet name", &sheet.name), ("file name", file_name)],
    )
    .map_err(|e| {
        if header::instruction_sheet(&sheet.name) {
            format!(
                "an instruction or list sheet (`{}`), not data: no header row",
                sheet.name
            )
        } else {
            e
        }
    })
}

/// Excel rows of a sheet below the header with their Excel row numbers.
fn data_rows(sheet: &excel::LoadedSheet, header_index: usize) -> Vec<(u32, &[calamine::Data])> {
    sheet
        .range
        .rows()
        .enumerate()
        .skip(header_index + 1)
        .map(|(i, r)| (sheet.first_row + i as u32, r))
        .collect()
}

const EXCEL_ROWS_PER_TASK: usize = 16 * 1024;

/// Normalizes the data rows of a sheet (row number, cells) in parallel pieces.
fn normalize_sheet_rows(ctx: &SheetContext<'_>, rows: &[(u32, &[calamine::Data])]) -> SheetRows {
    let parts: Vec<SheetRows> = rows
        .par_chunks(EXCEL_ROWS_PER_TASK)
        .map(|chunk| {
            let mut part = SheetRows::default();
            let mut interner = Interner::default();
            for &(row_number, cells) in chunk {
                if cells.is_blank() {
                    continue;
                }
                if let Some(reason) = normalize::not_a_person(cells, ctx.columns) {
                    part.skip(reason);
                    continue;
                }
                part.push(normalize::normalize_row(
                    ctx,
                    &mut interner,
                    cells,
                    row_number,
                ));
            }
            part.employer_names = interner.take_employer_names().into_iter().collect();
            part
        })
        .collect();
    let mut all = SheetRows::default();
    for p in parts {
        all.append(p);
    }
    all
}

/// The report of a sheet (or CSV file) read (its accepted count is filled in later).
fn read_sheet_report(
    name: String,
    hm: &header::HeaderMap,
    header_row: u32,
    all: &SheetRows,
) -> SheetReport {
    let (skipped_rows, skipped_reasons) = all.skipped_counts();
    SheetReport {
        name,
        shape: Some(hm.shape),
        skipped: None,
        header_row: Some(header_row),
        rows_read: all.rows_read,
        accepted: 0,
        rejected: all.rejects.len() as u64,
        duplicates: 0,
        other_insurance: 0,
        skipped_rows,
        skipped_reasons,
        notes: event_note(hm).into_iter().collect(),
    }
}

/// The header and columns of an event sheet, or why it is skipped.
fn event_sheet_header(
    sheet: &excel::LoadedSheet,
    cx: &EventsContext<'_>,
    path: &Path,
) -> Result<(header::HeaderMap, EventColumns), String> {
    let hm = sheet_header(sheet, cx.schema, "events", &file_stem(path))?;
    let columns = EventColumns::from_header(&hm)
        .ok_or_else(|| "no person ID column (person_id)".to_string())?;
    Ok((hm, columns))
}

/// The error of a workbook none of whose sheets is read.
fn no_sheet_read(path: &Path, sheets: &[SheetReport]) -> IngestError {
    let reasons: Vec<String> = sheets
        .iter()
        .map(|s| {
            format!(
                "sheet {}: {}",
                s.name,
                s.skipped.as_deref().unwrap_or_default()
            )
        })
        .collect();
    file_error(
        path,
        format!("no sheet has the required columns: {}", reasons.join("; ")),
    )
}

fn read_events_excel(
    cx: &EventsContext<'_>,
    path: &Path,
    loaded: &Loaded,
    input: u32,
    report: &mut InputReport,
) -> Result<Vec<SheetRows>, IngestError> {
    let sheets =
        excel::load_workbook(&loaded.bytes, loaded.kind).map_err(|m| file_error(path, m))?;
    let mut out = Vec::new();
    for (si, sheet) in sheets.iter().enumerate() {
        let (hm, columns) = match event_sheet_header(sheet, cx, path) {
            Ok(h) => h,
            Err(reason) => {
                report.sheets.push(skipped_sheet(&sheet.name, reason));
                out.push(SheetRows::default());
                continue;
            }
        };
        let ctx = SheetContext {
            columns: &columns,
            schema: cx.schema,
            regions: cx.regions,
            default_region: cx.opts.default_region,
            default_employer: default_employer(cx.opts, path),
            is_1904: sheet.is_1904,
            input,
            sheet: si as u32,
        };
        let all = normalize_sheet_rows(&ctx, &data_rows(sheet, hm.index));
        report.sheets.push(read_sheet_report(
            sheet.name.clone(),
            &hm,
            sheet.first_row + hm.index as u32,
            &all,
        ));
        out.push(all);
    }
    if report.sheets.iter().all(|s| s.skipped.is_some()) {
        return Err(no_sheet_read(path, &report.sheets));
    }
    Ok(out)
}

/// The events reader of streamed sheets: each sheet's rows normalized as
/// they come, its report and rows kept by sheet number.
struct EventSheets<'c> {
    cx: &'c EventsContext<'c>,
    path: &'c Path,
    input: u32,
    sheets: Vec<Option<(SheetReport, SheetRows)>>,
}

struct EventSheet {
    hm: header::HeaderMap,
    columns: EventColumns,
    rows: SheetRows,
}

impl EventSheets<'_> {
    fn put(&mut self, index: usize, report: SheetReport, rows: SheetRows) {
        if self.sheets.len() <= index {
            self.sheets.resize_with(index + 1, || None);
        }
        self.sheets[index] = Some((report, rows));
    }
}

impl streamed::SheetVisitor for EventSheets<'_> {
    type Sheet = EventSheet;

    fn header(&mut self, index: usize, head: &excel::LoadedSheet) -> Option<(usize, EventSheet)> {
        match event_sheet_header(head, self.cx, self.path) {
            Ok((hm, columns)) => Some((
                hm.index,
                EventSheet {
                    hm,
                    columns,
                    rows: SheetRows::default(),
                },
            )),
            Err(reason) => {
                self.put(
                    index,
                    skipped_sheet(&head.name, reason),
                    SheetRows::default(),
                );
                None
            }
        }
    }

    fn rows(&mut self, index: usize, sheet: &mut EventSheet, rows: &[(u32, Vec<calamine::Data>)]) {
        let ctx = SheetContext {
            columns: &sheet.columns,
            schema: self.cx.schema,
            regions: self.cx.regions,
            default_region: self.cx.opts.default_region,
            default_employer: default_employer(self.cx.opts, self.path),
            is_1904: false,
            input: self.input,
            sheet: index as u32,
        };
        let rows: Vec<(u32, &[calamine::Data])> =
            rows.iter().map(|(n, c)| (*n, c.as_slice())).collect();
        sheet.rows.append(normalize_sheet_rows(&ctx, &rows));
    }

    fn end(&mut self, index: usize, name: &str, header_row: u32, sheet: EventSheet) {
        let report = read_sheet_report(name.to_string(), &sheet.hm, header_row, &sheet.rows);
        self.put(index, report, sheet.rows);
    }

    fn restart(&mut self) {
        self.sheets.clear();
    }
}

/// Reads an event export in SpreadsheetML or HTML (`kind`) from `raw` as it
/// streams: memory holds a chunk of rows and the events accepted.
fn read_events_markup<R: std::io::Read + std::io::Seek>(
    cx: &EventsContext<'_>,
    path: &Path,
    raw: &mut R,
    kind: FileKind,
    input: u32,
    report: &mut InputReport,
) -> Result<Vec<SheetRows>, IngestError> {
    let mut streamer = streamed::SheetStreamer::new(EventSheets {
        cx,
        path,
        input,
        sheets: Vec::new(),
    });
    markup::read_markup(raw, kind, &mut streamer).map_err(|m| file_error(path, m))?;
    let mut out = Vec::new();
    for (i, sheet) in streamer.visitor.sheets.into_iter().enumerate() {
        // A sheet that started but never ended is only in a file cut short,
        // which is the file's error before this.
        let (sheet_report, rows) = sheet.unwrap_or_else(|| {
            (
                skipped_sheet(&format!("sheet {}", i + 1), "not read".into()),
                SheetRows::default(),
            )
        });
        report.sheets.push(sheet_report);
        out.push(rows);
    }
    if report.sheets.iter().all(|s| s.skipped.is_some()) {
        return Err(no_sheet_read(path, &report.sheets));
    }
    Ok(out)
}

/// A plain file (not a bundle entry) that is a SpreadsheetML or HTML export
/// by its first bytes: such files are read as a stream, never whole.
fn markup_file(file: &InputFile) -> Option<FileKind> {
    if file.entry.is_some() {
        return None;
    }
    // A FIFO or device is left to `load_file`, which refuses it unopened.
    if !std::fs::metadata(&file.path).ok()?.file_type().is_file() {
        return None;
    }
    let mut head = Vec::with_capacity(4096);
    let f = std::fs::File::open(&file.path).ok()?;
    std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head).ok()?;
    match sniff::sniff(&head) {
        k @ (FileKind::Excel2003Xml | FileKind::Html) => Some(k),
        _ => None,
    }
}

/// Reads a SpreadsheetML or HTML event export from its path, hashing it
/// alongside.
fn read_markup_events_file(
    cx: &EventsContext<'_>,
    file: &InputFile,
    kind: FileKind,
    input: u32,
) -> Result<(InputReport, Vec<SheetRows>), IngestError> {
    let path = &file.display_path();
    let io = |e: std::io::Error| IngestError::Io {
        path: file.name.clone(),
        source: e,
    };
    let (hashed, parsed) = rayon::join(
        || hash_file(&file.path),
        || {
            let mut report = InputReport {
                path: path.display().to_string(),
                role: InputRole::Events,
                format: kind.format().unwrap_or(InputFormat::Csv),
                sha256: String::new(),
                bytes: 0,
                encoding: None,
                sheets: Vec::new(),
            };
            let f = std::fs::File::open(&file.path).map_err(io)?;
            let mut raw = std::io::BufReader::with_capacity(1 << 20, f);
            let sheets = read_events_markup(cx, path, &mut raw, kind, input, &mut report)?;
            Ok::<_, IngestError>((report, sheets))
        },
    );
    let (mut report, sheets) = parsed?;
    let (sha, bytes) = hashed.map_err(io)?;
    report.sha256 = sha;
    report.bytes = bytes;
    Ok((report, sheets))
}

/// A file's SHA-256 (hex) and size, read in pieces.
pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let k = match std::io::Read::read(&mut f, &mut buf) {
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if k == 0 {
            break;
        }
        bytes += k as u64;
        hasher.update(&buf[..k]);
    }
    Ok((format!("{:x}", hasher.finalize()), bytes))
}

fn new_report(path: &Path, role: InputRole, loaded: &Loaded, sha256: String) -> InputReport {
    InputReport {
        path: path.display().to_string(),
        role,
        format: loaded.kind.format().unwrap_or(InputFormat::Csv),
        sha256,
        bytes: loaded.bytes.len() as u64,
        encoding: None,
        sheets: Vec::new(),
    }
}

/// Inputs totalling at most this many bytes are read in parallel, file by file.
const PARALLEL_FILES_MAX_BYTES: u64 = 256 << 20;

/// Reads event exports (event-row or roster-row shaped).
pub fn read_events(
    paths: &[PathBuf],
    opts: &IngestOptions,
    regions: &dyn RegionLookup,
) -> Result<EventBatch, IngestError> {
    read_events_excluding(paths, &[], opts, regions)
}

/// [`read_events`], skipping (and listing) the folders in `exclude` (those
/// given as `--ledger` or `--ui`) wherever a folder PATH holds them.
pub fn read_events_excluding(
    paths: &[PathBuf],
    exclude: &[(PathBuf, String)],
    opts: &IngestOptions,
    regions: &dyn RegionLookup,
) -> Result<EventBatch, IngestError> {
    let schema = ColumnSchema::load(opts.columns.as_deref()).map_err(|m| IngestError::File {
        path: opts
            .columns
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "schemas/columns.toml".into()),
        message: m,
    })?;
    let cx = EventsContext {
        schema: &schema,
        regions,
        opts,
    };
    let Expanded { files, skipped } = expand_inputs(paths, exclude)?;
    let read_one =
        |(i, file): (usize, &InputFile)| -> Result<(InputReport, Vec<SheetRows>), IngestError> {
            let input = i as u32;
            if let Some(kind) = markup_file(file) {
                return read_markup_events_file(&cx, file, kind, input);
            }
            let loaded = load_file(file)?;
            let path = &file.display_path();
            // Hash while parsing: the two passes over the bytes run side by side.
            let (sha, parsed) = rayon::join(
                || sha256_hex(&loaded.bytes),
                || {
                    let mut report = new_report(path, InputRole::Events, &loaded, String::new());
                    let sheets = match loaded.kind {
                        FileKind::Csv => {
                            read_events_csv(&cx, path, &loaded.bytes, input, &mut report)
                        }
                        _ => read_events_excel(&cx, path, &loaded, input, &mut report),
                    }?;
                    Ok::<_, IngestError>((report, sheets))
                },
            );
            let (mut report, sheets) = parsed?;
            report.sha256 = sha;
            Ok((report, sheets))
        };
    // Many small exports (one per client employer) are read side by side; big
    // files one at a time, so that only one is held in memory.
    let total_bytes: u64 = files.iter().map(InputFile::size).sum();
    let results: Vec<Result<(InputReport, Vec<SheetRows>), IngestError>> =
        if files.len() > 1 && total_bytes <= PARALLEL_FILES_MAX_BYTES {
            files.par_iter().enumerate().map(read_one).collect()
        } else {
            let mut out = Vec::with_capacity(files.len());
            for f in files.iter().enumerate() {
                let r = read_one(f);
                let failed = r.is_err();
                out.push(r);
                if failed {
                    break;
                }
            }
            out
        };
    let mut batch = EventBatch {
        skipped,
        ..EventBatch::default()
    };
    let mut event_parts: Vec<Vec<Event>> = Vec::new();
    let mut names = Vec::new();
    for r in results {
        let (report, sheets) = r?;
        for s in sheets {
            let (parts, rejects, employer_names) = s.into_parts();
            event_parts.extend(parts);
            batch.rejects.extend(rejects);
            names.extend(employer_names);
        }
        batch.inputs.push(report);
    }
    batch.employer_names = crate::model::EmployerNames::from_counts(names);
    batch.events = group::group_events(event_parts, &mut batch.inputs);
    Ok(batch)
}

/// Reads unemployment-benefit month files (`--ui`).
pub fn read_ui(paths: &[PathBuf]) -> Result<UiBatch, IngestError> {
    ui::read_ui_files(paths)
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn a_file_read_in_pieces_is_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        let text: Vec<u8> = (0..10_007u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        // Pieces of 1,000 bytes (the last one short), and a length smaller
        // than the file (it grew after its size was taken).
        assert_eq!(
            super::read_whole_parallel(&file, 10_007, 1000).unwrap(),
            text
        );
        assert_eq!(
            super::read_whole_parallel(&file, 5_000, 1000).unwrap(),
            text
        );
        // A file shorter than its announced length is an error, not a panic.
        assert!(super::read_whole_parallel(&file, 20_000, 1000).is_err());
    }
}
