//! Unemployment-benefit month files (`--ui`), the `--columns` override and the
//! `--employer` default.

mod ingest_support;

use ingest_support::*;
use medrecon::ingest::{IngestOptions, read_events, read_ui};
use medrecon::model::{Month, PersonId, RegionId, RejectCode};
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text.as_bytes()).unwrap();
    p
}

#[test]
fn ui_months_with_rejects_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "ui.csv",
        "失业金领取名单\n身份证号,起始月份,终止月份\n\
         11010519491231002X,2025-02,2025-07\n\
         11010519491231002X,202502,202507\n\
         11010519491231002X,2025-08,2025-13\n\
         11010519491231002X,2025-09,2025-08\n\
         110105194912310021,2025-02,2025-03\n\
         11010519491231002X,,2025-03\n",
    );
    let b = read_ui(&[p]).unwrap();
    assert_eq!(b.spans.len(), 1);
    let span = b.spans[0];
    assert_eq!(
        span.person_id,
        PersonId::parse("11010519491231002X").unwrap()
    );
    assert_eq!(
        (span.from, span.to),
        (Month::new(2025, 2).unwrap(), Month::new(2025, 7).unwrap())
    );
    let codes: Vec<(u32, &str, RejectCode)> = b
        .rejects
        .iter()
        .map(|r| (r.source.row, r.column.as_str(), r.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (5, "终止月份", RejectCode::BadMonth),
            (6, "终止月份", RejectCode::DateOrder),
            (7, "身份证号", RejectCode::IdChecksum),
            (8, "起始月份", RejectCode::MissingValue),
        ]
    );
    let s = &b.inputs[0].sheets[0];
    // Row 4 repeats row 3 (202502 = 2025-02).
    assert_eq!(
        (
            s.header_row,
            s.rows_read,
            s.accepted,
            s.rejected,
            s.duplicates
        ),
        (Some(2), 6, 1, 4, 1)
    );
    assert!(b.inputs[0].balanced());
}

#[test]
fn samples_ui_folder_reads() {
    let b = read_ui(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/ui")]).unwrap();
    assert_eq!(b.spans.len(), 1);
    assert!(b.rejects.is_empty());
}

#[test]
fn a_columns_file_replaces_the_shipped_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let cols = write(
        &dir,
        "cols.toml",
        "[events.person_id]\naliases = [\"证件\"]\nrequired = true\n\
         [events.event]\naliases = [\"动作\"]\n[events.date]\naliases = [\"时间\"]\n\
         [event_values]\nhire = [\"进\"]\nseparation = [\"出\"]\n\
         [ui.person_id]\naliases = [\"证件\"]\nrequired = true\n",
    );
    let data = write(
        &dir,
        "acme.csv",
        "证件,动作,时间\n11010519491231002X,进,2025-03-05\n11010519491231002X,入职,2025-03-06\n",
    );
    let opts = IngestOptions {
        default_region: RegionId(3),
        default_employer: Some("E-ACME".into()),
        columns: Some(cols),
    };
    let b = read_events(std::slice::from_ref(&data), &opts, &TestRegions).unwrap();
    assert_eq!(b.events.len(), 1);
    assert_eq!(&*b.events[0].employer_id, "E-ACME");
    assert_eq!(b.events[0].region, RegionId(3));
    // 入职 is not a word of this columns file.
    assert_reject(&b, 3, "动作", RejectCode::BadEvent);
    // The shipped aliases do not know these headers.
    let e = read(&[data]).unwrap_err().to_string();
    assert!(
        e.contains("acme.csv") && e.contains("headers found: 证件, 动作, 时间"),
        "{e}"
    );
    // A broken columns file is an error naming it.
    let bad = write(&dir, "bad.toml", "[events.person_id\n");
    let opts = IngestOptions {
        columns: Some(bad),
        ..opts
    };
    let e = read_events(&[write(&dir, "x.csv", "a\n")], &opts, &TestRegions).unwrap_err();
    assert!(e.to_string().contains("bad.toml"), "{e}");
}

#[test]
fn ui_months_from_spreadsheetml_and_html_in_a_folder_tree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("2025/a")).unwrap();
    write(
        &dir,
        "2025/a/失业金.xls",
        r#"<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名单"><Table>
<Row><Cell><Data ss:Type="String">身份证号</Data></Cell><Cell><Data ss:Type="String">起始月份</Data></Cell><Cell><Data ss:Type="String">终止月份</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">11010519491231002X</Data></Cell><Cell><Data ss:Type="Number">202502</Data></Cell><Cell><Data ss:Type="DateTime">2025-07-01T00:00:00.000</Data></Cell></Row>
</Table></Worksheet></Workbook>"#,
    );
    write(
        &dir,
        "2025/b.xls",
        "<table><tr><th>身份证号</th><th>起始月份</th><th>终止月份</th></tr>\
         <tr><td>11010519491231002X</td><td>2025年9月</td><td>2025-10</td></tr></table>",
    );
    write(&dir, "2025/a/~$失业金.xls", "owner");
    let b = read_ui(&[dir.path().to_path_buf()]).unwrap();
    let spans: Vec<(Month, Month)> = b.spans.iter().map(|s| (s.from, s.to)).collect();
    assert_eq!(
        spans,
        vec![
            (Month::new(2025, 2).unwrap(), Month::new(2025, 7).unwrap()),
            (Month::new(2025, 9).unwrap(), Month::new(2025, 10).unwrap()),
        ]
    );
    assert_eq!(b.skipped.len(), 1, "{:?}", b.skipped);
    assert!(b.skipped[0].en().contains("~$失业金.xls"));
}

/// Issue 17, finding 9 for `--ui` files: one undecodable line (a GBK byte in
/// a UTF-8 file) used to refuse the whole file; it is now that row's
/// BAD_ENCODING reject and the other spans are read. GBK files likewise.
#[test]
fn an_undecodable_line_in_a_ui_file_costs_its_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut utf8 = "身份证号,姓名,起始月份,终止月份\n\
         11010519491231002X,张三,2025-02,2025-07\n\
         110105199003070017,李"
        .as_bytes()
        .to_vec();
    let byte = utf8.len();
    utf8.extend_from_slice(b"\xff,2025-03,2025-04\n");
    utf8.extend_from_slice("110105199003070025,王五,2025-05,2025-06\n".as_bytes());
    let p = dir.path().join("ui.csv");
    std::fs::write(&p, &utf8).unwrap();
    let b = read_ui(std::slice::from_ref(&p)).unwrap();
    let spans: Vec<(String, Month, Month)> = b
        .spans
        .iter()
        .map(|s| (s.person_id.to_string(), s.from, s.to))
        .collect();
    let m = |y, mo| Month::new(y, mo).unwrap();
    assert_eq!(
        spans,
        vec![
            ("11010519491231002X".to_string(), m(2025, 2), m(2025, 7)),
            ("110105199003070025".to_string(), m(2025, 5), m(2025, 6)),
        ]
    );
    assert_eq!(b.rejects.len(), 1, "{:?}", b.rejects);
    let r = &b.rejects[0];
    assert_eq!(
        (r.source.row, r.column.as_str(), r.value.as_str(), r.code),
        (3, "姓名", "李\u{FFFD}", RejectCode::BadEncoding)
    );
    assert!(
        r.message.en().contains(&format!(
            "line 3 is not UTF-8 text: byte {byte} of the file in column 姓名"
        )),
        "{}",
        r.message
    );
    assert_eq!(b.inputs[0].encoding.as_deref(), Some("utf-8"));
    // An undecodable header is still the file's error.
    let mut bad_header = b"\xff".to_vec();
    bad_header.extend_from_slice(&utf8);
    for _ in 0..3 {
        bad_header.extend_from_slice("110105199003070025,王五,2025-08,2025-09\n".as_bytes());
    }
    std::fs::write(&p, &bad_header).unwrap();
    let err = read_ui(std::slice::from_ref(&p))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("line 1 is not UTF-8 text (byte 0 cannot be decoded)"),
        "{err}"
    );
}
