//! Finding the header row: the first row (within the first [`HEADER_SEARCH_ROWS`])
//! whose cells map the required columns of a table, skipping title lines
//! (`XX公司2025年10月社保增减员表`) and blank lines above it. Also decides the row
//! shape: event rows (变动类型 + 变动日期) or roster rows (入职日期 [+ 离职日期]).

use crate::ingest::schema::{ColumnSchema, EventWord, MonthMeaning, trim_spaces};
use crate::model::Shape;

/// The text that separates a header path's levels (`社保 / 缴费基数`).
pub const PATH_SEP: &str = " / ";

/// A header path per column from a group row above a label row: a group cell
/// (a merged cell exported as its first cell, blanks after it) names every
/// column up to the next group cell; a blank label (a cell merged down from
/// the group row) is the group itself.
pub fn header_paths<S: AsRef<str>, T: AsRef<str>>(groups: &[S], labels: &[T]) -> Vec<String> {
    let mut group = String::new();
    (0..labels.len().max(groups.len()))
        .map(|i| {
            if let Some(g) = groups
                .get(i)
                .map(|g| g.as_ref().trim())
                .filter(|g| !g.is_empty())
            {
                group = g.to_string();
            }
            let label = labels.get(i).map_or("", |l| l.as_ref().trim());
            match (group.is_empty(), label.is_empty()) {
                (true, _) => label.to_string(),
                (false, true) => group.clone(),
                (false, false) if group == label => label.to_string(),
                (false, false) => format!("{group}{PATH_SEP}{label}"),
            }
        })
        .collect()
}

/// A sheet named as instructions or a list for drop-downs (`填表说明`,
/// `重要!!!`, `字典`, `下拉选项`): not data when it has no header. Its reason
/// when skipped says so.
pub fn instruction_sheet(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "说明",
        "须知",
        "注意",
        "重要",
        "填表",
        "指南",
        "帮助",
        "字典",
        "码表",
        "下拉",
        "选项",
        "参数",
        "instruction",
        "readme",
        "help",
        "lists",
    ];
    let lower = name.to_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

/// A header reading: its texts, the columns they map, the shape.
type Reading = (Vec<String>, Vec<(String, usize)>, Shape);

/// How many leading rows may hold titles before the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// A header row mapped to canonical columns.
#[derive(Clone, Debug)]
pub struct HeaderMap {
    /// Index of the header among the rows searched.
    pub index: usize,
    pub shape: Shape,
    /// The header texts as found in the file, by column index.
    pub headers: Vec<String>,
    /// Canonical column → column index (first header that maps it).
    pub columns: Vec<(String, usize)>,
    /// No event type column: every row is this event, named by the sheet or
    /// file name given (what it said).
    pub event_from: Option<(EventWord, String)>,
    /// Month-only columns mapped (column index, what its month means, the
    /// medical insurance's own), in header order.
    pub months: Vec<MonthColumn>,
}

/// A month-only event column of a header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MonthColumn {
    pub index: usize,
    pub meaning: MonthMeaning,
    pub medical: bool,
}

fn month_columns(
    schema: &ColumnSchema,
    table: &str,
    mapped: &[(String, usize)],
) -> Vec<MonthColumn> {
    let mut out: Vec<MonthColumn> = mapped
        .iter()
        .filter_map(|(c, i)| {
            let spec = schema.spec(table, c)?;
            Some(MonthColumn {
                index: *i,
                meaning: spec.month?,
                medical: spec.medical,
            })
        })
        .collect();
    out.sort_by_key(|m| m.index);
    out
}

impl HeaderMap {
    pub fn get(&self, canonical: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|(c, _)| c == canonical)
            .map(|(_, i)| *i)
    }
    /// The header text of column `i` as found in the file.
    pub fn header_text(&self, i: usize) -> &str {
        self.headers.get(i).map(String::as_str).unwrap_or("")
    }
}

fn map_row(schema: &ColumnSchema, table: &str, row: &[String]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for (i, h) in row.iter().enumerate() {
        if let Some(c) = schema.canonical_for(table, h)
            && !out.iter().any(|(k, _)| k == c)
        {
            out.push((c.to_string(), i));
        }
    }
    out
}

/// The shape a mapped row supports, if any; `hinted` when the sheet or file
/// name gives the event type, so that a date column (or a separation date)
/// without a type column makes event rows.
fn shape_of(
    schema: &ColumnSchema,
    table: &str,
    mapped: &[(String, usize)],
    hinted: bool,
) -> Option<Shape> {
    let has = |c: &str| mapped.iter().any(|(k, _)| k == c);
    let months = month_columns(schema, table, mapped);
    // A roster's hire month is a first month paid; a period (费款所属期)
    // needs the row's event type.
    let hire_month = months.iter().any(|m| m.meaning == MonthMeaning::FirstPaid);
    let any_month = !months.is_empty();
    let required_ok = schema
        .table(table)
        .iter()
        .filter(|c| c.required)
        .all(|c| has(&c.canonical));
    if !required_ok {
        return None;
    }
    match table {
        "events" => {
            if has("event") && (has("date") || any_month) {
                Some(Shape::Events)
            } else if has("hire_date") || hire_month {
                Some(Shape::Roster)
            } else if hinted
                && !has("event")
                && (has("date") || has("separation_date") || any_month)
            {
                Some(Shape::Events)
            } else {
                None
            }
        }
        "ui" => Some(Shape::Ui),
        "ledger" => Some(Shape::Ledger),
        _ => None,
    }
}

/// The first alias that is not the canonical name, for messages (`变动类型`).
fn display_name(schema: &ColumnSchema, table: &str, canonical: &str) -> String {
    let alias = schema
        .table(table)
        .iter()
        .find(|c| c.canonical == canonical)
        .and_then(|c| c.aliases.iter().find(|a| !a.is_ascii()).cloned());
    match alias {
        Some(a) => format!("{a} ({canonical})"),
        None => canonical.to_string(),
    }
}

/// Finds the header among `rows` (the first rows of a file or sheet, as text).
/// `s` when at most `max` characters, else its first `max` and how long it was.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}… ({} characters)", &s[..cut], s.chars().count()),
    }
}

/// The error names the missing column(s) and lists the headers found.
pub fn find_header(
    schema: &ColumnSchema,
    table: &str,
    rows: &[Vec<String>],
) -> Result<HeaderMap, String> {
    find_header_named(schema, table, rows, &[])
}

/// [`find_header`] for a sheet or file whose names (sheet name first, then
/// file name) may say what every row is: `增员`, `减员名单`. Used only when
/// the header has no event type column.
pub fn find_header_named(
    schema: &ColumnSchema,
    table: &str,
    rows: &[Vec<String>],
    names: &[(&str, &str)],
) -> Result<HeaderMap, String> {
    let hint = if table == "events" {
        names.iter().find_map(|(what, name)| {
            schema
                .event_word_in(name)
                .map(|w| (w, format!("{what} `{name}`")))
        })
    } else {
        None
    };
    let mut best: Option<(usize, Vec<(String, usize)>)> = None;
    let blank = |r: &[String]| r.iter().all(|c| trim_spaces(c).is_empty());
    for (index, row) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        // This row alone, or as the label row under one or two group rows
        // (merged cells: `社保` over `缴费基数 | 参保地`, an ID header merged
        // down); the alone reading wins a tie.
        let mut candidates: Vec<Vec<String>> = vec![row.clone()];
        if index >= 1 && !blank(&rows[index - 1]) {
            candidates.push(header_paths(&rows[index - 1], row));
            if index >= 2 && !blank(&rows[index - 2]) {
                let upper = header_paths(&rows[index - 2], &rows[index - 1]);
                candidates.push(header_paths(&upper, row));
            }
        }
        let mut found: Option<Reading> = None;
        for cand in candidates {
            let mapped = map_row(schema, table, &cand);
            if let Some(shape) = shape_of(schema, table, &mapped, hint.is_some())
                && found
                    .as_ref()
                    .is_none_or(|(_, m, _)| mapped.len() > m.len())
            {
                found = Some((cand, mapped, shape));
            } else if best.as_ref().is_none_or(|(_, b)| mapped.len() > b.len()) {
                best = Some((index, mapped));
            }
        }
        let Some((mut header, mut mapped, mut shape)) = found else {
            continue;
        };
        // The header may go on below: a label row under this one (merged
        // group cells above it), or the label row under a row of technical
        // field names (Beisen). A row is part of the header when its ID
        // cell holds no ID and it maps more columns with this row (or, alone,
        // at least as many).
        let mut index = index;
        for _ in 0..2 {
            let Some(next) = rows.get(index + 1) else {
                break;
            };
            let id_col = mapped
                .iter()
                .find(|(k, _)| k == "person_id")
                .map(|(_, i)| *i);
            let holds_id = id_col
                .and_then(|i| next.get(i))
                .is_some_and(|c| c.bytes().filter(u8::is_ascii_digit).count() >= 6);
            if holds_id || blank(next) {
                break;
            }
            let alone = map_row(schema, table, next);
            let paths_text = header_paths(&header, next);
            let paths = map_row(schema, table, &paths_text);
            let pick = if let Some(sh) = shape_of(schema, table, &paths, hint.is_some())
                && paths.len() > mapped.len()
                && paths.len() >= alone.len()
            {
                Some((paths_text, paths, sh))
            } else if let Some(sh) = shape_of(schema, table, &alone, hint.is_some())
                && alone.len() >= mapped.len()
            {
                Some((next.clone(), alone, sh))
            } else {
                None
            };
            let Some((h, m, sh)) = pick else {
                break;
            };
            (header, mapped, shape) = (h, m, sh);
            index += 1;
        }
        let has_type = mapped.iter().any(|(k, _)| k == "event");
        let event_from = match shape {
            Shape::Events if !has_type => hint.clone(),
            _ => None,
        };
        return Ok(HeaderMap {
            index,
            shape,
            headers: header.iter().map(|h| trim_spaces(h).to_string()).collect(),
            months: month_columns(schema, table, &mapped),
            columns: mapped,
            event_from,
        });
    }
    let (found_row, mapped) = match best {
        Some((i, m)) if !m.is_empty() => (Some(i), m),
        _ => (
            rows.iter()
                .position(|r| r.iter().any(|c| !trim_spaces(c).is_empty())),
            Vec::new(),
        ),
    };
    let has = |c: &str| mapped.iter().any(|(k, _)| k == c);
    let mut missing: Vec<String> = schema
        .table(table)
        .iter()
        .filter(|c| c.required && !has(&c.canonical))
        .map(|c| display_name(schema, table, &c.canonical))
        .collect();
    let any_month = !month_columns(schema, table, &mapped).is_empty();
    if table == "events" && !(has("event") && (has("date") || any_month)) && !has("hire_date") {
        let mut ev: Vec<String> = Vec::new();
        if !has("event") {
            ev.push(display_name(schema, table, "event"));
        }
        if !has("date") && !any_month {
            ev.push(format!(
                "{} or a month column such as {}",
                display_name(schema, table, "date"),
                display_name(schema, table, "period")
            ));
        }
        missing.push(format!(
            "{} (or {} for roster rows)",
            ev.join(" and "),
            display_name(schema, table, "hire_date")
        ));
    }
    // What the file has, shown short: a "header" may be a 200 MB line.
    const SHOW_HEADERS: usize = 30;
    const SHOW_CHARS: usize = 40;
    let mut found: Vec<String> = found_row
        .map(|i| {
            rows[i]
                .iter()
                .map(|h| trim_spaces(h))
                .filter(|h| !h.is_empty())
                .map(|h| excerpt(h, SHOW_CHARS))
                .collect()
        })
        .unwrap_or_default();
    if found.len() > SHOW_HEADERS {
        let more = found.len() - SHOW_HEADERS;
        found.truncate(SHOW_HEADERS);
        found.push(format!("… and {more} more"));
    }
    Err(format!(
        "no header row with the required columns in the first {HEADER_SEARCH_ROWS} rows: missing {}; headers found: {}",
        missing.join(", "),
        if found.is_empty() {
            "(none)".to_string()
        } else {
            found.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn header_below_title_and_blank_lines_event_shape() {
        let s = ColumnSchema::shipped();
        let rows = vec![
            row(&["XX公司2025年10月社保增减员表", "", ""]),
            row(&["", "", ""]),
            row(&["姓名", "身份证号", "变动类型", "变动日期", "缴费基数(元)"]),
        ];
        let h = find_header(&s, "events", &rows).unwrap();
        assert_eq!(h.index, 2);
        assert_eq!(h.shape, Shape::Events);
        assert_eq!(h.get("person_id"), Some(1));
        assert_eq!(h.get("wage"), Some(4));
        assert_eq!(h.header_text(4), "缴费基数(元)");
    }

    #[test]
    fn roster_shape_from_hire_date() {
        let s = ColumnSchema::shipped();
        let rows = vec![row(&["身份证号码", "入职日期", "离职日期"])];
        let h = find_header(&s, "events", &rows).unwrap();
        assert_eq!(h.shape, Shape::Roster);
        assert_eq!(h.get("separation_date"), Some(2));
    }

    #[test]
    fn missing_columns_are_named_with_headers_found() {
        let s = ColumnSchema::shipped();
        let rows = vec![row(&["标题"]), row(&["姓名", "身份证号", "备注"])];
        let e = find_header(&s, "events", &rows).unwrap_err();
        assert!(e.contains("missing 变动类型 (event) and 变动日期 (date) or a month column such as 费款所属期 (period) (or 入职日期 (hire_date) for roster rows)"), "{e}");
        assert!(e.contains("headers found: 姓名, 身份证号, 备注"), "{e}");
        let e = find_header(&s, "events", &[row(&["姓名", "变动类型", "日期"])]).unwrap_err();
        assert!(e.contains("missing 身份证号 (person_id)"), "{e}");
    }

    #[test]
    fn a_huge_line_is_not_echoed_whole() {
        // Issue 17 (messages): a 200 MB line once came back whole in the error.
        let s = ColumnSchema::shipped();
        let long = "x".repeat(1_000_000);
        let e = find_header(&s, "events", &[row(&[&long])]).unwrap_err();
        assert!(e.len() < 1_000, "{} bytes", e.len());
        assert!(
            e.ends_with(&format!(
                "headers found: {}… (1000000 characters)",
                "x".repeat(40)
            )),
            "{e}"
        );
        let many: Vec<String> = (0..100).map(|i| format!("列{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = find_header(&s, "events", &[row(&refs)]).unwrap_err();
        assert!(e.ends_with("列28, 列29, … and 70 more"), "{e}");
    }
}
