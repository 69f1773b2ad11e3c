//! Each input format, written by a real writer (scripts/make_fixtures.py), is read
//! into the same events: GBK CSV, UTF-8 BOM TSV, .xlsx with 增员/减员 sheets, a
//! 1904-date-system roster .xlsx, .xls and .ods.

mod ingest_support;

use chrono::NaiveDate;
use ingest_support::*;
use medrecon::model::{EventKind, InputFormat, PersonId, RegionId, Shape};
use rust_decimal::Decimal;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn gbk_csv_with_title_line_reads_every_value() {
    let b = read_fixture("same_gbk.csv");
    let input = &b.inputs[0];
    assert_eq!(input.format, InputFormat::Csv);
    assert_eq!(input.encoding.as_deref(), Some("gb18030"));
    let sheet = &input.sheets[0];
    // Title on line 1, blank line 2, header on line 3, 10 event rows.
    assert_eq!(sheet.header_row, Some(3));
    assert_eq!(sheet.shape, Some(Shape::Events));
    assert_eq!(
        (
            sheet.rows_read,
            sheet.accepted,
            sheet.rejected,
            sheet.duplicates
        ),
        (10, 10, 0, 0)
    );
    assert!(b.rejects.is_empty(), "{:#?}", b.rejects);
    let events = in_input_order(&b);
    let first = events[0];
    assert_eq!(first.person_id.as_str(), "110105198503121234");
    assert_eq!(first.name.as_deref(), Some("张伟")); // " 张伟　" trimmed
    assert_eq!(&*first.employer_id, "E1");
    assert_eq!(first.kind, EventKind::Hire);
    assert_eq!(first.date, date("2025-01-06"));
    assert_eq!(first.region, RegionId(1));
    assert_eq!(first.wage, Some(Decimal::from(8000)));
    assert_eq!(first.source.row, 4);
    // Row 5 wrote the separation date as 2025/3/20 and the wage as "8,000.00".
    let sep = events[1];
    assert_eq!(
        (sep.kind, sep.date, sep.source.row),
        (EventKind::Separation, date("2025-03-20"), 5)
    );
    assert_eq!(sep.wage, Some(Decimal::new(800000, 2)));
    // 李娜: 2024.11.1 and ￥12000.50
    assert_eq!(events[2].date, date("2024-11-01"));
    assert_eq!(events[2].wage, Some(Decimal::new(1200050, 2)));
    // 王芳 retires: 退休 in 离职原因, filed 2025-07-10.
    let wang_sep = b
        .events
        .iter()
        .find(|e| e.name.as_deref() == Some("王芳") && e.kind == EventKind::Separation)
        .unwrap();
    assert!(wang_sep.retirement);
    assert_eq!(wang_sep.filed_date, Some(date("2025-07-10")));
    // 杨磊's 15-digit ID is upgraded: 110105 19 710923003 + check.
    let yang = b
        .events
        .iter()
        .find(|e| e.name.as_deref() == Some("杨磊"))
        .unwrap();
    assert_eq!(yang.person_id, PersonId::parse("110105710923003").unwrap());
    assert_eq!(yang.person_id.as_str().len(), 18);
    // 陈静 has no region: the default (national, 0).
    let chen = b
        .events
        .iter()
        .find(|e| e.name.as_deref() == Some("陈静"))
        .unwrap();
    assert_eq!(chen.region, RegionId(0));
    assert!(input.balanced());
    assert_eq!(input.sha256.len(), 64);
    assert_eq!(
        input.bytes,
        std::fs::metadata(fixture("same_gbk.csv")).unwrap().len()
    );
}

#[test]
fn bom_tsv_with_embedded_newline_keeps_row_numbers() {
    let b = read_fixture("same_bom.tsv");
    assert_eq!(b.inputs[0].encoding.as_deref(), Some("utf-8-bom"));
    // Header line 1; the 3rd record (line 4) has a note spanning lines 4-5, so
    // the records after it start on lines 6, 7, ...
    let rows: Vec<u32> = in_input_order(&b).iter().map(|e| e.source.row).collect();
    assert_eq!(rows, vec![2, 3, 4, 6, 7, 8, 9, 10, 11, 12]);
}

#[test]
fn xlsx_reads_both_sheets_and_skips_the_notes_sheet() {
    let b = read_fixture("same_two_sheets.xlsx");
    let input = &b.inputs[0];
    assert_eq!(input.format, InputFormat::Xlsx);
    let names: Vec<&str> = input.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["增员", "减员", "说明"]);
    // Merged title in row 1, header in row 2, data from row 3.
    assert_eq!(input.sheets[0].header_row, Some(2));
    assert_eq!(
        (input.sheets[0].rows_read, input.sheets[0].accepted),
        (6, 6)
    );
    assert_eq!(
        (input.sheets[1].rows_read, input.sheets[1].accepted),
        (4, 4)
    );
    assert!(
        input.sheets[2]
            .skipped
            .as_deref()
            .unwrap()
            .contains("an instruction or list sheet (`说明`), not data")
    );
    let events = in_input_order(&b);
    assert_eq!(events[0].source.row, 3);
    assert_eq!(events[6].source.sheet, 1);
    assert_eq!(events[6].kind, EventKind::Separation);
}

#[test]
fn roster_in_the_1904_date_system() {
    let b = read_fixture("same_roster_1904.xlsx");
    let sheet = &b.inputs[0].sheets[0];
    assert_eq!(sheet.shape, Some(Shape::Roster));
    assert_eq!(sheet.header_row, Some(3));
    // 6 spells, 4 of them closed: 6 rows, 10 events.
    assert_eq!((sheet.rows_read, sheet.accepted), (6, 6));
    assert_eq!(b.events.len(), 10);
    let events = in_input_order(&b);
    assert_eq!(events[0].date, date("2025-01-06"));
    assert_eq!(events[1].date, date("2025-03-20"));
}

#[test]
fn the_same_events_from_every_format() {
    let reference = sorted_contents(&read_fixture("same_gbk.csv"));
    assert_eq!(reference.len(), 10);
    for name in [
        "same_bom.tsv",
        "same_two_sheets.xlsx",
        "same_roster_1904.xlsx",
        "same.xls",
        "same.ods",
        "same_spreadsheetml.xls",
        "same_html_utf8.xls",
        "same_html_gbk.xls",
    ] {
        let got = sorted_contents(&read_fixture(name));
        assert_eq!(got, reference, "{name}");
    }
}

#[test]
fn xls_and_ods_formats_are_recorded() {
    assert_eq!(read_fixture("same.xls").inputs[0].format, InputFormat::Xls);
    assert_eq!(read_fixture("same.ods").inputs[0].format, InputFormat::Ods);
}

#[test]
fn spreadsheetml_and_html_xls_are_read_as_sheets() {
    // SpreadsheetML: a title row merged across (ss:MergeAcross), the header on
    // row 2, Number wages, DateTime filed dates, ss:Index skipping empty cells,
    // a wrong ss:ExpandedRowCount, and an instruction sheet without the columns.
    let b = read_fixture("same_spreadsheetml.xls");
    let input = &b.inputs[0];
    assert_eq!(input.format, InputFormat::Spreadsheetml);
    assert_eq!(input.sheets.len(), 2);
    let sheet = &input.sheets[0];
    assert_eq!(sheet.name, "增减员");
    assert_eq!(sheet.header_row, Some(2));
    assert_eq!(
        (sheet.rows_read, sheet.accepted, sheet.rejected),
        (10, 10, 0)
    );
    assert_eq!(input.sheets[1].name, "填表说明");
    assert!(input.sheets[1].skipped.is_some());
    let events = in_input_order(&b);
    assert_eq!(events[0].source.row, 3);
    assert_eq!(events[0].wage, Some(Decimal::from(8000)));
    let wang_sep = b
        .events
        .iter()
        .find(|e| e.name.as_deref() == Some("王芳") && e.kind == EventKind::Separation)
        .unwrap();
    assert_eq!(wang_sep.filed_date, Some(date("2025-07-10")));
    assert!(input.balanced());
    // HTML, UTF-8 (<meta charset>) and GBK (charset only in <meta http-equiv>).
    for name in ["same_html_utf8.xls", "same_html_gbk.xls"] {
        let b = read_fixture(name);
        let input = &b.inputs[0];
        assert_eq!(input.format, InputFormat::Html, "{name}");
        let sheet = &input.sheets[0];
        assert_eq!(sheet.name, "table 1");
        assert_eq!(sheet.header_row, Some(2), "{name}");
        assert_eq!((sheet.rows_read, sheet.accepted), (10, 10), "{name}");
        // `&nbsp;张伟&nbsp;` trimmed; `8,000.00` read as money.
        let first = in_input_order(&b)[0];
        assert_eq!(first.name.as_deref(), Some("张伟"));
        assert_eq!(first.wage, Some(Decimal::from(8000)));
    }
}

#[test]
fn semicolon_gbk_csv() {
    let b = read_fixture("semicolon_gbk.csv");
    assert_eq!(b.inputs[0].encoding.as_deref(), Some("gb18030"));
    assert_eq!(b.events.len(), 1);
    assert_eq!(b.events[0].wage, Some(Decimal::from(8000)));
    // No employer column: the file stem.
    assert_eq!(&*b.events[0].employer_id, "semicolon_gbk");
}

#[test]
fn the_same_file_twice_is_all_duplicates_the_second_time() {
    let p = fixture("same_gbk.csv");
    let b = read(&[p.clone(), p]).unwrap();
    assert_eq!(b.events.len(), 10);
    let second = &b.inputs[1].sheets[0];
    assert_eq!(
        (second.rows_read, second.accepted, second.duplicates),
        (10, 0, 10)
    );
    assert!(b.inputs.iter().all(|i| i.balanced()));
}

/// The rows of `same_gbk.csv` (after its header), cell by cell.
const SAME_ROWS: [[&str; 9]; 10] = [
    [
        " 张伟　",
        "110105198503121234",
        "E1",
        "增员",
        "2025-01-06",
        "beijing",
        "8000",
        "",
        "",
    ],
    [
        " 张伟　",
        "110105198503121234",
        "E1",
        "减员",
        "2025/3/20",
        "beijing",
        "8,000.00",
        "",
        "",
    ],
    [
        " 李娜　",
        "310104199007014566",
        "E1",
        "增员",
        "2024.11.1",
        "shanghai",
        "￥12000.50",
        "",
        "",
    ],
    [
        " 王芳　",
        "440106196502200786",
        "E2",
        "增员",
        "20240515",
        "guangzhou",
        "6500元",
        "",
        "",
    ],
    [
        " 王芳　",
        "440106196502200786",
        "E2",
        "减员",
        "2025年6月30日",
        "guangzhou",
        "６５００",
        "退休",
        "2025-07-10",
    ],
    [
        " 刘洋　",
        "440305199211110092",
        "E2",
        "增员",
        "2025-02-10",
        "shenzhen",
        "",
        "",
        "",
    ],
    [
        " 刘洋　",
        "440305199211110092",
        "E2",
        "减员",
        "2025/8/31",
        "shenzhen",
        "",
        "个人原因",
        "2025-09-20",
    ],
    [
        " 陈静　",
        "320102198808083216",
        "E1",
        "增员",
        "2025.4.1",
        "",
        "￥9000",
        "",
        "",
    ],
    [
        " 杨磊　",
        "110105710923003",
        "E2",
        "增员",
        "20240909",
        "beijing",
        "7000元",
        "",
        "",
    ],
    [
        " 杨磊　",
        "110105710923003",
        "E2",
        "减员",
        "2025年1月15日",
        "beijing",
        "７０００",
        "",
        "",
    ],
];

fn csv_line(cells: &[&str]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains(',') {
                format!("\"{c}\"")
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Header shapes of real exports (issue 14 item 2), written here from the
/// same rows: each reads as the same events as `same_gbk.csv`, and its
/// header is found where it ends.
#[test]
fn the_same_events_under_every_header_shape() {
    use rust_xlsxwriter::{Format, Workbook};
    let reference = sorted_contents(&read_fixture("same_gbk.csv"));
    let tmp = tempfile::tempdir().unwrap();
    let data: String = SAME_ROWS.iter().map(|r| csv_line(r) + "\n").collect();

    // 1. A workbook whose header is three rows: a title merged across, group
    //    cells merged across (变动信息, 参保信息, 其他) over their labels, the
    //    ID, name and employer merged down; template noise in the labels
    //    (`*`, `【必填】`, a format hint, pinyin, `（元）`); an instruction sheet.
    let merged = tmp.path().join("merged_header.xlsx");
    {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("增减员").unwrap();
        let f = Format::new();
        ws.merge_range(0, 0, 0, 8, "XX公司2025年10月社保增减员表", &f)
            .unwrap();
        ws.merge_range(1, 0, 2, 0, "姓名xing'ming", &f).unwrap();
        ws.merge_range(1, 1, 2, 1, "*身份证号", &f).unwrap();
        ws.merge_range(1, 2, 2, 2, "【必填】单位编号", &f).unwrap();
        ws.merge_range(1, 3, 1, 4, "变动信息", &f).unwrap();
        ws.merge_range(1, 5, 1, 6, "参保信息", &f).unwrap();
        ws.merge_range(1, 7, 1, 8, "其他", &f).unwrap();
        for (c, h) in [
            "变动类型",
            "变动日期(yyyy-mm-dd)",
            "参保地",
            "缴费基数（元）",
            "离职原因",
            "办理日期",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(2, c as u16 + 3, *h).unwrap();
        }
        for (r, row) in SAME_ROWS.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 3, c as u16, *v).unwrap();
                }
            }
        }
        let help = wb.add_worksheet();
        help.set_name("填表说明").unwrap();
        help.write_string(0, 0, "1. 身份证号请填写18位；2. 日期格式yyyy-mm-dd")
            .unwrap();
        wb.save(&merged).unwrap();
    }

    // 2. Beisen: a row of technical field names above the Chinese labels.
    let beisen = tmp.path().join("beisen.csv");
    std::fs::write(
        &beisen,
        format!(
            "name,person_id,employer_id,event,date,region,wage,reason,filed_date\n\
             姓名,身份证号,单位编号,变动类型,变动日期,参保地,缴费基数(元),离职原因,办理日期\n{data}"
        ),
    )
    .unwrap();

    // 3. Dotted group headers (`参保人.姓名`).
    let dotted = tmp.path().join("dotted.csv");
    std::fs::write(
        &dotted,
        format!(
            "参保人.姓名,参保人.身份证号,单位.单位编号,变动.变动类型,变动.变动日期,参保.参保地,参保.缴费基数(元),变动.离职原因,变动.办理日期\n{data}"
        ),
    )
    .unwrap();

    // 4. The GBK fixture inside a .zip bundle, in a client/month folder.
    let bundle_dir = tmp.path().join("clients/e1/2025-10");
    std::fs::create_dir_all(&bundle_dir).unwrap();
    let bundle = bundle_dir.join("exports.zip");
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::fs::File::create(&bundle).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("增减员/same_gbk.csv", o).unwrap();
        z.write_all(&std::fs::read(fixture("same_gbk.csv")).unwrap())
            .unwrap();
        z.finish().unwrap();
    }

    for (path, header_row) in [
        (&merged, 3),
        (&beisen, 2),
        (&dotted, 1),
        (&tmp.path().join("clients"), 3),
    ] {
        let b = read(std::slice::from_ref(path)).unwrap();
        assert_eq!(sorted_contents(&b), reference, "{}", path.display());
        let sheet = &b.inputs[0].sheets[0];
        assert_eq!(sheet.header_row, Some(header_row), "{}", path.display());
        assert_eq!((sheet.rows_read, sheet.accepted), (10, 10));
        assert!(b.rejects.is_empty(), "{:#?}", b.rejects);
    }
    // The instruction sheet is skipped, and said to be one.
    let b = read(&[merged]).unwrap();
    let help = &b.inputs[0].sheets[1];
    assert_eq!(help.name, "填表说明");
    assert!(
        help.skipped
            .as_deref()
            .is_some_and(|s| s.contains("an instruction or list sheet")),
        "{help:?}"
    );
}
