//! CSV/TSV exports: encoding (BOM, strict UTF-8, then GB18030; a file that is
//! one of them but for a few lines is read in it and those lines become
//! BAD_ENCODING rejects — [`decode_recovering`]; never silent U+FFFD), delimiter
//! (comma, tab or semicolon, counted outside quotes), and a record splitter
//! over the decoded text that keeps the line number a spreadsheet user sees for
//! each record's first line, even when a quoted field holds line breaks, and
//! resynchronises after a stray quote ([`Splitter`]).
//!
//! The splitter borrows fields from the text (no allocation per row) and the
//! data part of a file is cut into chunks at record boundaries so rows can be
//! normalized in parallel while input order stays deterministic.

use crate::ingest::normalize::RowCells;
use crate::ingest::values::Cell;
use encoding_rs::{DecoderResult, GB18030};
use rayon::prelude::*;
use std::borrow::Cow;

/// The encodings a CSV input is read in (events, ledgers and UI months alike).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Gb18030,
}

impl TextEncoding {
    /// The name reports give (`InputReport::encoding`).
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Gb18030 => "gb18030",
        }
    }
    /// The name messages give.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Gb18030 => "GB18030/GBK",
            _ => "UTF-8",
        }
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16_MESSAGE: &str = "is UTF-16 text; save it as UTF-8 or GBK CSV";

/// What a file's first bytes settle by themselves: a UTF-8 byte-order mark
/// (`Some(Utf8Bom)`), or UTF-16 (refused); `None` when the text must say.
fn encoding_by_mark(bytes: &[u8]) -> Result<Option<TextEncoding>, String> {
    if bytes.starts_with(UTF8_BOM) {
        return Ok(Some(TextEncoding::Utf8Bom));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(UTF16_MESSAGE.into());
    }
    Ok(None)
}

/// The encoding of a file read in blocks (the ledger's streamed CSV), from
/// its first block, by [`decode_recovering`]'s rule: a byte-order mark, else
/// UTF-8 when the block is UTF-8 (a character cut at its end allowed unless
/// `eof`), else whichever of UTF-8 and GB18030 leaves fewer undecodable
/// non-blank lines (UTF-8 on a tie). The flag is true when UTF-8 was chosen
/// on an ASCII block only, which says nothing: GB18030 met later must make
/// the reader start again in it.
pub fn block_encoding(block: &[u8], eof: bool) -> Result<(TextEncoding, bool), String> {
    if let Some(e) = encoding_by_mark(block)? {
        return Ok((e, false));
    }
    let utf8_prefix = match utf8(block) {
        Ok(_) => true,
        Err(e) => !eof && e.error_len().is_none(),
    };
    if utf8_prefix {
        return Ok((TextEncoding::Utf8, block.is_ascii()));
    }
    if gb18030_fits_better(block, eof) {
        Ok((TextEncoding::Gb18030, false))
    } else {
        Ok((TextEncoding::Utf8, false))
    }
}

/// Decodes a CSV file's bytes; returns the text and the encoding used.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), String> {
    if encoding_by_mark(bytes)?.is_some() {
        let rest = &bytes[UTF8_BOM.len()..];
        return utf8(rest)
            .map(|s| (Cow::Borrowed(s), "utf-8-bom"))
            .map_err(|e| {
                format!(
                    "starts with a UTF-8 byte-order mark but has invalid UTF-8 at byte {} (line {})",
                    e.valid_up_to() + 3,
                    line_at(bytes, e.valid_up_to() + 3)
                )
            });
    }
    let utf8_err = match utf8(bytes) {
        Ok(s) => return Ok((Cow::Borrowed(s), "utf-8")),
        Err(e) => e,
    };
    match decode_gb18030(bytes, GB_CHUNK_BYTES) {
        Ok(text) => Ok((Cow::Owned(text), "gb18030")),
        Err(at) => Err(format!(
            "is neither UTF-8 (invalid byte at {}) nor GB18030/GBK (invalid byte sequence at byte {at}, line {}); is it really a CSV file?",
            utf8_err.valid_up_to(),
            line_at(bytes, at)
        )),
    }
}

/// A line of a CSV file that is not text in the file's encoding: it is kept
/// in the decoded text lossily (U+FFFD for the bad bytes) and its record
/// becomes a BAD_ENCODING reject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// Where the line is in the decoded text (line end included).
    pub start: usize,
    pub end: usize,
    /// Byte offset in the file of the first byte that cannot be decoded.
    pub byte: usize,
    /// The line's number (1 = the file's first line).
    pub line: u32,
}

/// A CSV file's text, its encoding and the lines that are not text in it.
#[derive(Debug)]
pub struct Decoded<'b> {
    pub text: Cow<'b, str>,
    pub encoding: &'static str,
    /// In text order; empty for a clean file.
    pub bad: Vec<BadLine>,
}

/// Decodes a CSV file's bytes line by line where it must: a file that is
/// UTF-8 (or GB18030) but for a few lines is read in that encoding, and the
/// lines that are not come back in [`Decoded::bad`].
///
/// The rule: a BOM means UTF-8. Otherwise a file valid as a whole in strict
/// UTF-8, then in strict GB18030 (tried first only when everything before the
/// first invalid UTF-8 byte is ASCII), is read so, as by [`decode`]. Otherwise
/// each line is checked in both; the encoding with fewer undecodable
/// non-blank lines wins (UTF-8 on a tie). When at least half the non-blank
/// lines are undecodable even so, the file is refused as a whole.
pub fn decode_recovering(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    fn clean<'b>(text: Cow<'b, str>, encoding: &'static str) -> Decoded<'b> {
        Decoded {
            text,
            encoding,
            bad: Vec::new(),
        }
    }
    if encoding_by_mark(bytes)?.is_some() {
        let rest = &bytes[UTF8_BOM.len()..];
        return match utf8(rest) {
            Ok(s) => Ok(clean(Cow::Borrowed(s), "utf-8-bom")),
            Err(e) => {
                let lines = check_lines(rest, LineCode::Utf8);
                if too_many(&lines) {
                    return Err(format!(
                        "starts with a UTF-8 byte-order mark but has invalid UTF-8 at byte {} (line {}) and in {} of its {} lines",
                        e.valid_up_to() + 3,
                        line_at(bytes, e.valid_up_to() + 3),
                        lines.bad,
                        lines.nonblank
                    ));
                }
                Ok(rebuild(rest, 3, LineCode::Utf8, "utf-8-bom"))
            }
        };
    }
    let utf8_err = match utf8(bytes) {
        Ok(s) => return Ok(clean(Cow::Borrowed(s), "utf-8")),
        Err(e) => e,
    };
    if bytes[..utf8_err.valid_up_to()].is_ascii()
        && let Ok(text) = decode_gb18030(bytes, GB_CHUNK_BYTES)
    {
        return Ok(clean(Cow::Owned(text), "gb18030"));
    }
    let as_utf8 = check_lines(bytes, LineCode::Utf8);
    let as_gb = check_lines(bytes, LineCode::Gb18030);
    let (code, lines, name) = if as_gb.bad < as_utf8.bad {
        (LineCode::Gb18030, &as_gb, "gb18030")
    } else {
        (LineCode::Utf8, &as_utf8, "utf-8")
    };
    if too_many(lines) {
        let first = |c: &LineCount| {
            let at = c.first.unwrap_or(0);
            format!("first at byte {at}, line {}", line_at(bytes, at))
        };
        return Err(format!(
            "is neither UTF-8 nor GB18030/GBK text: of its {} non-blank lines, {} are not UTF-8 ({}) and {} not GB18030 ({}); is it really a CSV file?",
            as_utf8.nonblank,
            as_utf8.bad,
            first(&as_utf8),
            as_gb.bad,
            first(&as_gb),
        ));
    }
    Ok(rebuild(bytes, 0, code, name))
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum LineCode {
    Utf8,
    Gb18030,
}

impl LineCode {
    /// The offset in `line` of the first byte that is not text, if any.
    fn invalid_at(self, line: &[u8]) -> Option<usize> {
        match self {
            LineCode::Utf8 => utf8(line).err().map(|e| e.valid_up_to()),
            LineCode::Gb18030 => decode_gb18030_piece(line).err(),
        }
    }
    fn lossy(self, line: &[u8]) -> Cow<'_, str> {
        match self {
            LineCode::Utf8 => String::from_utf8_lossy(line),
            LineCode::Gb18030 => GB18030.decode_without_bom_handling(line).0,
        }
    }
    fn decode(self, line: &[u8]) -> Cow<'_, str> {
        match self {
            // Checked valid before: lossy decoding borrows it unchanged.
            LineCode::Utf8 => String::from_utf8_lossy(line),
            LineCode::Gb18030 => GB18030.decode_without_bom_handling(line).0,
        }
    }
}

/// Lines of a file (each with its `\n`); 0x0A is never part of a multi-byte
/// UTF-8 or GB18030 character.
fn lines_of(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let at = pos;
        pos = end;
        Some((at, &bytes[at..end]))
    })
}

struct LineCount {
    nonblank: usize,
    bad: usize,
    /// File offset of the first bad byte.
    first: Option<usize>,
}

fn check_lines(bytes: &[u8], code: LineCode) -> LineCount {
    let mut c = LineCount {
        nonblank: 0,
        bad: 0,
        first: None,
    };
    for (at, line) in lines_of(bytes) {
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        c.nonblank += 1;
        if let Some(i) = code.invalid_at(line) {
            c.bad += 1;
            c.first.get_or_insert(at + i);
        }
    }
    c
}

/// At least half the non-blank lines undecodable: not a file to read by rows.
fn too_many(c: &LineCount) -> bool {
    c.bad * 2 >= c.nonblank.max(1)
}

/// Whether a file's first block (its last line left out unless `eof`: a
/// block may cut it) has fewer undecodable non-blank lines as GB18030 than
/// as UTF-8 (UTF-8 on a tie), the rule of [`decode_recovering`].
fn gb18030_fits_better(block: &[u8], eof: bool) -> bool {
    let whole = match memchr::memrchr(b'\n', block) {
        Some(i) if !eof => &block[..i + 1],
        _ => block,
    };
    check_lines(whole, LineCode::Gb18030).bad < check_lines(whole, LineCode::Utf8).bad
}

/// Decodes line by line; `base` is the offset of `bytes` in the file.
fn rebuild(bytes: &[u8], base: usize, code: LineCode, encoding: &'static str) -> Decoded<'static> {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut bad = Vec::new();
    for (n, (at, line)) in lines_of(bytes).enumerate() {
        let start = text.len();
        match code.invalid_at(line) {
            None => text.push_str(&code.decode(line)),
            Some(i) => {
                text.push_str(&code.lossy(line));
                bad.push(BadLine {
                    start,
                    end: text.len(),
                    byte: base + at + i,
                    line: n as u32 + 1,
                });
            }
        }
    }
    Decoded {
        text: Cow::Owned(text),
        encoding,
        bad,
    }
}

/// The first of `bad` (sorted) overlapping text `start..end`.
pub fn bad_line_in(bad: &[BadLine], start: usize, end: usize) -> Option<&BadLine> {
    let i = bad.partition_point(|b| b.end <= start);
    bad.get(i).filter(|b| b.start < end)
}

/// Strict UTF-8 validation: SIMD (`simdutf8`) for the common valid case; on
/// failure std's validator names the first invalid byte.
fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Size of the pieces GB18030 text is decoded in, in parallel.
const GB_CHUNK_BYTES: usize = 4 << 20;

/// Decodes GB18030 strictly; `Err` is the byte offset of the first invalid
/// sequence. Pieces are cut after a line feed (0x0A is never part of a
/// multi-byte GB18030 character), decoded in parallel and joined in order.
fn decode_gb18030(bytes: &[u8], chunk_bytes: usize) -> Result<String, usize> {
    let mut cuts = vec![0usize];
    while let Some(&last) = cuts.last() {
        let target = last + chunk_bytes;
        if target >= bytes.len() {
            break;
        }
        match memchr::memchr(b'\n', &bytes[target..]) {
            Some(i) if target + i + 1 < bytes.len() => cuts.push(target + i + 1),
            _ => break,
        }
    }
    cuts.push(bytes.len());
    let pieces: Vec<Result<String, usize>> = cuts
        .par_windows(2)
        .map(|w| decode_gb18030_piece(&bytes[w[0]..w[1]]).map_err(|at| w[0] + at))
        .collect();
    let mut text = String::new();
    let mut total = 0;
    for p in &pieces {
        match p {
            Ok(s) => total += s.len(),
            Err(at) => return Err(*at),
        }
    }
    text.reserve_exact(total);
    for p in pieces.into_iter().flatten() {
        text.push_str(&p);
    }
    Ok(text)
}

fn decode_gb18030_piece(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 2 + 16);
    let mut out = String::with_capacity(cap);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::InputEmpty => Ok(out),
        DecoderResult::Malformed(bad, extra) => {
            Err(read.saturating_sub(bad as usize + extra as usize))
        }
        DecoderResult::OutputFull => Err(read),
    }
}

fn line_at(bytes: &[u8], at: usize) -> usize {
    memchr::memchr_iter(b'\n', &bytes[..at.min(bytes.len())]).count() + 1
}

/// Comma, tab, semicolon or `|`: whichever occurs most outside quotes in the
/// first lines (a comma on a tie). Every CSV is split by it: events,
/// unemployment-benefit spans and the ledger.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let mut in_quotes = false;
    let mut lines = 0;
    for &b in text.as_bytes().iter().take(64 * 1024) {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                lines += 1;
                if lines >= 20 {
                    break;
                }
            }
            b',' if !in_quotes => counts[0] += 1,
            b'\t' if !in_quotes => counts[1] += 1,
            b';' if !in_quotes => counts[2] += 1,
            b'|' if !in_quotes => counts[3] += 1,
            _ => {}
        }
    }
    let delims = [b',', b'\t', b';', b'|'];
    let mut best = 0;
    for i in 1..delims.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    delims[best]
}

#[derive(Clone, Copy, Debug)]
enum FieldAt {
    Text(u32, u32),
    Scratch(u32, u32),
}

/// One record's fields, borrowed from the text (quoted fields with `""` are
/// unescaped into a scratch buffer).
#[derive(Default, Debug)]
pub struct Record<'t> {
    text: &'t str,
    fields: Vec<FieldAt>,
    scratch: String,
    /// A quoted field ran to the end of the file without its closing quote.
    pub unterminated: bool,
    /// A quoted field of the record held a line break.
    multiline: bool,
    /// Such a field had text between its closing quote and the delimiter.
    multiline_tail: bool,
    /// The record is one line cut out by resynchronisation (see [`Splitter`]):
    /// a quote opened on it does not close into a row of the header's width.
    pub resynced: bool,
    /// Byte offset of the record's first character in the text.
    pub start: usize,
    /// Bytes the record takes in the text (its line or lines, line end included).
    pub span: usize,
}

/// The longest record (line, or lines of a quoted field) a CSV row may take.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// The longest field a CSV row may hold.
pub const MAX_FIELD_BYTES: usize = 64 << 10;

impl<'t> Record<'t> {
    pub fn field(&self, i: usize) -> &str {
        match self.fields.get(i) {
            Some(&FieldAt::Text(a, b)) => self.text.get(a as usize..b as usize).unwrap_or(""),
            Some(&FieldAt::Scratch(a, b)) => self.scratch.get(a as usize..b as usize).unwrap_or(""),
            None => "",
        }
    }
    pub fn fields(&self) -> Vec<String> {
        (0..self.fields.len())
            .map(|i| self.field(i).to_string())
            .collect()
    }
    /// Why the record is over the size limits (1 MiB a record, 64 KiB a
    /// field), if it is: such a row is rejected, the file read on.
    pub fn oversize(&self) -> Option<crate::text::Text> {
        if self.span > MAX_RECORD_BYTES {
            return Some(crate::text!(row_too_long, self.span, MAX_RECORD_BYTES));
        }
        let longest = (self.fields.iter())
            .map(|f| match *f {
                FieldAt::Text(a, b) | FieldAt::Scratch(a, b) => (b - a) as usize,
            })
            .max()
            .unwrap_or(0);
        (longest > MAX_FIELD_BYTES).then(|| crate::text!(field_too_long, longest, MAX_FIELD_BYTES))
    }

    /// The record's fields joined back with commas, for BAD_ROW messages.
    pub fn joined(&self, max_chars: usize) -> String {
        // Each field cut first: a 200 MB row is never copied whole.
        let s = (0..self.fields.len())
            .map(|i| {
                let f = self.field(i);
                let cut = f.char_indices().nth(max_chars).map_or(f.len(), |(i, _)| i);
                &f[..cut]
            })
            .collect::<Vec<_>>()
            .join(",");
        s.chars().take(max_chars).collect()
    }
}

impl RowCells for Record<'_> {
    fn cell(&self, i: usize) -> Cell<'_> {
        Cell::Text(self.field(i))
    }
    fn cell_count(&self) -> usize {
        self.fields.len()
    }
}

/// Splits text into records. Blank lines are skipped (they are not rows).
///
/// **Resynchronisation** (when a header width is given with
/// [`Splitter::with_width`]): a record whose quoted field is never closed, or
/// whose quoted field spans line breaks and either has text between its
/// closing quote and the next delimiter (`"…\n…"x`) or leaves a record that is
/// not a row of the header's width (at least `width` fields, any beyond them
/// blank), is taken back: its first line alone becomes the record (flagged
/// [`Record::resynced`], a BAD_ROW for the reader), and splitting resumes at
/// the start of the next line with no quote open. Each later line is split
/// afresh, so reading is back in step at the first line that parses to the
/// header's width, and a line that does not is its own reject. A quoted field
/// holding line breaks in a row of the right width (`"北京\n朝阳"`) is read
/// as before.
pub struct Splitter<'t> {
    text: &'t str,
    pos: usize,
    line: u32,
    delim: u8,
    width: Option<usize>,
    /// Records cut back to their first line so far.
    resyncs: u32,
}

impl<'t> Splitter<'t> {
    /// `first_line` is the line number of the text's first line.
    pub fn new(text: &'t str, delim: u8, first_line: u32) -> Splitter<'t> {
        Splitter {
            text,
            pos: 0,
            line: first_line,
            delim,
            width: None,
            resyncs: 0,
        }
    }

    /// Resynchronises on records that do not fit a header of `width` named
    /// columns (see the type's documentation).
    pub fn with_width(mut self, width: usize) -> Splitter<'t> {
        self.width = Some(width);
        self
    }

    /// Length of the text being split (for sizing buffers).
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Byte offset of the next unread record.
    pub fn offset(&self) -> usize {
        self.pos
    }
    /// Line number of the next unread line.
    pub fn line(&self) -> u32 {
        self.line
    }
    /// Whether a record was cut back to its line (a stray quote) so far.
    pub fn resynced(&self) -> bool {
        self.resyncs > 0
    }

    /// Reads the next record into `rec`; returns the line it starts on.
    pub fn next_record(&mut self, rec: &mut Record<'t>) -> Option<u32> {
        let line = self.next_record_inner(rec)?;
        rec.span = self.pos - rec.start;
        rec.resynced = false;
        if let Some(width) = self.width
            && (rec.unterminated || (rec.multiline && (rec.multiline_tail || !fits(rec, width))))
        {
            self.resync(rec, line);
        }
        Some(line)
    }

    /// Re-reads the record starting on `line` as that line alone and moves
    /// on to the next line.
    fn resync(&mut self, rec: &mut Record<'t>, line: u32) {
        let b = self.text.as_bytes();
        let start = rec.start;
        let (content_end, next) = match memchr::memchr2(b'\n', b'\r', &b[start..]) {
            Some(i) => {
                let at = start + i;
                let next = if b[at] == b'\r' && b.get(at + 1) == Some(&b'\n') {
                    at + 2
                } else {
                    at + 1
                };
                (at, next)
            }
            None => (b.len(), b.len()),
        };
        let mut one = Splitter::new(
            self.text.get(start..content_end).unwrap_or(""),
            self.delim,
            line,
        );
        if one.next_record_inner(rec).is_none() {
            rec.text = self.text;
            rec.fields.clear();
            rec.scratch.clear();
        }
        rec.start = start;
        rec.span = next - start;
        rec.unterminated = true;
        rec.multiline = false;
        rec.multiline_tail = false;
        rec.resynced = true;
        self.resyncs += 1;
        self.pos = next;
        self.line = line + 1;
    }

    fn next_record_inner(&mut self, rec: &mut Record<'t>) -> Option<u32> {
        let b = self.text.as_bytes();
        // Skip blank lines.
        loop {
            if self.pos >= b.len() {
                return None;
            }
            match b[self.pos] {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                }
                b'\r' => {
                    self.pos += 1;
                    if b.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    self.line += 1;
                }
                _ => break,
            }
        }
        rec.text = self.text;
        rec.fields.clear();
        rec.scratch.clear();
        rec.unterminated = false;
        rec.multiline = false;
        rec.multiline_tail = false;
        rec.start = self.pos;
        let start_line = self.line;
        let d = self.delim;
        loop {
            // At the start of a field.
            if b.get(self.pos) == Some(&b'"') {
                let s0 = rec.scratch.len();
                let mut p = self.pos + 1;
                let mut seg = p;
                let mut escaped = false;
                let lines_before = self.line;
                loop {
                    match memchr::memchr(b'"', &b[p..]) {
                        None => {
                            rec.unterminated = true;
                            let n = count_newlines(&b[self.pos..]);
                            rec.multiline |= n > 0;
                            self.line += n;
                            rec.scratch.push_str(self.text.get(seg..).unwrap_or(""));
                            p = b.len();
                            escaped = true;
                            break;
                        }
                        Some(q) => {
                            let qi = p + q;
                            if b.get(qi + 1) == Some(&b'"') {
                                rec.scratch
                                    .push_str(self.text.get(seg..qi + 1).unwrap_or(""));
                                escaped = true;
                                p = qi + 2;
                                seg = p;
                            } else {
                                let n = count_newlines(&b[self.pos..qi]);
                                rec.multiline |= n > 0;
                                self.line += n;
                                if escaped {
                                    rec.scratch.push_str(self.text.get(seg..qi).unwrap_or(""));
                                }
                                p = qi + 1;
                                break;
                            }
                        }
                    }
                }
                // Text after the closing quote up to the delimiter is kept literally.
                let tail_end = memchr::memchr3(d, b'\n', b'\r', &b[p.min(b.len())..])
                    .map(|i| p + i)
                    .unwrap_or(b.len());
                if tail_end > p && self.line != lines_before {
                    // `"…\n…"text`: not how a quoted line break is written.
                    rec.multiline_tail = true;
                }
                if escaped || tail_end > p {
                    if !escaped {
                        rec.scratch
                            .push_str(self.text.get(self.pos + 1..p - 1).unwrap_or(""));
                    }
                    rec.scratch
                        .push_str(self.text.get(p.min(b.len())..tail_end).unwrap_or(""));
                    rec.fields
                        .push(FieldAt::Scratch(s0 as u32, rec.scratch.len() as u32));
                } else {
                    rec.fields
                        .push(FieldAt::Text((self.pos + 1) as u32, (p - 1) as u32));
                }
                self.pos = tail_end;
            } else {
                let end = memchr::memchr3(d, b'\n', b'\r', &b[self.pos..])
                    .map(|i| self.pos + i)
                    .unwrap_or(b.len());
                rec.fields.push(FieldAt::Text(self.pos as u32, end as u32));
                self.pos = end;
            }
            // After a field: delimiter, end of line or end of text.
            match b.get(self.pos) {
                Some(&c) if c == d => {
                    self.pos += 1;
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Some(start_line);
                }
                Some(b'\r') => {
                    self.pos += 1;
                    if b.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    self.line += 1;
                    return Some(start_line);
                }
                _ => return Some(start_line),
            }
        }
    }
}

/// A row of a header of `width` named columns: at least `width` fields, any
/// beyond them blank (trailing unnamed columns).
pub fn fits(rec: &Record<'_>, width: usize) -> bool {
    let n = rec.cell_count();
    n >= width && (width..n).all(|i| rec.cell(i).is_blank())
}

fn count_newlines(b: &[u8]) -> u32 {
    memchr::memchr_iter(b'\n', b).count() as u32
}

/// The first `n` records with their line numbers and the offset after each.
pub fn head_records(text: &str, delim: u8, n: usize) -> Vec<(u32, Vec<String>, usize, u32)> {
    let mut sp = Splitter::new(text, delim, 1);
    let mut rec = Record::default();
    let mut out = Vec::new();
    while out.len() < n {
        match sp.next_record(&mut rec) {
            Some(line) => out.push((line, rec.fields(), sp.offset(), sp.line())),
            None => break,
        }
    }
    out
}

/// Target size of a parallel chunk.
const CHUNK_BYTES: usize = 2 << 20;

/// Cuts `text` (the data part of a file, starting at line `first_line`) into
/// chunks at line breaks outside quoted fields; returns (start, end, first line).
pub fn chunk_bounds(text: &str, first_line: u32) -> Vec<(usize, usize, u32)> {
    chunk_bounds_sized(text, first_line, CHUNK_BYTES)
}

fn chunk_bounds_sized(text: &str, first_line: u32, chunk_bytes: usize) -> Vec<(usize, usize, u32)> {
    let b = text.as_bytes();
    if b.len() <= chunk_bytes {
        return vec![(0, b.len(), first_line)];
    }
    let quotes: Vec<usize> = memchr::memchr_iter(b'"', b).collect();
    if quotes.len() % 2 == 1 {
        // A stray quote: quote parity cannot place the cuts safely.
        return vec![(0, b.len(), first_line)];
    }
    let mut cuts = vec![0usize];
    let mut target = chunk_bytes;
    while target < b.len() {
        let mut at = target;
        let cut = loop {
            match memchr::memchr(b'\n', &b[at..]) {
                None => break None,
                Some(i) => {
                    let nl = at + i;
                    let before = quotes.partition_point(|&q| q < nl);
                    if before % 2 == 0 {
                        break Some(nl + 1);
                    }
                    at = nl + 1;
                }
            }
        };
        match cut {
            Some(c) if c < b.len() && c > *cuts.last().unwrap_or(&0) => {
                cuts.push(c);
                target = c + chunk_bytes;
            }
            _ => break,
        }
    }
    cuts.push(b.len());
    let newlines: Vec<u32> = cuts
        .par_windows(2)
        .map(|w| count_newlines(&b[w[0]..w[1]]))
        .collect();
    let mut line = first_line;
    let mut out = Vec::with_capacity(newlines.len());
    for (w, n) in cuts.windows(2).zip(newlines) {
        out.push((w[0], w[1], line));
        line += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str, d: u8) -> Vec<(u32, Vec<String>)> {
        let mut sp = Splitter::new(text, d, 1);
        let mut rec = Record::default();
        let mut out = vec![];
        while let Some(l) = sp.next_record(&mut rec) {
            out.push((l, rec.fields()));
        }
        out
    }

    #[test]
    fn splitter_keeps_spreadsheet_line_numbers() {
        let text = "title\n\na,b\r\n\"x\ny\",2\n\"say \"\"hi\"\"\",3\n,\n4,\"\"\nlast,5";
        let recs = all(text, b',');
        let lines: Vec<u32> = recs.iter().map(|r| r.0).collect();
        // title on 1, blank 2, a,b on 3, the quoted record spans 4-5, then 6, 7, 8, 9.
        assert_eq!(lines, vec![1, 3, 4, 6, 7, 8, 9]);
        assert_eq!(recs[2].1, vec!["x\ny", "2"]);
        assert_eq!(recs[3].1, vec!["say \"hi\"", "3"]);
        assert_eq!(recs[4].1, vec!["", ""]);
        assert_eq!(recs[5].1, vec!["4", ""]);
        assert_eq!(recs[6].1, vec!["last", "5"]);
    }

    #[test]
    fn unterminated_quote_is_flagged() {
        let mut sp = Splitter::new("a,\"open\nnever closed", b',', 1);
        let mut rec = Record::default();
        assert_eq!(sp.next_record(&mut rec), Some(1));
        assert!(rec.unterminated);
        assert_eq!(sp.next_record(&mut rec), None);
    }

    fn all_width(text: &str, width: usize) -> Vec<(u32, Vec<String>, bool)> {
        let mut sp = Splitter::new(text, b',', 1).with_width(width);
        let mut rec = Record::default();
        let mut out = vec![];
        while let Some(l) = sp.next_record(&mut rec) {
            out.push((l, rec.fields(), rec.resynced));
        }
        out
    }

    #[test]
    fn a_stray_quote_costs_its_line_only() {
        // Never closed: line 2 alone, then lines 3 and 4 as usual.
        let recs = all_width("a,b,c\n1,\"x,y\n2,p,q\r\n3,r,s", 3);
        let got: Vec<(u32, bool)> = recs.iter().map(|r| (r.0, r.2)).collect();
        assert_eq!(got, vec![(1, false), (2, true), (3, false), (4, false)]);
        assert_eq!(recs[1].1, vec!["1", "x,y"]);
        assert_eq!(recs[2].1, vec!["2", "p", "q"]);
        // Closed by a later quote into a row of the wrong width: the same.
        let recs = all_width("1,\"x,y\n2,\"p\",q\n3,r,s\n", 3);
        let got: Vec<(u32, bool)> = recs.iter().map(|r| (r.0, r.2)).collect();
        assert_eq!(got, vec![(1, true), (2, false), (3, false)]);
        assert_eq!(recs[1].1, vec!["2", "p", "q"]);
        // A quoted line break in a row of the header's width is kept.
        let recs = all_width("1,\"北京\n朝阳\",z\n2,p,q\n", 3);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].1, vec!["1", "北京\n朝阳", "z"]);
        assert_eq!((recs[1].0, recs[1].2), (3, false));
        // Without a width nothing changes (header search).
        assert_eq!(all("1,\"x,y\n2,p,q\n", b',').len(), 1);
    }

    #[test]
    fn gb18030_decoded_in_pieces_is_the_whole_text() {
        let line =
            "张伟,110105198503121234,增员,2025-03-05\n李娜,310104199007014566,减员,2025-04-01\n";
        let text = line.repeat(500);
        let (bytes, _, bad) = GB18030.encode(&text);
        assert!(!bad);
        // Pieces of ~1 KiB: cut only after line feeds, joined in order.
        assert_eq!(decode_gb18030(&bytes, 1024).unwrap(), text);
        assert_eq!(decode_gb18030(&bytes, 1 << 30).unwrap(), text);
        let mut broken = bytes.to_vec();
        let at = broken.len() - 10;
        broken[at] = 0xFF;
        assert_eq!(decode_gb18030(&broken, 1024), Err(at));
    }

    #[test]
    fn delimiter_detection_ignores_quoted_commas() {
        assert_eq!(detect_delimiter("a\tb\tc\n\"1,2,3,4\"\t2\t3\n"), b'\t');
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a,b\n1,2\n"), b',');
        assert_eq!(detect_delimiter("onlyone\n"), b',');
        assert_eq!(detect_delimiter("a|b|c\n\"1,2\"|2|3\n"), b'|');
        // A tie is a comma.
        assert_eq!(detect_delimiter("a,b|c\n"), b',');
    }

    /// The ledger's streamed reader takes its encoding from its first block
    /// by this rule; a whole file gets the encoding `decode_recovering` gives.
    #[test]
    fn a_first_block_gets_the_whole_files_encoding() {
        let text = "身份证号,费款所属期\n110105194912310029,202503\n";
        let (gbk, _, _) = GB18030.encode(text);
        let cases: [(Vec<u8>, TextEncoding); 3] = [
            (text.as_bytes().to_vec(), TextEncoding::Utf8),
            (
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                TextEncoding::Utf8Bom,
            ),
            (gbk.to_vec(), TextEncoding::Gb18030),
        ];
        for (bytes, want) in cases {
            assert_eq!(block_encoding(&bytes, true), Ok((want, false)));
            let whole = decode_recovering(&bytes).unwrap();
            assert_eq!(whole.encoding, want.as_str());
        }
        // 身 cut after its first UTF-8 byte at a block end is no evidence...
        let cut = &text.as_bytes()[..1];
        assert_eq!(block_encoding(cut, false), Ok((TextEncoding::Utf8, false)));
        // ... an ASCII block is UTF-8 on trust, and UTF-16 is refused.
        assert_eq!(
            block_encoding(b"person_id,month\n", false),
            Ok((TextEncoding::Utf8, true))
        );
        let utf16 = block_encoding(b"\xFF\xFEa\x00", true).unwrap_err();
        assert!(utf16.contains("UTF-16"), "{utf16}");
        assert_eq!(decode(b"\xFF\xFEa\x00").unwrap_err(), utf16);
    }

    #[test]
    fn encodings_detected_in_order() {
        let (t, e) = decode("\u{feff}身份证号".as_bytes()).unwrap();
        assert_eq!((t.as_ref(), e), ("身份证号", "utf-8-bom"));
        let (t, e) = decode("身份证号".as_bytes()).unwrap();
        assert_eq!((t.as_ref(), e), ("身份证号", "utf-8"));
        // 身份 in GBK: C9 ED B7 DD
        let (t, e) = decode(b"\xC9\xED\xB7\xDD").unwrap();
        assert_eq!((t.as_ref(), e), ("身份", "gb18030"));
        // 0xFF is valid in neither.
        let err = decode(b"ok\n\xC9\xED\xFF\xFF").unwrap_err();
        assert!(err.contains("GB18030") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn chunks_cut_outside_quotes_with_right_lines() {
        let mut text = String::new();
        for i in 0..200_000 {
            if i % 1000 == 0 {
                text.push_str(&format!("\"multi\nline {i}\",x\n"));
            } else {
                text.push_str(&format!("{i},y\n"));
            }
        }
        let chunks = chunk_bounds_sized(&text, 10, 64 * 1024);
        assert!(chunks.len() > 10);
        let mut n = 0;
        let mut expected_line = 10;
        for (a, b, line) in chunks {
            let mut sp = Splitter::new(&text[a..b], b',', line);
            let mut rec = Record::default();
            while let Some(l) = sp.next_record(&mut rec) {
                assert_eq!(l, expected_line);
                expected_line += if rec.field(0).contains('\n') { 2 } else { 1 };
                n += 1;
            }
        }
        assert_eq!(n, 200_000);
    }
}
