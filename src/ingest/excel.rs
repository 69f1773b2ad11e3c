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
    // becomes this file's error.
    let result = std::panic::catch_unwind(|| load_inner(bytes, kind));
    match result {
        Ok(r) => r,
        Err(_) => Err(format!(
            "is a damaged {} workbook (the reader failed on it)",
            kind.label()
        )),
    }
}

fn load_inner(bytes: &[u8], kind: FileKind) -> Result<Vec<LoadedSheet>, String> {
    match kind {
        FileKind::Excel2003Xml => return super::markup::load_spreadsheetml(bytes),
        FileKind::Html => return super::markup::load_html(bytes),
        _ => {}
    }
    let cursor = Cursor::new(bytes);
    let mut wb: calamine::Sheets<Cursor<&[u8]>> = match kind {
        FileKind::Xlsx => calamine::Sheets::Xlsx(
            calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?,
        ),
        FileKind::Xls => calamine::Sheets::Xls(
            calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?,
        ),
        FileKind::Xlsb => calamine::Sheets::Xlsb(
            calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?,
        ),
        FileKind::Ods => calamine::Sheets::Ods(
            calamine::open_workbook_from_rs(cursor).map_err(|e| damaged(kind, &e))?,
        ),
        other => return Err(format!("is not an Excel workbook ({})", other.label())),
    };
    let names = wb.sheet_names();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("sheet {name}: cannot be read: {e}"))?;
        let (first_row, first_col) = range.start().map(|(r, c)| (r + 1, c)).unwrap_or((1, 0));
        // The workbook's date system, from its first date cell.
        let is_1904 = range
            .used_cells()
            .find_map(|(_, _, d)| match d {
                Data::DateTime(dt) => Some(dt_is_1904(dt)),
                _ => None,
            })
            .unwrap_or(false);
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
    format!("cannot be read as {}: {e}", kind.label())
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
            _ => "#ERROR",
        }),
    }
}

/// A sheet row's cells as text (for header detection).
pub fn row_texts(row: &[Data]) -> Vec<String> {
    (0..row.len())
        .map(|i| data_cell(row.get(i)).raw().into_owned())
        .collect()
}
