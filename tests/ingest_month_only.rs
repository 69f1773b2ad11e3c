//! Month-only event columns (issue 14 items 4 and 5): a bureau declaration
//! (`证件类型, 证件号码, 姓名, 申报类型 增/减, 费款所属期 202504`) in GBK, an
//! agency roster with `增员年月` and the medical and other insurances' last
//! months paid, and workbook sheets named `增员`/`减员` dated by month. Each
//! month means what `schemas/columns.toml` says (first month paid, last month
//! paid, first month no longer paid); the months are exact whatever the
//! pack's cut-off rules, and the filing deadline counts from the last day of
//! the last month paid. All values below are computed by hand.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

const P1: &str = "11010519491231002X";
const P2: &str = "110105199003070017";
const P3: &str = "110105198506120034";
const P4: &str = "11010519920101004X";
const P5: &str = "110105197803150059";
const P6: &str = "110105198808080066";

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `medrecon run INPUT` as of 2025-11-30 with `pack` (the SPEC test pack
/// when `None`).
fn run(input: &Path, out: &Path, pack: Option<&Path>) -> assert_cmd::assert::Assert {
    let spec = root().join("tests/fixtures/policies/spec_beijing.toml");
    medrecon()
        .arg("run")
        .arg(input)
        .args(["--as-of", "2025-11-30", "--quiet", "--no-mask"])
        .args(["--format", "csv", "--out"])
        .arg(out)
        .arg("--policy")
        .arg(pack.unwrap_or(&spec))
        .assert()
}

fn read(out: &Path, name: &str) -> String {
    fs::read_to_string(out.join(name))
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// The named columns of `person`'s rows in `name`, joined by `,`.
fn cols(out: &Path, name: &str, person: &str, columns: &[&str]) -> Vec<String> {
    let text = read(out, name);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .unwrap_or_else(|| panic!("{name} has no column {c}"))
        })
        .collect();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|cells| cells[0] == person)
        .map(|cells| idx.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(","))
        .collect()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

const STOP_COLS: &[&str] = &[
    "separation_date",
    "last_paid_month",
    "stop_month",
    "benefits_end",
    "filing_deadline",
    "filed_date",
    "late_stop",
    "separation_basis",
];
const PERSON_COLS: &[&str] = &["first_covered_month", "last_covered_month", "status"];

/// A GBK bureau declaration in every month form real files use, against the
/// same events written with days: the timelines are the same, the stops are
/// dated by the last day of the last month paid and their deadlines counted
/// from it.
#[test]
fn a_gbk_bureau_declaration_by_month() {
    let tmp = tempfile::tempdir().unwrap();
    let decl = tmp.path().join("decl");
    fs::create_dir_all(&decl).unwrap();
    fs::write(
        decl.join("社会保险增减员申报表.csv"),
        gbk(&format!(
            "XX公司2025年社会保险增减员申报表,,,,,,,,\r\n\
             证件类型,证件号码,姓名,单位编号,申报类型,费款所属期,参保地,缴费基数,申报日期\r\n\
             居民身份证,{P1},张三,E1,增,202501,北京,8000,\r\n\
             居民身份证,{P1},张三,E1,减,2025-07,北京,8000,2025-07-20\r\n\
             居民身份证,{P2},李四,E1,0001 人员新增,2025年3月,北京,9000,\r\n\
             居民身份证,{P3},王五,E1,增,2025/02,北京,9000,\r\n\
             居民身份证,{P3},王五,E1,0002-人员中断,2025.4,北京,9000,2025-03-25\r\n\
             居民身份证,{P4},赵六,E1,减,201391,北京,9000,\r\n"
        )),
    )
    .unwrap();
    let days = tmp.path().join("days");
    fs::create_dir_all(&days).unwrap();
    fs::write(
        days.join("events.csv"),
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数,减员日期\n\
             {P1},张三,E1,增员,2025-01-06,北京,8000,\n\
             {P1},张三,E1,减员,2025-06-20,北京,8000,2025-07-20\n\
             {P2},李四,E1,增员,2025-03-03,北京,9000,\n\
             {P3},王五,E1,增员,2025-02-10,北京,9000,\n\
             {P3},王五,E1,减员,2025-03-15,北京,9000,2025-03-25\n"
        ),
    )
    .unwrap();
    let (a, b) = (tmp.path().join("out-decl"), tmp.path().join("out-days"));
    run(&decl, &a, None).success();
    run(&days, &b, None).success();

    // The same timelines (P1 is late both ways: 2025-07-20 is after both
    // 2025-07-05 and 2025-07-15).
    for name in ["persons.csv", "gaps.csv"] {
        assert_eq!(read(&a, name), read(&b, name), "{name}");
    }
    assert_eq!(
        cols(&a, "persons.csv", P1, PERSON_COLS),
        ["2025-01,2025-06,lapsed"]
    );
    assert_eq!(
        cols(&a, "persons.csv", P2, PERSON_COLS),
        ["2025-03,2025-11,covered"]
    );
    // 减 2025-07: the first month no longer paid; last paid 2025-06; the
    // deadline is 2025-06-30 + 15 days.
    assert_eq!(
        cols(&a, "stops.csv", P1, STOP_COLS),
        ["2025-06-30,2025-06,2025-07,2025-06-30,2025-07-15,2025-07-20,true,month"]
    );
    assert_eq!(
        cols(&b, "stops.csv", P1, STOP_COLS),
        ["2025-06-20,2025-06,2025-07,2025-06-30,2025-07-05,2025-07-20,true,day"]
    );
    // `2025.4` on a 0002-人员中断 row: last paid 2025-03, deadline 2025-04-15.
    assert_eq!(
        cols(&a, "stops.csv", P3, STOP_COLS),
        ["2025-03-31,2025-03,2025-04,2025-03-31,2025-04-15,2025-03-25,false,month"]
    );
    // 201391 is no month: a reject naming its row and column, never a guess.
    let rejects = read(&a, "rejects.csv");
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
    let line = rejects.lines().nth(1).unwrap();
    assert!(
        line.contains(",8,费款所属期,201391,BAD_MONTH,")
            && line.contains("first month no longer paid"),
        "{line}"
    );
    let manifest = read(&a, "manifest.json");
    assert!(manifest.contains("\"rows_read\": 6"), "{manifest}");
}

/// A pack with a hire cut-off day and an unpaid separation month: the
/// months a declaration names are taken as they are, where the same
/// events dated by day move by the pack's rules.
#[test]
fn declared_months_are_exact_whatever_the_cutoff_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = fs::read_to_string(root().join("tests/fixtures/policies/spec_beijing.toml"))
        .unwrap()
        .replace(
            "due_insurance = ",
            "hire_cutoff_day = 15\nseparation_month_paid = false\ndue_insurance = ",
        );
    let pack = tmp.path().join("beijing_cutoff.toml");
    fs::write(&pack, spec).unwrap();

    let decl = tmp.path().join("decl.csv");
    fs::write(
        &decl,
        format!(
            "证件号码,姓名,单位编号,申报类型,费款所属期,参保地\n\
             {P1},张三,E1,增,202503,北京\n\
             {P1},张三,E1,减,202506,北京\n"
        ),
    )
    .unwrap();
    let days = tmp.path().join("days.csv");
    fs::write(
        &days,
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地\n\
             {P1},张三,E1,增员,2025-03-20,北京\n\
             {P1},张三,E1,减员,2025-06-10,北京\n"
        ),
    )
    .unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&decl, &a, Some(&pack)).success();
    run(&days, &b, Some(&pack)).success();
    // 增 202503 is paid from March; 减 202506 stops after May.
    assert_eq!(
        cols(&a, "persons.csv", P1, PERSON_COLS),
        ["2025-03,2025-05,lapsed"]
    );
    // Hired the 20th (after the 15th): from April; June is not paid.
    assert_eq!(
        cols(&b, "persons.csv", P1, PERSON_COLS),
        ["2025-04,2025-05,lapsed"]
    );
    assert_eq!(
        cols(
            &a,
            "stops.csv",
            P1,
            &["last_paid_month", "stop_month", "filing_deadline"]
        ),
        ["2025-05,2025-06,2025-06-15"]
    );
}

/// An agency roster (`.xlsx`): `增员年月` as a number, a date cell and an
/// Excel serial; the medical insurance's own last month paid beside the
/// other four insurances' (`四险缴费截止月份`): the medical one decides.
#[test]
fn a_roster_by_month_uses_the_medical_last_month_paid() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("花名册.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "身份证号",
        "姓名",
        "单位编号",
        "参保地",
        "增员年月",
        "四险缴费截止月份",
        "医疗保险缴费截止月份",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, (id, name)) in [(P1, "张三"), (P2, "李四"), (P3, "王五")]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_string(r, 2, "E1").unwrap();
        ws.write_string(r, 3, "北京").unwrap();
    }
    // P1: from 202401 (a number); other insurances to 2025-08, medical to 2025年6月.
    ws.write_number(1, 4, 202401.0).unwrap();
    ws.write_string(1, 5, "2025-08").unwrap();
    ws.write_string(1, 6, "2025年6月").unwrap();
    // P2: from a date cell on the 1st; the other insurances stopped, medical not.
    ws.write_datetime_with_format(2, 4, ExcelDateTime::from_ymd(2025, 3, 1).unwrap(), &date)
        .unwrap();
    ws.write_string(2, 5, "2025-05").unwrap();
    // P3: from the serial 45809 (2025-06-01); medical to 2025.9.
    ws.write_number(3, 4, 45809.0).unwrap();
    ws.write_string(3, 6, "2025.9").unwrap();
    wb.save(&book).unwrap();

    let out = tmp.path().join("out");
    run(&book, &out, None).success();
    assert_eq!(
        cols(&out, "persons.csv", P1, PERSON_COLS),
        ["2024-01,2025-06,lapsed"]
    );
    assert_eq!(
        cols(&out, "persons.csv", P2, PERSON_COLS),
        ["2025-03,2025-11,covered"]
    );
    assert_eq!(
        cols(&out, "persons.csv", P3, PERSON_COLS),
        // 2025-10..11: a short gap still open.
        ["2025-06,2025-09,open_gap"]
    );
    assert_eq!(
        cols(&out, "stops.csv", P1, STOP_COLS),
        ["2025-06-30,2025-06,2025-07,2025-06-30,2025-07-15,,false,month"]
    );
    assert_eq!(read(&out, "stops.csv").lines().count(), 3);
}

/// `增员` and `减员` sheets without a type column, dated by `参保年月` and
/// `减员年月`; and the same month on a stop and a hire: with a spell open it
/// is a rehire without a gap, with none a hire gone before a month was paid.
#[test]
fn sheets_named_by_event_dated_by_month_and_same_month_ties() {
    use rust_xlsxwriter::Workbook;
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("增减员_月度.xlsx");
    let mut wb = Workbook::new();
    let hires = wb.add_worksheet();
    hires.set_name("增员").unwrap();
    for (c, h) in ["身份证号", "姓名", "单位编号", "参保年月", "参保地"]
        .iter()
        .enumerate()
    {
        hires.write_string(0, c as u16, *h).unwrap();
    }
    let hire_rows = [
        (P5, "钱七", "202505"),
        (P6, "孙八", "202401"),
        (P6, "孙八", "202505"),
    ];
    for (r, (id, name, month)) in hire_rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in [*id, *name, "E1", *month, "北京"].iter().enumerate() {
            hires.write_string(r, c as u16, *v).unwrap();
        }
    }
    let seps = wb.add_worksheet();
    seps.set_name("减员").unwrap();
    for (c, h) in ["身份证号", "姓名", "单位编号", "减员年月", "参保地"]
        .iter()
        .enumerate()
    {
        seps.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, name, month)) in [(P5, "钱七", "202505"), (P6, "孙八", "202505")]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        for (c, v) in [*id, *name, "E1", *month, "北京"].iter().enumerate() {
            seps.write_string(r, c as u16, *v).unwrap();
        }
    }
    wb.save(&book).unwrap();

    let out = tmp.path().join("out");
    run(&book, &out, None).success();
    // P6: paid 2024-01..2025-04, stopped from 2025-05 and hired again from
    // 2025-05: covered throughout, no gap, no conflict.
    assert_eq!(
        cols(
            &out,
            "persons.csv",
            P6,
            &[
                "first_covered_month",
                "last_covered_month",
                "status",
                "gaps",
                "flags"
            ]
        ),
        ["2024-01,2025-11,covered,0,"]
    );
    assert_eq!(
        cols(&out, "stops.csv", P6, &["last_paid_month", "stop_month"]),
        ["2025-04,2025-05"]
    );
    // P5: 增 and 减 of 2025-05: a spell of no month, never covered.
    assert_eq!(
        cols(
            &out,
            "stops.csv",
            P5,
            &["separation_date", "last_paid_month", "stop_month"]
        ),
        ["2025-04-30,,2025-05"]
    );
    assert_eq!(
        cols(
            &out,
            "persons.csv",
            P5,
            &["first_covered_month", "cumulative_months"]
        ),
        [",0"]
    );
    let manifest = read(&out, "manifest.json");
    assert!(manifest.contains("every row is a separation (减员), from the sheet name `减员`"));
}
