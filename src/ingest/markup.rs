//! Spreadsheets written as markup by web back offices and saved as `.xls`:
//! "Excel 2003 XML" (SpreadsheetML) and HTML tables. Each worksheet or
//! `<table>` becomes a [`LoadedSheet`] of calamine cells, so the header
//! finder, the normalizer and the ledger read them exactly as a workbook's
//! sheets.
//!
//! - SpreadsheetML is read as a stream (quick-xml): only the cells of the
//!   sheet being read are held, as typed cells. `ss:Index` on a `<Row>` or a
//!   `<Cell>` skips rows or cells; `ss:MergeAcross` leaves the covered cells
//!   empty (as a workbook's merged cells are); `ss:ExpandedRowCount` is
//!   ignored. `Number` cells are numbers, `DateTime` cells dates, `Boolean`
//!   cells booleans, `String` cells text.
//! - HTML is read by a small tolerant tokenizer: `<table>`, `<tr>`, `<td>` /
//!   `<th>` with `colspan` / `rowspan`, entities, `<br>` as a space, comments,
//!   `<script>` and `<style>` left out. The text's encoding comes from a BOM,
//!   else a `charset` in a `<meta>` tag, else UTF-8 when the bytes are valid
//!   UTF-8, else GB18030. Every cell is text, as the page shows it.

use super::excel::LoadedSheet;
use calamine::{Data, Range};
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

type Cells = Vec<calamine::Cell<Data>>;

fn sheet(name: String, cells: Cells) -> LoadedSheet {
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

/// Rows and columns beyond Excel's own limits are a damaged file.
const MAX_ROWS: u32 = 1 << 24;
const MAX_COLS: u32 = 1 << 14;

// ---------------------------------------------------------------- SpreadsheetML

/// The text of an XML file: a BOM, else the declared encoding, else UTF-8,
/// else GB18030.
fn xml_text(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    let head = &bytes[..bytes.len().min(256)];
    let declared = head
        .iter()
        .position(|&b| b == b'>')
        .and_then(|end| charset_in(&head[..end], b"encoding="));
    decode_text(bytes, declared)
}

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

/// Reads every `<Worksheet>` of a SpreadsheetML file.
pub fn load_spreadsheetml(bytes: &[u8]) -> Result<Vec<LoadedSheet>, String> {
    let text = xml_text(bytes)?;
    let mut reader = quick_xml::Reader::from_reader(text.as_bytes());
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut sheets = Vec::new();
    // State of the sheet, row and cell being read.
    let mut sheet_name: Option<String> = None;
    let mut cells: Cells = Vec::new();
    let mut row: u32 = 0; // 1-based row of the current <Row>
    let mut col: u32 = 0; // 1-based column of the next cell
    let mut in_row = false;
    let mut cell_at: Option<(u32, u32)> = None;
    let mut data_type: Option<String> = None;
    let mut value = String::new();
    let mut data_depth = 0u32;
    let err = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| {
        format!(
            "is a damaged Excel 2003 XML spreadsheet (at byte {}): {e}",
            reader.buffer_position()
        )
    };
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| err(&reader, &e))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = e.local_name();
                match name.as_ref() {
                    "Worksheet" => {
                        sheet_name = Some(
                            attr(e, "Name").unwrap_or_else(|| format!("Sheet{}", sheets.len() + 1)),
                        );
                        cells = Vec::new();
                        row = 0;
                        if empty {
                            sheets.push(sheet(sheet_name.take().unwrap_or_default(), Vec::new()));
                        }
                    }
                    "Row" if sheet_name.is_some() => {
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
                            cell_at = Some((row - 1, at - 1));
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
                            cells.push(calamine::Cell::new(at, v));
                        }
                    }
                    data_depth = 0;
                }
                "Row" => in_row = false,
                "Worksheet" => {
                    if let Some(name) = sheet_name.take() {
                        sheets.push(sheet(name, std::mem::take(&mut cells)));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(name) = sheet_name.take() {
        return Err(format!(
            "is a damaged Excel 2003 XML spreadsheet: worksheet {name} is never closed (the file is cut short?)"
        ));
    }
    if sheets.is_empty() {
        return Err("is an Excel 2003 XML spreadsheet with no worksheet".into());
    }
    Ok(sheets)
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

/// Decodes with a declared encoding (strictly), falling back to the CSV
/// detection (BOM, UTF-8, GB18030) when there is none or it does not fit.
fn decode_text<'b>(
    bytes: &'b [u8],
    declared: Option<&'static encoding_rs::Encoding>,
) -> Result<Cow<'b, str>, String> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        if let Some(s) = enc.decode_without_bom_handling_and_without_replacement(&bytes[bom..]) {
            return Ok(s);
        }
        return Err(format!(
            "starts with a {} byte-order mark but is not {0} text",
            enc.name()
        ));
    }
    if let Some(s) = declared
        .filter(|e| *e != encoding_rs::UTF_8)
        .and_then(|enc| enc.decode_without_bom_handling_and_without_replacement(bytes))
    {
        return Ok(s);
    }
    super::csv::decode(bytes).map(|(s, _)| s)
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
#[derive(Default)]
struct HtmlTable {
    cells: Cells,
    /// 0-based index of the current row (`None` before the first `<tr>`).
    row: Option<u32>,
    col: u32,
    /// Columns covered by a `rowspan` from above: column -> last row covered.
    covered: std::collections::HashMap<u32, u32>,
    cell: Option<(u32, u32, String)>,
}

impl HtmlTable {
    fn finish_cell(&mut self) {
        if let Some((r, c, text)) = self.cell.take() {
            let t = text.trim_end().to_string();
            if !t.is_empty() {
                self.cells
                    .push(calamine::Cell::new((r, c), Data::String(t)));
            }
        }
    }
    fn new_row(&mut self) {
        self.finish_cell();
        self.row = Some(self.row.map_or(0, |r| r + 1));
        self.col = 0;
    }
    fn start_cell(&mut self, colspan: u32, rowspan: u32) {
        self.finish_cell();
        if self.row.is_none() {
            self.new_row();
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
        self.cell = Some((row, col, String::new()));
        self.col = col + colspan;
    }
}

/// Reads every `<table>` of an HTML page as a sheet (`table 1`, `table 2`…).
pub fn load_html(bytes: &[u8]) -> Result<Vec<LoadedSheet>, String> {
    let text = decode_text(bytes, html_charset(bytes))?;
    let text: &str = &text;
    let mut sheets = Vec::new();
    let mut stack: Vec<HtmlTable> = Vec::new();
    let mut done = 0usize;
    let mut pos = 0usize;
    while pos < text.len() {
        let rest = &text[pos..];
        let Some(lt) = rest.find('<') else {
            if let Some(t) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                push_text(&mut t.2, rest);
            }
            break;
        };
        if let Some(t) = stack.last_mut().and_then(|t| t.cell.as_mut())
            && lt > 0
        {
            push_text(&mut t.2, &rest[..lt]);
        }
        let tag_text = &rest[lt..];
        if let Some(after) = tag_text.strip_prefix("<!--") {
            pos += lt + 4 + after.find("-->").map_or(after.len(), |i| i + 3);
            continue;
        }
        let Some(gt) = tag_text.find('>') else {
            break;
        };
        let tag = parse_tag(&tag_text[1..gt]);
        pos += lt + gt + 1;
        if !tag.closing && (tag.name == "script" || tag.name == "style") {
            let close = format!("</{}", tag.name);
            let lower_rest = text[pos..].to_ascii_lowercase();
            pos += lower_rest.find(&close).unwrap_or(lower_rest.len());
            continue;
        }
        match (tag.name.as_str(), tag.closing) {
            ("table", false) => stack.push(HtmlTable::default()),
            ("table", true) => {
                if let Some(mut t) = stack.pop() {
                    t.finish_cell();
                    done += 1;
                    sheets.push(sheet(format!("table {done}"), t.cells));
                }
            }
            ("tr", false) => {
                if let Some(t) = stack.last_mut() {
                    t.new_row();
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
                    );
                }
            }
            ("br", _) | ("p", _) | ("div", _) => {
                if let Some(c) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                    push_text(&mut c.2, " ");
                }
            }
            _ => {}
        }
    }
    // Tables left open at the end of the page (a cut or sloppy page) still count.
    while let Some(mut t) = stack.pop() {
        t.finish_cell();
        done += 1;
        sheets.push(sheet(format!("table {done}"), t.cells));
    }
    if sheets.is_empty() {
        return Err("is an HTML page with no <table>".into());
    }
    Ok(sheets)
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

    #[test]
    fn html_without_table_is_an_error() {
        assert!(load_html(b"<html><body>nothing</body></html>").is_err());
    }
}
