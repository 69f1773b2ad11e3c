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

use super::aggregate::{EmployerSource, LedgerStore, RowBatch};
use super::schema::{Layout, LedgerSchema};
use super::values::{Cell, CellError, NO_COLUMN};
use crate::model::{Reject, RejectCode, Shape, SheetReport, SourceRef};
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
/// Rows searched for the header.
const HEADER_SEARCH_ROWS: usize = 20;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
}

impl Encoding {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

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

/// True when `bytes` is UTF-8, allowing a character cut at the end of a block.
fn is_utf8_prefix(bytes: &[u8], eof: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => !eof && e.error_len().is_none(),
    }
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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut state = FileState {
        input,
        header: None,
        records: 0,
        sheet: SheetReport::new(name, Some(Shape::Ledger)),
    };
    let mut n = read_full(&mut file, &mut raw)?;
    loop {
        let eof = n < raw.len();
        bytes += n as u64;
        let mut chunk = &raw[..n];
        if first {
            first = false;
            if chunk.starts_with(b"\xFF\xFE") || chunk.starts_with(b"\xFE\xFF") {
                return Err(Failure::Error(anyhow::anyhow!(
                    "the file is UTF-16 text; save it as CSV UTF-8 or GBK"
                )));
            }
            let detected = match encoding {
                Some(e) => e,
                None if chunk.starts_with(UTF8_BOM) => Encoding::Utf8Bom,
                None if is_utf8_prefix(chunk, eof) => Encoding::Utf8,
                None => Encoding::Gb18030,
            };
            encoding = Some(detected);
            if detected == Encoding::Utf8Bom && chunk.starts_with(UTF8_BOM) {
                chunk = &chunk[UTF8_BOM.len()..];
            }
            if detected == Encoding::Gb18030 {
                decoder = Some(encoding_rs::GB18030.new_decoder_without_bom_handling());
            }
        }
        match decoder.as_mut() {
            Some(dec) => {
                decoded.clear();
                let need = dec
                    .max_utf8_buffer_length_without_replacement(chunk.len())
                    .unwrap_or(chunk.len() * 3 + 16);
                decoded.reserve(need);
                let (result, read) =
                    dec.decode_to_string_without_replacement(chunk, &mut decoded, eof);
                if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                    let offset = bytes - n as u64 + read as u64;
                    return Err(Failure::Error(anyhow::anyhow!(
                        "bytes near offset {offset} are neither UTF-8 nor GB18030 text"
                    )));
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
            Some(h) => last_record_end(&pending, h.delimiter).unwrap_or(0),
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
                        || parse_pieces(block, header, sizes.piece),
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
                Err(_) if forced.is_none() && encoding == Some(Encoding::Utf8) => {
                    return Err(Failure::NotUtf8);
                }
                Err(e) => {
                    return Err(Failure::Error(anyhow::anyhow!(
                        "the text is not valid UTF-8: {e}"
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
    let mut bill = false;
    for delimiter in [b',', b'\t', b';', b'|'] {
        let mut pos = 0;
        let mut scratch = String::new();
        let mut fields = Vec::new();
        // The first rows as cells, with where each record ends.
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        for _ in 0..HEADER_SEARCH_ROWS {
            if pos >= text.len() {
                break;
            }
            let end = record_end(text.as_bytes(), pos, delimiter);
            let next = end.map_or(text.len(), |e| e + 1);
            let line = trim_cr(&text[pos..end.unwrap_or(text.len())]);
            split_fields(line, delimiter, &mut scratch, &mut fields);
            rows.push(
                (0..fields.len())
                    .map(|i| field(line, &scratch, &fields, i).to_string())
                    .collect(),
            );
            ends.push(next);
            pos = next;
        }
        match schema.find_header(&rows) {
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
            Err(super::schema::NotLedger::Bill) => bill = true,
            Err(super::schema::NotLedger::Missing) => {}
        }
    }
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

/// The index of the `\n` ending the record that starts at `start`, honouring quotes.
fn record_end(buf: &[u8], start: usize, delimiter: u8) -> Option<usize> {
    let rest = buf.get(start..)?;
    let nl = memchr::memchr(b'\n', rest)?;
    if memchr::memchr(b'"', &rest[..nl]).is_none() {
        return Some(start + nl);
    }
    let mut in_quotes = false;
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
            }
        } else if b == b'\n' {
            return Some(start + i);
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

/// The end (exclusive, after its `\n`) of the last complete record in `buf`.
fn last_record_end(buf: &[u8], delimiter: u8) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf).map(|i| i + 1);
    }
    let mut pos = 0;
    let mut last = None;
    while let Some(end) = record_end(buf, pos, delimiter) {
        pos = end + 1;
        last = Some(pos);
    }
    last
}

/// Cuts a block into pieces of about `piece` bytes, each ending at a record end.
fn pieces(bytes: &[u8], delimiter: u8, piece: usize) -> Vec<&[u8]> {
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
                match record_end(bytes, pos, delimiter) {
                    Some(e) if e + 1 >= target => break e + 1,
                    Some(e) => pos = e + 1,
                    None => break bytes.len(),
                }
            }
        };
        out.push(&bytes[start..end]);
        start = end;
    }
    out
}

/// Where one field's text is: in the record itself or in the unquoting scratch.
#[derive(Copy, Clone, Debug)]
enum FieldAt {
    Line(u32, u32),
    Scratch(u32, u32),
}

fn field<'a>(line: &'a str, scratch: &'a str, fields: &[FieldAt], i: usize) -> &'a str {
    match fields.get(i) {
        Some(FieldAt::Line(a, b)) => line.get(*a as usize..*b as usize).unwrap_or(""),
        Some(FieldAt::Scratch(a, b)) => scratch.get(*a as usize..*b as usize).unwrap_or(""),
        None => "",
    }
}

/// Splits one record into fields (RFC 4180 quoting, lenient about text after a closing quote).
fn split_fields(line: &str, delimiter: u8, scratch: &mut String, out: &mut Vec<FieldAt>) {
    out.clear();
    scratch.clear();
    let bytes = line.as_bytes();
    if memchr::memchr(b'"', bytes).is_none() {
        let mut start = 0;
        for i in memchr::memchr_iter(delimiter, bytes) {
            out.push(FieldAt::Line(start as u32, i as u32));
            start = i + 1;
        }
        out.push(FieldAt::Line(start as u32, bytes.len() as u32));
        return;
    }
    let mut i = 0;
    loop {
        if bytes.get(i) == Some(&b'"') {
            let begin = scratch.len();
            i += 1;
            let mut seg = i;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        scratch.push_str(&line[seg..=i]);
                        i += 2;
                        seg = i;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            scratch.push_str(&line[seg..i.min(bytes.len())]);
            i += 1; // closing quote
            // Anything up to the delimiter after the closing quote is kept.
            let rest_end = memchr::memchr(delimiter, bytes.get(i..).unwrap_or(&[]))
                .map_or(bytes.len(), |p| i + p);
            if i < rest_end {
                scratch.push_str(&line[i..rest_end]);
            }
            out.push(FieldAt::Scratch(begin as u32, scratch.len() as u32));
            i = rest_end;
        } else {
            let end = memchr::memchr(delimiter, &bytes[i.min(bytes.len())..])
                .map_or(bytes.len(), |p| i + p);
            out.push(FieldAt::Line(i as u32, end as u32));
            i = end;
        }
        if i >= bytes.len() {
            break;
        }
        i += 1; // the delimiter
        if i == bytes.len() {
            out.push(FieldAt::Line(i as u32, i as u32));
            break;
        }
    }
}

/// One piece's rows plus how many records (rows, blank included) it held.
struct PieceOut {
    batch: RowBatch,
    records: u32,
}

/// A rejected row's text as shown: its first 200 characters.
fn cut(line: &str) -> String {
    line.chars().take(200).collect()
}

fn parse_piece(piece: &str, header: &Header) -> PieceOut {
    // Ledger rows are about 50 bytes; over-reserving costs no memory until touched.
    let mut batch = RowBatch::with_capacity(piece.len() / 32 + 1);
    let mut scratch = String::new();
    let mut fields: Vec<FieldAt> = Vec::with_capacity(header.layout.headers.len() + 1);
    let bytes = piece.as_bytes();
    let width = header.layout.headers.len();
    let mut pos = 0;
    let mut record = 0u32;
    while pos < bytes.len() {
        let end = record_end(bytes, pos, header.delimiter).unwrap_or(bytes.len());
        let line = trim_cr(piece.get(pos..end).unwrap_or(""));
        pos = end + 1;
        let this = record;
        record += 1;
        if line.len() > crate::ingest::csv::MAX_RECORD_BYTES {
            batch.reject_row(
                this,
                CellError {
                    column: NO_COLUMN,
                    value: cut(line),
                    code: RejectCode::BadRow,
                    message: format!(
                        "the row takes {} bytes, over the limit of {} bytes (1 MiB) per CSV row",
                        line.len(),
                        crate::ingest::csv::MAX_RECORD_BYTES
                    ),
                },
            );
            continue;
        }
        split_fields(line, header.delimiter, &mut scratch, &mut fields);
        let blank = (0..fields.len())
            .all(|i| super::values::trim_cell(field(line, &scratch, &fields, i)).is_empty());
        if blank {
            continue;
        }
        let extra_filled = (width..fields.len())
            .any(|i| !super::values::trim_cell(field(line, &scratch, &fields, i)).is_empty());
        if fields.len() < width || extra_filled {
            // A comma inside an unquoted amount (8,000.00) shifts every later
            // column: refuse the row rather than read the wrong cells.
            batch.reject_row(
                this,
                CellError {
                    column: NO_COLUMN,
                    value: cut(line),
                    code: RejectCode::BadRow,
                    message: format!(
                        "the row has {} fields, the header has {width}",
                        fields.len()
                    ),
                },
            );
            continue;
        }
        batch.push_row(this, &header.layout, &header.employer, |i| {
            let f = field(line, &scratch, &fields, i);
            if f.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(f)
            }
        });
    }
    PieceOut {
        batch,
        records: record,
    }
}

/// Parses a block of whole records (after the header), pieces in parallel;
/// each piece is checked to be UTF-8 (a record end is a character boundary).
fn parse_pieces(
    block: &[u8],
    header: &Header,
    piece: usize,
) -> Result<Vec<PieceOut>, std::str::Utf8Error> {
    pieces(block, header.delimiter, piece)
        .par_iter()
        .map(|p| std::str::from_utf8(p).map(|text| parse_piece(text, header)))
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
        state.sheet.rejected += out.batch.rejects.len() as u64;
        store.append(out.batch, &header.layout, row_of, rejects);
        state.records += out.records as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<String> {
        let mut scratch = String::new();
        let mut fields = Vec::new();
        split_fields(line, b',', &mut scratch, &mut fields);
        (0..fields.len())
            .map(|i| field(line, &scratch, &fields, i).to_string())
            .collect()
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
        assert_eq!(record_end(buf, 0, b','), Some(9));
        assert_eq!(record_end(buf, 10, b','), Some(13));
        assert_eq!(last_record_end(buf, b','), Some(14));
        assert_eq!(last_record_end(b"a,\"open\nb", b','), None);
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
