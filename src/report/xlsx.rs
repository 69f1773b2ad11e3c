//! The audit workbook `report.xlsx` (rust_xlsxwriter): a Summary sheet (汇总)
//! first, then with `--since` the changes (变化), the coverage calendar
//! (参保月历), then one sheet per table (人员, 断缴, 停保, 欠缴, 单位, 拒收, 多缴,
//! 标记; English names with `--lang en`).
//!
//! Every table sheet has a bold frozen header row and an autofilter; money
//! cells are numbers formatted `#,##0.00`; months and dates are text in the
//! SPEC's forms (`2025-04`, `2025-04-04`) so they read the same everywhere.
//! Column widths are measured here (a CJK character counts as two, capped at
//! 60) because Excel's autofit under-measures Chinese. A sheet with more than
//! [`EXCEL_MAX_DATA_ROWS`] rows continues on `人员 (2)`, `人员 (3)`…; sheets
//! over [`CONSTANT_MEMORY_ROWS`] rows are streamed in constant-memory mode.
//!
//! Formula neutralisation: text cells are always written as strings (never
//! formulas); a text starting with `=`, `+`, `-`, `@`, tab or CR also gets
//! Excel's quote-prefix style, so editing the cell keeps it text.
//!
//! Sheets print on A4 landscape, one page wide, header row repeated.
//!
//! Determinism: the document's creation time is set to the as-of date
//! (midnight UTC) instead of "now", and rust_xlsxwriter stamps zip entries
//! with a fixed date, so the same data gives the same bytes.

use super::ReportError;
use super::manifest::{Manifest, TOOL, VERSION, masked_inputs};
use super::mask::maybe_mask;
use super::progress::RowProgress;
use super::summary::RunSummary;
use super::table::{Table, Value, looks_like_formula, round_money};
use crate::cli::Lang;
use crate::model::{Calendar, InputReport, MonthState};
use chrono::Datelike;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart, ChartType, Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook,
    Worksheet, XlsxError,
};
use std::path::Path;

/// Data rows per sheet: Excel's 1,048,576 rows minus the header row.
pub const EXCEL_MAX_DATA_ROWS: usize = 1_048_575;
/// Default: sheets with more rows than this are written in constant-memory mode.
pub const CONSTANT_MEMORY_ROWS: usize = 50_000;
/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;
const MAX_WIDTH: usize = 60;
const MIN_WIDTH: usize = 6;

/// How the workbook is laid out; tests shrink `max_data_rows` to see splits.
#[derive(Clone, Debug)]
pub struct WorkbookOptions {
    pub lang: Lang,
    pub max_data_rows: usize,
    /// Sheets with more data rows than this are streamed in constant-memory mode.
    pub constant_memory_rows: usize,
    pub mask: bool,
}

/// What the Summary sheet shows besides the tables.
pub struct SummaryInput<'a> {
    pub manifest: &'a Manifest,
    pub inputs: &'a [InputReport],
    pub summary: &'a RunSummary,
    /// Set when the run was too large for every per-person table.
    pub cut: Option<WorkbookCut>,
    /// 单位名称 beside the top employers' codes (and as the chart's labels).
    pub employer_names: &'a crate::model::EmployerNames,
}

/// A large run's workbook: persons past `limit`, only `flagged` persons listed,
/// each sheet at most `sheet_rows` rows (`heads`: the sheets that were cut).
pub struct WorkbookCut {
    pub limit: usize,
    pub flagged: usize,
    pub sheet_rows: usize,
    pub heads: Vec<HeadCut>,
}

/// A sheet holding only the first `shown` of its table's `total` rows.
pub struct HeadCut {
    /// The CSV's stem (`gaps` → gaps.csv).
    pub table: &'static str,
    /// The sheet's name in the workbook's language.
    pub sheet: &'static str,
    pub shown: usize,
    pub total: usize,
}

struct Formats {
    header: Format,
    money: Format,
    quoted: Format,
    title: Format,
    section: Format,
    /// A summary fact's long text: wrapped inside the table columns (and
    /// always text, never a formula).
    wrapped: Format,
    /// The summary's columns: long texts (file names, policy months, hashes)
    /// wrap within [`SUMMARY_MAX_WIDTH`] instead of widening the page.
    wrap_column: Format,
    /// The calendar's cell fills, in [`CALENDAR_COLOURS`] order.
    fills: Vec<(MonthState, Format)>,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            money: Format::new().set_num_format("#,##0.00"),
            quoted: Format::new().set_quote_prefix(),
            title: Format::new().set_bold().set_font_size(14),
            section: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2)),
            wrapped: Format::new()
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top)
                .set_quote_prefix(),
            wrap_column: Format::new()
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top),
            fills: CALENDAR_COLOURS
                .iter()
                .map(|&(state, rgb)| {
                    (
                        state,
                        Format::new()
                            .set_background_color(Color::RGB(rgb))
                            .set_align(rust_xlsxwriter::FormatAlign::Center),
                    )
                })
                .collect(),
        }
    }

    /// Every format, in a fixed order: registered with the workbook before
    /// sheets are filled side by side, so a streamed sheet's style numbers
    /// do not depend on which thread used a format first.
    fn all(&self) -> impl Iterator<Item = &Format> {
        [
            &self.header,
            &self.money,
            &self.quoted,
            &self.title,
            &self.section,
            &self.wrapped,
            &self.wrap_column,
        ]
        .into_iter()
        .chain(self.fills.iter().map(|(_, f)| f))
    }

    fn fill(&self, state: MonthState) -> &Format {
        let i = self
            .fills
            .iter()
            .position(|(s, _)| *s == state)
            .unwrap_or(0);
        &self.fills[i].1
    }
}

/// Display width in Excel character units: CJK and other wide characters count two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u)
                || (0x20000..=0x3FFFD).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Tracks the widest cell of each column of a sheet.
struct Widths(Vec<usize>);

impl Widths {
    fn new(columns: usize) -> Self {
        Widths(vec![MIN_WIDTH; columns])
    }
    fn see(&mut self, col: usize, width: usize) {
        if col >= self.0.len() {
            self.0.resize(col + 1, MIN_WIDTH);
        }
        let w = &mut self.0[col];
        *w = (*w).max(width.min(MAX_WIDTH));
    }
    fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (c, w) in self.0.iter().enumerate() {
            // +2: room for the autofilter button / padding.
            sheet.set_column_width(c as u16, (*w + 2) as f64)?;
        }
        Ok(())
    }
}

fn money_f64(d: Decimal) -> f64 {
    round_money(d).to_f64().unwrap_or(0.0)
}

/// `1234567.5` → width of `1,234,567.50`.
fn money_width(d: Decimal) -> usize {
    let s = format!("{:.2}", round_money(d));
    let digits = s.trim_start_matches('-').len() - 3;
    s.len() + digits.saturating_sub(1) / 3
}

fn clip(text: &str) -> &str {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    fmt: &Formats,
) -> Result<usize, XlsxError> {
    let text = clip(text);
    if looks_like_formula(text) {
        sheet.write_string_with_format(row, col, text, &fmt.quoted)?;
    } else {
        sheet.write_string(row, col, text)?;
    }
    Ok(display_width(text))
}

fn write_value(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    fmt: &Formats,
) -> Result<usize, XlsxError> {
    Ok(match value {
        Value::Null => 0,
        Value::Text(s) => write_text(sheet, row, col, s, fmt)?,
        Value::Int(n) => {
            sheet.write_number(row, col, *n as f64)?;
            n.to_string().len()
        }
        Value::Money(d) => {
            sheet.write_number_with_format(row, col, money_f64(*d), &fmt.money)?;
            money_width(*d)
        }
        Value::Month(_) | Value::Date(_) => {
            let s = value.to_text();
            sheet.write_string(row, col, &s)?;
            s.len()
        }
        Value::Bool(b) => {
            sheet.write_boolean(row, col, *b)?;
            5
        }
    })
}

fn sheet_base_name(table: &dyn Table, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => table.sheet_zh(),
        Lang::En => table.sheet_en(),
    }
}

/// Sheet names for a table of `rows` rows: `人员`, then `人员 (2)`… past the limit.
pub fn sheet_names(base: &str, rows: usize, max_data_rows: usize) -> Vec<String> {
    let max = max_data_rows.max(1);
    let sheets = rows.div_ceil(max).max(1);
    (1..=sheets)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base} ({n})")
            }
        })
        .collect()
}

/// One sheet of a table to fill: the table's rows `start..end` (a table past
/// Excel's row limit continues on `人员 (2)`…).
struct SheetPart<'t> {
    table: &'t dyn Table,
    start: usize,
    end: usize,
}

/// Adds the sheets of `table` to the workbook, named and empty, in order
/// (streamed ones get their temporary file now); returns what each holds.
fn add_table_sheets<'t>(
    workbook: &mut Workbook,
    table: &'t dyn Table,
    opts: &WorkbookOptions,
) -> Result<Vec<SheetPart<'t>>, XlsxError> {
    let max = opts.max_data_rows.max(1);
    let names = sheet_names(sheet_base_name(table, opts.lang), table.len(), max);
    let mut parts = Vec::with_capacity(names.len());
    for (part, name) in names.iter().enumerate() {
        let start = part * max;
        let end = (start + max).min(table.len());
        let rows = end.saturating_sub(start);
        let sheet = if rows > opts.constant_memory_rows {
            workbook.add_worksheet_with_constant_memory()?
        } else {
            workbook.add_worksheet()
        };
        sheet.set_name(name)?;
        parts.push(SheetPart { table, start, end });
    }
    Ok(parts)
}

/// [`add_table_sheets`], each sheet listed as a job with its index.
fn add_table_jobs<'t>(
    workbook: &mut Workbook,
    table: &'t dyn Table,
    opts: &WorkbookOptions,
    jobs: &mut Vec<(usize, Job<'t>)>,
) -> Result<(), XlsxError> {
    let at = workbook.worksheets_mut().len();
    for (k, part) in add_table_sheets(workbook, table, opts)?
        .into_iter()
        .enumerate()
    {
        jobs.push((at + k, Job::Table(part)));
    }
    Ok(())
}

/// Writes one sheet's header and rows (any thread: each sheet is its own).
fn fill_table_sheet(
    sheet: &mut Worksheet,
    part: &SheetPart<'_>,
    opts: &WorkbookOptions,
    fmt: &Formats,
    progress: &RowProgress,
) -> Result<(), XlsxError> {
    let table = part.table;
    let columns = table.columns();
    let mut values = Vec::with_capacity(columns.len());
    // The columns whose codes have workbook texts (schemas/messages.toml).
    let coded: Vec<bool> = columns
        .iter()
        .map(|c| {
            matches!(
                c.key,
                "status"
                    | "kind"
                    | "resident_wait_reason"
                    | "flag"
                    | "flags"
                    | "code"
                    | "change"
                    | "before"
                    | "after"
            )
        })
        .collect();
    let rows = part.end.saturating_sub(part.start);
    let mut widths = Widths::new(columns.len());
    for (c, column) in columns.iter().enumerate() {
        let header = match opts.lang {
            Lang::Zh => column.zh,
            Lang::En => column.key,
        };
        sheet.write_string_with_format(0, c as u16, header, &fmt.header)?;
        widths.see(c, display_width(header));
    }
    // Each code column's texts, looked up once per distinct code (a million
    // rows hold a few hundred flag combinations).
    let mut labels: Vec<std::collections::HashMap<String, Option<String>>> =
        vec![Default::default(); columns.len()];
    for (r, i) in (part.start..part.end).enumerate() {
        table.row_in(i, opts.lang, &mut values);
        let row = r as u32 + 1;
        for (c, v) in values.iter().enumerate() {
            // A code column shows its text in the workbook's language.
            let label = match v {
                Value::Text(t) if coded[c] => {
                    if !labels[c].contains_key(t.as_ref()) {
                        let text = super::labels::workbook_text(columns[c].key, t, opts.lang);
                        labels[c].insert(t.to_string(), text);
                    }
                    labels[c].get(t.as_ref()).and_then(Option::as_deref)
                }
                _ => None,
            };
            let w = match label {
                Some(l) => write_value(
                    sheet,
                    row,
                    c as u16,
                    &Value::Text(std::borrow::Cow::Borrowed(l)),
                    fmt,
                )?,
                None => write_value(sheet, row, c as u16, v, fmt)?,
            };
            widths.see(c, w);
        }
        if r % 1024 == 1023 {
            progress.inc(1024);
        }
    }
    progress.inc((rows % 1024) as u64);
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows as u32, columns.len().saturating_sub(1) as u16)?;
    print_setup(sheet);
    sheet.set_repeat_rows(0, 0)?;
    widths.apply(sheet)?;
    Ok(())
}

/// Printing for auditors: A4 landscape, one page wide (as many pages tall as
/// needed), gridlines on.
fn print_setup(sheet: &mut Worksheet) {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_gridlines(true);
}

/// Labels of the Summary sheet: (Chinese, English).
fn label(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

struct SummaryWriter<'s> {
    sheet: &'s mut Worksheet,
    row: u32,
    widths: Widths,
    /// Facts too long for column B, by row: written once the table columns'
    /// widths are known, wrapped across them (see [`SummaryWriter::finish`]).
    long_facts: Vec<(u32, String)>,
    /// Table rows with a cell wider than [`SUMMARY_MAX_WIDTH`]: each cell's
    /// width, for the row's height once the columns' widths are known.
    tall_rows: Vec<(u32, Vec<usize>)>,
}

/// A summary fact wider than this is wrapped across the table columns.
const LONG_FACT: usize = 40;
/// The summary's columns are at most this wide; longer texts wrap.
const SUMMARY_MAX_WIDTH: usize = 32;
/// The summary's table columns (A..H): long facts wrap within B..H, so a
/// printed page is as wide as the tables, the charts beside them.
const SUMMARY_COLUMNS: u16 = 8;

impl<'s> SummaryWriter<'s> {
    fn cells(&mut self, values: &[Value], fmt: &Formats) -> Result<(), XlsxError> {
        let mut cells = Vec::with_capacity(values.len());
        for (c, v) in values.iter().enumerate() {
            let w = write_value(self.sheet, self.row, c as u16, v, fmt)?;
            self.widths.see(c, w);
            cells.push(w);
        }
        if cells.iter().any(|w| *w > SUMMARY_MAX_WIDTH) {
            self.tall_rows.push((self.row, cells));
        }
        self.row += 1;
        Ok(())
    }
    /// A label and a long value (run facts): the value overflows into the
    /// empty cells to its right instead of widening column B for every table.
    fn fact(&mut self, label: &str, value: Value, fmt: &Formats) -> Result<(), XlsxError> {
        let w = write_text(self.sheet, self.row, 0, label, fmt)?;
        self.widths.see(0, w);
        match value {
            Value::Text(t) if display_width(&t) > LONG_FACT => {
                self.long_facts.push((self.row, clip(&t).to_string()));
            }
            v => {
                write_value(self.sheet, self.row, 1, &v, fmt)?;
            }
        }
        self.row += 1;
        Ok(())
    }
    /// Sets the column widths, then writes each long fact merged across
    /// B..H, wrapped, its row as tall as its lines.
    fn finish(self, fmt: &Formats) -> Result<&'s mut Worksheet, XlsxError> {
        let SummaryWriter {
            sheet,
            widths,
            long_facts,
            tall_rows,
            ..
        } = self;
        let widths = Widths(
            widths
                .0
                .iter()
                .map(|w| (*w).min(SUMMARY_MAX_WIDTH))
                .collect(),
        );
        widths.apply(sheet)?;
        for c in 0..SUMMARY_COLUMNS {
            sheet.set_column_format(c, &fmt.wrap_column)?;
        }
        // A wrapped row is as tall as its longest cell's lines (spreadsheets
        // do not grow a row on opening a file).
        for (row, cells) in tall_rows {
            let lines = cells
                .iter()
                .enumerate()
                .map(|(c, w)| w.div_ceil(widths.0.get(c).copied().unwrap_or(MIN_WIDTH).max(1)))
                .max()
                .unwrap_or(1);
            if lines > 1 {
                sheet.set_row_height(row, 15.0 * lines as f64)?;
            }
        }
        // Characters a line holds across B..H (a CJK character counts two).
        let across: usize = (1..usize::from(SUMMARY_COLUMNS))
            .map(|c| widths.0.get(c).copied().unwrap_or(MIN_WIDTH) + 2)
            .sum();
        for (row, text) in long_facts {
            sheet.merge_range(row, 1, row, SUMMARY_COLUMNS - 1, &text, &fmt.wrapped)?;
            // A tenth spare: a wrapped line breaks at a space, not at the edge.
            let lines = display_width(&text)
                .div_ceil((across * 9 / 10).max(1))
                .max(1);
            sheet.set_row_height(row, 15.0 * lines as f64)?;
        }
        Ok(sheet)
    }
    fn section(&mut self, title: &str, headers: &[&str], fmt: &Formats) -> Result<(), XlsxError> {
        self.row += 1;
        self.sheet
            .write_string_with_format(self.row, 0, title, &fmt.section)?;
        self.row += 1;
        if !headers.is_empty() {
            for (c, h) in headers.iter().enumerate() {
                self.sheet
                    .write_string_with_format(self.row, c as u16, *h, &fmt.header)?;
                self.widths.see(c, display_width(h));
            }
            self.row += 1;
        }
        Ok(())
    }
}

fn text<'a>(s: impl Into<std::borrow::Cow<'a, str>>) -> Value<'a> {
    Value::Text(s.into())
}

fn int(n: u64) -> Value<'static> {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn write_summary_sheet(
    workbook: &mut Workbook,
    input: &SummaryInput,
    opts: &WorkbookOptions,
    fmt: &Formats,
) -> Result<(), XlsxError> {
    let lang = opts.lang;
    let l = |zh, en| label(lang, zh, en);
    let sheet = workbook.add_worksheet();
    sheet.set_name(l("汇总", "Summary"))?;
    sheet.write_string_with_format(
        0,
        0,
        l(
            "职工医保参保连续性核对报告",
            "Employee medical insurance continuity report",
        ),
        &fmt.title,
    )?;
    let mut w = SummaryWriter {
        sheet,
        row: 2,
        widths: Widths::new(usize::from(SUMMARY_COLUMNS)),
        long_facts: Vec::new(),
        tall_rows: Vec::new(),
    };
    let m = input.manifest;
    let s = input.summary;
    w.fact(l("基准日", "As of"), Value::Date(m.as_of), fmt)?;
    w.fact(
        l("工具版本", "Tool version"),
        text(format!("{TOOL} {VERSION}")),
        fmt,
    )?;
    let command: Vec<String> = m
        .command_line
        .iter()
        .map(|a| maybe_mask(a, opts.mask).into_owned())
        .collect();
    w.fact(l("命令行", "Command line"), text(command.join(" ")), fmt)?;
    w.fact(
        l("身份证号与姓名", "IDs and names"),
        text(match (opts.mask, lang) {
            (true, Lang::Zh) => "已脱敏 (110101********123X, 张*)",
            (false, Lang::Zh) => "未脱敏 (--no-mask)",
            (true, Lang::En) => "masked (110101********123X, 张*)",
            (false, Lang::En) => "not masked (--no-mask)",
        }),
        fmt,
    )?;
    if let Some(cut) = &input.cut {
        w.fact(
            l("工作簿内容", "Workbook contents"),
            text(match lang {
                Lang::Zh => format!(
                    "人数超过 {}（--xlsx-full-limit）：人员表只列有标记的 {} 人，停保与标记见 stops.csv、flags.csv，全部人员见 persons.csv",
                    cut.limit, cut.flagged
                ),
                Lang::En => format!(
                    "more than {} persons (--xlsx-full-limit): the persons sheet lists the {} persons with a flag; stops and flags are in stops.csv and flags.csv, every person in persons.csv",
                    cut.limit, cut.flagged
                ),
            }),
            fmt,
        )?;
        for h in &cut.heads {
            w.fact(
                l("工作表截取", "Sheet cut"),
                text(match lang {
                    Lang::Zh => format!(
                        "{}：只列前 {} 行（共 {} 行，--xlsx-sheet-rows {}），全部见 {}.csv",
                        h.sheet,
                        grouped(h.shown),
                        grouped(h.total),
                        cut.sheet_rows,
                        h.table
                    ),
                    Lang::En => format!(
                        "{}: the first {} of {} rows (--xlsx-sheet-rows {}); every row is in {}.csv",
                        h.sheet,
                        grouped(h.shown),
                        grouped(h.total),
                        cut.sheet_rows,
                        h.table
                    ),
                }),
                fmt,
            )?;
        }
    }
    for warning in &m.warnings {
        w.fact(
            l("警告", "Warning"),
            text(maybe_mask(&warning.render(lang), opts.mask).into_owned()),
            fmt,
        )?;
    }

    w.section(
        l("输入文件", "Inputs"),
        &[
            l("文件", "File"),
            l("用途", "Role"),
            l("格式", "Format"),
            l("编码", "Encoding"),
            l("读取行数", "Rows read"),
            l("接收", "Accepted"),
            l("拒收", "Rejected"),
            l("重复", "Duplicates"),
        ],
        fmt,
    )?;
    for i in masked_inputs(input.inputs, opts.mask) {
        let sum = |f: fn(&crate::model::SheetReport) -> u64| i.sheets.iter().map(f).sum::<u64>();
        let role = serde_json::to_value(i.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let format = serde_json::to_value(i.format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        w.cells(
            &[
                text(i.path.clone()),
                text(role),
                text(format),
                i.encoding.as_deref().map_or(Value::Null, text),
                int(i.rows_read()),
                int(sum(|s| s.accepted)),
                int(sum(|s| s.rejected)),
                int(sum(|s| s.duplicates)),
            ],
            fmt,
        )?;
    }

    w.section(
        l("政策版本", "Policy packs"),
        &[
            l("统筹区", "Region"),
            l("文件", "File"),
            l("生效月份", "Versions"),
            "SHA-256",
        ],
        fmt,
    )?;
    for p in &m.policies {
        w.cells(
            &[
                text(p.region.clone()),
                text(p.file.clone()),
                text(p.versions.join(", ")),
                text(p.sha256.clone()),
            ],
            fmt,
        )?;
    }

    w.section(l("人数与行数", "Counts"), &[], fmt)?;
    // Rows of the person counts by status, for the chart.
    let status_rows = (w.row + 1, w.row + 4);
    let counts: [(&str, &str, u64); 13] = [
        ("人数", "Persons", s.persons),
        ("  参保中", "  covered", s.covered),
        ("  断缴中 (可补缴)", "  open gap", s.open_gap),
        ("  断缴超限", "  lapsed", s.lapsed),
        ("  退休", "  retired", s.retired),
        ("断缴段数", "Gaps", s.gaps),
        ("长期断缴段数", "Long gaps", s.long_gaps),
        ("停保 (减员)", "Stops", s.stops),
        ("逾期减员", "Late stops", s.late_stops),
        ("欠缴行数", "Arrears rows", s.arrears_rows),
        ("多缴行数", "Overpaid rows", s.overpaid_rows),
        ("接收事件数", "Events accepted", m.counts.events_accepted),
        ("拒收行数", "Rejected rows", s.rejects),
    ];
    for (zh, en, n) in counts {
        w.cells(&[text(l(zh, en)), int(n)], fmt)?;
    }

    w.section(
        l("断缴时长 (月)", "Gaps by length (months)"),
        &[l("月数", "Months"), l("断缴段数", "Gaps")],
        fmt,
    )?;
    let gap_rows = (w.row, w.row + s.gap_lengths.len() as u32 - 1);
    for (i, n) in s.gap_lengths.iter().enumerate() {
        let months = if i + 1 == s.gap_lengths.len() {
            format!("{}+", i + 1)
        } else {
            (i + 1).to_string()
        };
        w.cells(&[text(months), int(*n)], fmt)?;
    }

    w.section(
        l("标记", "Flags"),
        &[
            l("标记", "Flag"),
            l("人数", "Persons"),
            l("次数", "Occurrences"),
        ],
        fmt,
    )?;
    for f in &s.flags {
        let name = super::labels::workbook_text("flag", f.flag.as_str(), lang)
            .unwrap_or_else(|| f.flag.as_str().to_string());
        w.cells(&[text(name), int(f.persons), int(f.occurrences)], fmt)?;
    }

    w.section(l("金额合计 (元)", "Totals (CNY)"), &[], fmt)?;
    let totals = [
        ("补缴金额", "Catch-up", s.catch_up_total),
        ("欠缴金额", "Arrears", s.arrears_total),
        ("滞纳金", "Late fees", s.late_fee_total),
        ("多缴金额", "Overpaid", s.overpaid_total),
    ];
    for (zh, en, d) in totals {
        w.cells(&[text(l(zh, en)), Value::Money(d)], fmt)?;
    }

    w.section(
        l(
            "欠缴最多的单位 (前 10)",
            "Employers with most arrears (top 10)",
        ),
        &[
            l("单位编号", "Employer"),
            l("欠缴金额", "Arrears"),
            l("滞纳金", "Late fees"),
            l("人数", "Persons"),
            l("单位名称", "Employer name"),
        ],
        fmt,
    )?;
    let employer_rows = (w.row, w.row + s.top_employers.len() as u32);
    let names = input.employer_names;
    for e in &s.top_employers {
        w.cells(
            &[
                // An employer that is a person (a resident ID) is masked.
                text(super::mask::mask_code(&e.employer_id, opts.mask).into_owned()),
                Value::Money(e.arrears_total),
                Value::Money(e.late_fee_total),
                int(e.persons),
                names
                    .get(&e.employer_id)
                    .map_or(Value::Null, |n| text(n.to_string())),
            ],
            fmt,
        )?;
    }
    // The chart labels employers by name when every top employer has one.
    let label_column = if s
        .top_employers
        .iter()
        .all(|e| names.get(&e.employer_id).is_some())
    {
        4
    } else {
        0
    };
    let sheet = w.finish(fmt)?;
    let name = l("汇总", "Summary");
    // Charts to the right of the tables (column J on), over the cells above.
    let mut status = Chart::new(ChartType::Column);
    status
        .add_series()
        .set_categories((name, status_rows.0, 0, status_rows.1, 0))
        .set_values((name, status_rows.0, 1, status_rows.1, 1))
        .set_name(l("人数", "Persons"));
    status
        .title()
        .set_name(l("按状态的人数", "Persons by status"));
    status.legend().set_hidden();
    sheet.insert_chart(2, 9, &status)?;
    let mut gaps = Chart::new(ChartType::Column);
    gaps.add_series()
        .set_categories((name, gap_rows.0, 0, gap_rows.1, 0))
        .set_values((name, gap_rows.0, 1, gap_rows.1, 1))
        .set_name(l("断缴段数", "Gaps"));
    gaps.title()
        .set_name(l("断缴时长分布 (月)", "Gaps by length in months"));
    gaps.x_axis().set_name(l("月数", "Months"));
    gaps.legend().set_hidden();
    sheet.insert_chart(18, 9, &gaps)?;
    if employer_rows.1 > employer_rows.0 {
        let last = employer_rows.1 - 1;
        let mut owing = Chart::new(ChartType::Bar);
        owing
            .add_series()
            .set_categories((name, employer_rows.0, label_column, last, label_column))
            .set_values((name, employer_rows.0, 1, last, 1))
            .set_name(l("欠缴金额", "Arrears"));
        owing
            .add_series()
            .set_categories((name, employer_rows.0, label_column, last, label_column))
            .set_values((name, employer_rows.0, 2, last, 2))
            .set_name(l("滞纳金", "Late fees"));
        owing.title().set_name(l(
            "欠缴与滞纳金最多的单位 (前 10)",
            "Employers with most arrears and late fees (top 10)",
        ));
        sheet.insert_chart(34, 9, &owing)?;
    }
    print_setup(sheet);
    Ok(())
}

/// Builds the whole workbook in memory-bounded form and saves it to `path`.
/// A sheet to fill once every sheet is added.
enum Job<'t> {
    Table(SheetPart<'t>),
    Calendar(&'t Calendar),
}

impl Job<'_> {
    /// About how many cells the sheet gets (to start the largest first).
    fn cells(&self) -> usize {
        match self {
            Job::Table(p) => p.end.saturating_sub(p.start) * p.table.columns().len(),
            Job::Calendar(c) => c.rows.len() * (3 + c.from.months_through(c.to) as usize),
        }
    }
}

/// The calendar's fill colours, by [`MonthState`] (in `MonthState::ALL` order):
/// green covered, blue unemployment fund, yellow short gap, red long gap,
/// orange open gap, purple overlap, amber arrears.
pub const CALENDAR_COLOURS: [(MonthState, u32); 7] = [
    (MonthState::Covered, 0xC6EFCE),
    (MonthState::Unemployment, 0xBDD7EE),
    (MonthState::ShortGap, 0xFFEB9C),
    (MonthState::LongGap, 0xFF8B8B),
    (MonthState::OpenGap, 0xF8CBAD),
    (MonthState::Overlap, 0xCDB4DB),
    (MonthState::Arrears, 0xFFC000),
];

/// Most months a calendar shows (the latest ones).
pub const CALENDAR_MAX_MONTHS: i32 = 60;

/// A covered month's text: the employer's name without a leading city, at
/// most four characters (北京华信科技有限公司 → 华信科技), else the code's last
/// four characters.
pub fn employer_short_label(code: &str, names: &crate::model::EmployerNames) -> String {
    const CITIES: [&str; 12] = [
        "北京", "上海", "天津", "重庆", "深圳", "广州", "成都", "杭州", "南京", "武汉", "苏州",
        "西安",
    ];
    let label: String = match names.get(code) {
        Some(name) => {
            let rest = CITIES
                .iter()
                .find_map(|c| name.strip_prefix(c))
                .filter(|r| !r.is_empty())
                .unwrap_or(name);
            rest.chars().take(4).collect()
        }
        None => {
            let chars: Vec<char> = code.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        }
    };
    if looks_like_formula(&label) {
        label
            .trim_start_matches(['=', '+', '-', '@', '\t', '\r'])
            .to_string()
    } else {
        label
    }
}

/// The coverage calendar sheet (参保月历): a legend row, a header row, then
/// one row per person (ID, name, status, one coloured cell per month);
/// person columns and the header frozen. Cell formats, one per state,
/// created once: a 50,000 × 60 sheet writes at the speed of plain cells.
fn add_calendar_sheet(
    workbook: &mut Workbook,
    calendar: &Calendar,
    opts: &WorkbookOptions,
) -> Result<(), XlsxError> {
    // Sixty cells a row: streamed past a tenth of a table sheet's rows.
    let sheet = if calendar.rows.len() > opts.constant_memory_rows / 10 {
        workbook.add_worksheet_with_constant_memory()?
    } else {
        workbook.add_worksheet()
    };
    sheet.set_name(label(opts.lang, "参保月历", "Calendar"))?;
    Ok(())
}

fn fill_calendar_sheet(
    sheet: &mut Worksheet,
    calendar: &Calendar,
    names: &crate::model::EmployerNames,
    opts: &WorkbookOptions,
    fmt: &Formats,
) -> Result<(), XlsxError> {
    // Row 0: the legend.
    sheet.write_string_with_format(0, 0, label(opts.lang, "图例", "Legend"), &fmt.section)?;
    let mut col = 3u16;
    for state in MonthState::ALL {
        let (text, _) = super::labels::month_state_text(state, opts.lang);
        sheet.write_string_with_format(0, col, text, fmt.fill(state))?;
        col += 3;
    }
    let left = calendar.left_out + calendar.unflagged_left_out;
    if left > 0 {
        let note = match opts.lang {
            Lang::Zh => format!(
                "另有 {left} 人未列出（有标记 {}，无标记 {}；上限见 --calendar-limit），全部人员见 persons.csv",
                calendar.left_out, calendar.unflagged_left_out
            ),
            Lang::En => format!(
                "{left} more persons not listed ({} flagged, {} not; the limit is --calendar-limit); every person is in persons.csv",
                calendar.left_out, calendar.unflagged_left_out
            ),
        };
        sheet.write_string(0, col, &note)?;
    }
    // Row 1: the header.
    let headers = [
        label(opts.lang, "身份证号", "person_id"),
        label(opts.lang, "姓名", "name"),
        label(opts.lang, "参保状态", "status"),
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *h, &fmt.header)?;
    }
    let months = calendar.from.months_through(calendar.to) as u16;
    for k in 0..months {
        let m = calendar.from.add(i32::from(k));
        sheet.write_string_with_format(1, 3 + k, m.to_string(), &fmt.header)?;
    }
    let mut widths = Widths::new(3);
    for (c, h) in headers.iter().enumerate() {
        widths.see(c, display_width(h));
    }
    // Each employer's label, made once (a covered month is most cells).
    let mut short_labels: std::collections::HashMap<usize, String> = Default::default();
    for (r, row) in calendar.rows.iter().enumerate() {
        let xr = r as u32 + 2;
        let id = if opts.mask {
            row.person_id.masked()
        } else {
            row.person_id.text().into_owned()
        };
        widths.see(0, write_text(sheet, xr, 0, &id, fmt)?);
        if let Some(n) = row.name.as_deref() {
            let n = if opts.mask {
                crate::model::mask_name(n)
            } else {
                n.to_string()
            };
            widths.see(1, write_text(sheet, xr, 1, &n, fmt)?);
        }
        let status = row.status.as_str();
        let status = super::labels::workbook_text("status", status, opts.lang)
            .unwrap_or_else(|| status.to_string());
        widths.see(2, write_text(sheet, xr, 2, &status, fmt)?);
        for (k, cell) in row.cells.iter().enumerate() {
            let Some((state, employer)) = cell else {
                continue;
            };
            let text: &str = match (state, employer) {
                (MonthState::Covered, Some(code)) => short_labels
                    .entry(code.addr())
                    .or_insert_with(|| employer_short_label(code, names)),
                _ => super::labels::month_state_text(*state, opts.lang).1,
            };
            sheet.write_string_with_format(xr, 3 + k as u16, text, fmt.fill(*state))?;
        }
    }
    widths.apply(sheet)?;
    for k in 0..months {
        sheet.set_column_width(3 + k, 8)?;
    }
    sheet.set_freeze_panes(2, 3)?;
    if !calendar.rows.is_empty() {
        sheet.autofilter(1, 0, calendar.rows.len() as u32 + 1, 2 + months.max(1))?;
    }
    print_setup(sheet);
    // Printed: at most 24 months a page across, the person columns and the
    // month header repeated on every page.
    sheet.set_print_fit_to_pages(months.div_ceil(CALENDAR_MONTHS_A_PAGE).max(1), 0);
    sheet.set_repeat_rows(1, 1)?;
    sheet.set_repeat_columns(0, 2)?;
    Ok(())
}

/// Months of the calendar on one printed page's width.
const CALENDAR_MONTHS_A_PAGE: u16 = 24;

pub fn write_workbook(
    path: &Path,
    tables: &[&dyn Table],
    summary: &SummaryInput,
    calendar: Option<&Calendar>,
    opts: &WorkbookOptions,
    progress: &RowProgress,
) -> Result<(), ReportError> {
    let xlsx_err = |e: XlsxError| ReportError::write(path, e);
    let mut workbook = Workbook::new();
    let as_of = summary.manifest.as_of;
    let created = ExcelDateTime::from_ymd(
        u16::try_from(as_of.year()).unwrap_or(1970),
        as_of.month() as u8,
        as_of.day() as u8,
    )
    .map_err(xlsx_err)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("medrecon report")
            .set_creation_datetime(&created),
    );
    let fmt = Formats::new();
    for f in fmt.all() {
        workbook.register_format(f);
    }
    write_summary_sheet(&mut workbook, summary, opts, &fmt).map_err(xlsx_err)?;
    // The changes (when asked), the calendar, then the tables: every sheet
    // added in order first, then filled side by side (a sheet is its own
    // object; streamed ones write their own temporary file), the largest
    // first so the pool ends together.
    let (first, rest): (Vec<&dyn Table>, Vec<&dyn Table>) =
        tables.iter().partition(|t| t.name() == "changes");
    let mut jobs: Vec<(usize, Job<'_>)> = Vec::new();
    for table in first {
        add_table_jobs(&mut workbook, table, opts, &mut jobs).map_err(xlsx_err)?;
    }
    if let Some(calendar) = calendar {
        let at = workbook.worksheets_mut().len();
        add_calendar_sheet(&mut workbook, calendar, opts).map_err(xlsx_err)?;
        jobs.push((at, Job::Calendar(calendar)));
    }
    for table in rest {
        add_table_jobs(&mut workbook, table, opts, &mut jobs).map_err(xlsx_err)?;
    }
    {
        use rayon::prelude::*;
        let names = summary.employer_names;
        let sheets = workbook.worksheets_mut();
        // Each job takes its own sheet out of the list (indexes are distinct).
        let mut slots: Vec<Option<&mut Worksheet>> = sheets.iter_mut().map(Some).collect();
        let mut work: Vec<(&mut Worksheet, Job<'_>)> = jobs
            .into_iter()
            .filter_map(|(i, job)| slots.get_mut(i).and_then(Option::take).map(|s| (s, job)))
            .collect();
        work.sort_by_key(|(_, job)| std::cmp::Reverse(job.cells()));
        work.into_par_iter()
            .with_max_len(1)
            .try_for_each(|(sheet, job)| match job {
                Job::Table(part) => fill_table_sheet(sheet, &part, opts, &fmt, progress),
                Job::Calendar(c) => fill_calendar_sheet(sheet, c, names, opts, &fmt),
            })
            .map_err(xlsx_err)?;
    }
    // The zip is deflated on one thread after every sheet is filled: a large
    // run's workbook (hundreds of MB of sheet XML) takes the fastest level,
    // a larger file for a shorter run; others keep the default (6).
    if summary.cut.is_some() {
        workbook.set_zip_compression_level(1);
    }
    workbook.save(path).map_err(xlsx_err)?;
    let file = std::fs::File::open(path).map_err(|e| ReportError::io(path, e))?;
    file.sync_all().map_err(|e| ReportError::io(path, e))?;
    Ok(())
}

/// A count with thousands separators: 1234567 → "1,234,567".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(100_000), "100,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("身份证号"), 8);
        assert_eq!(display_width("ＡＢ"), 4);
    }

    #[test]
    fn money_width_counts_thousands_separators() {
        // 1234567.5 → "1,234,567.50": 12 characters.
        assert_eq!(money_width(Decimal::new(12345675, 1)), 12);
        // -947 → "-947.00": 7 characters.
        assert_eq!(money_width(Decimal::from(-947)), 7);
    }

    #[test]
    fn sheets_split_past_the_limit() {
        assert_eq!(sheet_names("人员", 0, 3), vec!["人员"]);
        assert_eq!(sheet_names("人员", 3, 3), vec!["人员"]);
        assert_eq!(
            sheet_names("Persons", 7, 3),
            vec!["Persons", "Persons (2)", "Persons (3)"]
        );
    }
}
