//! Checks an OpenDocument spreadsheet (`.ods`) before calamine reads it.
//!
//! calamine 0.38 expands `table:number-rows-repeated` and
//! `table:number-columns-repeated` into a dense grid of every cell between the
//! first and the last cell holding a value, up to 100,000,000 cells, and keeps
//! a second grid of the same size for formulas: an 844-byte file (one row of
//! 100 valued cells repeated 999,990 times) took 6.3 GB and 8.7 s before this
//! check. Here `content.xml` is streamed once, without expanding anything, to
//! find each table's extent the same way calamine does (rows and columns
//! from the first valued cell to the last, repeats counted); a table over
//! [`MAX_SHEET_CELLS`], or tables over [`MAX_WORKBOOK_CELLS`] together, are
//! refused by name before calamine allocates.
//!
//! A cell counts as holding a value when it has content (it is not an empty
//! element), an `office:` value attribute or a formula; the empty repeated
//! cells and rows LibreOffice writes to the end of every sheet do not count.
//! The stored cells before expansion (each valued row from column 0 to its
//! last value) are bounded too, and a content.xml calamine could not finish
//! reading (broken XML, a table never closed) is refused.

use super::excel::{MAX_SHEET_CELLS, MAX_WORKBOOK_CELLS};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor};

/// calamine's own caps on repeats (Excel's sheet size).
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// One table's extent as calamine will build it.
#[derive(Default)]
struct Table {
    name: String,
    /// Next row index (repeats counted).
    row: u64,
    /// Next column index within the current row.
    col: u64,
    /// The current row's repeat count, and its valued columns.
    row_repeat: u64,
    row_cols: Option<(u64, u64)>,
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
    /// Cells calamine stores before it expands repeated rows: each row element
    /// with a value, from column 0 to its last valued cell.
    raw: u64,
    /// Depth of tables nested inside this one's cells (calamine skips them).
    nested: u32,
}

impl Table {
    /// The larger of the dense grid calamine builds and the cells it stores first.
    fn cells(&self) -> u64 {
        let grid = match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1) * (c1 - c0 + 1),
            _ => 0,
        };
        grid.max(self.raw)
    }
}

/// A repeat attribute's count, unescaped as calamine reads it (`&#57;` is 9).
fn repeat(e: &BytesStart<'_>, name: &str, cap: u64) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            let v = quick_xml::escape::unescape(&a.value).ok()?;
            v.trim().parse::<u64>().ok()
        })
        .unwrap_or(1)
        .clamp(1, cap)
}

/// Whether calamine may find a value in this cell: any content, or an
/// `office:` value attribute, or a formula (over-counting is safe: it can only
/// refuse a file, never let one through).
fn may_hold_value(e: &BytesStart<'_>, empty: bool) -> bool {
    !empty
        || e.attributes().flatten().any(|a| {
            let k: &str = a.key.as_ref();
            k.starts_with("office:") || k == "table:formula"
        })
}

fn widen(span: &mut Option<(u64, u64)>, from: u64, to: u64) {
    *span = Some(span.map_or((from, to), |(a, b)| (a.min(from), b.max(to))));
}

/// `Ok` for a file whose tables fit, or that is not a readable ODS zip (left
/// to calamine's own message).
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    // As calamine reads it: end tags are not checked against start tags.
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut table: Option<Table> = None;
    let mut total = 0u64;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                return Err(format!(
                    "is a damaged .ods: its content.xml is not readable XML near byte {} ({e}); open it in LibreOffice and save it again",
                    reader.buffer_position()
                ));
            }
        };
        let (e, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = e {
            match (e.name().as_ref(), table.as_mut()) {
                ("table:table", None) if !empty => {
                    let name = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == "table:name")
                        .map(|a| a.value.to_string())
                        .unwrap_or_default();
                    table = Some(Table {
                        name,
                        ..Table::default()
                    });
                }
                ("table:table", Some(t)) if !empty => t.nested += 1,
                (_, Some(t)) if t.nested > 0 => {}
                ("table:table-row", Some(t)) => {
                    let n = repeat(e, "table:number-rows-repeated", MAX_ROWS);
                    let n = n.min(MAX_ROWS.saturating_sub(t.row)).max(1);
                    if empty {
                        t.row += n;
                    } else {
                        t.row_repeat = n;
                        t.col = 0;
                        t.row_cols = None;
                    }
                }
                ("table:table-cell" | "table:covered-table-cell", Some(t)) => {
                    let n = repeat(e, "table:number-columns-repeated", MAX_COLUMNS);
                    let n = n.min(MAX_COLUMNS.saturating_sub(t.col)).max(1);
                    if may_hold_value(e, empty) {
                        let (from, to) = (t.col, t.col + n - 1);
                        widen(&mut t.row_cols, from, to);
                    }
                    t.col += n;
                }
                _ => {}
            }
        }
        match &event {
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let Some(t) = table.as_mut().filter(|t| t.nested == 0) {
                    let n = t.row_repeat.max(1);
                    if let Some((c0, c1)) = t.row_cols.take() {
                        widen(&mut t.rows, t.row, t.row + n - 1);
                        widen(&mut t.cols, c0, c1);
                        t.raw = t.raw.saturating_add(c1 + 1);
                    }
                    t.row += n;
                    t.row_repeat = 1;
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some(t) = table.as_mut().filter(|t| t.nested > 0) {
                    t.nested -= 1;
                } else if let Some(t) = table.take() {
                    let cells = t.cells();
                    if cells > MAX_SHEET_CELLS {
                        let (r0, r1) = t.rows.unwrap_or_default();
                        let (c0, c1) = t.cols.unwrap_or_default();
                        return Err(format!(
                            "sheet {}: its repeated rows and columns span {} rows × {} columns ({cells} cells), over the limit of {MAX_SHEET_CELLS} cells per sheet; a damaged or hostile spreadsheet (calamine would build every one of them)",
                            t.name,
                            r1 - r0 + 1,
                            c1 - c0 + 1
                        ));
                    }
                    total += cells;
                    if total > MAX_WORKBOOK_CELLS {
                        return Err(format!(
                            "its sheets span more than {MAX_WORKBOOK_CELLS} cells together (the limit per workbook; reached in sheet {}); split the spreadsheet",
                            t.name
                        ));
                    }
                }
            }
            Event::Eof => {
                // calamine reads a table until its end tag: a file that ends
                // inside one would keep it reading for ever.
                if let Some(t) = table {
                    return Err(format!(
                        "is a damaged .ods: its content.xml ends inside sheet {} (no closing table tag)",
                        t.name
                    ));
                }
                return Ok(());
            }
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ods(body: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        zip.start_file("content.xml", stored).unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        )
        .unwrap();
        zip.finish().unwrap().into_inner()
    }

    const VALUE: &str = r#"<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>"#;

    #[test]
    fn the_extent_counts_repeats_of_valued_cells_only() {
        // 3 rows × 2 columns of values, then LibreOffice's empty tail: fits.
        let tail = r#"<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let body = format!(
            r#"<table:table table:name="增员"><table:table-row table:number-rows-repeated="3">{VALUE}{VALUE}<table:table-cell table:number-columns-repeated="16000"/></table:table-row>{tail}</table:table>"#
        );
        assert_eq!(check(&ods(&body)), Ok(()));
        // One valued cell repeated over 100 columns, its row over 999,990 rows.
        let bomb = r#"<table:table table:name="增员"><table:table-row table:number-rows-repeated="999990"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>"#;
        let err = check(&ods(bomb)).unwrap_err();
        assert!(
            err.contains("sheet 增员: its repeated rows and columns span 999990 rows × 100 columns (99999000 cells)"),
            "{err}"
        );
        // Two valued cells far apart span everything between them.
        let far = format!(
            r#"<table:table table:name="S"><table:table-row>{VALUE}</table:table-row><table:table-row table:number-rows-repeated="40000"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="999"/>{VALUE}</table:table-row></table:table>"#
        );
        let err = check(&ods(&far)).unwrap_err();
        assert!(err.contains("40002 rows × 1000 columns"), "{err}");
    }

    /// The ways around a first version of this check (a review found them):
    /// each is now refused, or counted as calamine counts it.
    #[test]
    fn values_escapes_stray_tags_nested_tables_and_eof_are_counted() {
        let big = |cell_attrs: &str, rows: &str| {
            format!(
                r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="100" {cell_attrs}/></table:table-row></table:table>"#
            )
        };
        // A value with no value-type, a string value, a formula.
        for attrs in [
            r#"office:value="1""#,
            r#"office:string-value="x""#,
            r#"table:formula="of:=1""#,
        ] {
            let err = check(&ods(&big(attrs, "999990"))).unwrap_err();
            assert!(err.contains("999990 rows × 100 columns"), "{attrs}: {err}");
        }
        // The repeat count written with character references.
        let err = check(&ods(&big(
            r#"office:value="1""#,
            "&#57;&#57;&#57;&#57;&#57;&#48;",
        )))
        .unwrap_err();
        assert!(err.contains("999990 rows"), "{err}");
        // A stray end tag before the bomb does not stop the count.
        let stray = format!("<a></b>{}", big(r#"office:value="1""#, "999990"));
        assert!(check(&ods(&stray)).unwrap_err().contains("999990 rows"));
        // A table nested in a cell does not end the outer table's count.
        let nested = format!(
            r#"<table:table table:name="S"><table:table-row><table:table-cell><table:table table:name="inner"><table:table-row>{VALUE}</table:table-row></table:table></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="999990"><table:table-cell table:number-columns-repeated="100" office:value="1"/></table:table-row></table:table>"#
        );
        let err = check(&ods(&nested)).unwrap_err();
        assert!(
            err.contains("sheet S:") && err.contains("999991 rows"),
            "{err}"
        );
        // A content.xml that ends inside a table (calamine would read on for ever).
        let cut = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("content.xml", stored).unwrap();
        zip.write_all(cut.as_bytes()).unwrap();
        let err = check(&zip.finish().unwrap().into_inner()).unwrap_err();
        assert!(err.contains("ends inside sheet S"), "{err}");
        // Stored before expansion: 10,000 rows, each one value at column 16,384
        // (a narrow extent, but calamine stores each row from column 0).
        let wide = format!(
            r#"<table:table table:name="S">{}</table:table>"#,
            r#"<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value="1"/></table:table-row>"#.repeat(2000)
        );
        let err = check(&ods(&wide)).unwrap_err();
        assert!(err.contains("(32768000 cells)"), "{err}");
    }

    #[test]
    fn tables_are_limited_together_too() {
        // Two tables of 20,000,000 cells each: each fits, both do not.
        let t = |name: &str| {
            format!(
                r#"<table:table table:name="{name}"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="20" office:value-type="float" office:value="1"/></table:table-row></table:table>"#
            )
        };
        assert_eq!(check(&ods(&t("A"))), Ok(()));
        let err = check(&ods(&format!("{}{}", t("A"), t("B")))).unwrap_err();
        assert!(err.contains("reached in sheet B"), "{err}");
    }
}
