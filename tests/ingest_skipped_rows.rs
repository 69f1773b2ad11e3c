//! Rows that are not persons — an example row (`例,张三,…`), a subtotal
//! (`合计`), a branch total (`北京分公司汇总`), a placeholder row (`--`) — are
//! skipped with their reasons, never rejected, in a UTF-8 CSV, a GBK CSV and
//! an .xlsx alike: per sheet read 7 = accepted 2 + rejected 1 + skipped 4,
//! through `medrecon validate` and the `manifest.json` of `medrecon run`.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

/// The binary under test.
fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

// Valid IDs (as in tests/run_cli.rs) and one that is not an ID (16 digits).
const P1: &str = "11010519491231002X";
const P2: &str = "110105199003070017";
const BAD: &str = "1101051985061500";

const EXAMPLE: &str = "example row (例/示例)";
const TOTAL: &str = "subtotal or total row (合计/总计/小计/…汇总)";
const PLACEHOLDER: &str = "placeholder row (-, --, ——)";

/// The export's rows, title and header first: an example row, two persons,
/// a subtotal, a branch total, a placeholder row and a row with a bad ID.
fn rows() -> Vec<Vec<String>> {
    let lines = [
        "2025年4月社保增减员明细表".to_string(),
        "身份证号,姓名,单位编号,变动类型,变动日期,缴费基数".to_string(),
        "例,张三,E1,入职,2025-01-01,10000".to_string(),
        format!("{P1},李四,E1,入职,2025-03-10,10000"),
        format!("{P2},王五,E1,入职,2025-04-01,8000"),
        "合计,,,,,18000".to_string(),
        "北京分公司汇总,,,,,18000".to_string(),
        "--,--,--,--,--,--".to_string(),
        format!("{BAD},赵六,E1,入职,2025-04-01,8000"),
    ];
    lines
        .iter()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The rows as CSV text.
fn csv_text() -> String {
    let mut text = String::new();
    for r in rows() {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    text
}

/// Writes the export as a UTF-8 CSV.
fn write_utf8(dir: &Path) -> PathBuf {
    let path = dir.join("增减员_utf8.csv");
    fs::write(&path, csv_text()).unwrap();
    path
}

/// Writes the export as a GBK CSV (every character encodable).
fn write_gbk(dir: &Path) -> PathBuf {
    let path = dir.join("增减员_gbk.csv");
    let text = csv_text();
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "the test text is GBK");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file is not UTF-8"
    );
    fs::write(&path, &bytes).unwrap();
    path
}

/// Writes the export as an .xlsx, sheet `增员`: IDs and words as text, the
/// wage column as numbers.
fn write_xlsx(dir: &Path) -> PathBuf {
    use rust_xlsxwriter::Workbook;
    let path = dir.join("增减员.xlsx");
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("增员").unwrap();
    for (r, row) in rows().iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            match v.parse::<f64>() {
                Ok(n) if c == 5 => sheet.write_number(r, c, n).map(|_| ()),
                _ => sheet.write_string(r, c, v).map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save(&path).unwrap();
    path
}

/// The per-sheet accounting `validate` prints for each of the three files.
fn expected_line(sheet: &str) -> String {
    format!(
        "  sheet {sheet}: event rows, header row 2: read 7, accepted 2, rejected 1, duplicates 0, skipped 4 ({EXAMPLE}: 1, {PLACEHOLDER}: 1, {TOTAL}: 2)"
    )
}

#[test]
fn validate_counts_rows_that_are_not_persons_as_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (write_utf8(tmp.path()), "增减员_utf8.csv", "utf-8"),
        (write_gbk(tmp.path()), "增减员_gbk.csv", "gb18030"),
        (write_xlsx(tmp.path()), "增员", ""),
    ];
    for (path, sheet, encoding) in &files {
        let out = medrecon()
            .args(["validate", "--no-mask", "--lang", "en"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.lines().any(|l| l == expected_line(sheet)),
            "{sheet}: {text}"
        );
        if !encoding.is_empty() {
            assert!(text.contains(&format!("encoding {encoding}")), "{text}");
        }
        assert!(
            text.contains(
                "total: 1 files, read 7, accepted 2, rejected 1, duplicates 0, skipped 4, events 2"
            ),
            "{text}"
        );
        assert!(!text.contains("NOT BALANCED"), "{text}");
        // The one reject is the bad ID; no skipped row is among the rejects.
        assert!(text.contains("rejects (1):"), "{text}");
        let rejects: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("rejects ("))
            .skip(2)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(rejects.len(), 1, "{rejects:?}");
        assert!(rejects[0].contains(BAD), "{rejects:?}");
        assert!(rejects[0].contains("\t9\t身份证号\t"), "{rejects:?}");
    }
    // All three together: the totals add up (the same persons in the second
    // and third file are duplicates of the first's). In Chinese, the default,
    // the skipped rows' reasons too.
    let out = medrecon()
        .arg("validate")
        .args(files.iter().map(|f| &f.0))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("合计：3个文件，读取21，接受2，拒收3，重复4，跳过12，变动记录2条\n"),
        "{text}"
    );
    assert!(
        text.contains("跳过4（示例行（例/示例）：1、占位行（-、--、——）：1、小计或合计行（合计/总计/小计/…汇总）：2）\n"),
        "{text}"
    );
}

#[test]
fn the_manifest_lists_skipped_rows_and_rejects_hold_only_the_bad_id() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = [
        write_utf8(tmp.path()),
        write_gbk(tmp.path()),
        write_xlsx(tmp.path()),
    ];
    for (i, input) in inputs.iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        let run = medrecon()
            .arg("run")
            .arg(input)
            .args([
                "--as-of",
                "2025-08-15",
                "--no-mask",
                "--lang",
                "en",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        // The console says it once, as a warning.
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("warning: events: 4 rows are not persons"),
            "{stderr}"
        );
        let m: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let sheets = m["inputs"][0]["sheets"].as_array().unwrap();
        assert_eq!(sheets.len(), 1, "{sheets:?}");
        let s = &sheets[0];
        assert_eq!(
            (
                &s["rows_read"],
                &s["accepted"],
                &s["rejected"],
                &s["duplicates"],
                &s["skipped_rows"]
            ),
            (
                &serde_json::json!(7),
                &serde_json::json!(2),
                &serde_json::json!(1),
                &serde_json::json!(0),
                &serde_json::json!(4)
            ),
            "{s}"
        );
        assert_eq!(
            s["skipped_reasons"],
            serde_json::json!({ EXAMPLE: 1, TOTAL: 2, PLACEHOLDER: 1 })
        );
        assert_eq!(m["counts"]["events_accepted"], 2);
        assert_eq!(m["counts"]["rejects"], 1);
        // rejects.csv: the header and the one bad ID.
        let rejects = fs::read_to_string(out.join("rejects.csv")).unwrap();
        let lines: Vec<&str> = rejects
            .trim_start_matches('\u{feff}')
            .lines()
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 2, "{rejects}");
        assert!(lines[1].contains(BAD), "{rejects}");
        assert!(lines[1].contains("BAD_ID"), "{rejects}");
    }
}

#[test]
fn nothing_new_is_said_when_nothing_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("clean.csv");
    fs::write(
        &path,
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,缴费基数\n{P1},何例,E1,入职,2025-03-10,10000\n{P2},王五,E1,入职,2025-04-01,-\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = medrecon()
        .arg("run")
        .arg(&path)
        .args(["--as-of", "2025-08-15", "--no-mask", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("not persons"), "{stderr}");
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let s = &m["inputs"][0]["sheets"][0];
    assert_eq!(s["skipped_rows"], 0, "{s}");
    assert!(s.get("skipped_reasons").is_none(), "{s}");
    let text = medrecon()
        .args(["validate"])
        .arg(&path)
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8_lossy(&text);
    assert!(!text.contains("skipped"), "{text}");
}

#[test]
fn short_subtotal_rows_of_a_csv_are_skipped_not_bad_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("short.csv");
    fs::write(
        &path,
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,缴费基数\n{P1},李四,E1,入职,2025-03-10,10000\n小计\n,总计,\n--,--\n"
        ),
    )
    .unwrap();
    let out = medrecon()
        .args(["validate", "--no-mask", "--lang", "en"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "read 4, accepted 1, rejected 0, duplicates 0, skipped 3 ({PLACEHOLDER}: 1, {TOTAL}: 2)"
        )),
        "{text}"
    );
    assert!(!text.contains("BAD_ROW"), "{text}");
}
