//! Issue 17, finding 12 and "masking everywhere": after masked runs over
//! inputs that carry IDs in odd forms and odd places, no whole ID and no whole
//! name is in any output file (CSV, JSON, the workbook's cells, the Parquet
//! copies) nor on stdout or stderr, of `run` and of `validate`.
//!
//! The odd forms: an ID in groups with spaces and with dashes, in full-width
//! digits, with a wrong check digit (a reject prints its raw value); the odd
//! places: an ID in the employer column, a file named after an ID (the name
//! becomes the default employer), the names of rows rejected as BAD_ROW
//! (a bad date, a short row) and of a skipped subtotal, the passport numbers
//! of short rows (BAD_ROW, a whole row's value) in a declaration and in a
//! ledger.

use assert_cmd::Command;
mod workbook_support;

use polars::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use workbook_support::workbook_cells;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("medrecon")
}

/// Valid resident IDs (check digits computed by hand with the GB 11643
/// weights), the names of the test's rows, and one ID with a wrong check digit.
const IDS: [&str; 5] = [
    "110105199001019509",
    "110105198506123016",
    "440306199207154021",
    "310115198803031230",
    "110108197501010025",
];
const BAD_CHECK: &str = "310115198803031231";
/// Document numbers (passport, travel permit): no checksum, masked all the
/// same; the third is no valid number (a slash) and is rejected; the last
/// two are in short rows (BAD_ROW) of the declaration and of the ledger.
const DOCS: [&str; 5] = [
    "E98765432",
    "H87654321",
    "G7654/3210",
    "EA1234567",
    "K87654321",
];
const NAMES: [&str; 12] = [
    "王小明",
    "李大华",
    "赵四海",
    "钱五常",
    "孙六合",
    "周七星",
    "吴八方",
    "郑九州",
    "冯十全",
    "陈十一",
    "史密斯",
    "黄大仙",
];

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap(),
            other => other,
        })
        .collect()
}

/// Writes the inputs into `dir`: one roster with every odd form, one file
/// named after an ID with no employer column.
fn write_inputs(dir: &Path) {
    let grouped_spaces = format!("{} {} {}", &IDS[0][..6], &IDS[0][6..14], &IDS[0][14..]);
    let grouped_dashes = format!("{}-{}-{}", &IDS[1][..6], &IDS[1][6..14], &IDS[1][14..]);
    let roster = [
        "姓名,身份证号,单位编号,变动类型,变动日期,参保地,缴费基数".to_string(),
        format!(
            "{},{grouped_spaces},E001,增员,2024-03-01,北京,8000",
            NAMES[0]
        ),
        format!(
            "{},{grouped_dashes},E001,增员,2024-03-01,北京,8000",
            NAMES[1]
        ),
        format!(
            "{},{},E002,增员,2024-05-01,深圳,9000",
            NAMES[2],
            full_width(IDS[2])
        ),
        format!("{},{BAD_CHECK},E002,增员,2024-05-01,深圳,9000", NAMES[3]),
        // An ID in the employer column.
        format!(
            "{},{},{},增员,2024-01-01,上海,7000",
            NAMES[4], IDS[3], IDS[4]
        ),
        // BAD_ROW: a date that is no date, and a short row.
        format!("{},{},E001,减员,2024-13-45,北京,", NAMES[5], IDS[1]),
        format!("{},{}", NAMES[6], IDS[0]),
        // A subtotal row naming a person (skipped, not a person).
        format!("合计,{},,,,,", NAMES[0]),
    ]
    .join("\n");
    fs::write(dir.join("roster.csv"), roster + "\n").unwrap();
    let named = format!(
        "姓名,身份证号,变动类型,变动日期,参保地\n{},{},增员,2024-02-01,深圳\n",
        NAMES[7], IDS[2]
    );
    fs::write(dir.join(format!("{}.csv", IDS[4])), named).unwrap();
    // A workbook whose sheet is named after an ID, and a second name for the
    // person of IDS[3] (a NAME_MISMATCH flag quotes both names).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name(IDS[1]).unwrap();
    let header = [
        "姓名",
        "身份证号",
        "单位编号",
        "变动类型",
        "变动日期",
        "参保地",
    ];
    let row = [NAMES[8], IDS[3], "E003", "增员", "2024-06-01", "上海"];
    for (c, (h, v)) in header.iter().zip(row).enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
        sheet.write_string(1, c as u16, v).unwrap();
    }
    wb.save(dir.join("book.xlsx")).unwrap();
    // A bureau declaration as agencies export it (REAL_FORMATS.md): GBK bytes,
    // a title row, 证件类型 + 证件号码, 申报类型 增/减 and a month-only 费款所属期;
    // the ID in groups, a second name for the person of IDS[0].
    let declaration = format!(
        "某某劳务派遣有限公司 社会保险增减员申报表,,,,,\n\
         证件类型,证件号码,姓名,单位社保编号,申报类型,费款所属期\n\
         居民身份证,{} {} {},{},E004,增,202405\n\
         护照,{},{},E004,增,202405\n\
         港澳居民来往内地通行证,{},{},E004,增,202406\n\
         护照,{},{},E004,增,202406\n\
         护照,{},{}\n",
        &IDS[0][..6],
        &IDS[0][6..14],
        &IDS[0][14..],
        NAMES[9],
        DOCS[0],
        NAMES[10],
        DOCS[1],
        NAMES[11],
        DOCS[2],
        NAMES[10],
        DOCS[3],
        NAMES[10],
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&declaration);
    fs::write(dir.join("申报_某某劳务.csv"), &gbk).unwrap();
}

/// A ledger (read with `--ledger`, so outside the exports) paying for a
/// passport holder, with a short row naming another passport.
fn write_ledger(path: &Path) {
    let ledger = format!(
        "证件类型,证件号码,单位编号,费款所属期,实缴金额\n\
         护照,{},E004,202405,640.00\n\
         护照,{},E004\n",
        DOCS[0], DOCS[4]
    );
    fs::write(path, ledger).unwrap();
}

/// Text with full-width digits and X made ASCII and the separators an ID may
/// be written with taken out, so an ID in any of those forms reads as its 18
/// plain characters.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '－'))
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + '0' as u32).unwrap(),
            'Ｘ' | 'ｘ' | 'x' => 'X',
            other => other,
        })
        .collect()
}

/// Fails when `text` holds a whole ID or a whole name in any form. An ID's
/// birth date next to its region code or its check digits is a leak; the
/// masked form (`110105********9509`) keeps only the first six and last four.
fn assert_no_leak(what: &str, text: &str) {
    let f = folded(text);
    for id in IDS.iter().chain([&BAD_CHECK]) {
        assert!(
            !f.contains(&id[..14]),
            "{what} holds {id} (head and birth date)"
        );
        assert!(
            !f.contains(&id[6..]),
            "{what} holds {id} (birth date and tail)"
        );
    }
    for name in NAMES {
        assert!(!text.contains(name), "{what} holds the name {name}");
    }
    // A document's number keeps a quarter at each end: no 8 of its
    // characters in a row survive.
    for doc in DOCS {
        let n: String = doc.chars().filter(char::is_ascii_alphanumeric).collect();
        let f = f.replace('/', "");
        assert!(
            !f.contains(&n[..n.len() - 1]) && !f.contains(&n[1..]),
            "{what} holds the document number {doc}"
        );
    }
}

fn parquet_cells(path: &Path) -> String {
    let df = ParquetReader::new(fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let mut all = String::new();
    for column in df.columns() {
        all.push_str(column.name());
        all.push('\n');
        let text = column.cast(&DataType::String).unwrap();
        for value in text.str().unwrap().iter().flatten() {
            all.push_str(value);
            all.push('\n');
        }
    }
    all
}

/// Every output file's text (the workbook's cells, the Parquet values).
fn output_texts(out: &Path) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("xlsx") => workbook_cells(&path),
            Some("parquet") => parquet_cells(&path),
            _ => String::from_utf8(fs::read(&path).unwrap()).expect("report text is UTF-8"),
        };
        texts.push((name, text));
    }
    texts
}

#[test]
fn masked_outputs_and_messages_hold_no_whole_id_or_name() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("exports");
    fs::create_dir(&inputs).unwrap();
    write_inputs(&inputs);
    let ledger = tmp.path().join("ledger.csv");
    write_ledger(&ledger);

    // The unmasked run first: it shows the inputs do put every ID and name
    // somewhere in the reports, so the scan below can fail.
    let plain = tmp.path().join("plain");
    Command::new(bin())
        .arg("run")
        .arg(&inputs)
        .args([
            "--as-of",
            "2025-11-30",
            "--format",
            "csv",
            "--no-mask",
            "--quiet",
            "--out",
        ])
        .arg(&plain)
        .arg("--ledger")
        .arg(&ledger)
        .assert()
        .success();
    let all_plain: String = output_texts(&plain)
        .into_iter()
        .map(|(_, t)| folded(&t))
        .collect();
    for id in IDS.iter().chain([&BAD_CHECK]) {
        assert!(
            all_plain.contains(id),
            "the unmasked reports never show {id}"
        );
    }
    // Persons' names, and the name inside a short row's BAD_ROW value (a row
    // rejected for one cell shows that cell only: names 3 and 5 are not shown).
    for doc in DOCS {
        assert!(
            all_plain.contains(doc),
            "the unmasked reports never show {doc}"
        );
    }
    for name in [0, 1, 2, 4, 6, 7, 8, 9, 10, 11].map(|i| NAMES[i]) {
        assert!(
            all_plain.contains(name),
            "the unmasked reports never show {name}"
        );
    }
    // IDs in groups and in full-width digits are read as the IDs they are.
    let flags = fs::read_to_string(plain.join("flags.csv")).unwrap();
    assert!(flags.contains("NAME_MISMATCH"), "{flags}");
    let manifest = fs::read_to_string(plain.join("manifest.json")).unwrap();
    assert!(
        manifest.contains(&format!("\"{}\"", IDS[1])),
        "the sheet name"
    );
    let persons = fs::read_to_string(plain.join("persons.csv")).unwrap();
    for id in IDS[..4].iter() {
        assert!(
            persons.contains(&format!("\n{id},")),
            "{id} is a person: {persons}"
        );
    }

    let out = tmp.path().join("masked");
    let run = Command::new(bin())
        .arg("run")
        .arg(&inputs)
        .args([
            "--as-of",
            "2025-11-30",
            "--format",
            "csv,xlsx,parquet",
            "--out",
        ])
        .arg(&out)
        .arg("--ledger")
        .arg(&ledger)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_no_leak("run's stdout", &String::from_utf8_lossy(&run.stdout));
    assert_no_leak("run's stderr", &String::from_utf8_lossy(&run.stderr));
    let texts = output_texts(&out);
    for want in [
        "persons.csv",
        "rejects.csv",
        "manifest.json",
        "persons.parquet",
    ] {
        assert!(texts.iter().any(|(n, _)| n == want), "{want} written");
    }
    assert!(
        texts.iter().any(|(n, _)| n.ends_with(".xlsx")),
        "a workbook written"
    );
    for (name, text) in &texts {
        assert_no_leak(name, text);
    }
    // The masked reports still show the masked forms.
    let persons = &texts.iter().find(|(n, _)| n == "persons.csv").unwrap().1;
    assert!(persons.contains("110105********9509"), "{persons}");
    // Passport and permit holders are persons, masked like their IDs.
    assert!(persons.contains("\npassport:E9*****32,史**,"), "{persons}");
    assert!(
        persons.contains("\nhkmo_permit:H8*****21,黄**,"),
        "{persons}"
    );
    // The short rows' passport numbers, masked inside their whole-row values.
    let rejects = &texts.iter().find(|(n, _)| n == "rejects.csv").unwrap().1;
    assert!(rejects.contains("护照,EA*****67,史**"), "{rejects}");
    assert!(rejects.contains("护照,K8*****21,E004"), "{rejects}");

    let validate = Command::new(bin())
        .arg("validate")
        .arg(&inputs)
        .arg("--ledger")
        .arg(&ledger)
        .output()
        .unwrap();
    assert_no_leak(
        "validate's stdout",
        &String::from_utf8_lossy(&validate.stdout),
    );
    assert_no_leak(
        "validate's stderr",
        &String::from_utf8_lossy(&validate.stderr),
    );
    assert!(
        String::from_utf8_lossy(&validate.stdout).contains("roster.csv"),
        "validate reports the roster"
    );
}

/// `command` over `exports` (run writes into `out`), masked or not.
fn command_over_exports(cwd: &Path, command: &str, mask: bool) -> std::process::Output {
    let mut c = Command::new(bin());
    c.current_dir(cwd).args([command, "exports"]);
    if command == "run" {
        c.args(["--as-of", "2025-11-30", "--out", "out"]);
    }
    if !mask {
        c.arg("--no-mask");
    }
    c.output().unwrap()
}

#[test]
fn an_error_naming_a_file_named_after_an_id_masks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("exports");
    fs::create_dir(&inputs).unwrap();
    // Not a workbook: the run stops with an error naming the file.
    fs::write(
        inputs.join(format!("{}.xlsx", IDS[0])),
        b"PK\x03\x04 not a zip",
    )
    .unwrap();
    for command in ["run", "validate"] {
        let masked = command_over_exports(tmp.path(), command, true);
        assert_eq!(masked.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8_lossy(&masked.stderr);
        assert!(
            stderr.contains("110105********9509.xlsx"),
            "{command}: {stderr}"
        );
        assert_no_leak(&format!("{command}'s error"), &stderr);
        let plain = command_over_exports(tmp.path(), command, false);
        let stderr = String::from_utf8_lossy(&plain.stderr);
        assert!(
            stderr.contains(&format!("{}.xlsx", IDS[0])),
            "{command} --no-mask: {stderr}"
        );
    }
}
