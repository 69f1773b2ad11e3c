//! Real ledgers end to end (`medrecon run --ledger`): every insurance in one
//! file, each payment's own date, back-pay and refund rows, billed late fees,
//! range rows and wide two-level ledgers — each figure computed by hand.
//!
//! All cases use the SPEC §5 test pack (Beijing-like: employer 9.8% + employee
//! 2% + 3 元 大额医疗互助, late fee 0.0005 a day) and one person hired
//! 2025-04-01 at wage 10000: due = 10000 × 0.118 + 3 = 1183.00 a month.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

const P1: &str = "11010519491231002X";

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_csv(dir: &Path, name: &str) -> String {
    let text = fs::read_to_string(dir.join(name)).expect("report written");
    text.trim_start_matches('\u{feff}').to_string()
}

/// `arrears.csv` rows of P1 without the ID, as cells.
/// P1's arrears rows, the columns after person_id up to late_fee_billed
/// (the payment figures these tests check; employer_name follows them).
fn arrears(out: &Path) -> Vec<Vec<String>> {
    let text = read_csv(out, "arrears.csv");
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let end = header.iter().position(|h| *h == "late_fee_billed").unwrap() + 1;
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|c| c[0] == P1)
        .map(|c| c[1..end].to_vec())
        .collect()
}

/// An events folder: P1 hired at E1 on 2025-04-01, Beijing, wage 10000.
fn events(tmp: &Path) -> PathBuf {
    let dir = tmp.join("in");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("events.csv"),
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数\n{P1},张三,E1,入职,2025-04-01,北京市,10000\n"
        ),
    )
    .unwrap();
    dir
}

/// Runs with the ledger file(s) given; returns the output folder.
fn run(tmp: &Path, tag: &str, as_of: &str, ledgers: &[&Path]) -> PathBuf {
    let out = tmp.join(format!("out-{tag}"));
    let mut cmd = medrecon();
    cmd.arg("run")
        .arg(events(tmp))
        .args(["--as-of", as_of, "--out"])
        .arg(&out)
        .args(["--quiet", "--no-mask", "--policy"])
        .arg(root().join("tests/fixtures/policies/spec_beijing.toml"));
    for l in ledgers {
        cmd.arg("--ledger").arg(l);
    }
    cmd.assert().success();
    out
}

fn write(tmp: &Path, name: &str, text: &str) -> PathBuf {
    let p = tmp.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn manifest_count(out: &Path, key: &str) -> u64 {
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    m["counts"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("no counts.{key} in {m}"))
}

/// The case: of May's 1183.00, 500.00 paid on time (2025-05-20) and
/// 683.00 paid 20 days after the due date 2025-05-31 (2025-06-20). Only the
/// late part costs a fee: 683.00 × 0.0005 × 20 = 6.83 (charging the whole
/// 1183.00 for 20 days, as summing the rows under the latest date did, gives
/// 11.83). Days is the late payment's 20.
#[test]
fn each_payment_keeps_its_own_date() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n\
             {P1},E1,202505,500.00,2025-05-20\n\
             {P1},E1,202505,683.00,2025-06-20\n\
             {P1},E1,202506,1183.00,2025-06-20\n\
             {P1},E1,202507,1183.00,2025-07-20\n"
        ),
    );
    let out = run(tmp.path(), "split", "2025-08-15", &[&ledger]);
    assert_eq!(
        arrears(&out),
        [[
            "E1", "2025-05", "1183.00", "1183.00", "0.00", "20", "6.83", "", "normal", ""
        ]]
    );
    // The two May rows are two entries (one per paid date), not one merged.
    assert_eq!(manifest_count(&out, "ledger_entries"), 5);
}

/// A 补缴 row pays May three months late: nothing paid normally, 1183.00 back-paid
/// on 2025-08-30, 91 days after 2025-05-31: 1183.00 × 0.0005 × 91 = 53.8265 →
/// 53.83, the row says `back_pay`. A 退收 row of 200.00 (written positive) on
/// June's on-time 1183.00, dated 2025-07-10: 200.00 is owed again from then to
/// the as-of date 2025-09-15, 67 days: 200 × 0.0005 × 67 = 6.70; June's shortfall
/// is 200.00, its days 67 (owed again since the refund, not since the due date).
#[test]
fn back_pay_and_refund_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期,缴费类型,实缴金额,缴费日期\n\
             {P1},E1,202504,正常应缴,1183.00,2025-04-20\n\
             {P1},E1,202505,补缴,1183.00,2025-08-30\n\
             {P1},E1,202506,正常应缴,1183.00,2025-06-20\n\
             {P1},E1,202506,退收,200.00,2025-07-10\n\
             {P1},E1,202507,10,1183.00,2025-07-20\n\
             {P1},E1,202508,,1183.00,2025-08-20\n"
        ),
    );
    let out = run(tmp.path(), "kinds", "2025-09-15", &[&ledger]);
    assert_eq!(
        arrears(&out),
        [
            [
                "E1", "2025-05", "1183.00", "1183.00", "0.00", "91", "53.83", "", "back_pay", ""
            ],
            [
                "E1",
                "2025-06",
                "1183.00",
                "983.00",
                "200.00",
                "67",
                "6.70",
                "",
                "normal+refund",
                ""
            ]
        ]
    );
    assert_eq!(manifest_count(&out, "refund_rows"), 1);
}

/// The same payments as a medical-only ledger and as a long ledger holding
/// every insurance: identical `arrears.csv`. In the long one May has only a
/// pension line (no medical payment: May is owed in full, not "paid 2400.00"),
/// and the pension and unemployment lines are counted as OTHER_INSURANCE.
/// June is paid late on 2025-07-10 (10 days): 1183.00 × 0.0005 × 10 = 5.915 → 5.92.
/// May: 1183.00 owed from 2025-05-31 to 2025-08-15, 76 days: 44.954 → 44.95.
#[test]
fn long_multi_insurance_ledger_equals_medical_only() {
    let tmp = tempfile::tempdir().unwrap();
    let medical = write(
        tmp.path(),
        "medical.csv",
        &format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n\
             {P1},E1,202506,1183.00,2025-07-10\n\
             {P1},E1,202507,1183.00,2025-07-20\n"
        ),
    );
    let mut long = String::from("身份证号,单位编号,费款所属期,险种,单位缴纳,个人缴纳,缴费日期\n");
    for (month, date, medical) in [
        ("202504", "2025-04-20", true),
        ("202505", "2025-05-20", false),
        ("202506", "2025-07-10", true),
        ("202507", "2025-07-20", true),
    ] {
        long.push_str(&format!(
            "{P1},E1,{month},基本养老保险,1600.00,800.00,{date}\n"
        ));
        long.push_str(&format!("{P1},E1,{month},失业保险,50.00,50.00,{date}\n"));
        if medical {
            long.push_str(&format!(
                "{P1},E1,{month},基本医疗保险（含生育）,980.00,200.00,{date}\n\
                 {P1},E1,{month},大额医疗互助,,3.00,{date}\n"
            ));
        }
    }
    let long = write(tmp.path(), "long.csv", &long);
    let a = run(tmp.path(), "medical", "2025-08-15", &[&medical]);
    let b = run(tmp.path(), "long", "2025-08-15", &[&long]);
    assert_eq!(read_csv(&a, "arrears.csv"), read_csv(&b, "arrears.csv"));
    assert_eq!(
        arrears(&a),
        [
            [
                "E1", "2025-05", "1183.00", "0.00", "1183.00", "76", "44.95", "", "", ""
            ],
            [
                "E1", "2025-06", "1183.00", "1183.00", "0.00", "10", "5.92", "", "normal", ""
            ]
        ]
    );
    assert_eq!(manifest_count(&a, "ledger_other_insurance"), 0);
    assert_eq!(manifest_count(&b, "ledger_other_insurance"), 8);
    // Per sheet too, and the sheet balances with them.
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(b.join("manifest.json")).unwrap()).unwrap();
    let sheet = &m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("long.csv"))
        .unwrap()["sheets"][0];
    assert_eq!(sheet["rows_read"], 14);
    assert_eq!(sheet["accepted"], 6);
    assert_eq!(sheet["other_insurance"], 8);
}

/// An unknown insurance name and an unknown payment kind are rejects naming
/// the value; a numeric insurance code is refused without a declared list.
#[test]
fn unknown_insurance_and_payment_kind_are_rejects() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期,险种,缴费类型,实缴金额,缴费日期\n\
             {P1},E1,202504,意外伤害保险,正常应缴,1183.00,2025-04-20\n\
             {P1},E1,202505,310,正常应缴,1183.00,2025-05-20\n\
             {P1},E1,202506,基本医疗保险,预缴,1183.00,2025-06-20\n\
             {P1},E1,202507,医疗保险,正常应缴,1183.00,2025-07-20\n"
        ),
    );
    let out = run(tmp.path(), "unknown", "2025-08-15", &[&ledger]);
    let rejects = read_csv(&out, "rejects.csv");
    let lines: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{rejects}");
    assert!(
        lines[0].contains(
            ",2,险种,意外伤害保险,UNKNOWN_INSURANCE,unknown insurance (险种) `意外伤害保险`"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(",3,险种,310,UNKNOWN_INSURANCE,")
            && lines[1].contains("code list declared in schemas/insurance.toml"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(
            ",4,缴费类型,预缴,UNKNOWN_PAYMENT_KIND,\"unknown payment kind (缴费类型) `预缴`"
        ),
        "{}",
        lines[2]
    );
}

/// The medical-only payments of `long_multi_insurance_ledger_equals_medical_only`
/// as range rows: June and July in one row of 2366.00 paid 2025-07-10 (July
/// is then paid on time too), once with 费款所属期起/止 and 月数, once with the
/// range in one cell. Same `arrears.csv`.
#[test]
fn range_rows_equal_month_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let medical = write(
        tmp.path(),
        "medical.csv",
        &format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n\
             {P1},E1,202506,1183.00,2025-07-10\n\
             {P1},E1,202507,1183.00,2025-07-20\n"
        ),
    );
    let columns = write(
        tmp.path(),
        "range.csv",
        &format!(
            "身份证号,单位编号,费款所属期起,费款所属期止,月数,实缴金额,缴费日期\n\
             {P1},E1,202504,202504,1,1183.00,2025-04-20\n\
             {P1},E1,202506,202507,2,2366.00,2025-07-10\n"
        ),
    );
    let cell = write(
        tmp.path(),
        "cell.csv",
        &format!(
            "身份证号,单位编号,费款所属期起止,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n\
             {P1},E1,2025-06 ~ 2025-07,2366.00,2025-07-10\n"
        ),
    );
    let a = run(tmp.path(), "medical", "2025-08-15", &[&medical]);
    let b = run(tmp.path(), "range", "2025-08-15", &[&columns]);
    let c = run(tmp.path(), "cell", "2025-08-15", &[&cell]);
    assert_eq!(read_csv(&a, "arrears.csv"), read_csv(&b, "arrears.csv"));
    assert_eq!(read_csv(&a, "arrears.csv"), read_csv(&c, "arrears.csv"));
    assert_eq!(arrears(&b).len(), 2);
}

/// 1000.00 over three months is 333.33 + 333.33 + 333.34 (the last month takes
/// the remainder): with a due of 1183.00, each month's shortfall shows it.
#[test]
fn a_range_amount_is_spread_to_the_fen() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期起止,实缴金额,缴费日期\n\
             {P1},E1,202504-202506,1000.00,2025-04-20\n"
        ),
    );
    let out = run(tmp.path(), "spread", "2025-07-15", &[&ledger]);
    let paid: Vec<(String, String)> = arrears(&out)
        .into_iter()
        .map(|r| (r[1].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        paid,
        [
            ("2025-04".to_string(), "333.33".to_string()),
            ("2025-05".to_string(), "333.33".to_string()),
            ("2025-06".to_string(), "333.34".to_string()),
        ]
    );
}

/// A 月数 that disagrees with the range is a reject naming both.
#[test]
fn a_month_count_that_disagrees_is_a_reject() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期起,费款所属期止,月数,实缴金额,缴费日期\n\
             {P1},E1,202504,202505,2,2366.00,2025-04-20\n\
             {P1},E1,202506,202507,3,2366.00,2025-07-10\n"
        ),
    );
    let out = run(tmp.path(), "months", "2025-08-15", &[&ledger]);
    let rejects = read_csv(&out, "rejects.csv");
    let lines: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(lines.len(), 1, "{rejects}");
    assert!(
        lines[0].ends_with(
            ",3,月数,3,MONTHS_MISMATCH,the month count (月数) `3` disagrees with the range 2025-06..2025-07 (2 months)"
        ),
        "{}",
        lines[0]
    );
}

/// The ledger's own 滞纳金 beside the computed one: May as in
/// `each_payment_keeps_its_own_date` (computed 6.83), billed 10.00 on the late
/// row; the employer's difference is 6.83 − 10.00 = −3.17.
#[test]
fn late_fee_billed_is_shown_beside_the_computed_one() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期,实缴金额,滞纳金,缴费日期\n\
             {P1},E1,202504,1183.00,,2025-04-20\n\
             {P1},E1,202505,500.00,,2025-05-20\n\
             {P1},E1,202505,683.00,10.00,2025-06-20\n\
             {P1},E1,202506,1183.00,0,2025-06-20\n\
             {P1},E1,202507,1183.00,,2025-07-20\n"
        ),
    );
    let out = run(tmp.path(), "billed", "2025-08-15", &[&ledger]);
    assert_eq!(
        arrears(&out),
        [[
            "E1", "2025-05", "1183.00", "1183.00", "0.00", "20", "6.83", "", "normal", "10.00"
        ]]
    );
    let employers = read_csv(&out, "employers.csv");
    let e1 = employers.lines().find(|l| l.starts_with("E1,")).unwrap();
    assert!(e1.ends_with(",6.83,0.00,10.00,-3.17,"), "{e1}");
}

/// A ledger with due amounts (应缴) only is a bill: refused, with that message.
#[test]
fn a_due_only_bill_is_refused_as_a_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "bill.csv",
        &format!(
            "身份证号,单位编号,费款所属期,应缴金额\n\
             {P1},E1,202504,1183.00\n"
        ),
    );
    let out = tmp.path().join("out");
    let assert = medrecon()
        .arg("run")
        .arg(events(tmp.path()))
        .args(["--as-of", "2025-08-15", "--out"])
        .arg(&out)
        .args(["--quiet", "--ledger"])
        .arg(&ledger)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("bill.csv")
            && stderr.contains("is a bill: it has due amounts (应缴) but no paid amounts"),
        "{stderr}"
    );
    assert!(!out.join("arrears.csv").exists());
}

/// Both a posting month (台账年月) and the coverage month (费款所属期): the
/// coverage month counts. `缴费年月` alone is used, and the manifest says so.
#[test]
fn coverage_month_wins_over_posting_month() {
    let tmp = tempfile::tempdir().unwrap();
    let both = write(
        tmp.path(),
        "both.csv",
        &format!(
            "身份证号,单位编号,台账年月,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202507,202504,1183.00,2025-04-20\n\
             {P1},E1,202507,202505,1183.00,2025-05-20\n\
             {P1},E1,202507,202506,1183.00,2025-06-20\n\
             {P1},E1,202507,202507,1183.00,2025-07-20\n"
        ),
    );
    let out = run(tmp.path(), "both", "2025-08-15", &[&both]);
    assert!(arrears(&out).is_empty(), "{:?}", arrears(&out));
    let ambiguous = write(
        tmp.path(),
        "ambiguous.csv",
        &format!(
            "身份证号,单位编号,缴费年月,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n"
        ),
    );
    let out = run(tmp.path(), "ambiguous", "2025-08-15", &[&ambiguous]);
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let notes = m["inputs"].to_string();
    assert!(
        notes.contains("the month is read from `缴费年月`, which may be the coverage month"),
        "{notes}"
    );
}

/// The medical-only payments of `long_multi_insurance_ledger_equals_medical_only`
/// as a wide ledger with two header rows: a group per insurance above its
/// 单位缴纳 / 个人缴纳 columns, and a 合计 of every insurance (not read: the
/// medical groups are). May has only pension and unemployment amounts: one
/// OTHER_INSURANCE row; the pension and unemployment columns are named in the
/// sheet's notes. Same `arrears.csv`.
#[test]
fn wide_two_level_csv_ledger_equals_medical_only() {
    let tmp = tempfile::tempdir().unwrap();
    let medical = write(
        tmp.path(),
        "medical.csv",
        &format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n\
             {P1},E1,202506,1183.00,2025-07-10\n\
             {P1},E1,202507,1183.00,2025-07-20\n"
        ),
    );
    let mut wide = String::from(
        "身份证号,单位编号,费款所属期,基本医疗保险（含生育）,,大额医疗互助,基本养老保险,,失业保险,,合计,缴费日期\n\
         ,,,单位缴纳,个人缴纳,个人缴纳,单位缴纳,个人缴纳,单位缴纳,个人缴纳,,\n",
    );
    for (month, date, medical) in [
        ("202504", "2025-04-20", true),
        ("202505", "2025-05-20", false),
        ("202506", "2025-07-10", true),
        ("202507", "2025-07-20", true),
    ] {
        let (m, total) = if medical {
            ("980.00,200.00,3.00", "3683.00")
        } else {
            (",,", "2500.00")
        };
        wide.push_str(&format!(
            "{P1},E1,{month},{m},1600.00,800.00,50.00,50.00,{total},{date}\n"
        ));
    }
    let wide = write(tmp.path(), "wide.csv", &wide);
    let a = run(tmp.path(), "medical", "2025-08-15", &[&medical]);
    let b = run(tmp.path(), "wide", "2025-08-15", &[&wide]);
    assert_eq!(read_csv(&a, "arrears.csv"), read_csv(&b, "arrears.csv"));
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(b.join("manifest.json")).unwrap()).unwrap();
    let sheet = &m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("wide.csv"))
        .unwrap()["sheets"][0];
    assert_eq!(sheet["header_row"], 2);
    assert_eq!(
        (
            &sheet["rows_read"],
            &sheet["accepted"],
            &sheet["other_insurance"]
        ),
        (
            &serde_json::json!(4),
            &serde_json::json!(3),
            &serde_json::json!(1)
        )
    );
    let notes = sheet["notes"].to_string();
    assert!(
        notes.contains("`合计` (amount of every insurance) is not read"),
        "{notes}"
    );
    assert!(
        notes.contains("set aside, never summed: `基本养老保险 / 单位缴纳`, `基本养老保险 / 个人缴纳`, `失业保险 / 单位缴纳`, `失业保险 / 个人缴纳`"),
        "{notes}"
    );
}

/// A real .xlsx wide ledger with merged group cells, the side as the parent
/// (`单位缴纳 / 企业职工基本医疗实缴费额`) and a due column (应缴, not read):
/// same `arrears.csv` as the medical-only ledger.
#[test]
fn wide_xlsx_ledger_with_merged_side_groups_equals_medical_only() {
    use rust_xlsxwriter::{Format, Workbook};
    let tmp = tempfile::tempdir().unwrap();
    let medical = write(
        tmp.path(),
        "medical.csv",
        &format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202504,1183.00,2025-04-20\n\
             {P1},E1,202506,1183.00,2025-07-10\n\
             {P1},E1,202507,1183.00,2025-07-20\n"
        ),
    );
    let path = tmp.path().join("wide.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("缴费明细").unwrap();
    let f = Format::new();
    ws.write_string(0, 0, "单位社保缴费明细表 2025年").unwrap();
    for (col, text) in [
        (0u16, "身份证号"),
        (1, "单位编号"),
        (2, "费款所属期"),
        (9, "缴费日期"),
    ] {
        ws.merge_range(1, col, 2, col, text, &f).unwrap();
    }
    ws.merge_range(1, 3, 1, 5, "单位缴纳", &f).unwrap();
    ws.merge_range(1, 6, 1, 8, "个人缴纳", &f).unwrap();
    for (col, text) in [
        (3u16, "企业职工基本医疗应缴费额"),
        (4, "企业职工基本医疗实缴费额"),
        (5, "企业职工基本养老实缴费额"),
        (6, "职工基本医疗保险个人实缴"),
        (7, "大额医疗互助"),
        (8, "养老保险个人实缴"),
    ] {
        ws.write_string(2, col, text).unwrap();
    }
    for (row, (month, date, medical)) in (3u32..).zip([
        ("202504", "2025-04-20", true),
        ("202505", "2025-05-20", false),
        ("202506", "2025-07-10", true),
        ("202507", "2025-07-20", true),
    ]) {
        ws.write_string(row, 0, P1).unwrap();
        ws.write_string(row, 1, "E1").unwrap();
        ws.write_string(row, 2, month).unwrap();
        ws.write_number(row, 3, 980.0).unwrap();
        if medical {
            ws.write_number(row, 4, 980.0).unwrap();
            ws.write_number(row, 6, 200.0).unwrap();
            ws.write_number(row, 7, 3.0).unwrap();
        }
        ws.write_number(row, 5, 1600.0).unwrap();
        ws.write_number(row, 8, 800.0).unwrap();
        ws.write_string(row, 9, date).unwrap();
    }
    wb.save(&path).unwrap();
    let a = run(tmp.path(), "medical", "2025-08-15", &[&medical]);
    let b = run(tmp.path(), "wide", "2025-08-15", &[&path]);
    assert_eq!(read_csv(&a, "arrears.csv"), read_csv(&b, "arrears.csv"));
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(b.join("manifest.json")).unwrap()).unwrap();
    let sheet = &m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("wide.xlsx"))
        .unwrap()["sheets"][0];
    assert_eq!(sheet["header_row"], 3);
    assert_eq!(sheet["other_insurance"], 1);
    assert_eq!(sheet["accepted"], 3);
}

/// `validate --ledger` shows each ledger file's accounting with its rows of
/// other insurances, the sheet's notes, and the ledger's rejects.
#[test]
fn validate_shows_other_insurance_and_notes_per_ledger_file() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "long.csv",
        &format!(
            "身份证号,单位编号,缴费年月,险种,实缴金额,缴费日期\n\
             {P1},E1,202504,基本医疗保险,1180.00,2025-04-20\n\
             {P1},E1,202504,大额医疗互助,3.00,2025-04-20\n\
             {P1},E1,202504,养老保险,2400.00,2025-04-20\n\
             {P1},E1,202504,失业保险,100.00,2025-04-20\n\
             {P1},E1,202504,意外险,9.00,2025-04-20\n"
        ),
    );
    let assert = medrecon()
        .args(["validate", "--lang", "en"])
        .arg(events(tmp.path()))
        .arg("--ledger")
        .arg(&ledger)
        .assert()
        .success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        out.contains("sheet long.csv: ledger rows, header row 1: read 5, accepted 2, rejected 1, duplicates 0, other insurance (OTHER_INSURANCE) 2\n"),
        "{out}"
    );
    assert!(
        out.contains("    note: the month is read from `缴费年月`"),
        "{out}"
    );
    assert!(out.contains("UNKNOWN_INSURANCE"), "{out}");
    // IDs are masked in validate's output by default.
    assert!(!out.contains(P1), "{out}");
}

/// `explain` lists each payment of a month with its date, kind, insurance and
/// days late, and the fee on the late part only.
#[test]
fn explain_lists_each_payment_of_a_month() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = write(
        tmp.path(),
        "ledger.csv",
        &format!(
            "身份证号,单位编号,费款所属期,险种,实缴金额,缴费日期\n\
             {P1},E1,202505,基本医疗保险,500.00,2025-05-20\n\
             {P1},E1,202505,基本医疗保险,680.00,2025-06-20\n\
             {P1},E1,202505,大额医疗互助,3.00,2025-06-20\n\
             {P1},E1,202505,养老保险,2400.00,2025-05-20\n"
        ),
    );
    let assert = medrecon()
        .args(["explain", P1, "--lang", "en"])
        .arg(events(tmp.path()))
        .args(["--as-of", "2025-08-15", "--ledger"])
        .arg(&ledger)
        .arg("--policy")
        .arg(root().join("tests/fixtures/policies/spec_beijing.toml"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for line in [
        "      payment 500.00 normal basic_medical: paid 2025-05-20, on time\n",
        "      payment 680.00 normal basic_medical: paid 2025-06-20, 20 days after the due date 2025-05-31\n",
        "      payment 3.00 normal large_sum_medical: paid 2025-06-20, 20 days after the due date 2025-05-31\n",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    // 683.00 × 0.0005 × 20 = 6.83; the pension line is never listed.
    assert!(text.contains("→ late fee 6.83"), "{text}");
    assert!(!text.contains("2400.00"), "{text}");
}
