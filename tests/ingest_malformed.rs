//! Every malformation users send, with the exact reject code and location
//! (file, sheet, row as a spreadsheet shows it, column header), and files that
//! cannot be read at all: a clear error naming the file, never a panic.

mod ingest_support;

use ingest_support::*;
use medrecon::ingest::{IngestError, expand_inputs};
use medrecon::model::RejectCode;
use std::path::PathBuf;

#[test]
fn each_bad_row_has_its_code_row_and_column() {
    let b = read_fixture("bad_rows.csv");
    assert_reject(&b, 3, "身份证号", RejectCode::IdChecksum);
    assert_reject(&b, 4, "身份证号", RejectCode::BadId);
    assert_reject(&b, 5, "身份证号", RejectCode::IdLostDigits);
    assert_reject(&b, 6, "变动日期", RejectCode::BadDate);
    assert_reject(&b, 7, "变动日期", RejectCode::AmbiguousDate);
    assert_reject(&b, 8, "变动类型", RejectCode::BadEvent);
    assert_reject(&b, 9, "缴费基数", RejectCode::BadMoney);
    assert_reject(&b, 10, "参保地", RejectCode::UnknownRegion);
    assert_reject(&b, 11, "变动日期", RejectCode::MissingValue);
    assert_reject(&b, 12, "", RejectCode::BadRow);
    assert_reject(&b, 15, "身份证号", RejectCode::MissingValue);
    assert_reject(&b, 16, "缴费基数", RejectCode::BadMoney);
    assert_reject(&b, 17, "变动日期", RejectCode::AmbiguousDate);
    assert_eq!(b.rejects.len(), 13);
    // Values and messages say what was wrong.
    assert_eq!(reject_at(&b, 6).value, "2025-02-30");
    assert!(reject_at(&b, 6).message.en().contains("does not exist"));
    assert_eq!(reject_at(&b, 10).value, "火星");
    assert!(reject_at(&b, 10).message.en().contains("火星"));
    assert!(reject_at(&b, 5).message.en().contains("digits are lost"));
    assert!(
        reject_at(&b, 12)
            .message
            .en()
            .contains("4 fields, the header has 6")
    );
    // Row 2 accepted, row 14 repeats it, line 13 is blank and not a row.
    let s = &b.inputs[0].sheets[0];
    assert_eq!(
        (s.rows_read, s.accepted, s.rejected, s.duplicates),
        (15, 1, 13, 1)
    );
    assert!(b.inputs[0].balanced());
    assert_eq!(b.events.len(), 1);
    assert_eq!(b.events[0].source.row, 2);
}

#[test]
fn roster_separation_before_hire_is_date_order() {
    let b = read_fixture("roster_order.csv");
    assert_reject(&b, 2, "离职日期", RejectCode::DateOrder);
    assert_reject(&b, 4, "入职日期", RejectCode::MissingValue);
    // Row 3: a hire with no separation, one event.
    assert_eq!(b.events.len(), 1);
    let s = &b.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (3, 1, 2));
}

#[test]
fn excel_number_id_serial_date_and_range_offset() {
    let b = read_fixture("bad_cells.xlsx");
    let input = &b.inputs[0];
    // The used range starts at C3: the header is Excel row 3, data rows 4-6.
    assert_eq!(input.sheets[0].header_row, Some(3));
    let r = reject_at(&b, 4);
    assert_eq!(
        (r.column.as_str(), r.code, r.source.sheet),
        ("身份证号", RejectCode::IdLostDigits, 0)
    );
    assert!(r.message.en().contains("number"), "{}", r.message);
    // Row 5: the serial 45721 in a plain number cell is 2025-03-05.
    assert_eq!(b.events.len(), 1);
    assert_eq!(b.events[0].source.row, 5);
    assert_eq!(b.events[0].date.to_string(), "2025-03-05");
    assert_reject(&b, 6, "变动日期", RejectCode::BadDate);
    assert_eq!(input.sheets[1].name, "汇总");
    assert!(input.sheets[1].skipped.is_some());
    assert!(input.balanced());
}

fn file_error(name: &str) -> String {
    match read(&[fixture(name)]) {
        Err(e @ IngestError::File { .. }) => e.to_string(),
        Err(e) => panic!("{name}: unexpected error kind {e}"),
        Ok(_) => panic!("{name}: read without error"),
    }
}

#[test]
fn disguised_xls_files_are_read_for_what_they_are() {
    // An Excel 2003 XML `.xls` is read: its one header row lacks the date.
    let e = file_error("excel2003_xml.xls");
    assert!(
        e.contains("excel2003_xml.xls")
            && e.contains("missing 变动日期")
            && e.contains("headers found: 身份证号, 变动类型"),
        "{e}"
    );
    // A GBK HTML table `.xls` (charset in <meta>) is read: its one row has a
    // bad checksum, so it is a reject, not an error.
    let b = read(&[fixture("html_table.xls")]).unwrap();
    assert_eq!(b.inputs[0].sheets[0].name, "table 1");
    assert_eq!(b.inputs[0].sheets[0].rows_read, 1);
    assert_eq!(b.events.len() + b.rejects.len(), 1);
    assert!(b.inputs[0].balanced());
    // A saved web page (MHTML) is refused, saying what it is.
    let (_d, p) = temp_file(
        "page.xls",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n",
    );
    let e = read(&[p]).unwrap_err().to_string();
    assert!(e.contains("page.xls") && e.contains("MHTML"), "{e}");
}

#[test]
fn invalid_gbk_bytes_are_a_file_error_not_replacement_characters() {
    let e = file_error("invalid_bytes.csv");
    assert!(
        e.contains("invalid_bytes.csv") && e.contains("GB18030") && e.contains("line 2"),
        "{e}"
    );
}

#[test]
fn missing_columns_are_named_with_the_headers_found() {
    let e = file_error("no_required_sheet.xlsx");
    assert!(e.contains("no sheet has the required columns"), "{e}");
    assert!(
        e.contains("变动类型 (event)") && e.contains("headers found: 姓名, 身份证号, 备注"),
        "{e}"
    );
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

#[test]
fn random_bytes_and_truncated_workbooks_are_errors_not_panics() {
    // A deterministic pseudo-random byte soup (xorshift).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut junk = Vec::new();
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        junk.push((x >> 24) as u8);
    }
    let (_d, p) = temp_file("junk.csv", &junk);
    assert!(read(&[p]).is_err());

    let xlsx = std::fs::read(fixture("same_two_sheets.xlsx")).unwrap();
    for cut in [10, 100, 1000, xlsx.len() / 2, xlsx.len() - 10] {
        let (_d, p) = temp_file("cut.xlsx", &xlsx[..cut]);
        let e = read(&[p]).expect_err("a truncated xlsx must not read");
        assert!(e.to_string().contains("cut.xlsx"), "{e}");
    }
    let xls = std::fs::read(fixture("same.xls")).unwrap();
    for cut in [8, 600, xls.len() / 2] {
        let (_d, p) = temp_file("cut.xls", &xls[..cut]);
        let _ = read(&[p]); // error or partial, but no panic
    }
    // Bytes of a real xlsx with garbage in the middle.
    let mut mangled = xlsx.clone();
    for b in mangled.iter_mut().skip(200).step_by(7) {
        *b ^= 0x5A;
    }
    let (_d, p) = temp_file("mangled.xlsx", &mangled);
    let _ = read(&[p]);
}

#[test]
fn empty_and_header_only_files() {
    let (_d, p) = temp_file("empty.csv", b"");
    assert!(read(&[p]).unwrap_err().to_string().contains("empty"));
    let (_d, p) = temp_file("header_only.csv", "身份证号,变动类型,变动日期\n".as_bytes());
    let b = read(&[p]).unwrap();
    assert_eq!(b.inputs[0].sheets[0].rows_read, 0);
    assert!(b.events.is_empty());
}

#[test]
fn unclosed_quote_is_a_bad_row() {
    let text = "身份证号,变动类型,变动日期\n11010519491231002X,入职,2025-03-05\n11010519491231002X,\"离职,2025-04-05\n";
    let (_d, p) = temp_file("quote.csv", text.as_bytes());
    let b = read(&[p]).unwrap();
    assert_reject(&b, 3, "", RejectCode::BadRow);
    assert_eq!(b.events.len(), 1);
}

#[test]
fn folders_expand_recursively_to_readable_files_sorted_listing_the_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "b.csv",
        "a.xlsx",
        "~$a.xlsx",
        ".hidden.csv",
        "notes.md",
        "C.TSV",
    ] {
        std::fs::write(dir.path().join(name), b"x").unwrap();
    }
    std::fs::create_dir(dir.path().join("ledger")).unwrap();
    std::fs::write(dir.path().join("ledger/l.csv"), b"x").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/x.csv"), b"x").unwrap();
    let all = expand_inputs(&[dir.path().to_path_buf()], &[]).unwrap();
    let names: Vec<String> = all
        .files
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, vec!["C.TSV", "a.xlsx", "b.csv", "ledger/l.csv"]);
    let skipped: Vec<String> = all
        .skipped
        .iter()
        .map(|s| s.en().rsplit(['/', '\\']).next().unwrap().to_string())
        .collect();
    assert_eq!(
        skipped,
        vec![
            ".git: skipped (hidden)",
            ".hidden.csv: skipped (hidden)",
            "notes.md: skipped (not an export by its name)",
            "~$a.xlsx: skipped (an Excel owner (lock) file, not an export)",
        ]
    );
    // A folder given to another option is skipped and listed.
    let given = [(dir.path().join("ledger"), "--ledger".to_string())];
    let events = expand_inputs(&[dir.path().to_path_buf()], &given).unwrap();
    assert_eq!(events.files.len(), 3);
    assert!(
        events.skipped.iter().any(|s| s
            .en()
            .ends_with("ledger: skipped (the folder is given as --ledger)")),
        "{:?}",
        events.skipped
    );
    let e = expand_inputs(&[dir.path().join("missing.csv")], &[]).unwrap_err();
    assert!(e.to_string().contains("missing.csv"));
    // A folder with nothing readable is an error naming it.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("~$x.xlsx"), b"x").unwrap();
    let e = expand_inputs(std::slice::from_ref(&empty), &[]).unwrap_err();
    assert!(e.to_string().contains(&empty.display().to_string()), "{e}");
    assert!(e.to_string().contains("no readable export"), "{e}");
}

#[test]
fn trailing_unnamed_header_columns_may_be_missing_in_rows() {
    // Excel-exported CSV with two unnamed columns after the header.
    let text = "身份证号,变动类型,变动日期,,\n11010519491231002X,入职,2025-03-05\n11010519491231002X,离职,2025-04-05,,\n11010519491231002X,离职,2025-05-05,,note\n";
    let (_d, p) = temp_file("trailing.csv", text.as_bytes());
    let b = read(&[p]).unwrap();
    assert_eq!(b.events.len(), 2);
    // Text under an unnamed column does not fit the header.
    assert_reject(&b, 4, "", RejectCode::BadRow);
}

/// Issue 17 (messages): spreadsheet error values and control characters are
/// no employer code or name: each such row is a BAD_TEXT reject at its cell,
/// its value shown with the control character escaped, never written raw.
#[test]
fn error_values_and_control_characters_are_bad_text() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("errors.csv");
    std::fs::write(
        &csv,
        "姓名,身份证号,单位编号,变动类型,变动日期,参保地\n\
         张三,11010519491231002X,E1,增员,2025-01-06,北京\n\
         李四,110105199003070017,#DIV/0!,增员,2025-01-06,北京\n\
         #N/A,110105199003070017,E1,增员,2025-01-06,北京\n\
         王五,110105198506123016,E\u{0}1,增员,2025-01-06,北京\n\
         赵六,110105198506123016,E1,增员,2025-01-06,Err:502\n\
         孙七,110105198506123016,Err:502,增员,2025-01-06,北京\n\
         Err:50,110105199001019509,E#1,增员,2025-01-06,北京\n",
    )
    .unwrap();
    // The same shapes in a workbook: a formula's cached error text.
    let xlsx = tmp.path().join("errors.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "姓名",
        "身份证号",
        "单位编号",
        "变动类型",
        "变动日期",
        "参保地",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "钱八",
        "110105199003070017",
        "",
        "增员",
        "2025-01-06",
        "北京",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_formula(
        1,
        2,
        rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
    )
    .unwrap();
    wb.save(&xlsx).unwrap();

    let b = read(&[csv]).unwrap();
    assert_reject(&b, 3, "单位编号", RejectCode::BadText);
    assert_reject(&b, 4, "姓名", RejectCode::BadText);
    assert_reject(&b, 5, "单位编号", RejectCode::BadText);
    // A region that is an error value is an unknown region, as before.
    assert_reject(&b, 6, "参保地", RejectCode::UnknownRegion);
    assert_reject(&b, 7, "单位编号", RejectCode::BadText);
    assert_eq!(b.rejects.len(), 5, "{:?}", b.rejects);
    assert_eq!(reject_at(&b, 5).value, "E\\u{0}1");
    assert!(
        reject_at(&b, 5).message.en().contains("U+0000"),
        "{}",
        reject_at(&b, 5).message
    );
    assert!(
        reject_at(&b, 3)
            .message
            .en()
            .contains("#DIV/0! is a spreadsheet error")
    );
    // Rows 2 and 8 read: `Err:50` and `E#1` are no error values.
    assert_eq!(b.events.len(), 2);
    assert!(
        b.events
            .iter()
            .any(|e| &*e.employer_id == "E#1"
                && e.name.as_ref().map(|n| n.as_str()) == Some("Err:50"))
    );

    let x = read(&[xlsx]).unwrap();
    assert_reject(&x, 2, "单位编号", RejectCode::BadText);
    assert_eq!(x.events.len(), 0);
}

/// The error's text of a read that must fail.
fn error_text<T, E: std::fmt::Display>(r: Result<T, E>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(_) => panic!("read without error"),
    }
}

/// Issue 17 (messages): a workbook cut short in a copy is called that (not "a
/// zip archive"), as events and as a ledger; a password-protected workbook
/// (an OLE2 container with an `EncryptedPackage` stream) is called that (not
/// calamine's "Cannot find Workbook stream").
#[test]
fn truncated_and_encrypted_workbooks_are_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/增减员_瑞达咨询.xlsx"),
    )
    .unwrap();
    let cut = tmp.path().join("cut.xlsx");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let e = error_text(read(std::slice::from_ref(&cut)));
    assert!(e.contains("cut.xlsx"), "{e}");
    assert!(e.contains("damaged or truncated zip"), "{e}");
    assert!(e.contains("copy or download it again"), "{e}");
    let ledger = medrecon::columnar::read_ledger(
        std::slice::from_ref(&cut),
        &medrecon::columnar::LedgerOptions::default(),
    );
    let e = error_text(ledger.map_err(|e| format!("{e:#}")));
    assert!(e.contains("damaged or truncated zip"), "{e}");
    // The whole workbook (written with docProps/ first, its part names past
    // the first 4 KiB) reaches the ledger's workbook reader: whatever it says
    // of an events workbook read as a ledger, it is no "zip archive".
    let book = tmp.path().join("book.xlsx");
    std::fs::write(&book, &whole).unwrap();
    let ledger = medrecon::columnar::read_ledger(
        std::slice::from_ref(&book),
        &medrecon::columnar::LedgerOptions::default(),
    );
    if let Err(e) = ledger {
        let e = format!("{e:#}");
        assert!(!e.contains("zip"), "{e}");
    }

    let mut ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    ole.resize(1024, 0);
    ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    ole.resize(4096, 0);
    let locked = tmp.path().join("locked.xlsx");
    std::fs::write(&locked, &ole).unwrap();
    let e = error_text(read(std::slice::from_ref(&locked)));
    assert!(e.contains("password-protected (encrypted) workbook"), "{e}");
    assert!(e.contains("save it without one"), "{e}");
}
