//! The event type from the sheet or file name (issue 14 item 5): an agency
//! workbook with a `增员` sheet and a `减员` sheet and no type column, and a
//! CSV named after its event, read as the same events as a canonical
//! export; a mixed 增减员 file without a type column is still refused.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

const P1: &str = "11010519491231002X";
const P2: &str = "110105199003070017";

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

fn run(input: &Path, out: &Path) -> assert_cmd::assert::Assert {
    medrecon()
        .arg("run")
        .arg(input)
        .args([
            "--as-of",
            "2025-11-30",
            "--quiet",
            "--no-mask",
            "--format",
            "csv",
            "--out",
        ])
        .arg(out)
        .assert()
}

fn read(out: &Path, name: &str) -> String {
    fs::read_to_string(out.join(name))
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// The canonical export of the same events: P1 hired 2025-01-06 and gone
/// 2025-06-20, P2 hired 2025-03-03.
fn canonical(dir: &Path) -> PathBuf {
    let d = dir.join("canonical");
    fs::create_dir_all(&d).unwrap();
    fs::write(
        d.join("events.csv"),
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数\n\
             {P1},张三,E1,增员,2025-01-06,北京,8000\n\
             {P2},李四,E1,增员,2025-03-03,北京,9000\n\
             {P1},张三,E1,减员,2025-06-20,北京,8000\n"
        ),
    )
    .unwrap();
    d
}

#[test]
fn a_workbook_with_hire_and_separation_sheets_reads_as_the_canonical_events() {
    use rust_xlsxwriter::Workbook;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("book");
    fs::create_dir_all(&dir).unwrap();
    let mut wb = Workbook::new();
    let hires = wb.add_worksheet();
    hires.set_name("增员").unwrap();
    for (c, h) in ["身份证号", "姓名", "单位编号", "日期", "参保地", "缴费基数"]
        .iter()
        .enumerate()
    {
        hires.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, name, date, wage)) in [
        (P1, "张三", "2025-01-06", 8000.0),
        (P2, "李四", "2025-03-03", 9000.0),
    ]
    .into_iter()
    .enumerate()
    {
        let r = r as u32 + 1;
        hires.write_string(r, 0, id).unwrap();
        hires.write_string(r, 1, name).unwrap();
        hires.write_string(r, 2, "E1").unwrap();
        hires.write_string(r, 3, date).unwrap();
        hires.write_string(r, 4, "北京").unwrap();
        hires.write_number(r, 5, wage).unwrap();
    }
    let seps = wb.add_worksheet();
    seps.set_name("减员").unwrap();
    for (c, h) in [
        "身份证号",
        "姓名",
        "单位编号",
        "离职日期",
        "参保地",
        "缴费基数",
    ]
    .iter()
    .enumerate()
    {
        seps.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [P1, "张三", "E1", "2025-06-20", "北京"].iter().enumerate() {
        seps.write_string(1, c as u16, *v).unwrap();
    }
    seps.write_number(1, 5, 8000.0).unwrap();
    wb.save(dir.join("agency.xlsx")).unwrap();

    let a = tmp.path().join("out-canonical");
    let b = tmp.path().join("out-book");
    run(&canonical(tmp.path()), &a).success();
    run(&dir, &b).success();
    for name in ["persons.csv", "gaps.csv", "stops.csv"] {
        let (x, y) = (read(&a, name), read(&b, name));
        assert_eq!(x.lines().count(), y.lines().count(), "{name}");
        // The employer column is the same (E1); the rows are identical.
        assert_eq!(x, y, "{name}");
    }
    assert!(read(&b, "stops.csv").contains(&format!("{P1},E1,2025-06-20")));
    let manifest = read(&b, "manifest.json");
    assert!(
        manifest.contains(
            "no event type column: every row is a hire (增员), from the sheet name `增员`"
        ),
        "{manifest}"
    );
    assert!(manifest.contains("every row is a separation (减员), from the sheet name `减员`"));
}

#[test]
fn a_csv_named_after_its_event_gives_that_event() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("named");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("2025年增员名单.csv"),
        format!(
            "身份证号,姓名,单位编号,日期,参保地,缴费基数\n\
             {P1},张三,E1,2025-01-06,北京,8000\n\
             {P2},李四,E1,2025-03-03,北京,9000\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.join("2025年6月减员名单.csv"),
        format!("身份证号,姓名,单位编号,日期,参保地,缴费基数\n{P1},张三,E1,2025-06-20,北京,8000\n"),
    )
    .unwrap();
    let a = tmp.path().join("out-canonical");
    let b = tmp.path().join("out-named");
    run(&canonical(tmp.path()), &a).success();
    run(&dir, &b).success();
    for name in ["persons.csv", "gaps.csv", "stops.csv"] {
        assert_eq!(read(&a, name), read(&b, name), "{name}");
    }
    let out = medrecon()
        .args(["validate", "--lang", "en"])
        .arg(&dir)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("note: no event type column: every row is a separation (减员), from the file name `2025年6月减员名单`"),
        "{text}"
    );
}

/// A name with both 增 and 减 says nothing about each row: still refused,
/// naming the missing type column.
#[test]
fn a_mixed_file_without_a_type_column_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mixed");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("社保增减员表.csv"),
        format!("身份证号,姓名,单位编号,日期\n{P1},张三,E1,2025-01-06\n"),
    )
    .unwrap();
    let out = run(&dir, &tmp.path().join("out")).failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("社保增减员表.csv") && stderr.contains("变动类型"),
        "{stderr}"
    );
}

/// A declaration's 申报类型 column with `增`/`减` and code labels
/// (`0001 人员新增`, `0002-人员中断`) reads as the canonical events.
#[test]
fn declaration_types_with_single_characters_and_code_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("decl");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("declaration.csv"),
        format!(
            "证件号码,姓名,单位编号,申报类型,变动日期,参保地,缴费基数\n\
             {P1},张三,E1,增,2025-01-06,北京,8000\n\
             {P2},李四,E1,0001 人员新增,2025-03-03,北京,9000\n\
             {P1},张三,E1,0002-人员中断,2025-06-20,北京,8000\n"
        ),
    )
    .unwrap();
    let a = tmp.path().join("out-canonical");
    let b = tmp.path().join("out-decl");
    run(&canonical(tmp.path()), &a).success();
    run(&dir, &b).success();
    for name in ["persons.csv", "gaps.csv", "stops.csv"] {
        assert_eq!(read(&a, name), read(&b, name), "{name}");
    }
    assert_eq!(
        read(&b, "rejects.csv").lines().count(),
        1,
        "only the header"
    );
}
