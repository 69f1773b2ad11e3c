//! Issue 17, findings 1, 2, 3 (a zip bomb lying about its size), 7 and 9 (a
//! bad cell costs its row): xlsx workbooks built here part by part
//! (never committed): a stray far cell, a lying shared-strings count and the
//! 1904 date system read from `xl/workbook.xml`.

use assert_cmd::Command;
use chrono::NaiveDate;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

/// A cell of a generated sheet.
enum C<'a> {
    S(&'a str),
    N(f64),
    Shared(usize),
    /// An error cell (`t="e"`) with this text.
    E(&'a str),
}

fn col_name(mut c: u32) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        s.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// Writes an xlsx with one sheet holding `cells` at (0-based row, column).
fn write_xlsx(
    path: &Path,
    cells: &[(u32, u32, C)],
    date1904: bool,
    dimension: &str,
    shared: Option<&str>,
) {
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, &C)>> = Default::default();
    for (r, c, v) in cells {
        rows.entry(*r).or_default().push((*c, v));
    }
    let mut sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>"#
    );
    for (r, cs) in rows {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in cs {
            let at = format!("{}{}", col_name(c), r + 1);
            match v {
                C::S(s) => sheet.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{s}</t></is></c>"#
                )),
                C::N(n) => sheet.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
                C::Shared(i) => sheet.push_str(&format!(r#"<c r="{at}" t="s"><v>{i}</v></c>"#)),
                C::E(e) => sheet.push_str(&format!(r#"<c r="{at}" t="e"><v>{e}</v></c>"#)),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let pr = if date1904 {
        r#"<workbookPr date1904="1"/>"#
    } else {
        ""
    };
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}<sheets><sheet name="增员" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let shared_rel = if shared.is_some() {
        r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
    } else {
        ""
    };
    let mut parts: Vec<(&str, String)> = vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/workbook.xml", workbook),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>"#
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if let Some(s) = shared {
        parts.push(("xl/sharedStrings.xml", s.to_string()));
    }
    fs::write(path, stored_zip(&parts)).unwrap();
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip of `parts`, each stored uncompressed.
fn stored_zip(parts: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, body) in parts {
        let (name, body) = (name.as_bytes(), body.as_bytes());
        let crc = crc32(body);
        let offset = out.len() as u32;
        let mut common = Vec::new();
        common.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&(body.len() as u32).to_le_bytes());
        common.extend_from_slice(&(body.len() as u32).to_le_bytes());
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&[0, 0]); // extra length
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(name);
        out.extend_from_slice(body);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0]); // made by
        central.extend_from_slice(&common);
        central.extend_from_slice(&[0; 10]); // comment, disk, attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

const P1: &str = "11010519491231002X";
const HEADER: [&str; 9] = [
    "身份证号",
    "姓名",
    "单位编号",
    "变动类型",
    "变动日期",
    "参保地",
    "缴费基数",
    "离职原因",
    "减员日期",
];

fn header_cells() -> Vec<(u32, u32, C<'static>)> {
    HEADER
        .iter()
        .enumerate()
        .map(|(i, h)| (0, i as u32, C::S(h)))
        .collect()
}

fn validate(path: &Path) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let out = medrecon()
        .arg("validate")
        .arg(path)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text, start.elapsed())
}

#[test]
fn one_cell_at_xfd1048576_is_a_clear_error_within_a_second() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("stray.xlsx");
    let mut cells = header_cells();
    cells.push((1_048_575, 16_383, C::N(1.0)));
    write_xlsx(&path, &cells, false, "A1:XFD1048576", None);
    let size = fs::metadata(&path).unwrap().len();
    assert!(size < 6000, "{size} bytes");
    let (code, text, took) = validate(&path);
    assert_ne!(code, Some(0), "{text}");
    assert!(code.is_some(), "killed: {text}");
    assert!(text.contains("stray.xlsx"), "{text}");
    assert!(
        text.contains("1048576 rows × 16384 columns") && text.contains("30000000 cells"),
        "{text}"
    );
    assert!(text.contains("XFD1048576"), "{text}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_lying_shared_strings_count_is_refused_before_calamine_reserves() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("sst.xlsx");
    let mut cells = header_cells();
    cells.push((1, 0, C::Shared(0)));
    let sst = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4294967295"><si><t>张三</t></si></sst>"#;
    write_xlsx(&path, &cells, false, "A1:I2", Some(sst));
    let (code, text, took) = validate(&path);
    assert!(code.is_some(), "killed: {text}");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("sst.xlsx"), "{text}");
    assert!(text.contains(r#"uniqueCount="4294967295""#), "{text}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The same table with a true count is read.
    let sst_ok = sst.replace("4294967295", "1");
    write_xlsx(&path, &cells, false, "A1:I2", Some(&sst_ok));
    let (_, text, _) = validate(&path);
    assert!(!text.contains("uniqueCount"), "{text}");
}

fn serial_1904(d: NaiveDate) -> f64 {
    (d - NaiveDate::from_ymd_opt(1904, 1, 1).unwrap()).num_days() as f64
}

fn run(input: &Path, out: &Path) {
    medrecon()
        .arg("run")
        .arg(input)
        .args([
            "--as-of",
            "2025-08-15",
            "--quiet",
            "--no-mask",
            "--employer",
            "E1",
        ])
        .args(["--format", "csv", "--out"])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_1904_workbook_with_plain_number_dates_reads_its_dates_in_1904() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let (hired, left) = (d(2024, 3, 10), d(2025, 3, 20));
    let mut cells = header_cells();
    let row = |r: u32, kind: &'static str, date: NaiveDate, end: Option<NaiveDate>| {
        let mut v = vec![
            (r, 0, C::S(P1)),
            (r, 1, C::S("张三")),
            (r, 2, C::S("E1")),
            (r, 3, C::S(kind)),
            (r, 4, C::N(serial_1904(date))),
            (r, 5, C::S("北京")),
            (r, 6, C::N(10000.0)),
        ];
        if let Some(e) = end {
            v.push((r, 8, C::N(serial_1904(e))));
        }
        v
    };
    cells.extend(row(1, "入职", hired, None));
    cells.extend(row(2, "离职", left, Some(left)));
    let xin = tmp.path().join("x");
    fs::create_dir(&xin).unwrap();
    write_xlsx(&xin.join("events.xlsx"), &cells, true, "A1:I3", None);
    // The same events as CSV text dates.
    let cin = tmp.path().join("c");
    fs::create_dir(&cin).unwrap();
    fs::write(
        cin.join("events.csv"),
        format!(
            "{}\n{P1},张三,E1,入职,2024-03-10,北京,10000,,\n{P1},张三,E1,离职,2025-03-20,北京,10000,,2025-03-20\n",
            HEADER.join(",")
        ),
    )
    .unwrap();
    let (xout, cout): (PathBuf, PathBuf) = (tmp.path().join("xo"), tmp.path().join("co"));
    run(&xin, &xout);
    run(&cin, &cout);
    let stops = fs::read_to_string(xout.join("stops.csv")).unwrap();
    assert!(stops.contains("2025-03-20"), "{stops}");
    assert!(!stops.contains("2021-03-19"), "read in 1900: {stops}");
    for name in ["persons.csv", "stops.csv", "gaps.csv"] {
        assert_eq!(
            fs::read_to_string(xout.join(name)).unwrap(),
            fs::read_to_string(cout.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_1904_ledger_workbook_reads_plain_number_paid_dates_in_1904() {
    use medrecon::columnar::{LedgerOptions, read_ledger};
    let tmp = tempfile::tempdir().unwrap();
    let paid = NaiveDate::from_ymd_opt(2025, 3, 20).unwrap();
    let header = ["身份证号", "单位编号", "费款所属期", "实缴金额", "缴费日期"];
    let mut cells: Vec<(u32, u32, C)> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (0, i as u32, C::S(h)))
        .collect();
    cells.extend([
        (1, 0, C::S(P1)),
        (1, 1, C::S("E1")),
        (1, 2, C::S("2025-03")),
        (1, 3, C::N(947.0)),
        (1, 4, C::N(serial_1904(paid))),
    ]);
    for (date1904, want) in [(true, paid), (false, paid - chrono::Days::new(1462))] {
        let path = tmp.path().join(format!("ledger{date1904}.xlsx"));
        write_xlsx(&path, &cells, date1904, "A1:E2", None);
        let batch = read_ledger(&[path], &LedgerOptions::default()).unwrap();
        assert!(batch.rejects.is_empty(), "{:?}", batch.rejects);
        assert_eq!(batch.entries.len(), 1);
        assert_eq!(
            batch.entries[0].paid_date,
            Some(want),
            "date1904={date1904}"
        );
    }
}

/// Finding 9: one shared-string index past the table, or one error text
/// calamine does not know (`#GETTING_DATA`, `#SPILL!`), used to fail the whole
/// workbook ("cannot be read"). Each now costs its own row, rejected at its
/// cell; the other rows are read.
#[test]
fn an_unreadable_cell_costs_its_row_not_the_workbook() {
    const P2: &str = "110105199003070033";
    const P3: &str = "110105199003070041";
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    let person = |r: u32, id: &'static str| {
        vec![
            (r, 0, C::S(id)),
            (r, 1, C::Shared(0)),
            (r, 2, C::S("E1")),
            (r, 3, C::S("入职")),
            (r, 4, C::S("2024-03-10")),
            (r, 5, C::S("北京")),
            (r, 6, C::N(10000.0)),
        ]
    };
    let mut cells = header_cells();
    cells.extend(person(1, P1));
    // Row 3: its hire date is an error calamine does not parse.
    let mut p2 = person(2, P2);
    p2[4].2 = C::E("#GETTING_DATA");
    cells.extend(p2);
    // Row 4: its name is shared string 7 of a table of one.
    let mut p3 = person(3, P3);
    p3[1].2 = C::Shared(7);
    cells.extend(p3);
    // Row 5: a modern error text in the base column, a person still read.
    let mut p4 = person(4, "110105199003070025");
    p4[6].2 = C::E("#SPILL!");
    cells.extend(p4);
    let sst = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="1"><si><t>张三</t></si></sst>"#;
    write_xlsx(&input.join("增员.xlsx"), &cells, false, "A1:I5", Some(sst));
    let out = tmp.path().join("out");
    run(&input, &out);
    let persons = fs::read_to_string(out.join("persons.csv")).unwrap();
    assert!(persons.contains(P1), "{persons}");
    for id in [P2, P3, "110105199003070025"] {
        assert!(!persons.contains(id), "{persons}");
    }
    let rejects = fs::read_to_string(out.join("rejects.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(rejects.as_bytes())
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .skip(1)
                .take(5)
                .map(str::to_string)
                .collect()
        })
        .collect();
    let want = [
        ["增员", "3", "变动日期", "#GETTING_DATA", "BAD_DATE"],
        ["增员", "4", "姓名", "#REF!", "BAD_TEXT"],
        ["增员", "5", "缴费基数", "#SPILL!", "BAD_MONEY"],
    ];
    assert_eq!(
        rows,
        want.map(|r| r.map(str::to_string).to_vec()),
        "{rejects}"
    );
}

/// Sets the declared uncompressed size of zip entry `name` to `size`, in its
/// local header and its central-directory record.
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46) {
        let sig = u32::from_le_bytes(zip[at..at + 4].try_into().unwrap());
        let (size_at, name_at) = match sig {
            0x0403_4b50 => (at + 22, at + 30),
            0x0201_4b50 => (at + 24, at + 46),
            _ => continue,
        };
        if zip[name_at..].starts_with(name.as_bytes()) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "{name}: local and central headers");
}

/// Finding 3: a zip bomb whose sheet declares 1,000 bytes but inflates to
/// 30 MB (the finding's bomb held 4 GB in 12.5 MB). The zip reader calamine
/// uses (zip 9.8) stops a part one byte past its declared size, and the
/// declared sizes are checked before calamine opens the file (2 GiB a part,
/// 4 GiB a workbook), so a bomb is read no further than those; the error
/// says what the file is instead of passing on an I/O error.
#[test]
fn a_zip_bomb_lying_about_its_size_is_refused_by_name() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for r in 1..=300_000 {
        sheet.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{P1}</t></is></c><c r="B{r}"><v>1</v></c></row>"#
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    assert!(sheet.len() > 30_000_000, "{}", sheet.len());
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="增员" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in &parts {
        zip.start_file(*name, deflated).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    let honest = zip.finish().unwrap().into_inner();
    assert!(honest.len() < 3_000_000, "{}", honest.len());
    let mut bomb = honest.clone();
    lie_about_size(&mut bomb, "xl/worksheets/sheet1.xml", 1000);
    let path = tmp.path().join("bomb.xlsx");
    fs::write(&path, &bomb).unwrap();
    let (code, text, took) = validate(&path);
    assert!(code.is_some(), "killed: {text}");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("bomb.xlsx"), "{text}");
    assert!(
        text.contains("sheet 增员's part holds more than its zip header declares (a zip bomb lying about its size)"),
        "{text}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    // The same workbook with its true sizes is read.
    fs::write(&path, &honest).unwrap();
    let (_, text, _) = validate(&path);
    // (It is read: only its missing header stops it.)
    assert!(!text.contains("zip header"), "{text}");
    assert!(
        text.contains("headers found: 110105********002X, 1"),
        "{text}"
    );
}

/// Found this session, beside finding 1: an 844-byte `.ods` whose one row of
/// 100 valued cells is repeated 999,990 times. calamine expands repeats into a
/// dense grid (and a formula grid beside it) up to 100,000,000 cells: the
/// release `validate` took 6.3 GB and 8.7 s on it. The repeats are now counted
/// from `content.xml` before calamine reads the file.
#[test]
fn an_ods_of_repeated_rows_is_refused_before_calamine_expands_it() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="增员"><table:table-row><table:table-cell office:value-type="string"><text:p>身份证号</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="999990"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1500, "{}", bytes.len());
    let path = tmp.path().join("repeats.ods");
    fs::write(&path, &bytes).unwrap();
    let (code, text, took) = validate(&path);
    assert!(code.is_some(), "killed: {text}");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("repeats.ods"), "{text}");
    assert!(
        text.contains("sheet 增员: its repeated rows and columns span 999991 rows × 100 columns"),
        "{text}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}
