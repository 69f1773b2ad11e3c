//! Ledger workbooks (.xlsx, .xls, .xlsb, .ods through calamine; SpreadsheetML
//! and HTML `.xls` through `ingest::markup`) read cell by cell:
//! every sheet whose first rows hold a ledger header is read; others are
//! listed as skipped with the reason. Ledger workbooks are small (a sheet
//! holds at most 1,048,576 rows), so each is read whole.

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

/// Reads every ledger sheet of a workbook held in `bytes` into `store`.
pub(crate) fn read_workbook(
    loaded: Vec<crate::ingest::excel::LoadedSheet>,
    input: u32,
    schema: &LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
) -> anyhow::Result<Vec<SheetReport>> {
    let mut sheets = Vec::with_capacity(loaded.len());
    for (sheet_index, sheet) in loaded.into_iter().enumerate() {
        let mut report = SheetReport::new(sheet.name.clone(), None);
        let range = sheet.range;
        let is_1904 = sheet.is_1904;
        // Row numbers as the spreadsheet shows them: the range may start below row 1.
        let first_row = range.start().map_or(0, |(r, _)| r);
        let rows: Vec<Vec<String>> = range
            .rows()
            .take(HEADER_SEARCH_ROWS)
            .map(crate::ingest::excel::row_texts)
            .collect();
        let (found, bill) = match schema.find_header(&rows) {
            Ok(f) => (Some(f), false),
            Err(e) => (None, e == super::schema::NotLedger::Bill),
        };
        let Some((header_index, layout)) = found else {
            report.skipped = Some(if range.is_empty() {
                "empty sheet".into()
            } else if bill {
                format!("this sheet {}", super::schema::BILL_MESSAGE)
            } else if crate::ingest::header::instruction_sheet(&sheet.name) {
                format!(
                    "an instruction or list sheet (`{}`), not data: no header row",
                    sheet.name
                )
            } else {
                format!(
                    "no ledger header (身份证号, 费款所属期, 实缴金额 or 单位缴纳/个人缴纳) in the first {HEADER_SEARCH_ROWS} rows"
                )
            });
            sheets.push(report);
            continue;
        };
        report.shape = Some(Shape::Ledger);
        report.notes = layout.notes();
        report.header_row = Some(first_row + header_index as u32 + 1);
        let employer = match layout.employer {
            Some(c) => EmployerSource::Column(c),
            None => EmployerSource::Fixed(default_employer.to_string()),
        };
        let mut batch = RowBatch::default();
        for (i, row) in range.rows().enumerate().skip(header_index + 1) {
            let blank = row.iter().all(|d| cell(Some(d)).is_blank());
            if blank {
                continue;
            }
            if let Some(reason) = not_a_person_at(row, layout.person, None) {
                batch.skip_row(reason);
                continue;
            }
            batch.push_row(i as u32, &layout, &employer, |c| {
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
        report.rows_read = batch.rows_read;
        report.accepted = batch.accepted();
        report.other_insurance = batch.other_insurance;
        report.add_skipped(batch.skipped.iter().map(|(r, n)| (*r, *n)));
        report.rejected = batch.rejects.len() as u64;
        let sheet = sheet_index as u32;
        store.append(
            batch,
            &layout,
            |local| SourceRef {
                input,
                sheet,
                row: first_row + local + 1,
            },
            rejects,
        );
        sheets.push(report);
    }
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
