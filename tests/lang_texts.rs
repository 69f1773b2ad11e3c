//! Issue 18 items 1 and 7: what a person reads follows `--lang` (Chinese by
//! default, English with `--lang en`) — the workbook's flag details and reject
//! messages, the summary `run` prints, `validate`'s report and `explain` —
//! while the CSV reports stay the same under both languages. The values are
//! hand-checked on the samples and on a small export of SPEC §5's pack.

use assert_cmd::Command;
use calamine::{Reader, open_workbook_auto};
use std::fs;
use std::path::{Path, PathBuf};

fn medrecon() -> Command {
    let mut c = Command::cargo_bin("medrecon").expect("binary builds");
    c.current_dir(root());
    c
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `run samples` as of 2025-11-22 (masked, the default) in `lang`.
fn run_samples(out: &Path, lang: &str) {
    medrecon()
        .args([
            "run",
            "samples",
            "--ledger",
            "samples/ledger",
            "--ui",
            "samples/ui",
            "--as-of",
            "2025-11-22",
            "--quiet",
            "--lang",
            lang,
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

/// Every row of a workbook sheet, each cell as text.
fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The detail (column 5) of the flag `flag` of `person` (column 0, masked).
fn detail<'a>(rows: &'a [Vec<String>], person: &str, flag_suffix: &str) -> &'a str {
    let row = rows
        .iter()
        .find(|r| r[0] == person && r[1].ends_with(flag_suffix))
        .unwrap_or_else(|| panic!("no {flag_suffix} of {person}"));
    &row[5]
}

/// The message (column 6) of the reject at `row` of the file whose name
/// contains `file`.
fn message<'a>(rows: &'a [Vec<String>], file: &str, row: u32) -> &'a str {
    let r = rows
        .iter()
        .find(|r| r[0].contains(file) && r[2] == row.to_string())
        .unwrap_or_else(|| panic!("no reject at {file}:{row}"));
    &r[6]
}

/// The samples' workbook: flag details and reject messages in Chinese under
/// `--lang zh`, in English (the CSV's texts) under `--lang en`; the CSV
/// reports byte-identical under both.
#[test]
fn sample_workbook_details_and_reject_messages_follow_the_language() {
    let zh = tempfile::tempdir().unwrap();
    let en = tempfile::tempdir().unwrap();
    run_samples(zh.path(), "zh");
    run_samples(en.path(), "en");
    for name in [
        "persons.csv",
        "gaps.csv",
        "stops.csv",
        "arrears.csv",
        "employers.csv",
        "rejects.csv",
        "overpaid.csv",
        "flags.csv",
    ] {
        assert_eq!(
            fs::read(zh.path().join(name)).unwrap(),
            fs::read(en.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let flags_zh = sheet_rows(&zh.path().join("report.xlsx"), "标记");
    let flags_en = sheet_rows(&en.path().join("report.xlsx"), "Flags");
    // 李 (310104…1011): uncovered 2025-06..2025-09, 4 months > 3 (the
    // national default): no back-pay; covered again from 2025-10, benefits
    // after the 6-month wait, 2026-04-01.
    let p = "310104********1011";
    assert_eq!(
        detail(&flags_zh, p, "GAP_OVER_3M"),
        "断缴2025-06至2025-09共4个月，超过3个月：不可补缴，连续参保自2025-10起重新计算，2026-04-01起恢复待遇"
    );
    assert_eq!(
        detail(&flags_en, p, "GAP_OVER_3M"),
        "gap 2025-06..2025-09 of 4 months > 3 : no back-pay, continuity resets at 2025-10, benefits resume 2026-04-01"
    );
    // 陈 (110108…7004): last paid 2025-07, stop due 15 days after 2025-07-31,
    // filed 2025-08-20.
    let p = "110108********7004";
    assert_eq!(
        detail(&flags_zh, p, "LATE_STOP"),
        "减员申报晚于截止日2025-08-15（最后缴费月末日2025-07-31后15天）"
    );
    assert_eq!(
        detail(&flags_en, p, "LATE_STOP"),
        "stop filed after the deadline 2025-08-15 (last day of the last month paid 2025-07-31 + 15 days)"
    );
    assert_eq!(
        detail(&flags_zh, p, "GAP_OVER_3M"),
        "当前断缴2025-08至2025-11共4个月，超过3个月：已断缴超限"
    );
    // Every flag row has its Chinese detail under zh (no English sentence
    // left), and the rows are the same rows in both.
    assert_eq!(flags_zh.len(), flags_en.len());
    for (z, e) in flags_zh.iter().zip(&flags_en).skip(1) {
        assert_eq!(z[0], e[0]);
        assert!(
            z[5].chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) && z[5] != e[5],
            "{z:?} / {e:?}"
        );
    }
    // The flags CSV keeps the English detail.
    let csv = fs::read_to_string(zh.path().join("flags.csv")).unwrap();
    assert!(csv.contains(
        "310104********1011,GAP_OVER_3M,91110105MA01R8XK3U,2025-06,,\"gap 2025-06..2025-09 of 4 months > 3 : no back-pay, continuity resets at 2025-10, benefits resume 2026-04-01\","
    ));

    let rejects_zh = sheet_rows(&zh.path().join("report.xlsx"), "拒收");
    let rejects_en = sheet_rows(&en.path().join("report.xlsx"), "Rejects");
    let huaxin = "华信科技.csv";
    // Row 21: 110105…1201, whose GB 11643 check character is 4, not 1.
    assert_eq!(
        message(&rejects_zh, huaxin, 21),
        "校验码为1，按GB 11643计算应为4"
    );
    assert_eq!(
        message(&rejects_en, huaxin, 21),
        "check character is 1, the GB 11643 checksum gives 4"
    );
    assert_eq!(message(&rejects_zh, huaxin, 22), "2025-02-30这一天不存在");
    assert_eq!(
        message(&rejects_en, huaxin, 22),
        "2025-02-30 does not exist"
    );
    assert_eq!(
        message(&rejects_zh, "京华劳务.csv", 12),
        "`202513`不是月份：请写作202504、2025-04或2025年4月（首个缴费月）"
    );
    assert_eq!(
        message(&rejects_zh, "蓉城人力.xls", 8),
        "证件号单元格是数字而非文本：证件号以数字形式进入文件（科学计数法或带小数点）：末几位已丢失；请将该列以文本格式重新导出"
    );
    // The code column: the code's text with the code after it.
    let code = |rows: &[Vec<String>]| {
        rows.iter()
            .find(|r| r[2] == "21")
            .map(|r| r[5].clone())
            .unwrap()
    };
    assert_eq!(code(&rejects_zh), "身份证校验码错误 ID_CHECKSUM");
    assert_eq!(code(&rejects_en), "ID check digit wrong ID_CHECKSUM");
}

// Valid IDs (GB 11643 check characters by hand, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2).
const P1: &str = "11010519491231002X"; // the standard's own example
const P2: &str = "110105199003070017";

/// Two persons under the SPEC §5 pack (national defaults: a gap may be
/// back-paid up to 3 months, 6 months' wait after a longer one):
/// - P1 at E1 2024-03-10..2025-03-20, at E2 from 2025-06-05: gap 2025-04..05,
///   2 months at base 10000 × 0.118 + 3 = 1183.00 → catch-up 2366.00.
/// - P2 at E1 2024-01-05..2024-03-20, at E2 from 2024-09-01: gap
///   2024-04..2024-08, 5 months > 3: GAP_OVER_3M, benefits from 2024-09 + 6
///   months = 2025-03-01.
/// - a row whose ID has 17 characters: BAD_ID.
fn small_export(dir: &Path) -> PathBuf {
    let path = dir.join("events.csv");
    let rows = [
        format!("{P1},张三,E1,入职,2024-03-10,北京,10000,,"),
        format!("{P1},张三,E1,离职,2025-03-20,北京,10000,,"),
        format!("{P1},张三,E2,入职,2025-06-05,北京,10000,,"),
        format!("{P2},李四,E1,入职,2024-01-05,北京,8000,,"),
        format!("{P2},李四,E1,离职,2024-03-20,北京,8000,,"),
        format!("{P2},李四,E2,入职,2024-09-01,北京,8000,,"),
        "11010519491231002,王五,E1,入职,2024-03-10,北京,10000,,".to_string(),
    ];
    let text = format!(
        "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数,离职原因,减员日期\n{}\n",
        rows.join("\n")
    );
    fs::write(&path, text).unwrap();
    path
}

fn spec_pack() -> PathBuf {
    root().join("tests/fixtures/policies/spec_beijing.toml")
}

/// `run` on the small export as of 2025-08-15 in `lang` (None: the default);
/// returns what it printed on stderr.
fn run_small(input: &Path, out: &Path, lang: Option<&str>) -> String {
    let mut c = medrecon();
    c.arg("run")
        .arg(input)
        .args(["--as-of", "2025-08-15", "--no-mask", "--policy"])
        .arg(spec_pack())
        .arg("--out")
        .arg(out);
    if let Some(l) = lang {
        c.args(["--lang", l]);
    }
    let assert = c.assert().success();
    String::from_utf8_lossy(&assert.get_output().stderr).to_string()
}

/// The summary printed at the end of `run`, in each language, and a BAD_ID
/// reject and a GAP_OVER_3M detail in the workbook.
#[test]
fn run_summary_and_workbook_texts_in_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let input = small_export(tmp.path());
    let (zh, en) = (tmp.path().join("zh"), tmp.path().join("en"));
    let printed_zh = run_small(&input, &zh, None);
    let printed_en = run_small(&input, &en, Some("en"));
    for line in [
        "人数：2（参保中2，断缴中0，断缴超限0，退休0）\n".to_string(),
        "断缴：2段（长期1段），停保：2次（逾期0次），拒收行：1\n".to_string(),
        "有标记的人员：断缴超3个月 GAP_OVER_3M 1人\n".to_string(),
        "补缴额2366.00，欠缴0.00，滞纳金0.00，多缴0.00\n".to_string(),
        format!("报表目录：{}\n", zh.display()),
    ] {
        assert!(printed_zh.contains(&line), "{line} in:\n{printed_zh}");
    }
    for line in [
        "persons: 2 (covered 2, open gap 0, lapsed 0, retired 0)\n".to_string(),
        "gaps: 2 (1 long), stops: 2 (0 late), rejected rows: 1\n".to_string(),
        "persons flagged: GAP_OVER_3M 1\n".to_string(),
        "catch-up 2366.00, arrears 0.00, late fees 0.00, overpaid 0.00\n".to_string(),
        format!("reports in {}\n", en.display()),
    ] {
        assert!(printed_en.contains(&line), "{line} in:\n{printed_en}");
    }
    assert!(!printed_zh.contains("persons:") && !printed_en.contains("人数"));

    let flags = sheet_rows(&zh.join("report.xlsx"), "标记");
    assert_eq!(
        detail(&flags, P2, "GAP_OVER_3M"),
        "断缴2024-04至2024-08共5个月，超过3个月：不可补缴，连续参保自2024-09起重新计算，2025-03-01起恢复待遇"
    );
    let flags = sheet_rows(&en.join("report.xlsx"), "Flags");
    assert_eq!(
        detail(&flags, P2, "GAP_OVER_3M"),
        "gap 2024-04..2024-08 of 5 months > 3 : no back-pay, continuity resets at 2024-09, benefits resume 2025-03-01"
    );
    let rejects = sheet_rows(&zh.join("report.xlsx"), "拒收");
    assert_eq!(rejects[1][5], "证件号无效 BAD_ID");
    assert_eq!(rejects[1][6], "身份证号应为18位（旧号15位），此处为17位");
    let rejects = sheet_rows(&en.join("report.xlsx"), "Rejects");
    assert_eq!(rejects[1][5], "bad ID BAD_ID");
    assert_eq!(
        rejects[1][6],
        "an ID has 18 characters (or 15 for an old one), this has 17"
    );
    // rejects.csv: the English message whatever the language.
    for dir in [&zh, &en] {
        let csv = fs::read_to_string(dir.join("rejects.csv")).unwrap();
        assert!(
            csv.ends_with(
                "events.csv,,8,身份证号,11010519491231002,BAD_ID,\"an ID has 18 characters (or 15 for an old one), this has 17\"\n"
            ),
            "{csv}"
        );
    }
}

/// `explain` in Chinese by default and in English with `--lang en`, each
/// citing the rules page of its language; the same figures in both.
#[test]
fn explain_follows_the_language() {
    let tmp = tempfile::tempdir().unwrap();
    let input = small_export(tmp.path());
    let explain = |lang: Option<&str>, person: &str| {
        let mut c = medrecon();
        c.args(["explain", person])
            .arg(&input)
            .args(["--as-of", "2025-08-15", "--policy"])
            .arg(spec_pack());
        if let Some(l) = lang {
            c.args(["--lang", l]);
        }
        String::from_utf8_lossy(&c.assert().success().get_output().stdout).to_string()
    };
    let zh = explain(None, P1);
    let en = explain(Some("en"), P1);
    // April 2025, the first month of P1's short gap: the 2024-07 money
    // version, base 10000 × 0.118 = 1180.00 + 3 = 1183.00.
    assert!(
        zh.contains("  2025-04 断缴（短期断缴 2025-04至2025-05）：基数10000 × 0.118 = 1180.00 + 3 = 1183.00 [beijing自2024-07起的金额]\n"),
        "{zh}"
    );
    assert!(
        en.contains("  2025-04 gap (short 2025-04..2025-05): base 10000 × 0.118 = 1180.00 + 3 = 1183.00 [beijing money from 2024-07]\n"),
        "{en}"
    );
    assert!(zh.contains("参保状态：参保中"), "{zh}");
    assert!(en.contains("— status covered"), "{en}");
    assert!(zh.contains("断缴（docs/zh/rules.md 规则 4–7）：\n"), "{zh}");
    assert!(en.contains("gaps (docs/en/rules.md rules 4–7):\n"), "{en}");
    assert!(!zh.contains("docs/en/") && !en.contains("docs/zh/"));
    // P2's flag: its detail and its rule, in each language.
    let zh = explain(None, P2);
    let en = explain(Some("en"), P2);
    assert!(
        zh.contains("GAP_OVER_3M E1 2024-04：断缴2024-04至2024-08共5个月，超过3个月：不可补缴，连续参保自2024-09起重新计算，2025-03-01起恢复待遇\n      规则：docs/zh/rules.md 规则 6/7："),
        "{zh}"
    );
    assert!(
        en.contains("GAP_OVER_3M E1 2024-04: gap 2024-04..2024-08 of 5 months > 3 : no back-pay, continuity resets at 2024-09, benefits resume 2025-03-01\n      rule: docs/en/rules.md rules 6/7:"),
        "{en}"
    );
    // No English sentence is left in the Chinese text: its words are the
    // codes, file names and units the English shares.
    for english in [
        "covered by",
        "spell",
        "catch-up",
        "months:",
        "flags:",
        "rule:",
    ] {
        assert!(!zh.contains(english), "{english} in {zh}");
    }
}

/// The run's warnings (here the policy values below `official` that priced a
/// figure: beijing's four secondary values in the samples) are in the
/// workbook's language on its summary sheet, and English in manifest.json
/// (its interface) whatever `--lang` says.
#[test]
fn run_warnings_follow_the_language_and_the_manifest_stays_english() {
    let beijing_en = "policy beijing: figures priced with 4 secondary value(s), not from the notice itself: employee_rate 0.02 (2024-12, 2025-02);";
    let beijing_zh = "政策beijing：有4项计价取值的来源等级为 secondary，并非来自政策文件原文：employee_rate 0.02 (2024-12, 2025-02);";
    for (lang, label, want) in [("zh", "警告", beijing_zh), ("en", "Warning", beijing_en)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        run_samples(&out, lang);
        let sheet = if lang == "zh" { "汇总" } else { "Summary" };
        let warnings: Vec<String> = sheet_rows(&out.join("report.xlsx"), sheet)
            .into_iter()
            .filter(|r| r[0] == label)
            .map(|r| r[1].clone())
            .collect();
        assert!(
            warnings.iter().any(|w| w.starts_with(want)),
            "{lang}: {warnings:?}"
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let listed: Vec<&str> = manifest["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w.as_str())
            .collect();
        assert!(
            listed.iter().any(|w| w.starts_with(beijing_en)),
            "{lang}: {listed:?}"
        );
        assert!(!listed.iter().any(|w| w.contains("政策")), "{listed:?}");
    }
}
