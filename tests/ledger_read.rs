//! `columnar::read_ledger` on real files: CSV in UTF-8, UTF-8 with BOM and GBK,
//! an .xlsx written by rust_xlsxwriter, a Parquet file written by polars, and
//! folders. Values are checked one by one: sums in fen, months, paid dates,
//! row counts, reject codes and their spreadsheet row numbers.

use chrono::NaiveDate;
use medrecon::columnar::{LedgerBatch, LedgerOptions, read_ledger};
use medrecon::model::{InputFormat, LedgerEntry, Month, PersonId, RejectCode};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// A valid ID: region 110101, birth 1990-03-07, sequence `seq`, real checksum.
fn pid(seq: u32) -> String {
    let first17 = format!("11010119900307{seq:03}");
    PersonId::from_first17(first17.as_bytes().try_into().unwrap())
        .unwrap()
        .to_string()
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn yuan(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn read(paths: &[PathBuf]) -> LedgerBatch {
    read_ledger(paths, &LedgerOptions::default()).unwrap()
}

/// (person, employer, month, paid in fen, paid date, rows) of an entry.
type Flat = (String, String, Month, Decimal, Option<NaiveDate>, u32);

fn flat(e: &LedgerEntry) -> Flat {
    (
        e.person_id.to_string(),
        e.employer_id.to_string(),
        e.month,
        e.paid,
        e.paid_date,
        e.rows,
    )
}

#[test]
fn utf8_ledger_sums_duplicate_rows_and_sorts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.csv");
    let (a, b) = (pid(2), pid(1)); // b sorts before a
    let text = format!(
        "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
         {a},E2,202503,947.00,2025-04-10\n\
         {a},E1,2025-03,500.00,2025/4/1\n\
         {a},E1,202503,447.00,20250415\n\
         {b},E1,202502,947,\n"
    );
    std::fs::write(&path, text).unwrap();
    let batch = read(std::slice::from_ref(&path));
    let entries: Vec<Flat> = batch.entries.iter().map(flat).collect();
    assert_eq!(
        entries,
        [
            (
                b.clone(),
                "E1".into(),
                month(2025, 2),
                yuan(94_700),
                None,
                1
            ),
            // 500.00 and 447.00 of one month (`202503` and `2025-03` are one
            // month) paid on different days: each payment keeps its date.
            (
                a.clone(),
                "E1".into(),
                month(2025, 3),
                yuan(50_000),
                date(2025, 4, 1),
                1
            ),
            (
                a.clone(),
                "E1".into(),
                month(2025, 3),
                yuan(44_700),
                date(2025, 4, 15),
                1
            ),
            (
                a.clone(),
                "E2".into(),
                month(2025, 3),
                yuan(94_700),
                date(2025, 4, 10),
                1
            ),
        ]
    );
    assert_eq!(batch.merged_rows, 0);
    assert!(batch.rejects.is_empty());
    let input = &batch.inputs[0];
    assert_eq!(input.format, InputFormat::Csv);
    assert_eq!(input.encoding.as_deref(), Some("utf-8"));
    assert_eq!(input.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!(input.sha256.len(), 64);
    let sheet = &input.sheets[0];
    assert_eq!(sheet.header_row, Some(1));
    assert_eq!(
        (
            sheet.rows_read,
            sheet.accepted,
            sheet.rejected,
            sheet.duplicates
        ),
        (4, 4, 0, 0)
    );
    assert!(input.balanced());
}

#[test]
fn gbk_ledger_with_title_line_and_employer_employee_parts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gbk.csv");
    let text = format!(
        "某某人力资源公司2025年医保实缴明细\r\n\
         证件号码,单位代码,所属期,单位缴纳(元),个人缴纳(元),到账日期\r\n\
         {p1},91110000X,202501,784.00,163.00,2025年2月10日\r\n\
         {p1},91110000X,202502,784.00,,2025-03-10\r\n\
         {p2},91110000X,202501,\"1,000.00\",200.5,\r\n\
         {p2},91110000X,202502,,,\r\n",
        p1 = pid(7),
        p2 = pid(8)
    );
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(&path, &bytes).unwrap();
    let batch = read(&[path]);
    assert_eq!(batch.inputs[0].encoding.as_deref(), Some("gb18030"));
    assert_eq!(batch.inputs[0].sheets[0].header_row, Some(2));
    let entries: Vec<Flat> = batch.entries.iter().map(flat).collect();
    assert_eq!(
        entries,
        [
            // 784.00 + 163.00
            (
                pid(7),
                "91110000X".into(),
                month(2025, 1),
                yuan(94_700),
                date(2025, 2, 10),
                1
            ),
            // employee part blank: counts as 0 when the employer part is there
            (
                pid(7),
                "91110000X".into(),
                month(2025, 2),
                yuan(78_400),
                date(2025, 3, 10),
                1
            ),
            // 1,000.00 + 200.5
            (
                pid(8),
                "91110000X".into(),
                month(2025, 1),
                yuan(120_050),
                None,
                1
            ),
        ]
    );
    // Both parts blank: no amount. Title line 1, header 2, so the 4th data row is row 6.
    assert_eq!(batch.rejects.len(), 1);
    let r = &batch.rejects[0];
    assert_eq!((r.source.input, r.source.sheet, r.source.row), (0, 0, 6));
    assert_eq!(r.code, RejectCode::MissingValue);
    assert_eq!(r.column, "单位缴纳(元)");
    let s = &batch.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (4, 3, 1));
}

#[test]
fn bad_rows_are_rejects_with_code_row_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let good = pid(3);
    // The same 17 digits with another check character.
    let mut wrong_check = pid(3);
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '1' { '2' } else { '1' });
    let lines = [
        "身份证号,单位编号,费款所属期,实缴金额,缴费日期".to_string(), // row 1
        format!("{wrong_check},E1,202503,947,"),                      // 2
        "1.10101E+17,E1,202503,947,".to_string(),                     // 3
        "11010119900307,E1,202503,947,".to_string(),                  // 4
        ",E1,202503,947,".to_string(),                                // 5
        format!("{good},E1,202513,947,"),                             // 6
        format!("{good},E1,202503,9a7,"),                             // 7
        format!("{good},E1,202503,947,2025-02-30"),                   // 8
        String::new(),                                                // 9 blank: skipped
        format!("{good},E1,202503,8,000.00,2025-04-01"),              // 10 unquoted comma
        format!("{good},,202503,947,"),                               // 11
        format!("{good},E1,202503,947,03/04/2025"),                   // 12
        format!("{good},E1,202504,947,2025-05-06"),                   // 13 good
    ];
    let mut text = String::from("\u{feff}");
    text.push_str(&lines.join("\n"));
    std::fs::write(&path, text).unwrap();
    let batch = read(&[path]);
    let got: Vec<(u32, &str, &str, RejectCode)> = batch
        .rejects
        .iter()
        .map(|r| (r.source.row, r.column.as_str(), r.value.as_str(), r.code))
        .collect();
    let line10 = lines[9].as_str();
    assert_eq!(
        got,
        [
            (2, "身份证号", wrong_check.as_str(), RejectCode::IdChecksum),
            (3, "身份证号", "1.10101E+17", RejectCode::IdLostDigits),
            (4, "身份证号", "11010119900307", RejectCode::BadId),
            (5, "身份证号", "", RejectCode::MissingValue),
            (6, "费款所属期", "202513", RejectCode::BadMonth),
            (7, "实缴金额", "9a7", RejectCode::BadMoney),
            (8, "缴费日期", "2025-02-30", RejectCode::BadDate),
            (10, "", line10, RejectCode::BadRow),
            (11, "单位编号", "", RejectCode::MissingValue),
            (12, "缴费日期", "03/04/2025", RejectCode::AmbiguousDate),
        ]
    );
    assert!(batch.rejects.iter().all(|r| !r.message.en().is_empty()));
    assert_eq!(batch.inputs[0].encoding.as_deref(), Some("utf-8-bom"));
    let s = &batch.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (11, 1, 10));
    assert!(batch.inputs[0].balanced());
    assert_eq!(batch.entries.len(), 1);
    assert_eq!(batch.entries[0].month, month(2025, 4));
}

#[test]
fn employer_comes_from_the_option_else_the_file_stem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("E777.csv");
    std::fs::write(
        &path,
        format!("身份证号,费款所属期,实缴金额\n{},2025-01,947\n", pid(4)),
    )
    .unwrap();
    let by_stem = read(std::slice::from_ref(&path));
    assert_eq!(&*by_stem.entries[0].employer_id, "E777");
    let opts = LedgerOptions {
        default_employer: Some("91440300MA5X".into()),
    };
    let by_option = read_ledger(&[path], &opts).unwrap();
    assert_eq!(&*by_option.entries[0].employer_id, "91440300MA5X");
}

#[test]
fn xlsx_ledger_reads_cells_and_skips_sheets_without_a_header() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.xlsx");
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "本表为2025年实缴明细").unwrap();
    let sheet = wb.add_worksheet();
    sheet.set_name("实缴").unwrap();
    sheet.write_string(0, 0, "2025年1-2月医保缴费").unwrap();
    for (c, h) in [
        "身份证号",
        "单位编号",
        "费款所属期",
        "实缴金额(元)",
        "缴费日期",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    // Row 3: month as a number cell, amount a number, paid date a date cell.
    sheet.write_string(2, 0, pid(5)).unwrap();
    sheet.write_string(2, 1, "E9").unwrap();
    sheet.write_number(2, 2, 202501).unwrap();
    sheet.write_number(2, 3, 947).unwrap();
    let paid = ExcelDateTime::from_ymd(2025, 2, 14).unwrap();
    sheet
        .write_datetime_with_format(2, 4, &paid, &date_format)
        .unwrap();
    // Row 4: month as text, amount a formula-like float, paid date a bare serial.
    sheet.write_string(3, 0, pid(5)).unwrap();
    sheet.write_string(3, 1, "E9").unwrap();
    sheet.write_string(3, 2, "2025-02").unwrap();
    sheet.write_number(3, 3, 10000.0 * 0.0947).unwrap();
    // Serial 45736 = 2025-03-20 (45658 is 2025-01-01, + 78 days).
    sheet.write_number(3, 4, 45736).unwrap();
    // Row 5: the ID went through a number.
    sheet.write_number(4, 0, 110101199003070000.0).unwrap();
    sheet.write_string(4, 1, "E9").unwrap();
    sheet.write_number(4, 2, 202501).unwrap();
    sheet.write_number(4, 3, 947).unwrap();
    wb.save(&path).unwrap();

    let batch = read(&[path]);
    let input = &batch.inputs[0];
    assert_eq!(input.format, InputFormat::Xlsx);
    assert_eq!(input.encoding, None);
    assert_eq!(input.sheets.len(), 2);
    assert!(input.sheets[0].skipped.is_some());
    assert_eq!(input.sheets[1].header_row, Some(2));
    assert_eq!(
        (
            input.sheets[1].rows_read,
            input.sheets[1].accepted,
            input.sheets[1].rejected
        ),
        (3, 2, 1)
    );
    let entries: Vec<Flat> = batch.entries.iter().map(flat).collect();
    assert_eq!(
        entries,
        [
            (
                pid(5),
                "E9".into(),
                month(2025, 1),
                yuan(94_700),
                date(2025, 2, 14),
                1
            ),
            // 10000 × 0.0947 is not exactly 947 in binary: 947.00 to the fen.
            (
                pid(5),
                "E9".into(),
                month(2025, 2),
                yuan(94_700),
                date(2025, 3, 20),
                1
            ),
        ]
    );
    let r = &batch.rejects[0];
    assert_eq!((r.source.input, r.source.sheet, r.source.row), (0, 1, 5));
    assert_eq!(r.code, RejectCode::IdLostDigits);
    assert_eq!(r.column, "身份证号");
}

#[test]
fn parquet_ledger_written_by_polars() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.parquet");
    let ids = [pid(6), pid(6), pid(6), "123".to_string()];
    let days = |d: Option<NaiveDate>| {
        d.map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32)
    };
    let mut df = DataFrame::new(
        4,
        vec![
            Column::new("person_id".into(), ids.to_vec()),
            Column::new("employer_id".into(), ["E1", "E1", "E1", "E1"]),
            Column::new("month".into(), [202503i64, 202503, 202504, 202503]),
            Column::new(
                "amount".into(),
                [Some(400.0f64), Some(547.0), None, Some(1.0)],
            ),
            Int32Chunked::from_iter_options(
                "paid_date".into(),
                [days(date(2025, 4, 3)), None, None, None].into_iter(),
            )
            .into_date()
            .into_column(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();

    let batch = read(&[path]);
    assert_eq!(batch.inputs[0].format, InputFormat::Parquet);
    let entries: Vec<Flat> = batch.entries.iter().map(flat).collect();
    assert_eq!(
        entries,
        [
            // The undated 547.00 (taken as on time) sorts before the dated 400.00.
            (pid(6), "E1".into(), month(2025, 3), yuan(54_700), None, 1),
            (
                pid(6),
                "E1".into(),
                month(2025, 3),
                yuan(40_000),
                date(2025, 4, 3),
                1
            )
        ]
    );
    assert_eq!(batch.merged_rows, 0);
    let got: Vec<(u32, RejectCode)> = batch
        .rejects
        .iter()
        .map(|r| (r.source.row, r.code))
        .collect();
    assert_eq!(got, [(3, RejectCode::MissingValue), (4, RejectCode::BadId)]);
}

#[test]
fn folder_means_its_ledger_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "b.csv",
        format!(
            "身份证号,单位编号,费款所属期,实缴金额\n{},E1,202501,100\n",
            pid(9)
        ),
    );
    write(
        "a.csv",
        format!(
            "身份证号,单位编号,费款所属期,实缴金额\n{},E1,202501,847\n",
            pid(9)
        ),
    );
    write("readme.md", "not a ledger".into());
    let batch = read(&[dir.path().to_path_buf()]);
    let names: Vec<String> = batch
        .inputs
        .iter()
        .map(|i| {
            Path::new(&i.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a.csv", "b.csv"]);
    // Rows from two files for one person·employer·month are summed: 847 + 100.
    assert_eq!(batch.entries.len(), 1);
    assert_eq!(batch.entries[0].paid, yuan(94_700));
    assert_eq!(batch.entries[0].rows, 2);
    assert_eq!(batch.merged_rows, 1);
}

#[test]
fn unreadable_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("export.xls");
    std::fs::write(
        &html,
        "<html><table><tr><td>身份证号</td></tr></table></html>",
    )
    .unwrap();
    let err = read_ledger(&[html], &LedgerOptions::default()).unwrap_err();
    let msg = format!("{err:#}");
    // An HTML table is read as a sheet: this one has no ledger header.
    assert!(
        msg.contains("export.xls") && msg.contains("no sheet has a ledger header"),
        "{msg}"
    );

    let no_header = dir.path().join("notes.csv");
    std::fs::write(&no_header, "姓名,备注\n张三,无\n").unwrap();
    let err = read_ledger(&[no_header], &LedgerOptions::default()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("notes.csv") && msg.contains("header"), "{msg}");

    let missing = dir.path().join("missing.csv");
    let err = read_ledger(&[missing], &LedgerOptions::default()).unwrap_err();
    assert!(format!("{err:#}").contains("missing.csv"));
}

#[test]
fn spreadsheetml_and_html_ledgers_are_read_as_workbook_sheets() {
    let dir = tempfile::tempdir().unwrap();
    // A web back office's 实缴 export: a merged title row, the month as a
    // Number cell (202503), amounts as Numbers, one ID typed as a Number.
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="实缴明细">
  <Table ss:ExpandedRowCount="2">
   <Row><Cell ss:MergeAcross="3"><Data ss:Type="String">缴费明细</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">身份证号</Data></Cell><Cell><Data ss:Type="String">单位编号</Data></Cell><Cell><Data ss:Type="String">费款所属期</Data></Cell><Cell><Data ss:Type="String">实缴金额</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">{a}</Data></Cell><Cell><Data ss:Type="String">E1</Data></Cell><Cell><Data ss:Type="Number">202503</Data></Cell><Cell><Data ss:Type="Number">847.5</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">{a}</Data></Cell><Cell><Data ss:Type="String">E1</Data></Cell><Cell><Data ss:Type="String">2025-04</Data></Cell><Cell><Data ss:Type="Number">847.5</Data></Cell></Row>
   <Row><Cell><Data ss:Type="Number">110101199003070000</Data></Cell><Cell><Data ss:Type="String">E1</Data></Cell><Cell><Data ss:Type="Number">202503</Data></Cell><Cell><Data ss:Type="Number">100</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>"#,
        a = pid(1)
    );
    let ssml = dir.path().join("实缴.xls");
    std::fs::write(&ssml, xml).unwrap();
    let html = dir.path().join("对账单.xls");
    let page = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body><table>\
<tr><td colspan=4>对账单</td></tr><tr><th>身份证号</th><th>单位编号</th><th>费款所属期</th><th>实缴金额</th></tr>\
<tr><td>{b}</td><td>E2</td><td>202503</td><td>1,234.50</td></tr></table></body></html>",
        b = pid(2)
    );
    std::fs::write(&html, encoding_rs::GBK.encode(&page).0).unwrap();
    let batch = read_ledger(&[ssml, html], &LedgerOptions::default()).unwrap();
    assert_eq!(batch.inputs[0].format, InputFormat::Spreadsheetml);
    assert_eq!(batch.inputs[1].format, InputFormat::Html);
    let s = &batch.inputs[0].sheets[0];
    assert_eq!(
        (s.header_row, s.rows_read, s.accepted, s.rejected),
        (Some(2), 3, 2, 1)
    );
    assert_eq!(batch.rejects[0].code, RejectCode::IdLostDigits);
    assert_eq!(batch.rejects[0].source.row, 5);
    let months: Vec<(String, Month, Decimal)> = batch
        .entries
        .iter()
        .map(|e| (e.person_id.as_str().to_string(), e.month, e.paid))
        .collect();
    assert_eq!(
        months,
        vec![
            (pid(1), Month::parse("2025-03").unwrap(), yuan(84_750)),
            (pid(1), Month::parse("2025-04").unwrap(), yuan(84_750)),
            (pid(2), Month::parse("2025-03").unwrap(), yuan(123_450)),
        ]
    );
}

/// Issue 17 (messages): a spreadsheet error value or a control character in
/// the ledger's employer column is no employer code: a BAD_TEXT reject at its
/// cell with the control character escaped, never an employer named `#N/A`.
/// The same values in an xlsx: an error cell and a formula's cached error.
#[test]
fn ledger_employer_error_values_and_control_characters_are_bad_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.csv");
    let good = pid(3);
    let lines = [
        "身份证号,单位编号,费款所属期,实缴金额,缴费日期".to_string(), // row 1
        format!("{good},#N/A,202503,947,"),                           // 2
        format!("{good},E\u{1}1,202503,947,"),                        // 3
        format!("{good},Err:502,202503,947,"),                        // 4
        format!("{good},#DIV/0!,202503,947,"),                        // 5
        format!("{good},E#1,202504,947,"),                            // 6 good: # inside
        format!("{good},E1,202505,947,"),                             // 7 good
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let batch = read(&[path]);
    let got: Vec<(u32, &str, &str, RejectCode)> = batch
        .rejects
        .iter()
        .map(|r| (r.source.row, r.column.as_str(), r.value.as_str(), r.code))
        .collect();
    assert_eq!(
        got,
        [
            (2, "单位编号", "#N/A", RejectCode::BadText),
            (3, "单位编号", "E\\u{1}1", RejectCode::BadText),
            (4, "单位编号", "Err:502", RejectCode::BadText),
            (5, "单位编号", "#DIV/0!", RejectCode::BadText),
        ]
    );
    assert!(
        batch.rejects[1].message.en().contains("U+0001"),
        "{:?}",
        batch.rejects[1]
    );
    let employers: Vec<String> = batch
        .entries
        .iter()
        .map(|e| e.employer_id.to_string())
        .collect();
    assert_eq!(employers, ["E#1", "E1"]);
    let s = &batch.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (6, 2, 4));
    assert!(batch.inputs[0].balanced());

    // A workbook: the employer cell a formula whose cached result is an error.
    let xlsx = dir.path().join("ledger.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["身份证号", "单位编号", "费款所属期", "实缴金额"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=2u32 {
        ws.write_string(r, 0, &good).unwrap();
        ws.write_string(r, 2, format!("20250{}", r + 2)).unwrap();
        ws.write_number(r, 3, 947.0).unwrap();
    }
    ws.write_formula(
        1,
        1,
        rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
    )
    .unwrap();
    ws.write_string(2, 1, "E1").unwrap();
    wb.save(&xlsx).unwrap();
    let batch = read(&[xlsx]);
    assert_eq!(batch.rejects.len(), 1, "{:?}", batch.rejects);
    assert_eq!(
        (
            batch.rejects[0].source.row,
            batch.rejects[0].column.as_str(),
            batch.rejects[0].code
        ),
        (2, "单位编号", RejectCode::BadText)
    );
    assert_eq!(batch.entries.len(), 1);
    assert_eq!(batch.entries[0].employer_id.to_string(), "E1");
    assert_eq!(batch.entries[0].month, month(2025, 4));
}

/// A 缴费明细 as exported: a title line, 序号/姓名 before the ID, one row per
/// person·month·insurance, and rows that are not persons — the template's
/// example row, a 小计 and a 合计 row, a placeholder row — among them.
/// Each row: 序号, 姓名, 身份证号, 单位编号, 险种, 费款所属期, 缴费基数, 实缴金额, 缴费日期.
fn statement_rows() -> Vec<[String; 9]> {
    let row = |cells: [&str; 9]| cells.map(str::to_string);
    let (p1, p2, p3, p4) = (pid(21), pid(22), pid(23), pid(24));
    vec![
        // An example row: its ID's checksum is wrong, it would be a reject.
        row([
            "例",
            "张三",
            "110101199001011234",
            "91110000X",
            "基本医疗保险",
            "202503",
            "8000.00",
            "800.00",
            "2025-04-10",
        ]),
        row([
            "1",
            "李四",
            &p1,
            "91110000X",
            "基本医疗保险",
            "202503",
            "8000.00",
            "816.00",
            "2025-04-10",
        ]),
        row([
            "2",
            "王五",
            &p2,
            "91110000X",
            "基本医疗保险",
            "202503",
            "10000.00",
            "1020.00",
            "2025-04-10",
        ]),
        // Another insurance: set aside.
        row([
            "3",
            "李四",
            &p1,
            "91110000X",
            "基本养老保险",
            "202503",
            "8000.00",
            "1280.00",
            "2025-04-10",
        ]),
        row(["小计", "", "", "", "", "", "18000.00", "1836.00", ""]),
        row([
            "4",
            "赵六",
            &p3,
            "91110000X",
            "基本医疗保险",
            "202503",
            "6000.00",
            "612.00",
            "2025-04-12",
        ]),
        // An amount that is no number: a reject.
        row([
            "5",
            "钱七",
            &p4,
            "91110000X",
            "基本医疗保险",
            "202503",
            "6000.00",
            "六百",
            "2025-04-12",
        ]),
        row(["——", "--", "-", "", "", "", "", "", ""]),
        row(["合  计：", "", "", "", "", "", "", "2448.00", ""]),
    ]
}

const STATEMENT_HEADER: [&str; 9] = [
    "序号",
    "姓名",
    "身份证号",
    "单位编号",
    "险种",
    "费款所属期",
    "缴费基数",
    "实缴金额",
    "缴费日期",
];

/// The statement's medical payments (816.00 + 1020.00 + 612.00 = 2448.00, the
/// 合计 row's figure), its counts and skip reasons; the reject is on the
/// spreadsheet row `reject_row`.
fn assert_statement_read(batch: &LedgerBatch, reject_row: u32) {
    use medrecon::ingest::normalize::{EXAMPLE_ROW, PLACEHOLDER_ROW, TOTAL_ROW};
    let entries: Vec<Flat> = batch.entries.iter().map(flat).collect();
    let e = |seq: u32, cents: i64, day: u32| {
        (
            pid(seq),
            "91110000X".to_string(),
            month(2025, 3),
            yuan(cents),
            date(2025, 4, day),
            1,
        )
    };
    assert_eq!(
        entries,
        [e(21, 81_600, 10), e(22, 102_000, 10), e(23, 61_200, 12)]
    );
    let total: Decimal = batch.entries.iter().map(|e| e.paid).sum();
    assert_eq!(total, yuan(244_800));
    let s = batch.inputs[0]
        .sheets
        .iter()
        .find(|s| s.shape.is_some())
        .unwrap();
    assert_eq!(
        (
            s.rows_read,
            s.accepted,
            s.rejected,
            s.duplicates,
            s.other_insurance,
            s.skipped_rows
        ),
        (9, 3, 1, 0, 1, 4)
    );
    assert_eq!(s.rows_read, s.accounted());
    let reasons: Vec<(&str, u64)> = s
        .skipped_reasons
        .iter()
        .map(|(r, n)| (r.as_str(), *n))
        .collect();
    let mut want = vec![(EXAMPLE_ROW, 1), (TOTAL_ROW, 2), (PLACEHOLDER_ROW, 1)];
    want.sort();
    assert_eq!(reasons, want);
    assert_eq!(batch.rejects.len(), 1);
    let r = &batch.rejects[0];
    assert_eq!((r.source.row, r.code), (reject_row, RejectCode::BadMoney));
    assert_eq!(r.column, "实缴金额");
}

#[test]
fn gbk_statement_skips_example_subtotal_total_and_placeholder_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("缴费明细.csv");
    let mut text = format!(
        "某某公司2025年3月社保缴费明细\r\n{}\r\n",
        STATEMENT_HEADER.join(",")
    );
    for row in statement_rows() {
        text.push_str(&row.join(","));
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(&path, &bytes).unwrap();
    let batch = read(&[path]);
    assert_eq!(batch.inputs[0].encoding.as_deref(), Some("gb18030"));
    // Title 1, header 2, data from 3: 钱七 is the 7th data row.
    assert_statement_read(&batch, 9);
}

#[test]
fn xlsx_statement_skips_example_subtotal_total_and_placeholder_rows() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("缴费明细.xlsx");
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet
        .write_string(0, 0, "某某公司2025年3月社保缴费明细")
        .unwrap();
    for (c, h) in STATEMENT_HEADER.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in statement_rows().iter().enumerate() {
        let r = r as u32 + 2;
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            // 序号, 费款所属期, 缴费基数 and 实缴金额 as number cells, as exported.
            match v.parse::<f64>() {
                Ok(n) if [0, 5, 6, 7].contains(&c) => sheet.write_number(r, c as u16, n),
                _ => sheet.write_string(r, c as u16, v),
            }
            .unwrap();
        }
    }
    wb.save(&path).unwrap();
    let batch = read(&[path]);
    assert_eq!(batch.inputs[0].format, InputFormat::Xlsx);
    assert_statement_read(&batch, 9);
}

#[test]
fn tab_semicolon_and_pipe_separated_statements_are_split_by_the_events_rule() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sep) in [("tab", "\t"), ("semicolon", ";"), ("pipe", "|")] {
        let path = dir.path().join(format!("缴费明细-{name}.csv"));
        let mut text = format!(
            "某某公司2025年3月社保缴费明细\n{}\n",
            STATEMENT_HEADER.join(sep)
        );
        for row in statement_rows() {
            // Thousands separators left unquoted, as exported: a comma is
            // fewer than the separators, so it stays inside the amount.
            let row = row.map(|c| if c == "1020.00" { "1,020.00".into() } else { c });
            text.push_str(&row.join(sep));
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        let batch = read(&[path]);
        assert_statement_read(&batch, 9);
    }
}
