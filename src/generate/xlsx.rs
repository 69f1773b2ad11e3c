//! Event rows as one `.xlsx` workbook with a 增员 sheet (hires) and a 减员 sheet
//! (separations), each with a title row above the header, real date cells,
//! number cells for wages and text cells for IDs (a 证件类型 column beside
//! them) — except the bad rows, which carry what real workbooks carry (an ID
//! as a float cell, `2025-02-30` as text).
//! Written in rust_xlsxwriter's constant-memory mode; a sheet past Excel's
//! 1,048,576 rows continues in `增员2`, `增员3`, …

use super::GenerateError;
use super::render::{
    BadKind, EVENT_HEADER, EventRow, RenderContext, push_event_word, push_id, push_id_type,
    push_name, push_reason, push_region, push_wage,
};
use crate::model::EventKind;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Data rows per sheet: Excel's limit less the title and header rows.
const MAX_DATA_ROWS: usize = 1_048_576 - 2;

fn xlsx_error(path: &Path) -> impl Fn(XlsxError) -> GenerateError + '_ {
    move |e| GenerateError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes the workbook; returns its size in bytes.
pub fn write_workbook(
    path: &Path,
    rows: &[EventRow],
    title: &str,
    ctx: &RenderContext<'_>,
) -> Result<u64, GenerateError> {
    let err = xlsx_error(path);
    let mut workbook = Workbook::new();
    // A fixed creation time keeps the file identical for a seed.
    let created = ExcelDateTime::from_ymd(2026, 11, 20).map_err(&err)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let money_format = Format::new().set_num_format("#,##0.00");
    for (sheet, kind) in [("增员", EventKind::Hire), ("减员", EventKind::Separation)] {
        let selected: Vec<&EventRow> = rows.iter().filter(|r| r.kind == kind).collect();
        let mut parts: Vec<&[&EventRow]> = selected.chunks(MAX_DATA_ROWS).collect();
        if parts.is_empty() {
            parts.push(&[]);
        }
        for (i, part) in parts.into_iter().enumerate() {
            let ws = workbook
                .add_worksheet_with_constant_memory()
                .map_err(&err)?;
            let name = if i == 0 {
                sheet.to_string()
            } else {
                format!("{sheet}{}", i + 1)
            };
            ws.set_name(name).map_err(&err)?;
            write_sheet(ws, part, title, ctx, &date_format, &money_format).map_err(&err)?;
        }
    }
    workbook.save(path).map_err(&err)?;
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(super::io_error(path))
}

fn write_sheet(
    ws: &mut Worksheet,
    rows: &[&EventRow],
    title: &str,
    ctx: &RenderContext<'_>,
    date_format: &Format,
    money_format: &Format,
) -> Result<(), XlsxError> {
    ws.write_string(0, 0, title)?;
    for (col, name) in EVENT_HEADER.iter().enumerate() {
        ws.write_string(1, col as u16, *name)?;
    }
    for (col, width) in [
        12.0, 20.0, 10.0, 22.0, 10.0, 12.0, 10.0, 12.0, 14.0, 12.0, 12.0,
    ]
    .into_iter()
    .enumerate()
    {
        ws.set_column_width(col as u16, width)?;
    }
    let mut cell = String::with_capacity(64);
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 2) as u32;
        let employer = &ctx.employers[row.employer as usize];
        cell.clear();
        push_id_type(&mut cell, row, ctx);
        ws.write_string(r, 0, cell.as_str())?;
        cell.clear();
        push_id(&mut cell, row, ctx);
        if row.bad == Some(BadKind::IdLostDigits) {
            // The ID stored as a number, the way Excel keeps a pasted ID.
            let id = ctx.ids.person_id(row.person);
            let digits: f64 = id.as_str()[..17].parse::<f64>().unwrap_or(0.0) * 10.0;
            ws.write_number(r, 1, digits)?;
        } else {
            ws.write_string(r, 1, cell.as_str())?;
        }
        cell.clear();
        push_name(&mut cell, row, ctx);
        ws.write_string(r, 2, cell.as_str())?;
        ws.write_string(r, 3, employer.code.as_str())?;
        cell.clear();
        push_event_word(&mut cell, row, employer);
        ws.write_string(r, 4, cell.as_str())?;
        if row.bad == Some(BadKind::BadDate) {
            cell.clear();
            super::render::push_event_date(&mut cell, row, employer);
            ws.write_string(r, 5, cell.as_str())?;
        } else {
            ws.write_datetime_with_format(r, 5, excel_date(row.date)?, date_format)?;
        }
        cell.clear();
        push_region(&mut cell, row, employer);
        ws.write_string(r, 6, cell.as_str())?;
        match (row.bad, row.wage_cents) {
            (Some(BadKind::BadMoney), _) | (_, None) => {
                cell.clear();
                push_wage(&mut cell, row, employer, false);
                if !cell.is_empty() {
                    ws.write_string(r, 7, cell.as_str())?;
                }
            }
            (_, Some(cents)) => {
                ws.write_number_with_format(r, 7, cents as f64 / 100.0, money_format)?;
            }
        }
        cell.clear();
        push_reason(&mut cell, row);
        if !cell.is_empty() {
            ws.write_string(r, 8, cell.as_str())?;
        }
        if let Some(filed) = row.filed {
            ws.write_datetime_with_format(r, 9, excel_date(filed)?, date_format)?;
        }
        cell.clear();
        super::render::push_department(&mut cell, row);
        ws.write_string(r, 10, cell.as_str())?;
    }
    Ok(())
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}
