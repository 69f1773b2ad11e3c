//! Employer names (issue 18 item 2): the 单位名称 of the event files is
//! printed beside each employer code in persons, gaps, stops, arrears,
//! overpaid, flags and employers, CSV and workbook; a code seen with several
//! names prints its most frequent one and is listed once in flags.csv as
//! EMPLOYER_NAME_MISMATCH with a blank person. Counts and names by hand.

use assert_cmd::Command;
use calamine::{Data, Reader, open_workbook_auto};
use std::fs;
use std::path::{Path, PathBuf};

const P1: &str = "11010519491231002X";
const P2: &str = "110105199003070017";
const HUAXIN: &str = "北京华信科技有限公司";
const JINGHUA: &str = "京华劳务派遣有限公司";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// E1 is named 北京华信科技有限公司 on two rows and 华信科技 on one; E2 has
/// one name; E3 (a second file, no name column) has none.
fn write_inputs(dir: &Path) {
    fs::write(
        dir.join("a.csv"),
        format!(
            "身份证号,姓名,单位编号,单位名称,变动类型,变动日期,参保地,缴费基数\n\
             {P1},张三,E1,{HUAXIN},增员,2025-01-06,北京,8000\n\
             {P1},张三,E1,{HUAXIN},减员,2025-03-20,北京,8000\n\
             {P2},李四,E1,华信科技,增员,2025-02-03,北京,9000\n\
             {P1},张三,E2,{JINGHUA},增员,2025-06-02,北京,8000\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.join("b.csv"),
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数\n\
             {P2},李四,E3,增员,2025-04-01,北京,9000\n"
        ),
    )
    .unwrap();
}

fn run(dir: &Path, out: &Path, format: &str) {
    Command::cargo_bin("medrecon")
        .unwrap()
        .arg("run")
        .arg(dir.join("a.csv"))
        .arg(dir.join("b.csv"))
        .args([
            "--as-of",
            "2025-11-30",
            "--quiet",
            "--no-mask",
            "--format",
            format,
        ])
        .arg("--policy")
        .arg(root().join("tests/fixtures/policies/spec_beijing.toml"))
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

fn read(out: &Path, name: &str) -> String {
    fs::read_to_string(out.join(name))
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// The named columns of every row, joined by `|`.
fn cols(out: &Path, name: &str, columns: &[&str]) -> Vec<String> {
    let text = read(out, name);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .unwrap_or_else(|| panic!("{name} has no {c}"))
        })
        .collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            idx.iter().map(|&i| cells[i]).collect::<Vec<_>>().join("|")
        })
        .collect()
}

#[test]
fn names_beside_codes_and_one_mismatch_flag() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let out = tmp.path().join("csv");
    run(tmp.path(), &out, "csv");

    assert_eq!(
        cols(
            &out,
            "persons.csv",
            &["person_id", "employers", "employer_names"]
        ),
        [
            format!("{P1}|E1;E2|{HUAXIN};{JINGHUA}"),
            // E3 has no name: its place in the list is empty.
            format!("{P2}|E1;E3|{HUAXIN};"),
        ]
    );
    // 张三 left E1 on 2025-03-20 and joined E2 in 2025-06: a gap 04..05.
    assert_eq!(
        cols(
            &out,
            "gaps.csv",
            &[
                "person_id",
                "employer_before",
                "employer_before_name",
                "employer_after",
                "employer_after_name"
            ]
        ),
        [format!("{P1}|E1|{HUAXIN}|E2|{JINGHUA}")]
    );
    assert_eq!(
        cols(
            &out,
            "stops.csv",
            &["person_id", "employer_id", "employer_name"]
        ),
        [format!("{P1}|E1|{HUAXIN}")]
    );
    assert_eq!(
        cols(
            &out,
            "employers.csv",
            &["employer_id", "employer_name", "persons"]
        ),
        [
            format!("E1|{HUAXIN}|2"),
            format!("E2|{JINGHUA}|1"),
            "E3||1".to_string()
        ]
    );
    // 李四 is at E1 and E3 at once from 2025-04: the overlap flag names E1.
    let flags = cols(
        &out,
        "flags.csv",
        &["person_id", "flag", "employer_id", "employer_name"],
    );
    assert!(
        flags.contains(&format!("{P2}|OVERLAP|E1|{HUAXIN}")),
        "{flags:?}"
    );
    // The mismatch: once, last, with a blank person and both names counted.
    assert_eq!(
        flags.last().unwrap(),
        &format!("|EMPLOYER_NAME_MISMATCH|E1|{HUAXIN}")
    );
    assert_eq!(
        flags
            .iter()
            .filter(|f| f.contains("EMPLOYER_NAME_MISMATCH"))
            .count(),
        1
    );
    let text = read(&out, "flags.csv");
    assert!(
        text.contains(&format!(
            "names {HUAXIN} (2 rows); 华信科技 (1 row); {HUAXIN} printed (the most frequent)"
        )),
        "{text}"
    );

    // The workbook run writes the same CSVs (not streamed) and the names in
    // its sheets.
    let both = tmp.path().join("both");
    run(tmp.path(), &both, "csv,xlsx");
    for name in [
        "persons.csv",
        "gaps.csv",
        "stops.csv",
        "employers.csv",
        "flags.csv",
    ] {
        assert_eq!(read(&out, name), read(&both, name), "{name}");
    }
    let mut wb = open_workbook_auto(both.join("report.xlsx")).unwrap();
    let employers = wb.worksheet_range("单位").unwrap();
    let header: Vec<String> = employers
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = header
        .iter()
        .position(|h| h == "单位名称")
        .expect("单位名称 column");
    let names: Vec<String> = employers
        .rows()
        .skip(1)
        .map(|r| r[at].to_string())
        .collect();
    assert_eq!(names, [HUAXIN, JINGHUA, ""]);
    let flags = wb.worksheet_range("标记").unwrap();
    let last = flags.rows().next_back().unwrap();
    assert_eq!(last[0], Data::Empty);
    assert_eq!(last[1].to_string(), "单位名称不一致 EMPLOYER_NAME_MISMATCH");
}
