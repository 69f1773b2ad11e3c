//! Excel workbooks through calamine: `.xlsx`/`.xlsm`, `.xls`, `.xlsb`, `.ods`;
//! SpreadsheetML and HTML `.xls` through [`super::markup`], as the same sheets.
//! Every sheet is loaded; row numbers are the ones Excel shows (the used range
//! may start below row 1); date cells carry their workbook's 1900/1904 system.

use crate::ingest::sniff::FileKind;
use crate::ingest::values::Cell;
use calamine::{Data, Range, Reader};
use std::io::Cursor;

/// One worksheet's used range and where it starts.
pub struct LoadedSheet {
    pub name: String,
    pub range: Range<Data>,
    /// 1-based Excel row number of the range's first row.
    pub first_row: u32,
    /// 0-based first column of the range (cells left of it are empty).
    pub first_col: u32,
    /// A date cell of this sheet says the workbook counts from 1904.
    pub is_1904: bool,
}

/// Loads every sheet of a workbook held in memory. Errors are messages for the file.
pub fn load_workbook(bytes: &[u8], kind: FileKind) -> Result<Vec<LoadedSheet>, String> {
    // calamine must not take the run down on a malformed file: a panic inside it
    // becomes this file's error, printed as that and not as a crash report.
    guarded(kind, || load_inner(bytes, kind, MAX_WORKBOOK_CELLS))
}

std::thread_local! {
    /// Set while this thread runs a reader under [`guarded`].
    static IN_READER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The message of the panic caught there.
    static CAUGHT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs, once, a panic hook that stays silent for a panic inside
/// [`guarded`] (keeping its message for the file's error) and leaves every
/// other panic to the hook that was there before.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_READER.with(std::cell::Cell::get) {
                let payload = info.payload();
                let text = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                CAUGHT.with(|c| *c.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs a workbook reader, turning its panic into the file's error.
fn guarded<T>(kind: FileKind, read: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    install_quiet_hook();
    let outer = IN_READER.with(|f| f.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    IN_READER.with(|f| f.set(outer));
    let caught = CAUGHT.with(|c| c.borrow_mut().take());
    match result {
        Ok(r) => r,
        Err(_) => {
            let what: String = caught.unwrap_or_default().chars().take(200).collect();
            Err(format!(
                "cannot be read as {}: the reader failed on it ({what}); the file is damaged",
                kind.label()
            ))
        }
    }
}

/// [`load_workbook`] with `max_cells` non-empty cells per xlsx/xlsb workbook.
fn load_inner(bytes: &[u8], kind: FileKind, max_cells: u64) -> Result<Vec<LoadedSheet>, String> {
    match kind {
        FileKind::Excel2003Xml => return super::markup::load_spreadsheetml(bytes),
        FileKind::Html => return super::markup::load_html(bytes),
        FileKind::Xlsx | FileKind::Xlsb => check_zip(bytes)?,
        FileKind::Ods => {
            check_zip(bytes)?;
            super::odscheck::check(bytes)?;
        }
        _ => {}
    }
    // An OLE2 file (an .xls, or a file calamine probes for encryption): its
    // sector chains must end before calamine follows them.
    super::olecheck::check(bytes)?;
    let cursor = Cursor::new(bytes);
    // Non-empty cells the workbook's sheets may still hold (xlsx, xlsb).
    let mut budget = max_cells;
    // (sheet name, range) in workbook order, and the workbook's date system
    // when the format says it (xlsx: `xl/workbook.xml`'s `date1904`).
    let (sheets, workbook_1904): (Vec<(String, Range<Data>)>, Option<bool>) = match kind {
        FileKind::Xlsx => {
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?;
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let range = bounded_xlsx_range(&mut wb, &name, &mut budget)?;
                out.push((name, range));
            }
            (out, Some(wb.has_1904_epoch()))
        }
        FileKind::Xlsb => {
            let mut wb: calamine::Xlsb<_> =
                calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?;
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let range = bounded_xlsb_range(&mut wb, &name, &mut budget)?;
                out.push((name, range));
            }
            (out, None)
        }
        FileKind::Xls | FileKind::Ods => {
            let mut wb: calamine::Sheets<Cursor<&[u8]>> = if kind == FileKind::Xls {
                calamine::Sheets::Xls(
                    calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?,
                )
            } else {
                calamine::Sheets::Ods(
                    calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?,
                )
            };
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let range = wb
                    .worksheet_range(&name)
                    .map_err(|e| format!("sheet {name}: cannot be read: {e}"))?;
                out.push((name, range));
            }
            (out, None)
        }
        other => return Err(format!("is not an Excel workbook ({})", other.label())),
    };
    let mut out = Vec::with_capacity(sheets.len());
    for (name, range) in sheets {
        let (first_row, first_col) = range.start().map(|(r, c)| (r + 1, c)).unwrap_or((1, 0));
        // The workbook's date system: from the workbook part where the format
        // has one, else from the sheet's first date cell.
        let is_1904 = workbook_1904.unwrap_or_else(|| {
            range
                .used_cells()
                .find_map(|(_, _, d)| match d {
                    Data::DateTime(dt) => Some(dt_is_1904(dt)),
                    _ => None,
                })
                .unwrap_or(false)
        });
        out.push(LoadedSheet {
            name,
            range,
            first_row,
            first_col,
            is_1904,
        });
    }
    Ok(out)
}

/// The most cells one sheet's extent (rows × columns from its first to its
/// last cell) may span: calamine builds the sheet as a dense grid of that size
/// (32 bytes a cell). 30,000,000 is Excel's 1,048,576 rows × 28 columns.
pub const MAX_SHEET_CELLS: u64 = 30_000_000;
/// The most non-empty cells an xlsx/xlsb workbook may hold, all sheets
/// together: each is kept while the workbook is read (about 72 bytes with its
/// grid), so this bounds a workbook's memory to about 2.2 GB, whatever its
/// zip holds.
pub const MAX_WORKBOOK_CELLS: u64 = 30_000_000;
/// The most columns a sheet may span (Excel's own limit, A..XFD).
pub const MAX_SHEET_COLUMNS: u64 = 16_384;
/// The most bytes a workbook's zip parts may hold uncompressed, in all.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 4 << 30;
/// The most bytes one zip part may hold uncompressed.
pub const MAX_ENTRY_BYTES: u64 = 2 << 30;

/// Checks an xlsx/xlsb zip before calamine reads it: the uncompressed sizes
/// (each part ≤ 2 GiB, all ≤ 4 GiB) and the shared-strings table's declared
/// counts, from which calamine reserves memory (`uniqueCount` strings of 24
/// bytes each): a count larger than the part's uncompressed size / 4 cannot
/// be true (an entry takes at least `<si/>`, 5 bytes) and is refused.
/// A file the zip reader cannot open is left to calamine's own message.
pub fn check_zip(bytes: &[u8]) -> Result<(), String> {
    let Some(entries) = super::zipscan::entries(bytes) else {
        return Ok(());
    };
    let mut total = 0u64;
    let mut strings = None;
    for entry in &entries {
        let size = entry.size;
        if size > MAX_ENTRY_BYTES {
            return Err(format!(
                "has a part ({}) of {} bytes uncompressed, over the limit of {} bytes per part (2 GiB)",
                entry.name, size, MAX_ENTRY_BYTES
            ));
        }
        total = total.saturating_add(size);
        if entry.name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
            strings = Some(entry);
        }
    }
    if total > MAX_UNCOMPRESSED_BYTES {
        return Err(format!(
            "holds {total} bytes uncompressed, over the limit of {MAX_UNCOMPRESSED_BYTES} bytes per workbook (4 GiB)"
        ));
    }
    if let Some(entry) = strings {
        let size = entry.size;
        let head = super::zipscan::head(bytes, entry, 4096).unwrap_or_default();
        let head = String::from_utf8_lossy(&head);
        if let Some(start) = head.find("<sst") {
            let tag = &head[start..];
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            for attr in ["uniqueCount", "count"] {
                if let Some(n) = xml_attr_number(tag, attr)
                    && n > size / 4
                {
                    return Err(format!(
                        "declares {attr}=\"{n}\" shared strings in a table of {size} bytes: a damaged or hostile workbook (the count cannot exceed the table's size / 4); open it in Excel and save it again"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The number in ` name="123"` within an XML start tag.
fn xml_attr_number(tag: &str, name: &str) -> Option<u64> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + name.len()..];
        rest = after;
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let after = after.trim_start().strip_prefix('=')?.trim_start();
        let quote = after.chars().next()?;
        let value = after[1..].split(quote).next()?;
        return value.trim().parse().ok();
    }
    None
}

/// Tracks a sheet's extent as cells come and refuses it past the limits.
#[derive(Default)]
struct Extent {
    first: Option<(u32, u32)>,
    last: (u32, u32),
    cells: u64,
}

impl Extent {
    fn add(&mut self, sheet: &str, (r, c): (u32, u32)) -> Result<(), String> {
        let (r0, c0) = self.first.get_or_insert((r, c));
        *r0 = (*r0).min(r);
        *c0 = (*c0).min(c);
        let (r0, c0) = (*r0, *c0);
        self.last = (self.last.0.max(r), self.last.1.max(c));
        self.cells += 1;
        let rows = u64::from(self.last.0 - r0) + 1;
        let cols = u64::from(self.last.1 - c0) + 1;
        if cols > MAX_SHEET_COLUMNS || rows * cols > MAX_SHEET_CELLS || self.cells > MAX_SHEET_CELLS
        {
            return Err(format!(
                "sheet {sheet}: its cells span {rows} rows × {cols} columns (from {} to {}), over the limit of {MAX_SHEET_CELLS} cells and {MAX_SHEET_COLUMNS} columns per sheet; delete the stray cells far from the data (Ctrl+End shows the last one) or split the sheet",
                cell_name(r0, c0),
                cell_name(self.last.0, self.last.1)
            ));
        }
        Ok(())
    }
}

/// `A1`-style name of a 0-based (row, column).
fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let d = (c - 1) % 26;
        letters.push(b'A' + d as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

macro_rules! bounded_range {
    ($reader:expr, $name:expr, $recover:expr, $budget:expr) => {{
        let name: &str = $name;
        let budget: &mut u64 = $budget;
        let mut reader = $reader;
        let mut extent = Extent::default();
        let mut cells = Vec::new();
        // A cell whose value calamine cannot read (an unknown error text, a
        // shared-string index past the table) costs that cell, not the sheet:
        // it is kept as an error value and placed once the next cell shows
        // where the reader is (calamine's error carries no position).
        let mut placer = BadCellPlacer::default();
        loop {
            let cell = match reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) => match $recover(&e) {
                    Some(value) if placer.pending.len() < MAX_BAD_CELLS_IN_A_ROW => {
                        placer.pending.push(value);
                        continue;
                    }
                    _ => return Err(unreadable_sheet(name, &e)),
                },
            };
            let pos = placer.position(cell.get_position());
            for placed in placer.place(Some(pos)) {
                extent.add(name, placed.0)?;
                charge(budget, name)?;
                cells.push(calamine::Cell::new(placed.0, placed.1));
            }
            placer.seen(pos);
            if matches!(cell.get_value(), calamine::DataRef::Empty) {
                continue;
            }
            extent.add(name, pos)?;
            charge(budget, name)?;
            let value: Data = cell.get_value().clone().into();
            cells.push(calamine::Cell::new(pos, value));
        }
        for placed in placer.place(None) {
            extent.add(name, placed.0)?;
            charge(budget, name)?;
            cells.push(calamine::Cell::new(placed.0, placed.1));
        }
        Ok(Range::from_sparse(cells))
    }};
}

/// Takes one cell from the workbook's budget of non-empty cells.
fn charge(budget: &mut u64, sheet: &str) -> Result<(), String> {
    if *budget == 0 {
        return Err(format!(
            "holds more than {MAX_WORKBOOK_CELLS} non-empty cells (the limit per workbook, all sheets together; reached in sheet {sheet}); split the workbook"
        ));
    }
    *budget -= 1;
    Ok(())
}

/// More unreadable cells than this one after another mean the sheet, not a
/// cell, is damaged: the file is an error.
const MAX_BAD_CELLS_IN_A_ROW: usize = 1000;

/// Where unreadable cells go: after the last cell read, before the next.
#[derive(Default)]
struct BadCellPlacer {
    last: Option<(u32, u32)>,
    /// The leftmost column a cell has been seen in.
    first_col: Option<u32>,
    pending: Vec<Data>,
    /// (row, columns): in a sheet written without `r=` cell references,
    /// calamine gives the cell after an unreadable one the unreadable one's
    /// column (its counter does not move on an error); the rest of that row is
    /// moved right by this many columns.
    shift: Option<(u32, u32)>,
}

impl BadCellPlacer {
    /// Where the cell calamine reports at `pos` really is.
    fn position(&mut self, pos: (u32, u32)) -> (u32, u32) {
        // Every cell of a sheet passes here: nothing to do unless a cell failed.
        if self.pending.is_empty() && self.shift.is_none() {
            return pos;
        }
        let mut shift = match self.shift {
            Some((row, k)) if row == pos.0 => k,
            _ => 0,
        };
        let at = (pos.0, pos.1.saturating_add(shift));
        let after_last = self.last.map(|(r, c)| (r, c.saturating_add(1)));
        if !self.pending.is_empty() && Some(at) == after_last {
            // The next cell took the unreadable cell's column.
            shift += self.pending.len() as u32;
            self.shift = Some((pos.0, shift));
            return (pos.0, pos.1.saturating_add(shift));
        }
        if shift == 0 {
            self.shift = None;
        }
        at
    }

    fn seen(&mut self, pos: (u32, u32)) {
        self.last = Some(pos);
        self.first_col = Some(self.first_col.map_or(pos.1, |c| c.min(pos.1)));
    }

    /// The pending cells with their positions, given the next cell read
    /// (`None` at the end of the sheet). Cells are in row order, so they lie
    /// between the last cell and the next: in the last cell's row when the
    /// next is in the same row or starts a row at the table's first column,
    /// else just left of the next cell.
    fn place(&mut self, next: Option<(u32, u32)>) -> Vec<((u32, u32), Data)> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let n = self.pending.len() as u32;
        let after_last = self.last.map(|(r, c)| (r, c.saturating_add(1)));
        let before_next = next.and_then(|(r, c)| c.checked_sub(n).map(|c0| (r, c0)));
        let start = match (after_last, next) {
            (Some(a), Some((r, c))) if r == a.0 || Some(c) <= self.first_col => Some(a),
            (Some(a), None) => Some(a),
            _ => before_next.or(after_last),
        }
        .unwrap_or((next.map_or(0, |(r, _)| r), 0));
        std::mem::take(&mut self.pending)
            .into_iter()
            .enumerate()
            .map(|(i, v)| ((start.0, start.1.saturating_add(i as u32)), v))
            .collect()
    }
}

/// The value an unreadable xlsx cell is kept as, or `None` when the error is
/// not one cell's (a broken XML stream fails the file). An error text calamine
/// does not know (`#GETTING_DATA`, `#SPILL!`) is that error, as a CSV export
/// writes it; a shared-string index past the table is `#REF!`; any other value
/// that does not parse as its type is `#VALUE!`.
fn recover_xlsx_cell(e: &calamine::XlsxError) -> Option<Data> {
    use calamine::{CellErrorType, XlsxError};
    match e {
        XlsxError::CellError(text) if text == "#GETTING_DATA" => {
            Some(Data::Error(CellErrorType::GettingData))
        }
        XlsxError::CellError(text) if super::values::is_error_text(text) => {
            Some(Data::String(text.clone()))
        }
        XlsxError::Unexpected(m) if m.contains("shared strings") => {
            Some(Data::Error(CellErrorType::Ref))
        }
        XlsxError::CellError(_)
        | XlsxError::ParseFloat(_)
        | XlsxError::ParseInt(_)
        | XlsxError::CellTAttribute(_) => Some(Data::Error(CellErrorType::Value)),
        _ => None,
    }
}

/// A sheet of an xlsx workbook read like calamine's `worksheet_range`, but
/// refused once its cells span more than the limits (before the dense grid is
/// allocated).
fn bounded_xlsx_range<R: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<R>,
    name: &str,
    budget: &mut u64,
) -> Result<Range<Data>, String> {
    let reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet: no cells, as calamine's worksheet_range has it.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Range::default()),
        Err(e) => return Err(unreadable_sheet(name, &e)),
    };
    bounded_range!(reader, name, recover_xlsx_cell, budget)
}

/// [`bounded_xlsx_range`] for xlsb.
fn bounded_xlsb_range<R: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsb<R>,
    name: &str,
    budget: &mut u64,
) -> Result<Range<Data>, String> {
    let reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable_sheet(name, &e))?;
    bounded_range!(reader, name, |_: &calamine::XlsbError| None::<Data>, budget)
}

/// calamine 0.38 keeps a date cell's 1904 flag private; a cell equal to the same
/// serial rebuilt with the flag set is from a 1904-system workbook.
fn dt_is_1904(dt: &calamine::ExcelDateTime) -> bool {
    let kind = if dt.is_duration() {
        calamine::ExcelDateTimeType::TimeDelta
    } else {
        calamine::ExcelDateTimeType::DateTime
    };
    *dt == calamine::ExcelDateTime::new(dt.as_f64(), kind, true)
}

fn damaged(kind: FileKind, e: &dyn std::fmt::Display) -> String {
    let e = e.to_string();
    if e.contains(LYING_SIZE) {
        return lying_size(None);
    }
    format!("cannot be read as {}: {e}", kind.label())
}

/// The zip reader's error for a part holding more than its header declares:
/// it stops there, so a zip bomb lying about its size is read no further
/// than its declared size, which [`check_zip`] bounds.
const LYING_SIZE: &str = "larger than its declared uncompressed size";

fn lying_size(sheet: Option<&str>) -> String {
    let part = sheet.map_or_else(|| "a part".to_string(), |s| format!("sheet {s}'s part"));
    format!(
        "is a damaged or hostile workbook: {part} holds more than its zip header declares (a zip bomb lying about its size); it was read no further"
    )
}

/// A sheet calamine cannot read, as a message for the file.
fn unreadable_sheet(name: &str, e: &dyn std::fmt::Display) -> String {
    let e = e.to_string();
    if e.contains(LYING_SIZE) {
        return lying_size(Some(name));
    }
    format!("sheet {name}: cannot be read: {e}")
}

/// A calamine cell as a format-independent [`Cell`].
pub fn data_cell(d: Option<&Data>) -> Cell<'_> {
    match d {
        None | Some(Data::Empty) => Cell::Empty,
        Some(Data::String(s)) => Cell::Text(s),
        Some(Data::Float(f)) => Cell::Float(*f),
        Some(Data::Int(i)) => Cell::Int(*i),
        Some(Data::Bool(b)) => Cell::Bool(*b),
        Some(Data::DateTime(dt)) => Cell::Date {
            serial: dt.as_f64(),
            is_1904: dt_is_1904(dt),
        },
        Some(Data::DateTimeIso(s)) => Cell::IsoDate(s),
        Some(Data::DurationIso(s)) => Cell::Text(s),
        Some(Data::Error(e)) => Cell::Error(match e {
            calamine::CellErrorType::Div0 => "#DIV/0!",
            calamine::CellErrorType::NA => "#N/A",
            calamine::CellErrorType::Name => "#NAME?",
            calamine::CellErrorType::Null => "#NULL!",
            calamine::CellErrorType::Num => "#NUM!",
            calamine::CellErrorType::Ref => "#REF!",
            calamine::CellErrorType::Value => "#VALUE!",
            calamine::CellErrorType::GettingData => "#GETTING_DATA",
        }),
    }
}

/// A sheet row's cells as text (for header detection).
pub fn row_texts(row: &[Data]) -> Vec<String> {
    (0..row.len())
        .map(|i| data_cell(row.get(i)).raw().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(p: &mut BadCellPlacer, next: Option<(u32, u32)>) -> Vec<(u32, u32)> {
        p.place(next).into_iter().map(|(pos, _)| pos).collect()
    }

    #[test]
    fn an_unreadable_cell_is_placed_between_its_neighbours() {
        let bad = || Data::Error(calamine::CellErrorType::Ref);
        let mut p = BadCellPlacer::default();
        p.seen((1, 0));
        p.seen((1, 3));
        // Same row on both sides: just after the last cell.
        p.pending.push(bad());
        assert_eq!(placed(&mut p, Some((1, 5))), [(1, 4)]);
        // The next cell starts a row at the first column: the bad cell ended
        // the last row.
        p.seen((1, 5));
        p.pending.push(bad());
        assert_eq!(placed(&mut p, Some((2, 0))), [(1, 6)]);
        // The next row's cell is not at the first column: the bad cells
        // started that row.
        p.seen((2, 8));
        p.pending.extend([bad(), bad()]);
        assert_eq!(placed(&mut p, Some((3, 2))), [(3, 0), (3, 1)]);
        // At the end of the sheet: after the last cell.
        p.seen((3, 2));
        p.pending.push(bad());
        assert_eq!(placed(&mut p, None), [(3, 3)]);
        // Nothing pending, nothing placed.
        assert!(placed(&mut p, Some((4, 0))).is_empty());
    }

    /// A sheet without `r=` references: calamine reports the cell after an
    /// unreadable one at the unreadable one's column; that cell and the rest
    /// of its row move right, the unreadable cell keeps its own column.
    #[test]
    fn without_cell_references_the_row_after_a_bad_cell_is_moved_back() {
        let bad = || Data::Error(calamine::CellErrorType::Ref);
        let mut p = BadCellPlacer::default();
        let pos = p.position((1, 0));
        p.seen(pos);
        p.pending.push(bad()); // the cell at column 1 failed
        let next = p.position((1, 1)); // calamine says column 1 again
        assert_eq!(next, (1, 2));
        assert_eq!(placed(&mut p, Some(next)), [(1, 1)]);
        p.seen(next);
        assert_eq!(p.position((1, 2)), (1, 3));
        p.seen((1, 3));
        // The next row is as calamine says.
        assert_eq!(p.position((2, 0)), (2, 0));
        assert_eq!(p.position((2, 1)), (2, 1));
        // With references, the cell after a bad one is not moved.
        let mut q = BadCellPlacer::default();
        q.seen((1, 0));
        q.pending.push(bad());
        assert_eq!(q.position((1, 2)), (1, 2));
        assert_eq!(placed(&mut q, Some((1, 2))), [(1, 1)]);
    }

    #[test]
    fn a_reader_panic_is_the_files_error_and_the_flag_is_cleared() {
        let r: Result<(), String> = guarded(FileKind::Xls, || panic!("index 7 out of range"));
        assert_eq!(
            r.unwrap_err(),
            "cannot be read as an .xls (Excel 97-2003) workbook: the reader failed on it (index 7 out of range); the file is damaged"
        );
        assert!(!IN_READER.with(std::cell::Cell::get));
        assert_eq!(guarded(FileKind::Xls, || Ok(5)), Ok(5));
    }

    /// A workbook of two sheets of 6 cells each, under a limit of 10 cells
    /// per workbook: the second sheet passes it. (The real limit,
    /// [`MAX_WORKBOOK_CELLS`], takes 30 million cells to reach.)
    #[test]
    fn the_cell_limit_counts_every_sheet_of_a_workbook() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        for name in ["增员", "减员"] {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for r in 0..3 {
                ws.write(r, 0, "x").unwrap();
                ws.write(r, 1, 1.0).unwrap();
            }
        }
        let bytes = wb.save_to_buffer().unwrap();
        let sheets = load_inner(&bytes, FileKind::Xlsx, 12).unwrap();
        assert_eq!(sheets.len(), 2);
        let err = load_inner(&bytes, FileKind::Xlsx, 10)
            .err()
            .unwrap_or_default();
        assert!(err.contains("non-empty cells"), "{err}");
        assert!(err.contains("reached in sheet 减员"), "{err}");
    }
}
