//! Unemployment-benefit month files (失业保险金期间, `--ui`): one row per span,
//! 身份证号 + 起始月份 + 终止月份. Months count as covered in the engine.

use super::normalize::{RowCells, person_id_typed};
use super::schema::ColumnSchema;
use super::sniff::FileKind;
use super::{
    IngestError, UiBatch, csv, csv_parallel, data_rows, excel, file_error, load_file, new_report,
    sha256_hex, sheet_header, skipped_sheet,
};
use crate::ingest::values::Cell;
use crate::model::{
    InputRole, Month, PersonId, Reject, RejectCode, SheetReport, SourceRef, UiSpan,
};
use std::collections::HashSet;
use std::path::PathBuf;

struct UiColumns {
    person_id: usize,
    id_type: Option<usize>,
    from: usize,
    to: usize,
    headers: Vec<String>,
}

enum UiOutcome {
    Span(UiSpan),
    Rejected(Reject),
}

/// A month cell: `202503`, `2025-03`, `2025年3月`, a date cell or a number
/// (the one month reader of every event input).
fn month_of(cell: Cell<'_>, is_1904: bool) -> Option<Month> {
    crate::ingest::values::parse_month_cell(cell, is_1904).ok()
}

fn normalize_ui_row<R: RowCells + ?Sized>(
    c: &UiColumns,
    row: &R,
    src: SourceRef,
    is_1904: bool,
) -> UiOutcome {
    let header = |i: usize| c.headers.get(i).cloned().unwrap_or_default();
    let rej = |i: usize, value: String, code: RejectCode, message: crate::text::Text| {
        UiOutcome::Rejected(Reject {
            source: src,
            column: header(i),
            value,
            code,
            message,
            names: Vec::new(),
            documents: Vec::new(),
        })
    };
    let idc = row.cell(c.person_id);
    let person_id = match person_id_typed(idc, c.id_type.map(|i| row.cell(i))) {
        Ok(id) => id,
        Err((code, m, false)) => return rej(c.person_id, idc.raw().into_owned(), code, m),
        Err((code, m, true)) => {
            let i = c.id_type.unwrap_or(c.person_id);
            return rej(i, row.cell(i).raw().into_owned(), code, m);
        }
    };
    let mut months = [None, None];
    for (k, col) in [c.from, c.to].into_iter().enumerate() {
        let cell = row.cell(col);
        if cell.is_blank() {
            return rej(
                col,
                String::new(),
                RejectCode::MissingValue,
                crate::text!(ui_month_empty),
            );
        }
        match month_of(cell, is_1904) {
            Some(m) => months[k] = Some(m),
            None => {
                return rej(
                    col,
                    cell.raw().into_owned(),
                    RejectCode::BadMonth,
                    crate::text!(ui_not_a_month, cell.raw()),
                );
            }
        }
    }
    let (Some(from), Some(to)) = (months[0], months[1]) else {
        return rej(
            c.from,
            String::new(),
            RejectCode::MissingValue,
            crate::text!(ui_month_empty),
        );
    };
    if to < from {
        return rej(
            c.to,
            row.cell(c.to).raw().into_owned(),
            RejectCode::DateOrder,
            crate::text!(ui_span_order, to, from),
        );
    }
    UiOutcome::Span(UiSpan {
        person_id,
        from,
        to,
    })
}

fn ui_columns(h: &super::header::HeaderMap) -> Option<UiColumns> {
    Some(UiColumns {
        person_id: h.get("person_id")?,
        id_type: h.get("id_type"),
        from: h.get("from_month")?,
        to: h.get("to_month")?,
        headers: h.headers.clone(),
    })
}

/// Reads the UI month files; duplicates (same person and months) are collapsed.
pub fn read_ui_files(paths: &[PathBuf]) -> Result<UiBatch, IngestError> {
    let schema = ColumnSchema::shipped();
    let super::Expanded { files, skipped } = super::expand_inputs(paths, &[])?;
    let mut batch = UiBatch {
        skipped,
        ..UiBatch::default()
    };
    let mut seen: HashSet<(PersonId, Month, Month)> = HashSet::new();
    for (i, file) in files.iter().enumerate() {
        let input = i as u32;
        let path = &file.display_path();
        let mut per_sheet: Vec<(usize, Vec<UiOutcome>)> = Vec::new();
        let mut report = if let Some(kind) = super::markup_file(file) {
            read_ui_markup(file, kind, input, &schema, &mut per_sheet)?
        } else {
            let loaded = load_file(file)?;
            let mut report = new_report(path, InputRole::Ui, &loaded, sha256_hex(&loaded.bytes));
            if loaded.kind == FileKind::Csv {
                // An undecodable line costs its row (a BAD_ENCODING reject), as in
                // the events and ledger readers; only a header that cannot be
                // decoded, or a file mostly undecodable, is the file's error.
                let decoded =
                    csv::decode_recovering(&loaded.bytes).map_err(|m| file_error(path, m))?;
                let (text, bad, enc) = (&decoded.text, &decoded.bad, decoded.encoding);
                report.encoding = Some(enc.to_string());
                let delim = csv::detect_delimiter(text);
                let (hm, header_line, data, data_line) =
                    super::decoded_csv_header(path, &decoded, delim, &schema, "ui", &[])?;
                let data_at = text.len() - data.len();
                let cols = ui_columns(&hm).ok_or_else(|| file_error(path, "missing UI columns"))?;
                let n = super::named_len(&hm.headers);
                // UI months need no name, but a file may have one: a whole-row
                // reject keeps it to be masked.
                let cells = super::MaskedCells {
                    name: (hm.headers.iter())
                        .position(|h| h.contains("姓名") || h.trim().eq_ignore_ascii_case("name")),
                    id: Some(cols.person_id),
                };
                let parts = csv_parallel(data, data_line, delim, n, |sp, chunk_at| {
                    let mut out = Vec::new();
                    let mut rec = csv::Record::default();
                    while let Some(line) = sp.next_record(&mut rec) {
                        if rec.is_blank() {
                            continue;
                        }
                        let src = SourceRef {
                            input,
                            sheet: 0,
                            row: line,
                        };
                        let at = data_at + chunk_at + rec.start;
                        if let Some(b) = csv::bad_line_in(bad, at, at + rec.span) {
                            let r = super::bad_encoding(&rec, &hm.headers, cells, b, enc, src);
                            out.push(UiOutcome::Rejected(r));
                            continue;
                        }
                        match super::ragged_check(&rec, n, cells, src) {
                            Some(r) => out.push(UiOutcome::Rejected(r)),
                            None => out.push(normalize_ui_row(&cols, &rec, src, false)),
                        }
                    }
                    out
                });
                report.sheets.push(read_sheet_report(
                    super::file_name(path),
                    hm.shape,
                    header_line,
                ));
                per_sheet.push((0, parts.into_iter().flatten().collect()));
            } else {
                let sheets = excel::load_workbook(&loaded.bytes, loaded.kind)
                    .map_err(|m| file_error(path, m))?;
                for (si, sheet) in sheets.iter().enumerate() {
                    let hm = match sheet_header(sheet, &schema, "ui", "") {
                        Ok(h) => h,
                        Err(reason) => {
                            report.sheets.push(skipped_sheet(&sheet.name, reason));
                            continue;
                        }
                    };
                    let Some(cols) = ui_columns(&hm) else {
                        report
                            .sheets
                            .push(skipped_sheet(&sheet.name, "missing UI columns".into()));
                        continue;
                    };
                    let mut outs = Vec::new();
                    for (row_number, cells) in data_rows(sheet, hm.index) {
                        if cells.is_blank() {
                            continue;
                        }
                        let src = SourceRef {
                            input,
                            sheet: si as u32,
                            row: row_number,
                        };
                        outs.push(normalize_ui_row(&cols, cells, src, sheet.is_1904));
                    }
                    report.sheets.push(read_sheet_report(
                        sheet.name.clone(),
                        hm.shape,
                        sheet.first_row + hm.index as u32,
                    ));
                    per_sheet.push((si, outs));
                }
                if report.sheets.iter().all(|s| s.skipped.is_some()) {
                    let reasons: Vec<String> = report
                        .sheets
                        .iter()
                        .map(|s| {
                            format!(
                                "sheet {}: {}",
                                s.name,
                                s.skipped.clone().unwrap_or_default()
                            )
                        })
                        .collect();
                    return Err(file_error(
                        path,
                        format!("no sheet has the required columns: {}", reasons.join("; ")),
                    ));
                }
            }
            report
        };
        for (si, outs) in per_sheet {
            let Some(sheet) = report.sheets.get_mut(si) else {
                continue;
            };
            for o in outs {
                sheet.rows_read += 1;
                match o {
                    UiOutcome::Span(span) => {
                        if seen.insert((span.person_id, span.from, span.to)) {
                            sheet.accepted += 1;
                            batch.spans.push(span);
                        } else {
                            sheet.duplicates += 1;
                        }
                    }
                    UiOutcome::Rejected(r) => {
                        sheet.rejected += 1;
                        batch.rejects.push(r);
                    }
                }
            }
        }
        batch.inputs.push(report);
    }
    Ok(batch)
}

/// A UI sheet read from its header row on (its counts are filled in later).
fn read_sheet_report(name: String, shape: crate::model::Shape, header_row: u32) -> SheetReport {
    SheetReport {
        header_row: Some(header_row),
        ..SheetReport::new(name, Some(shape))
    }
}

/// The UI reader of streamed sheets.
struct UiSheets<'a> {
    schema: &'a ColumnSchema,
    input: u32,
    /// Reports and row outcomes by sheet number.
    sheets: Vec<Option<(SheetReport, Vec<UiOutcome>)>>,
}

impl UiSheets<'_> {
    fn put(&mut self, index: usize, report: SheetReport, outs: Vec<UiOutcome>) {
        if self.sheets.len() <= index {
            self.sheets.resize_with(index + 1, || None);
        }
        self.sheets[index] = Some((report, outs));
    }
}

impl super::streamed::SheetVisitor for UiSheets<'_> {
    type Sheet = (UiColumns, crate::model::Shape, Vec<UiOutcome>);

    fn header(&mut self, index: usize, head: &excel::LoadedSheet) -> Option<(usize, Self::Sheet)> {
        let reason = match sheet_header(head, self.schema, "ui", "") {
            Ok(hm) => match ui_columns(&hm) {
                Some(cols) => return Some((hm.index, (cols, hm.shape, Vec::new()))),
                None => "missing UI columns".to_string(),
            },
            Err(reason) => reason,
        };
        self.put(index, skipped_sheet(&head.name, reason), Vec::new());
        None
    }

    fn rows(&mut self, index: usize, sheet: &mut Self::Sheet, rows: &[(u32, Vec<calamine::Data>)]) {
        for (row_number, cells) in rows {
            if cells.as_slice().is_blank() {
                continue;
            }
            let src = SourceRef {
                input: self.input,
                sheet: index as u32,
                row: *row_number,
            };
            sheet
                .2
                .push(normalize_ui_row(&sheet.0, cells.as_slice(), src, false));
        }
    }

    fn end(&mut self, index: usize, name: &str, header_row: u32, sheet: Self::Sheet) {
        let report = read_sheet_report(name.to_string(), sheet.1, header_row);
        self.put(index, report, sheet.2);
    }

    fn restart(&mut self) {
        self.sheets.clear();
    }
}

/// Reads a SpreadsheetML or HTML UI file as it streams; its sheets' row
/// outcomes go to `per_sheet`.
fn read_ui_markup(
    file: &super::InputFile,
    kind: FileKind,
    input: u32,
    schema: &ColumnSchema,
    per_sheet: &mut Vec<(usize, Vec<UiOutcome>)>,
) -> Result<crate::model::InputReport, IngestError> {
    let path = &file.display_path();
    let io = |e: std::io::Error| IngestError::Io {
        path: file.name.clone(),
        source: e,
    };
    let (sha256, bytes) = super::hash_file(&file.path).map_err(io)?;
    let f = std::fs::File::open(&file.path).map_err(io)?;
    let mut streamer = super::streamed::SheetStreamer::new(UiSheets {
        schema,
        input,
        sheets: Vec::new(),
    });
    super::markup::read_markup(
        &mut std::io::BufReader::with_capacity(1 << 20, f),
        kind,
        &mut streamer,
    )
    .map_err(|m| file_error(path, m))?;
    let mut report = crate::model::InputReport {
        path: path.display().to_string(),
        role: InputRole::Ui,
        format: kind.format().unwrap_or(crate::model::InputFormat::Csv),
        sha256,
        bytes,
        encoding: None,
        sheets: Vec::new(),
    };
    for (si, sheet) in streamer.visitor.sheets.into_iter().enumerate() {
        let (sheet_report, outs) = sheet.unwrap_or_else(|| {
            (
                skipped_sheet(&format!("sheet {}", si + 1), "not read".into()),
                Vec::new(),
            )
        });
        report.sheets.push(sheet_report);
        per_sheet.push((si, outs));
    }
    if report.sheets.iter().all(|s| s.skipped.is_some()) {
        return Err(super::no_sheet_read(path, &report.sheets));
    }
    Ok(report)
}
