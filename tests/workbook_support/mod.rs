//! Reading back a written workbook in tests.

use calamine::{Reader, open_workbook_auto};
use std::path::Path;

/// Every cell of every sheet of the workbook at `path` as text, one a line.
pub fn workbook_cells(path: &Path) -> String {
    let mut wb = open_workbook_auto(path).unwrap();
    let mut all = String::new();
    for sheet in wb.sheet_names() {
        for row in wb.worksheet_range(&sheet).unwrap().rows() {
            for cell in row {
                all.push_str(&cell.to_string());
                all.push('\n');
            }
        }
    }
    all
}
