//! Ledger workbooks (.xlsx, .xls, .xlsb, .ods through calamine; SpreadsheetML
//! and HTML `.xls` through `ingest::markup`) read cell by cell:
//! every sheet whose first rows hold a ledger header is read; others are
//! listed as skipped with the reason. Calamine's workbooks are read whole (a
//! sheet holds at most 1,048,576 rows); SpreadsheetML and HTML files, which
//! have no such limit, as they stream, a chunk of rows at a time.

use super::aggregate::{EmployerSource, LedgerStore, RowBatch};
use super::schema::LedgerSchema;
use super::values::Cell;
use crate::ingest::normalize::not_a_person_at;
use crate::model::{Reject, Shape, SheetReport, SourceRef};
use anyhow::bail;
use calamine::Data;

use crate::ingest::header::HEADER_SEARCH_ROWS;
/// Serial 0 of the 1904 system is serial 1462 of the 1900 system.
const DAYS_1900_TO_1904: f64 = 1462.0;

/// A calamine cell as the events read it (`crate::ingest::excel::data_cell`:
/// date cells in either date system, error cells by their text), in the
/// ledger's cell type.
fn cell(data: Option<&Data>) -> Cell<'_> {
    use crate::ingest::values::{Cell as Value, serial_to_date};
    match crate::ingest::excel::data_cell(data) {
        Value::Empty => Cell::Empty,
        Value::Text(s) | Value::IsoDate(s) => Cell::Text(s),
        Value::Float(f) => Cell::Float(f),
        Value::Int(i) => Cell::Int(i),
        Value::Bool(b) => Cell::Bool(b),
        Value::Date { serial, is_1904 } => match serial_to_date(serial, is_1904) {
            Some(d) => Cell::Date(d),
            None => Cell::Float(serial),
        },
        Value::Error(e) => Cell::Text(e),
    }
}

/// A ledger sheet being read: its layout and where its employer comes from.
pub(crate) struct LedgerSheet {
    layout: super::schema::Layout,
    employer: EmployerSource,
    report: SheetReport,
}

/// The ledger reader of a workbook's sheets, whole or streamed: each sheet's
/// header found in its first rows, its rows summed into `store` as they come.
pub(crate) struct LedgerSheets<'a> {
    input: u32,
    schema: &'a LedgerSchema,
    default_employer: &'a str,
    store: &'a mut LedgerStore,
    rejects: &'a mut Vec<Reject>,
    /// Where the store and the rejects stood before this workbook.
    start: (super::aggregate::Checkpoint, usize),
    /// Reports by sheet number.
    sheets: Vec<Option<SheetReport>>,
}

impl<'a> LedgerSheets<'a> {
    pub(crate) fn new(
        input: u32,
        schema: &'a LedgerSchema,
        default_employer: &'a str,
        store: &'a mut LedgerStore,
        rejects: &'a mut Vec<Reject>,
    ) -> Self {
        let start = (store.checkpoint(), rejects.len());
        LedgerSheets {
            input,
            schema,
            default_employer,
            store,
            rejects,
            start,
            sheets: Vec::new(),
        }
    }

    fn put(&mut self, index: usize, report: SheetReport) {
        if self.sheets.len() <= index {
            self.sheets.resize_with(index + 1, || None);
        }
        self.sheets[index] = Some(report);
    }

    /// The reports in sheet order, or the error of a workbook with no ledger sheet.
    pub(crate) fn finish(self) -> anyhow::Result<Vec<SheetReport>> {
        let sheets: Vec<SheetReport> = self.sheets.into_iter().flatten().collect();
        if !sheets.iter().any(|s| s.shape.is_some()) {
            if let Some(bill) = sheets
                .iter()
                .filter_map(|s| s.skipped.as_deref())
                .find(|r| r.contains(super::schema::BILL_MESSAGE))
            {
                bail!("{bill}");
            }
            bail!(
                "no sheet has a ledger header row (身份证号, 费款所属期 and 实缴金额 or 单位缴纳/个人缴纳)"
            );
        }
        Ok(sheets)
    }

    /// Finds the ledger header of sheet `index` in its first rows (`rows`,
    /// from the sheet's first row on): the header's index among them and the
    /// sheet's state, or `None` (the sheet listed as skipped).
    fn find_header(
        &mut self,
        index: usize,
        name: &str,
        rows: &[Vec<String>],
        empty: bool,
    ) -> Option<(usize, LedgerSheet)> {
        let mut report = SheetReport::new(name.to_string(), None);
        let (found, bill) = match self.schema.find_header(rows) {
            Ok(f) => (Some(f), false),
            Err(e) => (None, e == super::schema::NotLedger::Bill),
        };
        let Some((header_index, layout)) = found else {
            report.skipped = Some(if empty {
                "empty sheet".into()
            } else if bill {
                format!("this sheet {}", super::schema::BILL_MESSAGE)
            } else if crate::ingest::header::instruction_sheet(name) {
                format!("an instruction or list sheet (`{name}`), not data: no header row")
            } else {
                format!(
                    "no ledger header (身份证号, 费款所属期, 实缴金额 or 单位缴纳/个人缴纳) in the first {HEADER_SEARCH_ROWS} rows"
                )
            });
            self.put(index, report);
            return None;
        };
        report.shape = Some(Shape::Ledger);
        report.notes = layout.notes();
        let employer = match layout.employer {
            Some(c) => EmployerSource::Column(c),
            None => EmployerSource::Fixed(self.default_employer.to_string()),
        };
        Some((
            header_index,
            LedgerSheet {
                layout,
                employer,
                report,
            },
        ))
    }

    /// Reads rows of a sheet below its header: (0-based row, cells).
    fn read_rows<'r>(
        &mut self,
        index: usize,
        sheet: &mut LedgerSheet,
        is_1904: bool,
        rows: impl Iterator<Item = (u32, &'r [Data])>,
    ) {
        let layout = &sheet.layout;
        let mut batch = RowBatch::default();
        for (row_index, row) in rows {
            let blank = row.iter().all(|d| cell(Some(d)).is_blank());
            if blank {
                continue;
            }
            if let Some(reason) = not_a_person_at(row, layout.person, None) {
                batch.skip_row(reason);
                continue;
            }
            batch.push_row(row_index, layout, &sheet.employer, |c| {
                let d = row.get(c);
                // A paid date written as a plain number in a 1904-system
                // workbook: rebased to the 1900 serial the parser reads.
                if is_1904 && Some(c) == layout.paid_date {
                    match d {
                        Some(Data::Float(f)) => return Cell::Float(f + DAYS_1900_TO_1904),
                        Some(Data::Int(n)) => return Cell::Float(*n as f64 + DAYS_1900_TO_1904),
                        _ => {}
                    }
                }
                cell(d)
            });
        }
        let report = &mut sheet.report;
        report.rows_read += batch.rows_read;
        report.accepted += batch.accepted();
        report.other_insurance += batch.other_insurance;
        report.add_skipped(batch.skipped.iter().map(|(r, n)| (*r, *n)));
        report.rejected += batch.rejects.len() as u64;
        let (input, sheet_number) = (self.input, index as u32);
        self.store.append(
            batch,
            layout,
            |local| SourceRef {
                input,
                sheet: sheet_number,
                row: local + 1,
            },
            self.rejects,
        );
    }
}

impl crate::ingest::streamed::SheetVisitor for LedgerSheets<'_> {
    type Sheet = LedgerSheet;

    fn header(
        &mut self,
        index: usize,
        head: &crate::ingest::excel::LoadedSheet,
    ) -> Option<(usize, LedgerSheet)> {
        let rows: Vec<Vec<String>> = head
            .range
            .rows()
            .take(HEADER_SEARCH_ROWS)
            .map(crate::ingest::excel::row_texts)
            .collect();
        self.find_header(index, &head.name, &rows, head.range.is_empty())
    }

    fn rows(&mut self, index: usize, sheet: &mut LedgerSheet, rows: &[(u32, Vec<Data>)]) {
        self.read_rows(
            index,
            sheet,
            false,
            rows.iter().map(|(n, c)| (n - 1, c.as_slice())),
        );
    }

    fn end(&mut self, index: usize, _name: &str, header_row: u32, mut sheet: LedgerSheet) {
        sheet.report.header_row = Some(header_row);
        self.put(index, sheet.report);
    }

    fn restart(&mut self) {
        self.store.rollback(self.start.0);
        self.rejects.truncate(self.start.1);
        self.sheets.clear();
    }
}

/// Reads every ledger sheet of a workbook's loaded sheets.
pub(crate) fn read_workbook(
    loaded: Vec<crate::ingest::excel::LoadedSheet>,
    sheets: &mut LedgerSheets<'_>,
) {
    for (index, sheet) in loaded.into_iter().enumerate() {
        let range = sheet.range;
        // Row numbers as the spreadsheet shows them: the range may start below row 1.
        let first_row = range.start().map_or(0, |(r, _)| r);
        let rows: Vec<Vec<String>> = range
            .rows()
            .take(HEADER_SEARCH_ROWS)
            .map(crate::ingest::excel::row_texts)
            .collect();
        let Some((header_index, mut state)) =
            sheets.find_header(index, &sheet.name, &rows, range.is_empty())
        else {
            continue;
        };
        state.report.header_row = Some(first_row + header_index as u32 + 1);
        let body = range
            .rows()
            .enumerate()
            .skip(header_index + 1)
            .map(|(i, r)| (first_row + i as u32, r));
        sheets.read_rows(index, &mut state, sheet.is_1904, body);
        sheets.put(index, state.report);
    }
}
