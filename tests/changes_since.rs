//! `--since` (issue 18 item 5): the samples evaluated as of 2026-10-31 and
//! as of 2026-11-22 in one run. The samples' November export of 华信
//! (`2026年11月社保增减员表_华信科技.csv`) and its payments
//! (`ledger/实缴明细_华信_2026年11月.csv`) hold eight persons, one story
//! each; every other sample person is the same on both dates. Figures by
//! hand (Beijing, wage 10000, 2025-07 base year: round(10000 × 11.8%) + 3 =
//! 1183.00 a month; from 2026-07 no money values, so unpriced; late fee
//! 0.05% a day from the month's last day):
//!
//! - 高洋: left 2026-05-15 (stop month 2026-06), back 2026-11-03 (filed
//!   11-05): on 10-31 an open gap 2026-06..10 of 5 months, lapsed; now a
//!   long gap closed, covered again from 2026-11.
//! - 孙建华: left 2026-07-15: open gap from 2026-08, 3 months on 10-31
//!   (within the limit), 4 months in November: newly lapsed.
//! - 胡秀兰: 2026-04 paid 1183.00 on 2026-11-12: owed on 10-31, settled now;
//!   late fee 1183 × 0.0005 × 196 days (04-30..11-12) = 115.934 → 115.93.
//! - 吴思远: left 2026-10-09, the stop filed 2026-11-10 (deadline 10-09 + 15
//!   = 10-24): unknown on 10-31 (filed later), so covered then; now an open
//!   gap from 2026-11 and a late stop.
//! - 周子涵: left 2026-10-20, filed 2026-11-03 (deadline 11-04, on time):
//!   only the new open gap.
//! - 郑雨欣: left 2026-08-20, back 2026-11-02: the open gap 2026-09..10 of
//!   10-31 is a short gap now, its catch-up unpriced (2026 second half).
//! - 朱明: 600.00 paid for 2026-05 on 2026-11-05: short 1183.00 → 583.00;
//!   fee (1183 × 158 days + 583 × 17 days) × 0.0005 = 98.4125 → 98.41.
//! - 马晓东: hired 2026-05-06 but registered 2026-11-06, nothing paid: not
//!   known on 10-31; now 2026-05 and 2026-06 owed, 1183.00 each, fees
//!   1183 × 0.0005 × 175 = 103.5125 → 103.51 and × 145 = 85.7675 → 85.77.

use assert_cmd::Command;
use calamine::{Data, Reader, open_workbook_auto};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const E: &str = "91110105MA01R8XK3U";

fn expected() -> String {
    let rows = [
        format!(
            "110105198005301435,高洋,GAP_CLOSED,2026-11,{E},lapsed,long,,,gap 2026-06..2026-10 of 5 months closed: covered again from 2026-11; too long to back-pay,"
        ),
        format!(
            "110105198509201390,孙建华,NEWLY_LAPSED,2026-08,{E},open_gap,lapsed,,,open gap from 2026-08 is 4 months: past the back-pay limit,"
        ),
        format!(
            "110105198708081416,胡秀兰,SETTLED_ARREARS,2026-04,{E},owed,settled,1183.00,0.00,due 1183.00; paid 1183.00; short 0.00; late fee 115.93 (then paid 0.00),"
        ),
        format!(
            "110105198803021374,吴思远,NEW_OPEN_GAP,2026-11,{E},covered,open_gap,,,open gap from 2026-11 (1 month); resume by 2027-02-28 to back-pay it,"
        ),
        format!(
            "110105198803021374,吴思远,NEW_LATE_STOP,2026-11,{E},none,late,,,separated 2026-10-09; stop filed 2026-11-10 after the deadline 2026-10-24,"
        ),
        format!(
            "110105199001151366,周子涵,NEW_OPEN_GAP,2026-11,{E},covered,open_gap,,,open gap from 2026-11 (1 month); resume by 2027-02-28 to back-pay it,"
        ),
        format!(
            "110105199206111384,郑雨欣,GAP_CLOSED,2026-11,{E},open_gap,short,,,gap 2026-09..2026-10 of 2 months closed: covered again from 2026-11; catch-up unpriced (UNPRICED in flags.csv),"
        ),
        format!(
            "110105199301121425,朱明,ARREARS_CHANGED,2026-05,{E},owed,owed,1183.00,583.00,due 1183.00; paid 600.00; short 583.00; late fee 98.41 (then paid 0.00),"
        ),
        format!(
            "110105199504271407,马晓东,NEW_ARREARS,2026-05,{E},none,owed,,1183.00,due 1183.00; paid 0.00; short 1183.00; late fee 103.51,"
        ),
        format!(
            "110105199504271407,马晓东,NEW_ARREARS,2026-06,{E},none,owed,,1183.00,due 1183.00; paid 0.00; short 1183.00; late fee 85.77,"
        ),
    ];
    let mut text = String::from(
        "person_id,name,change,month,employer_id,before,after,amount_before,amount_after,detail,employer_name\n",
    );
    for r in rows {
        text.push_str(&r);
        text.push('\n');
    }
    text
}

fn run(out: &Path, extra: &[&str]) -> std::process::Output {
    let s = root().join("samples");
    Command::cargo_bin("medrecon")
        .unwrap()
        .arg("run")
        .arg(&s)
        .args(["--as-of", "2026-11-22", "--quiet", "--csv-bom", "false"])
        .arg("--ledger")
        .arg(s.join("ledger"))
        .arg("--ui")
        .arg(s.join("ui"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn the_samples_changes_from_october_to_november_are_the_hand_computed_list() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, format) in [("stream", "csv"), ("all", "csv,xlsx")] {
        let out = dir.path().join(sub);
        let o = run(
            &out,
            &["--since", "2026-10-31", "--no-mask", "--format", format],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let got = fs::read_to_string(out.join("changes.csv")).unwrap();
        assert_eq!(got, expected(), "--format {format}");
        // The manifest lists the file with the others.
        let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(manifest.contains("\"changes.csv\""), "{manifest}");
    }
    // The rest of the reports is the run without --since.
    let plain = dir.path().join("plain");
    assert!(
        run(&plain, &["--no-mask", "--format", "csv"])
            .status
            .success()
    );
    for t in ["persons", "gaps", "stops", "arrears", "flags", "employers"] {
        let a = fs::read(plain.join(format!("{t}.csv"))).unwrap();
        let b = fs::read(dir.path().join("stream").join(format!("{t}.csv"))).unwrap();
        assert_eq!(a, b, "{t}.csv");
    }
    assert!(!plain.join("changes.csv").exists());
}

#[test]
fn the_changes_sheet_is_chinese_masked_and_second_in_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&out, &["--since", "2026-10-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut wb = open_workbook_auto(out.join("report.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[1], "变化", "{names:?}");
    let range = wb.worksheet_range("变化").unwrap();
    let cell = |r: usize, c: usize| match range.get((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f:.2}"),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    };
    assert_eq!(
        (0..11).map(|c| cell(0, c)).collect::<Vec<_>>(),
        [
            "身份证号",
            "姓名",
            "变化",
            "月份",
            "单位编号",
            "变化前",
            "变化后",
            "变化前金额",
            "变化后金额",
            "说明",
            "单位名称"
        ]
    );
    assert_eq!(range.height(), 11);
    // 高洋, masked as every report masks.
    assert_eq!(cell(1, 0), "110105********1435");
    assert_eq!(cell(1, 1), "高*");
    assert_eq!(cell(1, 2), "断缴已接续 GAP_CLOSED");
    assert_eq!(
        (cell(1, 5), cell(1, 6)),
        ("断缴超限".into(), "长期断缴".into())
    );
    // 胡秀兰's settled month, money as numbers.
    assert_eq!(cell(3, 2), "欠缴已补足 SETTLED_ARREARS");
    assert_eq!((cell(3, 5), cell(3, 6)), ("欠缴".into(), "已补足".into()));
    assert_eq!((cell(3, 7), cell(3, 8)), ("1183.00".into(), "0.00".into()));
    // 吴思远's late stop was not known on 10-31.
    assert_eq!(cell(5, 2), "新增逾期减员 NEW_LATE_STOP");
    assert_eq!((cell(5, 5), cell(5, 6)), ("无".into(), "逾期".into()));
    // The CSV keeps the codes, masked.
    let csv = fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(csv.contains("110105********1435,高*,GAP_CLOSED,"), "{csv}");
    assert!(!csv.contains("110105198005301435"));
}

#[test]
fn since_must_be_before_as_of_and_a_plain_run_removes_an_old_changes_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&out, &["--since", "2026-11-22", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--since 2026-11-22 is not before --as-of 2026-11-22"),
        "{err}"
    );
    assert!(
        run(&out, &["--since", "2026-10-31", "--format", "csv"])
            .status
            .success()
    );
    assert!(out.join("changes.csv").exists());
    // A later run without --since: the folder matches its manifest.
    assert!(run(&out, &["--format", "csv"]).status.success());
    assert!(!out.join("changes.csv").exists());
}
