//! Ledger CSV reading by bytes, streamed in blocks so a ledger of tens of
//! millions of rows is never held whole: encoding detected (UTF-8 BOM, strict
//! UTF-8, else GB18030 transcoded to UTF-8), title lines skipped, the header
//! found, then each block split at record boundaries into pieces parsed in
//! parallel (rayon) and merged into the store in file order.
//!
//! Records follow RFC 4180: a field starting with `"` may hold delimiters,
//! doubled quotes and line breaks. A spreadsheet shows such a record as one
//! row, so row numbers count records (blank lines included), header row = 1
//! when there are no title lines.
//!
//! Recovery, on the error path only: a stray quote costs its line
//! ([`record_end_sync`], the rule of [`crate::ingest::csv::Splitter`]), and a
//! line that is not text in the file's encoding is one BAD_ENCODING reject
//! (UTF-8: checked by bytes when a piece is not UTF-8; GB18030: decoded with
//! U+FFFD for the bad bytes, and a row holding U+FFFD is refused). At least
//! half the rows undecodable is still a file error.

use super::aggregate::{EmployerSource, LedgerStore, RowBatch};
use super::schema::{Layout, LedgerSchema};
use super::values::{Cell, CellError, NO_COLUMN};
use crate::ingest::csv::{Record, Splitter, fits};
use crate::ingest::normalize::{RowCells, not_a_person_at};
use crate::model::{Reject, RejectCode, Shape, SheetReport, SourceRef};
use crate::text;
use crate::text::Text;
use anyhow::bail;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Raw bytes read at a time.
const BLOCK: usize = 16 << 20;
/// Target size of a piece parsed by one rayon task.
const PIECE: usize = 1 << 20;
/// A record longer than this (an unclosed quote) makes the file unreadable.
const MAX_PENDING: usize = 256 << 20;
use crate::ingest::header::HEADER_SEARCH_ROWS;

pub(crate) use crate::ingest::csv::TextEncoding as Encoding;

/// What reading one CSV file produced (rows went into the store).
pub(crate) struct CsvRead {
    pub sha256: String,
    pub bytes: u64,
    pub encoding: Encoding,
    pub sheet: SheetReport,
}

enum Failure {
    /// Detected as UTF-8 from its start, but a later block is not: re-read as GB18030.
    NotUtf8,
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Error(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Error(e.into())
    }
}

/// Reads one ledger CSV into `store`; `input` is its index in the run's inputs.
pub(crate) fn read_csv(
    path: &Path,
    input: u32,
    schema: &LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
) -> anyhow::Result<CsvRead> {
    let sizes = Sizes {
        block: BLOCK,
        piece: PIECE,
    };
    read_csv_sized(path, input, schema, default_employer, store, rejects, sizes)
}

/// Block and piece sizes (small in tests, to cross their boundaries).
#[derive(Copy, Clone, Debug)]
struct Sizes {
    block: usize,
    piece: usize,
}

fn read_csv_sized(
    path: &Path,
    input: u32,
    schema: &LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
    sizes: Sizes,
) -> anyhow::Result<CsvRead> {
    let checkpoint = store.checkpoint();
    let rejects_before = rejects.len();
    let first = read_as(
        path,
        None,
        input,
        schema,
        default_employer,
        store,
        rejects,
        sizes,
    );
    match first {
        Ok(r) => Ok(r),
        Err(Failure::Error(e)) => Err(e),
        Err(Failure::NotUtf8) => {
            store.rollback(checkpoint);
            rejects.truncate(rejects_before);
            let second = read_as(
                path,
                Some(Encoding::Gb18030),
                input,
                schema,
                default_employer,
                store,
                rejects,
                sizes,
            );
            match second {
                Ok(r) => Ok(r),
                Err(Failure::Error(e)) => Err(e),
                Err(Failure::NotUtf8) => bail!("neither UTF-8 nor GB18030"),
            }
        }
    }
}

/// Parse state across blocks of one file.
struct FileState {
    input: u32,
    header: Option<Header>,
    /// Records (rows, blank ones included) consumed so far, title lines and header included.
    records: u64,
    sheet: SheetReport,
    /// Rows refused as BAD_ENCODING so far.
    bad_encoding: u64,
}

struct Header {
    layout: Layout,
    delimiter: u8,
    employer: EmployerSource,
}

fn read_full(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[allow(clippy::too_many_arguments)]
fn read_as(
    path: &Path,
    forced: Option<Encoding>,
    input: u32,
    schema: &LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
    sizes: Sizes,
) -> Result<CsvRead, Failure> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut raw = vec![0u8; sizes.block.max(64)];
    // The next block is read into this one while the current one is parsed.
    let mut next_raw = vec![0u8; raw.len()];
    let mut pending: Vec<u8> = Vec::new();
    let mut encoding = forced;
    let mut decoder: Option<encoding_rs::Decoder> = None;
    let mut decoded = String::new();
    let mut bytes = 0u64;
    let mut first = true;
    // UTF-8 from an ASCII first block only (a GBK file may look so).
    let mut tentative = false;
    // A GB18030 sequence was malformed (decoded as U+FFFD) so far.
    let mut malformed = false;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut state = FileState {
        input,
        header: None,
        records: 0,
        sheet: SheetReport::new(name, Some(Shape::Ledger)),
        bad_encoding: 0,
    };
    let mut n = read_full(&mut file, &mut raw)?;
    loop {
        let eof = n < raw.len();
        bytes += n as u64;
        let mut chunk = &raw[..n];
        if first {
            first = false;
            // The events' encoding rule, on the first block; an ASCII start
            // says nothing (`tentative`): GBK found later re-reads the file.
            let (sniffed, ascii_only) = crate::ingest::csv::block_encoding(chunk, eof)
                .map_err(|m| Failure::Error(anyhow::anyhow!("{m}")))?;
            let detected = match encoding {
                Some(e) => e,
                None => {
                    tentative = ascii_only;
                    sniffed
                }
            };
            encoding = Some(detected);
            if detected == Encoding::Utf8Bom {
                chunk = &chunk[3..];
            }
            if detected == Encoding::Gb18030 {
                decoder = Some(encoding_rs::GB18030.new_decoder_without_bom_handling());
            }
        }
        match decoder.as_mut() {
            Some(dec) => {
                decoded.clear();
                let mut rest = chunk;
                loop {
                    let need = dec
                        .max_utf8_buffer_length(rest.len())
                        .unwrap_or(rest.len() * 3 + 16);
                    decoded.reserve(need);
                    // Bad bytes become U+FFFD: their rows are refused in the parse.
                    let (result, read, replaced) = dec.decode_to_string(rest, &mut decoded, eof);
                    malformed |= replaced;
                    rest = &rest[read..];
                    if result == encoding_rs::CoderResult::InputEmpty {
                        break;
                    }
                }
                pending.extend_from_slice(decoded.as_bytes());
            }
            None => pending.extend_from_slice(chunk),
        }
        if state.header.is_none()
            && let Some(consumed) =
                find_header(&pending, eof, schema, default_employer, &mut state)?
        {
            pending.drain(..consumed);
        }
        let cut = match &state.header {
            None => 0,
            Some(_) if eof => pending.len(),
            Some(h) => last_record_end(&pending, h.delimiter, h.layout.headers.len()).unwrap_or(0),
        };
        // Hashes this block's raw bytes and reads the next block (none after
        // the last): done beside the parse of this block's text.
        fn hash_and_read_next(
            hasher: &mut Sha256,
            block: &[u8],
            eof: bool,
            file: &mut std::fs::File,
            next_raw: &mut [u8],
        ) -> std::io::Result<usize> {
            hasher.update(block);
            if eof {
                Ok(0)
            } else {
                read_full(file, next_raw)
            }
        }
        let next_n;
        if cut > 0 {
            let block = &pending[..cut];
            let parsed = match state.header.as_ref() {
                Some(header) => {
                    let (read, parsed) = rayon::join(
                        || {
                            hash_and_read_next(
                                &mut hasher,
                                &raw[..n],
                                eof,
                                &mut file,
                                &mut next_raw,
                            )
                        },
                        || {
                            let check = match encoding {
                                Some(Encoding::Gb18030) => Check::Replaced(malformed),
                                _ => Check::Utf8 { tentative },
                            };
                            parse_pieces(block, header, sizes.piece, check)
                        },
                    );
                    next_n = read?;
                    parsed
                }
                None => {
                    next_n =
                        hash_and_read_next(&mut hasher, &raw[..n], eof, &mut file, &mut next_raw)?;
                    Ok(Vec::new())
                }
            };
            match parsed {
                Ok(outs) => merge_pieces(outs, &mut state, store, rejects),
                Err(GbkFound) if forced.is_none() && encoding == Some(Encoding::Utf8) => {
                    return Err(Failure::NotUtf8);
                }
                Err(GbkFound) => {
                    return Err(Failure::Error(anyhow::anyhow!(
                        "the text is not valid UTF-8"
                    )));
                }
            }
            pending.drain(..cut);
        } else {
            next_n = hash_and_read_next(&mut hasher, &raw[..n], eof, &mut file, &mut next_raw)?;
            if pending.len() > MAX_PENDING {
                return Err(Failure::Error(anyhow::anyhow!(
                    "a row runs past {} MiB: a quoted field (\") is never closed",
                    MAX_PENDING >> 20
                )));
            }
        }
        if eof {
            break;
        }
        std::mem::swap(&mut raw, &mut next_raw);
        n = next_n;
    }
    if state.header.is_none() {
        return Err(Failure::Error(anyhow::anyhow!(
            "no ledger header row (身份证号, 费款所属期 and 实缴金额 or 单位缴纳/个人缴纳) in the first {HEADER_SEARCH_ROWS} rows"
        )));
    }
    if state.bad_encoding > 0 && state.bad_encoding * 2 >= state.sheet.rows_read {
        return Err(Failure::Error(anyhow::anyhow!(
            "{} of its {} rows are not {} text; is it really a CSV file?",
            state.bad_encoding,
            state.sheet.rows_read,
            encoding.unwrap_or(Encoding::Utf8).label()
        )));
    }
    Ok(CsvRead {
        sha256: format!("{:x}", hasher.finalize()),
        bytes,
        encoding: encoding.unwrap_or(Encoding::Utf8),
        sheet: state.sheet,
    })
}

/// Looks for the header in the first rows of `pending`; on success returns
/// how many bytes the title lines and header take (they count as records).
fn find_header(
    pending: &[u8],
    eof: bool,
    schema: &LedgerSchema,
    default_employer: &str,
    state: &mut FileState,
) -> Result<Option<usize>, Failure> {
    // Wait for enough complete lines unless the file ends first.
    let lines = memchr::memchr_iter(b'\n', pending).count();
    if !eof && lines < HEADER_SEARCH_ROWS {
        return Ok(None);
    }
    let Ok(text) = std::str::from_utf8(&pending[..valid_prefix(pending)]) else {
        return Ok(None);
    };
    // The events' rule: the delimiter most frequent in the first lines.
    let delimiter = crate::ingest::csv::detect_delimiter(text);
    // The first rows as cells, split by the events' splitter, with where
    // each record ends. A blank line is a row of its own (rows count
    // records, blank ones included); a header is never one, so its end is
    // not needed.
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    let mut next_line = 1;
    for (line, fields, end, after) in
        crate::ingest::csv::head_records(text, delimiter, HEADER_SEARCH_ROWS)
    {
        for _ in next_line..line {
            rows.push(Vec::new());
            ends.push(end);
        }
        rows.push(fields);
        ends.push(end);
        next_line = after;
    }
    rows.truncate(HEADER_SEARCH_ROWS);
    let bill = match schema.find_header(&rows) {
        Ok((record, layout)) => {
            state.sheet.notes = layout.notes();
            let employer = match layout.employer {
                Some(c) => EmployerSource::Column(c),
                None => EmployerSource::Fixed(default_employer.to_string()),
            };
            state.records = record as u64 + 1;
            state.sheet.header_row = Some(record as u32 + 1);
            state.header = Some(Header {
                layout,
                delimiter,
                employer,
            });
            return Ok(Some(ends[record]));
        }
        Err(e) => e == super::schema::NotLedger::Bill,
    };
    if bill && (eof || lines >= HEADER_SEARCH_ROWS) {
        return Err(Failure::Error(anyhow::anyhow!(
            "{}",
            super::schema::BILL_MESSAGE
        )));
    }
    if eof || lines >= HEADER_SEARCH_ROWS {
        return Err(Failure::Error(anyhow::anyhow!(
            "no ledger header row (身份证号, 费款所属期 and 实缴金额 or 单位缴纳/个人缴纳) in the first {HEADER_SEARCH_ROWS} rows"
        )));
    }
    Ok(None)
}

fn valid_prefix(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    }
}

fn trim_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// The index of the `\n` ending the record that starts at `start`,
/// honouring quotes, and whether a quoted field of the record holds a line break.
fn record_end_spanning(buf: &[u8], start: usize, delimiter: u8) -> Option<(usize, bool)> {
    let rest = buf.get(start..)?;
    let nl = memchr::memchr(b'\n', rest)?;
    if memchr::memchr(b'"', &rest[..nl]).is_none() {
        return Some((start + nl, false));
    }
    let mut in_quotes = false;
    let mut spans = false;
    let mut field_start = true;
    let mut i = 0;
    while i < rest.len() {
        let b = rest[i];
        if in_quotes {
            if b == b'"' {
                if rest.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                in_quotes = false;
            } else if b == b'\n' {
                spans = true;
            }
        } else if b == b'\n' {
            return Some((start + i, spans));
        } else if b == b'"' && field_start {
            in_quotes = true;
            field_start = false;
        } else {
            field_start = b == delimiter;
        }
        i += 1;
    }
    None
}

/// Where the record starting at `pos` ends, resynchronising as the events
/// splitter does ([`crate::ingest::csv::Splitter`]): a record whose quoted
/// field never closes, or spans line breaks and either has text after its
/// closing quote or is no row of `width` fields (any beyond them blank), or
/// takes more than [`crate::ingest::csv::MAX_RECORD_BYTES`], is its first
/// line alone, and the next record starts on the next line. Returns the index
/// of the record's `\n` (`buf.len()` for a last line without one) and whether
/// it was cut so; `None` when more bytes are needed (`last` false: `buf` is
/// not the end of the file).
fn record_end_sync(
    buf: &[u8],
    pos: usize,
    delimiter: u8,
    width: usize,
    last: bool,
) -> Option<(usize, bool)> {
    let rest = buf.get(pos..)?;
    let limit = crate::ingest::csv::MAX_RECORD_BYTES;
    match record_end_spanning(buf, pos, delimiter) {
        Some((e, false)) => Some((e, false)),
        Some((e, true)) => {
            if e - pos <= limit && multiline_fits(&buf[pos..e], delimiter, width) {
                Some((e, false))
            } else {
                memchr::memchr(b'\n', rest).map(|n| (pos + n, true))
            }
        }
        None => match memchr::memchr(b'\n', rest) {
            None if last => Some((buf.len(), false)),
            None => None,
            Some(n) if last || rest.len() > limit => Some((pos + n, true)),
            Some(_) => None,
        },
    }
}

/// A record whose quoted fields span lines: kept when ingest's splitter,
/// given the header's width, keeps it whole (each such field ends at a
/// delimiter or the line end, and it is a row of `width` fields).
fn multiline_fits(record: &[u8], delimiter: u8, width: usize) -> bool {
    let Ok(line) = std::str::from_utf8(record) else {
        return false;
    };
    let mut rec = Record::default();
    Splitter::new(trim_cr(line), delimiter, 1)
        .with_width(width)
        .next_record(&mut rec)
        .is_some_and(|_| !rec.resynced)
}

/// The end (exclusive, after its `\n`) of the last complete record in `buf`.
fn last_record_end(buf: &[u8], delimiter: u8, width: usize) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf).map(|i| i + 1);
    }
    let mut pos = 0;
    let mut last = None;
    while let Some((end, _)) = record_end_sync(buf, pos, delimiter, width, false) {
        pos = end + 1;
        last = Some(pos);
    }
    last
}

/// Cuts a block of whole records into pieces of about `piece` bytes, each
/// ending at a record end.
fn pieces(bytes: &[u8], delimiter: u8, width: usize, piece: usize) -> Vec<&[u8]> {
    let quoted = memchr::memchr(b'"', bytes).is_some();
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let target = start + piece.max(1);
        let end = if target >= bytes.len() {
            bytes.len()
        } else if !quoted {
            memchr::memchr(b'\n', &bytes[target..]).map_or(bytes.len(), |i| target + i + 1)
        } else {
            // Walk whole records from `start` so quotes are tracked exactly.
            let mut pos = start;
            loop {
                match record_end_sync(bytes, pos, delimiter, width, true) {
                    Some((e, _)) if e + 1 >= target => break (e + 1).min(bytes.len()),
                    Some((e, _)) => pos = e + 1,
                    None => break bytes.len(),
                }
            }
        };
        out.push(&bytes[start..end]);
        start = end;
    }
    out
}

/// Splits one record (its text found by [`record_end_sync`]) with the
/// events' splitter; `false` when it holds nothing (an empty line).
fn split_record<'t>(line: &'t str, delimiter: u8, rec: &mut Record<'t>) -> bool {
    Splitter::new(line, delimiter, 1).next_record(rec).is_some()
}

/// One piece's rows plus how many records (rows, blank included) it held.
struct PieceOut {
    batch: RowBatch,
    records: u32,
    /// Rows refused as BAD_ENCODING.
    bad_encoding: u64,
}

/// A rejected row's text as shown: its first 200 characters.
fn cut(line: &str) -> String {
    line.chars().take(200).collect()
}

/// How a block's text is checked for bytes of no character.
#[derive(Copy, Clone, Debug)]
enum Check {
    /// Raw UTF-8 bytes: a piece that is not UTF-8 is read record by record.
    /// `tentative`: the file looked UTF-8 by an ASCII start only.
    Utf8 { tentative: bool },
    /// Text decoded from GB18030; `true` when some bytes were replaced by U+FFFD.
    Replaced(bool),
}

/// A record not UTF-8 but GB18030 in a file read as UTF-8 for its ASCII start.
#[derive(Debug)]
struct GbkFound;

/// The BAD_ENCODING error of a row shown as `line` (bad bytes as U+FFFD).
fn bad_encoding(line: &str, delimiter: u8, width: usize, what: Text) -> CellError {
    let mut rec = Record::default();
    split_record(line, delimiter, &mut rec);
    let at = (0..rec.cell_count()).find(|&i| rec.field(i).contains('\u{FFFD}'));
    let (column, value) = match at {
        Some(i) if i < width => (i, cut(rec.field(i))),
        _ => (NO_COLUMN, cut(line)),
    };
    CellError {
        column,
        value,
        code: RejectCode::BadEncoding,
        message: text!(row_not_decodable, what),
    }
}

/// Parses a piece of whole records. `text` is the piece when it is known to
/// be UTF-8 (the fast path); otherwise each record is checked by itself.
fn parse_piece(
    piece: &[u8],
    text: Option<&str>,
    header: &Header,
    check: Check,
) -> Result<PieceOut, GbkFound> {
    // Ledger rows are about 50 bytes; over-reserving costs no memory until touched.
    let mut batch = RowBatch::with_capacity(piece.len() / 32 + 1);
    let mut rec = Record::default();
    let width = header.layout.headers.len();
    let replaced = matches!(check, Check::Replaced(true))
        && memchr::memmem::find(piece, "\u{FFFD}".as_bytes()).is_some();
    let mut bad_rows = 0u64;
    let mut pos = 0;
    let mut record = 0u32;
    while pos < piece.len() {
        let (end, resynced) = record_end_sync(piece, pos, header.delimiter, width, true)
            .unwrap_or((piece.len(), false));
        let (start, raw) = (pos, &piece[pos..end]);
        pos = end + 1;
        let this = record;
        record += 1;
        let line = match text {
            Some(t) => trim_cr(t.get(start..end).unwrap_or("")),
            None => match std::str::from_utf8(raw) {
                Ok(l) => trim_cr(l),
                Err(e) => {
                    if let Check::Utf8 { tentative: true } = check
                        && encoding_rs::GB18030
                            .decode_without_bom_handling_and_without_replacement(raw)
                            .is_some()
                    {
                        return Err(GbkFound);
                    }
                    let lossy = String::from_utf8_lossy(raw);
                    let what = text!(row_not_utf8, e.valid_up_to());
                    bad_rows += 1;
                    batch.reject_row(
                        this,
                        bad_encoding(trim_cr(&lossy), header.delimiter, width, what),
                    );
                    continue;
                }
            },
        };
        if replaced && line.contains('\u{FFFD}') {
            bad_rows += 1;
            let what = text!(row_not_gbk);
            batch.reject_row(this, bad_encoding(line, header.delimiter, width, what));
            continue;
        }
        if resynced {
            batch.reject_row(
                this,
                CellError {
                    column: NO_COLUMN,
                    value: cut(line),
                    code: RejectCode::BadRow,
                    message: text!(quote_not_closed_on_line, width),
                },
            );
            continue;
        }
        if !split_record(line, header.delimiter, &mut rec) || rec.is_blank() {
            continue;
        }
        // The events' limits: 1 MiB a row, 64 KiB a field.
        if let Some(message) = rec.oversize() {
            batch.reject_row(
                this,
                CellError {
                    column: NO_COLUMN,
                    value: cut(line),
                    code: RejectCode::BadRow,
                    message,
                },
            );
            continue;
        }
        // A subtotal row may be short (`合计,,,`): it is skipped whatever its
        // field count, by the events' rule.
        if !rec.unterminated
            && let Some(reason) = not_a_person_at(&rec, header.layout.person, None)
        {
            batch.skip_row(reason);
            continue;
        }
        if !fits(&rec, width) {
            // A comma inside an unquoted amount (8,000.00) shifts every later
            // column: refuse the row rather than read the wrong cells.
            batch.reject_row(
                this,
                CellError {
                    column: NO_COLUMN,
                    value: cut(line),
                    code: RejectCode::BadRow,
                    message: text!(field_count, rec.cell_count(), width),
                },
            );
            continue;
        }
        batch.push_row(this, &header.layout, &header.employer, |i| {
            let f = rec.field(i);
            if f.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(f)
            }
        });
    }
    Ok(PieceOut {
        batch,
        records: record,
        bad_encoding: bad_rows,
    })
}

/// Parses a block of whole records (after the header), pieces in parallel.
/// A piece that is UTF-8 as a whole (a record end is a character boundary)
/// takes the fast path; one that is not is read record by record.
fn parse_pieces(
    block: &[u8],
    header: &Header,
    piece: usize,
    check: Check,
) -> Result<Vec<PieceOut>, GbkFound> {
    let width = header.layout.headers.len();
    pieces(block, header.delimiter, width, piece)
        .par_iter()
        .map(|p| match simdutf8::basic::from_utf8(p) {
            Ok(text) => parse_piece(p, Some(text), header, check),
            Err(_) => parse_piece(p, None, header, check),
        })
        .collect()
}

/// Merges parsed pieces into the store in file order, numbering rows.
fn merge_pieces(
    outs: Vec<PieceOut>,
    state: &mut FileState,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
) {
    let Some(header) = state.header.as_ref() else {
        return;
    };
    for out in outs {
        let base = state.records;
        let input = state.input;
        let row_of = |local: u32| SourceRef {
            input,
            sheet: 0,
            row: (base + local as u64 + 1).min(u32::MAX as u64) as u32,
        };
        state.sheet.rows_read += out.batch.rows_read;
        state.sheet.accepted += out.batch.accepted();
        state.sheet.other_insurance += out.batch.other_insurance;
        state
            .sheet
            .add_skipped(out.batch.skipped.iter().map(|(r, n)| (*r, *n)));
        state.sheet.rejected += out.batch.rejects.len() as u64;
        state.bad_encoding += out.bad_encoding;
        let from = rejects.len();
        store.append(out.batch, &header.layout, row_of, rejects);
        crate::ingest::keep_row_documents(
            &mut rejects[from..],
            header.delimiter,
            header.layout.person,
        );
        state.records += out.records as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<String> {
        let mut rec = Record::default();
        assert!(split_record(line, b',', &mut rec));
        rec.fields()
    }

    #[test]
    fn fields_with_quotes() {
        assert_eq!(split("a,b,,c"), ["a", "b", "", "c"]);
        assert_eq!(split("a,"), ["a", ""]);
        assert_eq!(split(r#""8,000.00",x"#), ["8,000.00", "x"]);
        assert_eq!(split(r#"a,"say ""hi""",b"#), ["a", r#"say "hi""#, "b"]);
        assert_eq!(split("\"line\nbreak\",z"), ["line\nbreak", "z"]);
        assert_eq!(split(r#"a,"x""#), ["a", "x"]);
    }

    #[test]
    fn record_ends_respect_quotes() {
        // a , " x \n y " , b \n c , d \n  (bytes 0..=13)
        let buf = b"a,\"x\ny\",b\nc,d\n";
        assert_eq!(record_end_spanning(buf, 0, b','), Some((9, true)));
        assert_eq!(record_end_spanning(buf, 10, b','), Some((13, false)));
        assert_eq!(last_record_end(buf, b',', 3), Some(14));
        assert_eq!(last_record_end(b"a,\"open\nb", b',', 2), None);
    }

    #[test]
    fn a_stray_quote_ends_its_record_at_its_line() {
        // Never closed: its line alone, once the file ends.
        let buf = b"a,\"x,y\nb,c,d\n";
        assert_eq!(record_end_sync(buf, 0, b',', 3, false), None);
        assert_eq!(record_end_sync(buf, 0, b',', 3, true), Some((6, true)));
        assert_eq!(record_end_sync(buf, 7, b',', 3, true), Some((12, false)));
        // Closed by a later quote, but with text after it: its line alone.
        let buf = b"a,\"x,y\nb,\"c\",d\n";
        assert_eq!(record_end_sync(buf, 0, b',', 3, false), Some((6, true)));
        assert_eq!(last_record_end(buf, b',', 3), Some(buf.len()));
        // A quoted line break in a row of the width is one record.
        let buf = b"a,\"x\ny\",b\nc,d,e\n";
        assert_eq!(record_end_sync(buf, 0, b',', 3, false), Some((9, false)));
        // ... of another width, its first line only.
        assert_eq!(record_end_sync(buf, 0, b',', 4, false), Some((4, true)));
    }

    use crate::model::{LedgerEntry, PersonId};

    fn pid(seq: u32) -> String {
        let first17 = format!("44030119850615{seq:03}");
        PersonId::from_first17(first17.as_bytes().try_into().unwrap())
            .unwrap()
            .to_string()
    }

    /// A title line, a header with a notes column, 60 rows with quoted money
    /// and a quoted line break, one bad month (row 20) and a blank line.
    fn ledger_text(chinese_late_only: bool) -> String {
        let mut s = String::new();
        if !chinese_late_only {
            s.push_str("深圳某公司2025年医保缴费明细,,,,\r\n");
            s.push_str("身份证号,单位编号,费款所属期,实缴金额,备注\r\n");
        } else {
            s.push_str("person_id,employer_id,month,amount,note\n");
        }
        for i in 0..60u32 {
            let month = if i == 17 {
                "202513".to_string()
            } else {
                format!("2025{:02}", i % 12 + 1)
            };
            let note = match i {
                5 => "\"two\nlines\"".to_string(),
                50 if chinese_late_only => "补缴".to_string(),
                _ => String::new(),
            };
            s.push_str(&format!(
                "{},E{},{month},\"1,{:03}.50\",{note}\n",
                pid(i % 7),
                i % 3,
                i
            ));
            if i == 30 {
                s.push('\n');
            }
        }
        s
    }

    fn read(path: &Path, sizes: Sizes) -> (Vec<LedgerEntry>, Vec<Reject>, CsvRead) {
        let schema = LedgerSchema::shipped().unwrap();
        let mut store = LedgerStore::default();
        let mut rejects = Vec::new();
        let read =
            read_csv_sized(path, 3, &schema, "stem", &mut store, &mut rejects, sizes).unwrap();
        (store.aggregate().unwrap().0, rejects, read)
    }

    /// `text` written as `name` in `dir`, then read.
    fn read_text(
        dir: &tempfile::TempDir,
        name: &str,
        text: &str,
        sizes: Sizes,
    ) -> (Vec<LedgerEntry>, Vec<Reject>, CsvRead) {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read(&path, sizes)
    }

    const TINY: Sizes = Sizes {
        block: 64,
        piece: 40,
    };
    const LARGE: Sizes = Sizes {
        block: 1 << 20,
        piece: 1 << 20,
    };

    #[test]
    fn small_blocks_read_like_one_block_in_utf8_and_gbk() {
        let dir = tempfile::tempdir().unwrap();
        let text = ledger_text(false);
        let utf8 = dir.path().join("u.csv");
        std::fs::write(&utf8, &text).unwrap();
        let (gbk_bytes, _, bad) = encoding_rs::GBK.encode(&text);
        assert!(!bad);
        let gbk = dir.path().join("g.csv");
        std::fs::write(&gbk, &gbk_bytes).unwrap();

        let (e1, r1, read1) = read(&utf8, LARGE);
        let (e2, r2, read2) = read(&utf8, TINY);
        let (e3, r3, read3) = read(&gbk, TINY);
        assert_eq!(read1.encoding, Encoding::Utf8);
        assert_eq!(read3.encoding, Encoding::Gb18030);
        assert_eq!(e1, e2);
        assert_eq!(e1, e3);
        assert_eq!(r1, r2);
        assert_eq!(r1, r3);
        assert_eq!(read1.sheet, read2.sheet);
        assert_eq!(read1.sheet.rows_read, 60);
        assert_eq!(read1.sheet.accepted, 59);
        assert_eq!(read1.sheet.rejected, 1);
        assert_eq!(read1.sheet.header_row, Some(2));
        // Row i is on line i + 3 (title, header); record 5 spans two lines but
        // is one row, so i = 17 is row 20.
        assert_eq!(r1.len(), 1);
        assert_eq!(
            r1[0].source,
            SourceRef {
                input: 3,
                sheet: 0,
                row: 20
            }
        );
        assert_eq!(r1[0].code, RejectCode::BadMonth);
        assert_eq!(r1[0].column, "费款所属期");
        assert_eq!(r1[0].value, "202513");
        // Person 0 (i = 0, 21, 42 but 21 % 3 = 0 → E0; months 1, 10, 7) paid
        // 1,000.50 + 1,021.50 + 1,042.50 at E0 in distinct months.
        let p0: Vec<&LedgerEntry> = e1
            .iter()
            .filter(|e| e.person_id.to_string() == pid(0))
            .collect();
        let e0: Vec<(String, String)> = p0
            .iter()
            .filter(|e| &*e.employer_id == "E0")
            .map(|e| (e.month.to_string(), e.paid.to_string()))
            .collect();
        assert_eq!(
            e0,
            [
                ("2025-01".to_string(), "1000.50".to_string()),
                ("2025-07".to_string(), "1042.50".to_string()),
                ("2025-10".to_string(), "1021.50".to_string()),
            ]
        );
    }

    #[test]
    fn a_stray_quote_and_a_bad_byte_cost_a_row_each_whatever_the_block_size() {
        let dir = tempfile::tempdir().unwrap();
        let text = ledger_text(false);
        let mut lines: Vec<Vec<u8>> = text.split('\n').map(|l| l.as_bytes().to_vec()).collect();
        // Row 9 (its 10th line: row 5 takes two) loses a closing quote; row
        // 29 gets a byte 0xFF.
        let l10 = String::from_utf8(lines[9].clone()).unwrap();
        lines[9] = l10.replacen(".50\"", ".50", 1).into_bytes();
        lines[29].insert(3, 0xFF);
        let bytes = lines.join(&b'\n');
        let utf8 = dir.path().join("u.csv");
        std::fs::write(&utf8, &bytes).unwrap();
        let (e1, r1, read1) = read(&utf8, LARGE);
        let (e2, r2, read2) = read(&utf8, TINY);
        assert_eq!(read1.encoding, Encoding::Utf8);
        assert_eq!((e1, &r1, &read1.sheet), (e2, &r2, &read2.sheet));
        assert_eq!(read1.sheet.rows_read, 60);
        assert_eq!((read1.sheet.accepted, read1.sheet.rejected), (57, 3));
        let got: Vec<(u32, RejectCode, &str)> = r1
            .iter()
            .map(|r| (r.source.row, r.code, r.column.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (9, RejectCode::BadRow, ""),
                (20, RejectCode::BadMonth, "费款所属期"),
                (29, RejectCode::BadEncoding, "身份证号"),
            ]
        );
        assert!(r1[2].value.contains('\u{FFFD}'), "{:?}", r1[2]);
        assert!(
            r1[2].message.en().contains("byte 3 of the row"),
            "{:?}",
            r1[2]
        );
        // The same in GBK: the bad byte is no GB18030 character either.
        let mut g: Vec<Vec<u8>> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i == 29 {
                let mut b = encoding_rs::GBK
                    .encode(&String::from_utf8_lossy(&l[..3]))
                    .0
                    .into_owned();
                b.push(0xFF);
                b.extend_from_slice(
                    &encoding_rs::GBK
                        .encode(std::str::from_utf8(&l[4..]).unwrap())
                        .0,
                );
                g.push(b);
            } else {
                g.push(
                    encoding_rs::GBK
                        .encode(std::str::from_utf8(l).unwrap())
                        .0
                        .into_owned(),
                );
            }
        }
        let gpath = dir.path().join("g.csv");
        std::fs::write(&gpath, g.join(&b'\n')).unwrap();
        let (e3, r3, read3) = read(&gpath, LARGE);
        let (e4, r4, read4) = read(&gpath, TINY);
        assert_eq!(read3.encoding, Encoding::Gb18030);
        assert_eq!((e3, &r3, &read3.sheet), (e4, &r4, &read4.sheet));
        assert_eq!((read3.sheet.accepted, read3.sheet.rejected), (57, 3));
        assert_eq!(
            (r3[2].source.row, r3[2].code),
            (29, RejectCode::BadEncoding)
        );
    }

    /// The header is searched in the rows ingest's splitter gives (the
    /// events' header rows); blank lines and a title spanning two lines in
    /// quotes still count as one row each, as before.
    #[test]
    fn header_rows_from_the_shared_splitter_keep_the_row_count() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "\"深圳某公司\r\n2025年医保缴费明细\"\r\n\r\n身份证号|费款所属期|实缴金额\r\n{}|202503|947.10\r\n{}|202513|947.10\r\n",
            pid(1),
            pid(2)
        );
        for sizes in [TINY, LARGE] {
            let (entries, rejects, read1) = read_text(&dir, "piped.csv", &text, sizes);
            // Title (one record on two lines) = row 1, blank = 2, header = 3.
            assert_eq!(read1.sheet.header_row, Some(3));
            assert_eq!((read1.sheet.rows_read, read1.sheet.accepted), (2, 1));
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].paid.to_string(), "947.10");
            assert_eq!(
                (rejects[0].source.row, rejects[0].code),
                (5, RejectCode::BadMonth)
            );
        }
    }

    /// Rows are split by the events' splitter, so its limits hold: a field
    /// over 64 KiB is a BAD_ROW (the ledger took it before), the row after it
    /// is read.
    #[test]
    fn a_field_over_64_kib_is_a_bad_row_as_for_events() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "身份证号,费款所属期,实缴金额,备注\n{},202503,947.10,{}\n{},202504,947.10,ok\n",
            pid(1),
            "x".repeat(70 << 10),
            pid(1)
        );
        let (entries, rejects, read1) = read_text(&dir, "long.csv", &text, LARGE);
        assert_eq!((read1.sheet.rows_read, read1.sheet.accepted), (2, 1));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].month.to_string(), "2025-04");
        assert_eq!(
            (rejects[0].source.row, rejects[0].code),
            (2, RejectCode::BadRow)
        );
        assert!(
            rejects[0].message.en().contains("64 KiB"),
            "{}",
            rejects[0].message.en()
        );
    }

    #[test]
    fn gbk_found_after_an_ascii_start_rereads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = ledger_text(true);
        let (gbk_bytes, _, _) = encoding_rs::GBK.encode(&text);
        let path = dir.path().join("late.csv");
        std::fs::write(&path, &gbk_bytes).unwrap();
        let (entries, rejects, read1) = read(&path, TINY);
        assert_eq!(read1.encoding, Encoding::Gb18030);
        assert_eq!(read1.sheet.rows_read, 60);
        assert_eq!(read1.sheet.accepted, 59);
        assert_eq!(rejects.len(), 1);
        // Header on row 1 here, so i = 17 is row 19.
        assert_eq!(rejects[0].source.row, 19);
        let utf8 = dir.path().join("late-utf8.csv");
        std::fs::write(&utf8, &text).unwrap();
        assert_eq!(read(&utf8, TINY).0, entries);
    }
}
