//! Spreadsheets written as markup by web back offices and saved as `.xls`:
//! "Excel 2003 XML" (SpreadsheetML) and HTML tables. Both are read as a
//! stream ([`read_markup`]): the file through a buffered reader, its text
//! decoded piece by piece, each row handed on as a [`Piece`] when it is
//! complete, so no more than a row (and a piece of text) is held whatever
//! the file's size. The events, ledger and UI readers take the rows of each
//! worksheet or `<table>` as they come (`streamed::SheetStreamer`);
//! [`load_spreadsheetml`] and [`load_html`] gather them into [`LoadedSheet`]s
//! of calamine cells instead, as a workbook's sheets.
//!
//! - SpreadsheetML (quick-xml's buffered reader): `ss:Index` on a `<Row>` or
//!   a `<Cell>` skips rows or cells; `ss:MergeAcross` leaves the covered
//!   cells empty (as a workbook's merged cells are); `ss:ExpandedRowCount` is
//!   ignored. `Number` cells are numbers, `DateTime` cells dates, `Boolean`
//!   cells booleans, `String` cells text.
//! - HTML, by a small tolerant incremental tokenizer: `<table>`, `<tr>`,
//!   `<td>` / `<th>` with `colspan` / `rowspan`, entities, `<br>` as a space,
//!   comments, `<script>` and `<style>` left out. Every cell is text, as the
//!   page shows it. Tables are numbered in the order they open (`table 1`…).
//! - The text's encoding: a BOM, else the one declared (an XML declaration's
//!   `encoding`, an HTML `<meta>` `charset` in the first 4 KiB), else UTF-8,
//!   else GB18030. Each is tried strictly from the start of the file, the
//!   next one when a byte sequence does not decode (a BOM's alone).

use super::excel::LoadedSheet;
use super::sniff::FileKind;
use calamine::{Data, Range};
use encoding_rs::{Decoder, DecoderResult, Encoding};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufRead, Read, Seek, SeekFrom};

/// What a markup file holds, in file order.
#[derive(Debug, PartialEq)]
pub(crate) enum Piece {
    /// Sheet `sheet` (numbered from 0 in the order sheets start) begins.
    Start { sheet: usize, name: String },
    /// A row of the sheet holding at least one cell: its 0-based row, its
    /// cells from column A (`Data::Empty` where there is none).
    Row {
        sheet: usize,
        row: u32,
        cells: Vec<Data>,
    },
    /// The sheet ends (every sheet that starts ends, in a file read whole).
    End { sheet: usize },
}

/// Takes the pieces of a markup file as they are read.
pub(crate) trait PieceSink {
    fn piece(&mut self, piece: Piece);
    /// Forgets every piece taken: the file is read again from its start in
    /// another encoding (the one tried did not fit a byte further on).
    fn restart(&mut self);
}

/// Rows and columns beyond Excel's own limits are a damaged file.
const MAX_ROWS: u32 = 1 << 24;
const MAX_COLS: u32 = 1 << 14;
/// Raw bytes decoded at a time.
const READ_BYTES: usize = 64 << 10;
/// An HTML tag's text kept (its name and attributes): a longer one is cut.
const MAX_TAG_BYTES: usize = 64 << 10;

/// Why reading a markup file stopped.
enum Stop {
    /// A byte sequence the encoding being tried cannot decode.
    Malformed { byte: u64, line: u64 },
    /// The file's error (a message for the file).
    Message(String),
}

impl From<String> for Stop {
    fn from(m: String) -> Stop {
        Stop::Message(m)
    }
}

// ---------------------------------------------------------------- text source

/// A file's text decoded piece by piece, strictly, in one encoding.
struct TextSource<R> {
    raw: R,
    decoder: Decoder,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// The raw reader is exhausted.
    eof: bool,
    /// The decoder has been told the input ended.
    done: bool,
    /// File offset of `buf[start]`.
    offset: u64,
    /// Line breaks before `offset`.
    lines: u64,
}

impl<R: Read> TextSource<R> {
    fn new(raw: R, encoding: &'static Encoding, offset: u64) -> Self {
        TextSource {
            raw,
            decoder: encoding.new_decoder_without_bom_handling(),
            buf: vec![0u8; READ_BYTES].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            done: false,
            offset,
            lines: 0,
        }
    }

    /// Appends the next piece of text to `out`; `false` once the file is
    /// read to its end (nothing appended).
    fn read_into(&mut self, out: &mut String) -> Result<bool, Stop> {
        let before = out.len();
        loop {
            if self.done {
                return Ok(out.len() > before);
            }
            if self.start == self.end && !self.eof {
                let n = loop {
                    match self.raw.read(&mut self.buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(Stop::Message(format!("cannot be read: {e}"))),
                    }
                };
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let input = &self.buf[self.start..self.end];
            let last = self.eof;
            let room = self
                .decoder
                .max_utf8_buffer_length_without_replacement(input.len())
                .unwrap_or(input.len() * 4 + 16);
            out.reserve(room);
            let (result, read) = self
                .decoder
                .decode_to_string_without_replacement(input, out, last);
            let taken = &input[..read];
            match result {
                DecoderResult::Malformed(bad, after) => {
                    let at = read.saturating_sub(usize::from(bad) + usize::from(after));
                    let lines =
                        self.lines + memchr::memchr_iter(b'\n', &input[..at]).count() as u64;
                    return Err(Stop::Malformed {
                        byte: self.offset + at as u64,
                        line: lines + 1,
                    });
                }
                DecoderResult::InputEmpty => {
                    self.done = last;
                }
                DecoderResult::OutputFull => {}
            }
            self.lines += memchr::memchr_iter(b'\n', taken).count() as u64;
            self.offset += read as u64;
            self.start += read;
            if out.len() > before {
                return Ok(true);
            }
        }
    }
}

/// A [`TextSource`] as the UTF-8 `BufRead` quick-xml reads; a decoding
/// failure is kept here (quick-xml sees an I/O error).
struct Utf8Reader<R> {
    source: TextSource<R>,
    text: String,
    pos: usize,
    stop: Option<Stop>,
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Utf8Reader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.text.len() {
            self.text.clear();
            self.pos = 0;
            if let Err(stop) = self.source.read_into(&mut self.text) {
                self.stop = Some(stop);
                return Err(std::io::Error::other("the text cannot be decoded"));
            }
        }
        Ok(&self.text.as_bytes()[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.text.len());
    }
}

/// Reads a SpreadsheetML or HTML file (`kind`) from `raw`, handing its
/// pieces to `sink` (restarted for each further encoding tried). Errors are
/// messages for the file.
pub(crate) fn read_markup<R, S>(raw: &mut R, kind: FileKind, sink: &mut S) -> Result<(), String>
where
    R: Read + Seek,
    S: PieceSink,
{
    let mut head = Vec::with_capacity(4096);
    (&mut *raw)
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| format!("cannot be read: {e}"))?;
    let declared = match kind {
        FileKind::Html => html_charset(&head),
        _ => {
            let prolog = &head[..head.len().min(256)];
            prolog
                .iter()
                .position(|&b| b == b'>')
                .and_then(|end| charset_in(&prolog[..end], b"encoding="))
        }
    };
    let (tries, bom): (Vec<&'static Encoding>, usize) = match Encoding::for_bom(&head) {
        Some((enc, bom)) => (vec![enc], bom),
        None => {
            let mut tries: Vec<&'static Encoding> = declared
                .filter(|e| *e != encoding_rs::UTF_8)
                .into_iter()
                .collect();
            for enc in [encoding_rs::UTF_8, encoding_rs::GB18030] {
                if !tries.contains(&enc) {
                    tries.push(enc);
                }
            }
            (tries, 0)
        }
    };
    let mut failed: Vec<(&'static Encoding, u64, u64)> = Vec::new();
    for enc in tries {
        raw.seek(SeekFrom::Start(bom as u64))
            .map_err(|e| format!("cannot be read: {e}"))?;
        if !failed.is_empty() {
            sink.restart();
        }
        let source = TextSource::new(&mut *raw, enc, bom as u64);
        let read = match kind {
            FileKind::Html => stream_html(source, sink),
            _ => stream_spreadsheetml(source, sink),
        };
        match read {
            Ok(()) => return Ok(()),
            Err(Stop::Message(m)) => return Err(m),
            Err(Stop::Malformed { byte, line }) => failed.push((enc, byte, line)),
        }
    }
    Err(match failed.as_slice() {
        [(enc, ..)] if bom > 0 => format!(
            "starts with a {} byte-order mark but is not {0} text",
            enc.name()
        ),
        _ => {
            let at = |want: &'static Encoding| failed.iter().find(|f| f.0 == want);
            match (at(encoding_rs::UTF_8), at(encoding_rs::GB18030)) {
                (Some(u), Some(g)) => format!(
                    "is neither UTF-8 (invalid byte at {}) nor GB18030/GBK (invalid byte sequence at byte {}, line {}); is it really a CSV file?",
                    u.1, g.1, g.2
                ),
                _ => "is not text in any encoding tried".to_string(),
            }
        }
    })
}

/// Collects the pieces of a markup file as [`LoadedSheet`]s, in sheet order.
#[derive(Default)]
struct Collect {
    sheets: Vec<(String, Vec<calamine::Cell<Data>>)>,
}

impl PieceSink for Collect {
    fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Start { sheet, name } => {
                if self.sheets.len() <= sheet {
                    self.sheets.resize_with(sheet + 1, Default::default);
                }
                self.sheets[sheet].0 = name;
            }
            Piece::Row { sheet, row, cells } => {
                if let Some((_, all)) = self.sheets.get_mut(sheet) {
                    for (c, v) in cells.into_iter().enumerate() {
                        if !matches!(v, Data::Empty) {
                            all.push(calamine::Cell::new((row, c as u32), v));
                        }
                    }
                }
            }
            Piece::End { .. } => {}
        }
    }

    fn restart(&mut self) {
        self.sheets.clear();
    }
}

fn sheet(name: String, cells: Vec<calamine::Cell<Data>>) -> LoadedSheet {
    let range = Range::from_sparse(cells);
    let (first_row, first_col) = range.start().map(|(r, c)| (r + 1, c)).unwrap_or((1, 0));
    LoadedSheet {
        name,
        range,
        first_row,
        first_col,
        is_1904: false,
    }
}

fn load(bytes: &[u8], kind: FileKind) -> Result<Vec<LoadedSheet>, String> {
    let mut collected = Collect::default();
    read_markup(&mut std::io::Cursor::new(bytes), kind, &mut collected)?;
    Ok(collected
        .sheets
        .into_iter()
        .map(|(name, cells)| sheet(name, cells))
        .collect())
}

/// Reads every `<Worksheet>` of a SpreadsheetML file held in memory.
pub fn load_spreadsheetml(bytes: &[u8]) -> Result<Vec<LoadedSheet>, String> {
    load(bytes, FileKind::Excel2003Xml)
}

/// Reads every `<table>` of an HTML page held in memory as a sheet.
pub fn load_html(bytes: &[u8]) -> Result<Vec<LoadedSheet>, String> {
    load(bytes, FileKind::Html)
}

/// Puts `value` in column `col` (0-based) of `cells`.
fn place(cells: &mut Vec<Data>, col: u32, value: Data) {
    let col = col as usize;
    if cells.len() <= col {
        cells.resize(col + 1, Data::Empty);
    }
    cells[col] = value;
}

// ---------------------------------------------------------------- SpreadsheetML

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find_map(|a| (a.key.local_name().as_ref() == local).then(|| a.value.to_string()))
}

fn attr_u32(e: &BytesStart<'_>, local: &str) -> Result<Option<u32>, String> {
    match attr(e, local) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| format!("ss:{local} is not a number: {v}")),
    }
}

/// An ISO date-time (`2025-03-05T00:00:00.000`) as an Excel serial (1900 system).
fn iso_serial(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = (d - epoch).num_days() as f64;
    let mut frac = 0.0;
    if !time.is_empty() {
        let t = time.trim_end_matches('Z');
        let mut parts = t.split(':');
        let h: f64 = parts.next()?.parse().ok()?;
        let m: f64 = parts.next().unwrap_or("0").parse().ok()?;
        let sec: f64 = parts.next().unwrap_or("0").parse().ok()?;
        frac = (h * 3600.0 + m * 60.0 + sec) / 86400.0;
    }
    Some(days + frac)
}

fn typed(kind: &str, text: String) -> Data {
    if text.is_empty() {
        return Data::Empty;
    }
    match kind {
        "Number" => match text.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Data::Float(f),
            _ => Data::String(text),
        },
        "DateTime" => match iso_serial(&text) {
            Some(serial) => Data::DateTime(calamine::ExcelDateTime::new(
                serial,
                calamine::ExcelDateTimeType::DateTime,
                false,
            )),
            None => Data::String(text),
        },
        "Boolean" => match text.trim() {
            "1" | "true" | "TRUE" => Data::Bool(true),
            "0" | "false" | "FALSE" => Data::Bool(false),
            _ => Data::String(text),
        },
        _ => Data::String(text),
    }
}

/// Hands on the row being read when it holds a cell.
fn flush_row(sink: &mut impl PieceSink, sheet: usize, row: u32, cells: &mut Vec<Data>) {
    if cells.iter().any(|c| !matches!(c, Data::Empty)) {
        sink.piece(Piece::Row {
            sheet,
            row: row.saturating_sub(1),
            cells: std::mem::take(cells),
        });
    }
    cells.clear();
}

/// Streams the `<Worksheet>`s of a SpreadsheetML file.
fn stream_spreadsheetml<R: Read>(
    source: TextSource<R>,
    sink: &mut impl PieceSink,
) -> Result<(), Stop> {
    let mut reader = quick_xml::Reader::from_reader(Utf8Reader {
        source,
        text: String::new(),
        pos: 0,
        stop: None,
    });
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    // Sheets started so far; the open one is the last.
    let mut sheets = 0usize;
    // State of the sheet, row and cell being read.
    let mut sheet_name: Option<String> = None;
    let mut cells: Vec<Data> = Vec::new();
    let mut row: u32 = 0; // 1-based row of the current <Row>
    let mut col: u32 = 0; // 1-based column of the next cell
    let mut in_row = false;
    let mut cell_at: Option<u32> = None;
    let mut data_type: Option<String> = None;
    let mut value = String::new();
    let mut data_depth = 0u32;
    let err = |reader: &quick_xml::Reader<Utf8Reader<R>>, e: &dyn std::fmt::Display| {
        Stop::Message(format!(
            "is a damaged Excel 2003 XML spreadsheet (at byte {}): {e}",
            reader.buffer_position()
        ))
    };
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                let stop = reader.get_mut().stop.take();
                return Err(stop.unwrap_or_else(|| err(&reader, &e)));
            }
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = e.local_name();
                match name.as_ref() {
                    "Worksheet" => {
                        if sheet_name.take().is_some() {
                            // A worksheet inside another: the outer one ends here.
                            if in_row {
                                flush_row(sink, sheets - 1, row, &mut cells);
                            }
                            sink.piece(Piece::End { sheet: sheets - 1 });
                        }
                        let name =
                            attr(e, "Name").unwrap_or_else(|| format!("Sheet{}", sheets + 1));
                        sink.piece(Piece::Start {
                            sheet: sheets,
                            name: name.clone(),
                        });
                        sheets += 1;
                        cells.clear();
                        row = 0;
                        in_row = false;
                        if empty {
                            sink.piece(Piece::End { sheet: sheets - 1 });
                        } else {
                            sheet_name = Some(name);
                        }
                    }
                    "Row" if sheet_name.is_some() => {
                        if in_row {
                            flush_row(sink, sheets - 1, row, &mut cells);
                        }
                        row = match attr_u32(e, "Index").map_err(|m| err(&reader, &m))? {
                            Some(i) if i > row => i,
                            Some(i) => {
                                return Err(err(
                                    &reader,
                                    &format!("ss:Index {i} goes back to an earlier row"),
                                ));
                            }
                            None => row + 1,
                        };
                        if row > MAX_ROWS {
                            return Err(err(&reader, &"more rows than a worksheet holds"));
                        }
                        col = 1;
                        in_row = !empty;
                    }
                    "Cell" if in_row => {
                        let at = match attr_u32(e, "Index").map_err(|m| err(&reader, &m))? {
                            Some(i) if i >= col => i,
                            Some(i) => {
                                return Err(err(
                                    &reader,
                                    &format!("ss:Index {i} goes back to an earlier cell"),
                                ));
                            }
                            None => col,
                        };
                        let across = attr_u32(e, "MergeAcross")
                            .map_err(|m| err(&reader, &m))?
                            .unwrap_or(0);
                        col = at.saturating_add(across).saturating_add(1);
                        if col > MAX_COLS + 1 {
                            return Err(err(&reader, &"more columns than a worksheet holds"));
                        }
                        if !empty {
                            cell_at = Some(at - 1);
                            data_type = None;
                            value.clear();
                        }
                    }
                    "Data" if cell_at.is_some() => {
                        if data_depth == 0 {
                            data_type = Some(attr(e, "Type").unwrap_or_default());
                        }
                        if !empty {
                            data_depth += 1;
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) if data_depth > 0 => value.push_str(&t.xml10_content()),
            Event::CData(ref t) if data_depth > 0 => value.push_str(&t.xml10_content()),
            Event::GeneralRef(ref r) if data_depth > 0 => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| err(&reader, &e))? {
                    value.push(c);
                } else {
                    let name = r.to_string();
                    match quick_xml::escape::resolve_xml_entity(&name) {
                        Some(s) => value.push_str(s),
                        None => {
                            value.push('&');
                            value.push_str(&name);
                            value.push(';');
                        }
                    }
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                "Data" if data_depth > 0 => data_depth -= 1,
                "Cell" => {
                    if let (Some(at), Some(kind)) = (cell_at.take(), data_type.take()) {
                        let v = typed(&kind, std::mem::take(&mut value));
                        if !matches!(v, Data::Empty) {
                            place(&mut cells, at, v);
                        }
                    }
                    data_depth = 0;
                }
                "Row" => {
                    if in_row {
                        flush_row(sink, sheets - 1, row, &mut cells);
                    }
                    in_row = false;
                }
                "Worksheet" if sheet_name.take().is_some() => {
                    if in_row {
                        flush_row(sink, sheets - 1, row, &mut cells);
                    }
                    in_row = false;
                    sink.piece(Piece::End { sheet: sheets - 1 });
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(name) = sheet_name.take() {
        return Err(Stop::Message(format!(
            "is a damaged Excel 2003 XML spreadsheet: worksheet {name} is never closed (the file is cut short?)"
        )));
    }
    if sheets == 0 {
        return Err(Stop::Message(
            "is an Excel 2003 XML spreadsheet with no worksheet".into(),
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------ HTML

/// `charset=gbk` / `encoding="utf-8"` in some ASCII bytes (case-insensitive).
fn charset_in(head: &[u8], key: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = memchr::memmem::find(&lower, key)? + key.len();
    let rest = &lower[at..];
    let rest = rest
        .iter()
        .position(|b| !matches!(b, b'"' | b'\'' | b' '))
        .map_or(&rest[rest.len()..], |i| &rest[i..]);
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b' ' | b';' | b'>' | b'/' | b'?'))
        .unwrap_or(rest.len());
    let enc = encoding_rs::Encoding::for_label(&rest[..end])?;
    // GBK and GB2312 pages are read as their superset.
    Some(if enc == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        enc
    })
}

/// The charset an HTML page declares in its first 4 KiB (`<meta charset=…>`
/// or `<meta http-equiv … content="…charset=gbk">`).
fn html_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    charset_in(head, b"charset=")
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "yen" => '¥',
        "times" => '×',
        "middot" => '·',
        "mdash" => '—',
        "ndash" => '–',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "hellip" => '…',
        "copy" => '©',
        _ => return None,
    })
}

/// Appends text with entities decoded and white space collapsed.
fn push_text(out: &mut String, raw: &str) {
    let mut rest = raw;
    while !rest.is_empty() {
        let (c, len) = if let Some(after) = rest.strip_prefix('&') {
            let end = after
                .char_indices()
                .take(12)
                .find(|&(_, c)| c == ';')
                .map(|(i, _)| i);
            end.and_then(|e| entity(&after[..e]).map(|c| (c, e + 2)))
                .unwrap_or(('&', 1))
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            (c, c.len_utf8())
        };
        rest = &rest[len..];
        let c = if c.is_whitespace() && c != '\u{3000}' {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
}

/// One tag: its lower-case name, whether it closes, and its attribute text.
struct Tag<'t> {
    name: String,
    closing: bool,
    attrs: &'t str,
}

fn parse_tag(inner: &str) -> Tag<'_> {
    let inner = inner.trim_end_matches('/');
    let (closing, body) = match inner.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, inner),
    };
    let end = body
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(body.len());
    Tag {
        name: body[..end].to_ascii_lowercase(),
        closing,
        attrs: &body[end..],
    }
}

/// A numeric attribute (`colspan="2"`, `rowspan=3`).
fn span_attr(attrs: &str, key: &str) -> u32 {
    let lower = attrs.to_ascii_lowercase();
    let Some(at) = lower.find(key) else {
        return 1;
    };
    let rest = lower[at + key.len()..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return 1;
    };
    let digits: String = rest
        .trim_start()
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u32>().unwrap_or(1).clamp(1, 1000)
}

/// A table being read.
struct HtmlTable {
    sheet: usize,
    /// 0-based index of the current row (`None` before the first `<tr>`).
    row: Option<u32>,
    col: u32,
    /// Columns covered by a `rowspan` from above: column -> last row covered.
    covered: std::collections::HashMap<u32, u32>,
    /// The current row's cells.
    cells: Vec<Data>,
    cell: Option<(u32, String)>,
}

impl HtmlTable {
    fn new(sheet: usize) -> Self {
        HtmlTable {
            sheet,
            row: None,
            col: 0,
            covered: Default::default(),
            cells: Vec::new(),
            cell: None,
        }
    }
    fn finish_cell(&mut self) {
        if let Some((c, text)) = self.cell.take() {
            let t = text.trim_end();
            if !t.is_empty() {
                place(&mut self.cells, c, Data::String(t.to_string()));
            }
        }
    }
    /// Hands the current row on when it holds a cell.
    fn finish_row(&mut self, sink: &mut impl PieceSink) {
        self.finish_cell();
        if let Some(row) = self.row
            && !self.cells.is_empty()
        {
            sink.piece(Piece::Row {
                sheet: self.sheet,
                row,
                cells: std::mem::take(&mut self.cells),
            });
        }
    }
    fn new_row(&mut self, sink: &mut impl PieceSink) {
        self.finish_row(sink);
        self.row = Some(self.row.map_or(0, |r| r + 1));
        self.col = 0;
    }
    fn start_cell(&mut self, colspan: u32, rowspan: u32, sink: &mut impl PieceSink) {
        self.finish_cell();
        if self.row.is_none() {
            self.new_row(sink);
        }
        let row = self.row.unwrap_or(0);
        while self.covered.get(&self.col).is_some_and(|&last| last >= row) {
            self.col += 1;
        }
        let col = self.col.min(MAX_COLS);
        if rowspan > 1 {
            for c in col..col + colspan {
                self.covered.insert(c, row + rowspan - 1);
            }
        }
        self.cell = Some((col, String::new()));
        self.col = col + colspan;
    }
    fn end(mut self, sink: &mut impl PieceSink) {
        self.finish_row(sink);
        sink.piece(Piece::End { sheet: self.sheet });
    }
}

/// The decoded text of a page, read on as the tokenizer needs it.
struct PageText<R> {
    source: TextSource<R>,
    text: String,
    pos: usize,
}

impl<R: Read> PageText<R> {
    /// Reads more text, dropping what was consumed; `false` at the end.
    fn more(&mut self) -> Result<bool, Stop> {
        self.text.drain(..self.pos);
        self.pos = 0;
        self.source.read_into(&mut self.text)
    }
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }
    /// Moves on to just past `needle` (ASCII, compared case-insensitively
    /// when `fold`), or to the end of the page; whether it was found.
    fn skip_past(&mut self, needle: &str, fold: bool) -> Result<bool, Stop> {
        loop {
            let found = if fold {
                self.rest().to_ascii_lowercase().find(needle)
            } else {
                self.rest().find(needle)
            };
            if let Some(i) = found {
                self.pos += i + needle.len();
                return Ok(true);
            }
            // Keep a tail that may start the needle.
            let mut keep = self.text.len().saturating_sub(needle.len()).max(self.pos);
            while !self.text.is_char_boundary(keep) {
                keep += 1;
            }
            self.pos = keep;
            if !self.more()? {
                self.pos = self.text.len();
                return Ok(false);
            }
        }
    }
}

/// Streams every `<table>` of an HTML page as a sheet (`table 1`, `table 2`…).
fn stream_html<R: Read>(source: TextSource<R>, sink: &mut impl PieceSink) -> Result<(), Stop> {
    let mut page = PageText {
        source,
        text: String::new(),
        pos: 0,
    };
    let mut stack: Vec<HtmlTable> = Vec::new();
    let mut tables = 0usize;
    let mut tag_text = String::new();
    'page: loop {
        // Text up to the next tag goes to the open cell.
        let lt = loop {
            if let Some(i) = page.rest().find('<') {
                break Some(i);
            }
            // No tag in what is read: the text, but for an entity that may
            // go on in the next piece, goes to the cell now.
            let rest = page.rest();
            let keep = rest
                .char_indices()
                .rev()
                .take(12)
                .find(|&(_, c)| c == '&')
                .map_or(rest.len(), |(i, _)| i);
            if let Some(t) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                push_text(&mut t.1, &rest[..keep]);
            }
            page.pos += keep;
            if !page.more()? {
                break None;
            }
        };
        let Some(lt) = lt else {
            if let Some(t) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                push_text(&mut t.1, page.rest());
            }
            break;
        };
        if lt > 0
            && let Some(t) = stack.last_mut().and_then(|t| t.cell.as_mut())
        {
            push_text(&mut t.1, &page.rest()[..lt]);
        }
        page.pos += lt;
        while page.rest().len() < 4 && page.more()? {}
        if page.rest().starts_with("<!--") {
            page.pos += 4;
            page.skip_past("-->", false)?;
            continue;
        }
        // The tag's text up to `>` (its first MAX_TAG_BYTES kept).
        page.pos += 1;
        tag_text.clear();
        loop {
            let rest = page.rest();
            let (part, found) = match rest.find('>') {
                Some(gt) => (&rest[..gt], Some(gt)),
                None => (rest, None),
            };
            if tag_text.len() < MAX_TAG_BYTES {
                let mut take = part.len().min(MAX_TAG_BYTES - tag_text.len());
                while !part.is_char_boundary(take) {
                    take -= 1;
                }
                tag_text.push_str(&part[..take]);
            }
            match found {
                Some(gt) => {
                    page.pos += gt + 1;
                    break;
                }
                None => {
                    page.pos = page.text.len();
                    if !page.more()? {
                        // A tag never closed: the page ends here.
                        break 'page;
                    }
                }
            }
        }
        let tag = parse_tag(&tag_text);
        if !tag.closing && (tag.name == "script" || tag.name == "style") {
            let close = format!("</{}", tag.name);
            if page.skip_past(&close, true)? {
                // The closing tag is read as one (and passed over).
                page.pos -= close.len();
            }
            continue;
        }
        match (tag.name.as_str(), tag.closing) {
            ("table", false) => {
                sink.piece(Piece::Start {
                    sheet: tables,
                    name: format!("table {}", tables + 1),
                });
                stack.push(HtmlTable::new(tables));
                tables += 1;
            }
            ("table", true) => {
                if let Some(t) = stack.pop() {
                    t.end(sink);
                }
            }
            ("tr", false) => {
                if let Some(t) = stack.last_mut() {
                    t.new_row(sink);
                }
            }
            ("tr", true) | ("td", true) | ("th", true) => {
                if let Some(t) = stack.last_mut() {
                    t.finish_cell();
                }
            }
            ("td", false) | ("th", false) => {
                if let Some(t) = stack.last_mut() {
                    t.start_cell(
                        span_attr(tag.attrs, "colspan"),
                        span_attr(tag.attrs, "rowspan"),
                        sink,
                    );
                }
            }
            ("br", _) | ("p", _) | ("div", _) => {
                if let Some(c) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                    push_text(&mut c.1, " ");
                }
            }
            _ => {}
        }
    }
    // Tables left open at the end of the page (a cut or sloppy page) still count.
    while let Some(t) = stack.pop() {
        t.end(sink);
    }
    if tables == 0 {
        return Err(Stop::Message("is an HTML page with no <table>".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &LoadedSheet) -> Vec<Vec<String>> {
        s.range
            .rows()
            .map(|r| r.iter().map(|d| d.to_string()).collect())
            .collect()
    }

    #[test]
    fn spreadsheetml_index_merge_and_types() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="增员">
  <Table ss:ExpandedRowCount="2" ss:ExpandedColumnCount="1">
   <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">标题 &amp; 表</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">a</Data></Cell><Cell ss:Index="3"><Data ss:Type="Number">201201</Data></Cell></Row>
   <Row ss:Index="5"><Cell><Data ss:Type="DateTime">2025-03-05T00:00:00.000</Data></Cell><Cell><Data ss:Type="Boolean">1</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="空"/>
</Workbook>"#;
        let sheets = load_spreadsheetml(xml.as_bytes()).unwrap();
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[0].name, "增员");
        let r = &sheets[0].range;
        assert_eq!(r.get_value((0, 0)), Some(&Data::String("标题 & 表".into())));
        assert_eq!(r.get_value((0, 1)), Some(&Data::Empty));
        assert_eq!(r.get_value((1, 2)), Some(&Data::Float(201201.0)));
        assert_eq!(r.get_value((1, 1)), Some(&Data::Empty));
        match r.get_value((4, 0)) {
            Some(Data::DateTime(dt)) => assert_eq!(dt.as_f64(), 45721.0),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.get_value((4, 1)), Some(&Data::Bool(true)));
        assert!(sheets[1].range.is_empty());
    }

    #[test]
    fn spreadsheetml_cut_short_is_an_error() {
        let xml = r#"<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="a"><Table><Row><Cell><Data ss:Type="String">x"#;
        assert!(load_spreadsheetml(xml.as_bytes()).is_err());
    }

    #[test]
    fn html_spans_entities_and_charset() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body>\
<table><tr><td colspan=\"3\">标题</td></tr>\
<tr><th rowspan=2>A&amp;B</th><td>x&nbsp;y</td><td>&#20013;</td></tr>\
<tr><td>2</td><td>3<br>4</td></tr></table><!-- <table> --></body></html>";
        let (gbk, _, _) = encoding_rs::GBK.encode(page);
        let sheets = load_html(&gbk).unwrap();
        assert_eq!(sheets.len(), 1);
        assert_eq!(
            texts(&sheets[0]),
            vec![
                vec!["标题", "", ""],
                vec!["A&B", "x y", "中"],
                vec!["", "2", "3 4"],
            ]
        );
    }

    /// Every piece of a file, with the restarts, read through `raw`.
    #[derive(Default)]
    struct Record(Vec<Piece>, usize);
    impl PieceSink for Record {
        fn piece(&mut self, piece: Piece) {
            self.0.push(piece);
        }
        fn restart(&mut self) {
            self.0.clear();
            self.1 += 1;
        }
    }

    /// A reader handing out at most `n` bytes a call.
    struct Trickle<'b>(std::io::Cursor<&'b [u8]>, usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(self.1);
            self.0.read(&mut out[..n])
        }
    }
    impl Seek for Trickle<'_> {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            self.0.seek(to)
        }
    }

    fn pieces(bytes: &[u8], kind: FileKind, step: usize) -> Record {
        let mut record = Record::default();
        read_markup(
            &mut Trickle(std::io::Cursor::new(bytes), step),
            kind,
            &mut record,
        )
        .unwrap();
        record
    }

    #[test]
    fn pieces_do_not_depend_on_how_the_bytes_arrive() {
        let page = "<html><head><meta charset=\"gbk\"><style>td{x:1}</style></head><body>\
<!-- a <table> in a comment --><script>var t = '<table>';</SCRIPT>\
<table><tr><td colspan=2>标题&amp;表</td></tr><tr><td>甲&nbsp;乙</td><td>&#20013;<br>文</td></tr>\
<tr><td></td><td>x</td></tr></table><table><tr><th>二</th></tr></table></body></html>";
        let (gbk, _, _) = encoding_rs::GBK.encode(page);
        let whole = pieces(&gbk, FileKind::Html, usize::MAX);
        let row = |sheet, row, cells: &[&str]| Piece::Row {
            sheet,
            row,
            cells: cells
                .iter()
                .map(|c| match *c {
                    "" => Data::Empty,
                    c => Data::String(c.into()),
                })
                .collect(),
        };
        assert_eq!(
            whole.0,
            vec![
                Piece::Start {
                    sheet: 0,
                    name: "table 1".into()
                },
                row(0, 0, &["标题&表"]),
                row(0, 1, &["甲 乙", "中 文"]),
                row(0, 2, &["", "x"]),
                Piece::End { sheet: 0 },
                Piece::Start {
                    sheet: 1,
                    name: "table 2".into()
                },
                row(1, 0, &["二"]),
                Piece::End { sheet: 1 },
            ]
        );
        assert_eq!(whole.1, 0, "the declared charset fits");
        for step in [1, 2, 3, 5, 7] {
            assert_eq!(pieces(&gbk, FileKind::Html, step).0, whole.0, "{step}");
        }
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><Worksheet ss:Name=\"增员\"><Table>\
<Row><Cell ss:Index=\"2\"><Data ss:Type=\"String\">身份&amp;证</Data></Cell></Row><Row/><Row ss:Index=\"4\"><Cell><Data ss:Type=\"Number\">7</Data></Cell></Row>\
</Table></Worksheet></Workbook>";
        let whole = pieces(xml.as_bytes(), FileKind::Excel2003Xml, usize::MAX);
        assert_eq!(
            whole.0,
            vec![
                Piece::Start {
                    sheet: 0,
                    name: "增员".into()
                },
                row(0, 0, &["", "身份&证"]),
                Piece::Row {
                    sheet: 0,
                    row: 3,
                    cells: vec![Data::Float(7.0)]
                },
                Piece::End { sheet: 0 },
            ]
        );
        for step in [1, 2, 3, 5] {
            assert_eq!(
                pieces(xml.as_bytes(), FileKind::Excel2003Xml, step).0,
                whole.0
            );
        }
    }

    #[test]
    fn undeclared_gbk_past_the_first_piece_restarts_in_gb18030() {
        // 170 KB of ASCII rows (more than two pieces of text), then GBK.
        let mut page = String::from("<table>");
        for i in 0..8000 {
            page.push_str(&format!("<tr><td>{i}</td></tr>"));
        }
        page.push_str("<tr><td>张三</td></tr></table>");
        let (gbk, _, _) = encoding_rs::GBK.encode(&page);
        assert!(gbk.len() > 2 * READ_BYTES);
        let read = pieces(&gbk, FileKind::Html, usize::MAX);
        assert_eq!(read.1, 1, "read again once");
        // The rows once each, the last one decoded.
        assert_eq!(read.0.len(), 8003);
        assert_eq!(
            read.0[8001],
            Piece::Row {
                sheet: 0,
                row: 8000,
                cells: vec![Data::String("张三".into())]
            }
        );
        // Neither UTF-8 nor GB18030: the file's error says where.
        let mut bad = b"<table><tr><td>a</td></tr>\n<tr><td>".to_vec();
        bad.extend_from_slice(b"\x81\x20</td></tr></table>");
        let e = read_markup(
            &mut std::io::Cursor::new(bad.as_slice()),
            FileKind::Html,
            &mut Record::default(),
        )
        .unwrap_err();
        assert!(
            e.contains("neither UTF-8 (invalid byte at 35)")
                && e.contains("(invalid byte sequence at byte 35, line 2)"),
            "{e}"
        );
    }

    #[test]
    fn html_without_table_is_an_error() {
        assert!(load_html(b"<html><body>nothing</body></html>").is_err());
    }
}
