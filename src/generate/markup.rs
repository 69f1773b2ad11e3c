//! `--format spreadsheetml` and `--format html`: the rows of the CSV format
//! written the way web back offices save an "Excel" download — an "Excel 2003
//! XML" (SpreadsheetML) workbook, UTF-8, or an HTML table, GBK with its charset
//! in a `<meta>` tag — under an `.xls` name, a title row above the header.
//! Every cell is text, as those systems write it (IDs keep their digits).

use super::render::{EVENT_HEADER, EventRow, RenderContext, push_csv_row};
use super::{GenerateError, encode, io_error, write_rows};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Markup {
    SpreadsheetMl,
    Html,
}

/// The fields of one generated CSV line: split at commas, a `"…"` field (a
/// money cell holding a comma) unquoted.
fn fields(line: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(EVENT_HEADER.len());
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix(',').unwrap_or(rest);
            if rest.is_empty() && !quoted[end..].starts_with("\",") {
                return out;
            }
            continue;
        }
        match rest.find(',') {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest);
                return out;
            }
        }
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

fn push_row(out: &mut String, cells: &[&str], kind: Markup) {
    match kind {
        Markup::SpreadsheetMl => {
            out.push_str("<Row>");
            for c in cells {
                if c.is_empty() {
                    out.push_str("<Cell/>");
                } else {
                    out.push_str("<Cell><Data ss:Type=\"String\">");
                    escape(out, c);
                    out.push_str("</Data></Cell>");
                }
            }
            out.push_str("</Row>\n");
        }
        Markup::Html => {
            out.push_str("<tr>");
            for c in cells {
                out.push_str("<td>");
                escape(out, c);
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
    }
}

/// Writes `rows` as one SpreadsheetML or HTML `.xls`; returns its size in bytes.
pub fn write(
    path: &Path,
    rows: &[EventRow],
    title: &str,
    ctx: &RenderContext<'_>,
    kind: Markup,
) -> Result<u64, GenerateError> {
    let file = File::create(path).map_err(io_error(path))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let width = EVENT_HEADER.len();
    let mut head = String::new();
    match kind {
        Markup::SpreadsheetMl => {
            head.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n");
            head.push_str("<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">\n");
            head.push_str("<Worksheet ss:Name=\"增减员\"><Table>\n");
            head.push_str(&format!(
                "<Row><Cell ss:MergeAcross=\"{}\"><Data ss:Type=\"String\">",
                width - 1
            ));
            escape(&mut head, title);
            head.push_str("</Data></Cell></Row>\n");
        }
        Markup::Html => {
            head.push_str("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\">\n<title>");
            escape(&mut head, title);
            head.push_str("</title>\n</head>\n<body>\n<table border=\"1\">\n");
            head.push_str(&format!("<tr><td colspan=\"{width}\">"));
            escape(&mut head, title);
            head.push_str("</td></tr>\n");
        }
    }
    push_row(&mut head, &EVENT_HEADER, kind);
    let head = encode(head, ctx.gbk, path)?;
    w.write_all(&head).map_err(io_error(path))?;
    let mut bytes = head.len() as u64;
    bytes += write_rows(&mut w, rows, ctx.gbk, path, |text, row| {
        let mut line = String::with_capacity(160);
        push_csv_row(&mut line, row, ctx, "");
        push_row(text, &fields(&line), kind);
    })?;
    let tail: &[u8] = match kind {
        Markup::SpreadsheetMl => b"</Table></Worksheet>\n</Workbook>\n",
        Markup::Html => b"</table>\n</body>\n</html>\n",
    };
    w.write_all(tail).map_err(io_error(path))?;
    bytes += tail.len() as u64;
    w.flush().map_err(io_error(path))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_line_splits_into_its_cells() {
        assert_eq!(fields("a,,b"), ["a", "", "b"]);
        assert_eq!(fields("a,\"8,000.00\",c"), ["a", "8,000.00", "c"]);
        assert_eq!(fields("a,\"8,000.00\""), ["a", "8,000.00"]);
        assert_eq!(fields("a,\"8,000.00\","), ["a", "8,000.00", ""]);
        assert_eq!(fields(""), [""]);
    }
}
