//! Persons whose 证件类型 is not a resident ID (issue 14 item 6): a passport,
//! a 港澳 or 台湾 travel permit has no GB 11643 checksum, so its holder is
//! kept and keyed by (type, number), in the events, the ledger and the UI
//! months alike; a 港澳台居民居住证 is numbered like a resident ID and
//! checked as one; an unknown 证件类型 is a reject naming its column. The
//! figures below are computed by hand with the SPEC test pack (base 9000:
//! 9000 × (9.8% + 2%) + 3 = 1065.00 a month; late fee 0.05% a day).

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

const ZHANG: &str = "11010519491231002X";
/// A 港澳台居民居住证 (region 810000), check digit by hand: 9.
const HO: &str = "810000199001010019";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn write_inputs(dir: &Path) {
    // A bureau declaration as agencies export it: GBK, a title row, CRLF.
    let decl = "XX人力资源服务有限公司社会保险增减员申报表,,,,,,,,\r\n\
                证件类型,证件号码,姓名,单位编号,申报类型,费款所属期,参保地,缴费基数,申报日期\r\n\
                居民身份证,11010519491231002X,张三,E1,增,202501,北京,8000,\r\n\
                护照,e1234 5678,约翰·史密斯,E1,增,202502,北京,9000,\r\n\
                港澳居民来往内地通行证,H12345678,陈大文,E1,增,202503,北京,9000,\r\n\
                港澳居民来往内地通行证,H12345678,陈大文,E1,减,202506,北京,9000,2025-06-10\r\n\
                台湾居民来往大陆通行证,'12345678,林小明,E1,增,202504,北京,9000,\r\n\
                港澳台居民居住证,810000199001010019,何家强,E1,增,202505,北京,9000,\r\n\
                护照,H12345678,彼得,E1,增,202507,北京,9000,\r\n\
                护照,E1234/5678,坏号码,E1,增,202502,北京,9000,\r\n\
                驾驶证,110105199003070017,李四,E1,增,202502,北京,9000,\r\n";
    fs::write(dir.join("decl.csv"), gbk(decl)).unwrap();
    // The passport holder's ledger: 2025-02..2025-09 paid on the 5th of the
    // next month, 2025-10 unpaid.
    let mut ledger = String::from("证件类型,证件号码,单位编号,费款所属期,实缴金额,到账日期\n");
    for m in 2..=9 {
        ledger += &format!(
            "护照,E12345678,E1,2025{m:02},1065.00,2025-{:02}-05\n",
            m + 1
        );
    }
    fs::write(dir.join("ledger.csv"), ledger).unwrap();
    // The permit holder drew unemployment benefit 2025-06..2025-08.
    fs::write(
        dir.join("ui.csv"),
        "证件类型,证件号码,起始月份,终止月份\n港澳居民来往内地通行证,H12345678,202506,202508\n",
    )
    .unwrap();
}

fn run(dir: &Path, out: &Path, mask: bool) {
    let mut cmd = Command::cargo_bin("medrecon").unwrap();
    cmd.arg("run")
        .arg(dir.join("decl.csv"))
        .arg("--ledger")
        .arg(dir.join("ledger.csv"))
        .arg("--ui")
        .arg(dir.join("ui.csv"))
        .args(["--as-of", "2025-11-30", "--quiet", "--format", "csv"])
        .arg("--policy")
        .arg(root().join("tests/fixtures/policies/spec_beijing.toml"))
        .arg("--out")
        .arg(out);
    if !mask {
        cmd.arg("--no-mask");
    }
    cmd.assert().success();
}

fn read(out: &Path, name: &str) -> String {
    fs::read_to_string(out.join(name))
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// The named columns of every row of `name`, joined by `,`.
fn cols(out: &Path, name: &str, columns: &[&str]) -> Vec<String> {
    let text = read(out, name);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            idx.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",")
        })
        .collect()
}

#[test]
fn passport_and_permit_holders_are_persons_keyed_by_type_and_number() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let out = tmp.path().join("out");
    run(tmp.path(), &out, false);

    // Seven rows accepted as six persons (the permit holder has two); the
    // same number under 护照 and under 港澳通行证 is two people. Resident IDs
    // sort first, then documents by kind and number. Lifetime months need the
    // sex a resident ID carries (张三 female: 300 − 11; 何家强 male: 360 − 7);
    // a document carries none, so the figure is blank.
    assert_eq!(
        cols(
            &out,
            "persons.csv",
            &[
                "person_id",
                "first_covered_month",
                "last_covered_month",
                "status",
                "cumulative_months",
                "arrears_total",
                "lifetime_months_needed",
                "resident_wait_days",
            ]
        ),
        [
            format!("{ZHANG},2025-01,2025-11,covered,11,8523.00,289,"),
            format!("{HO},2025-05,2025-11,covered,7,6390.00,353,"),
            // 03..05 paid, 06..08 unemployment benefit, then an open gap of
            // 3 months; under 2 years continuous: 180 days to 居民医保.
            "hkmo_permit:H12345678,2025-03,2025-08,open_gap,6,3195.00,,180".into(),
            "passport:E12345678,2025-02,2025-11,covered,10,1065.00,,".into(),
            "passport:H12345678,2025-07,2025-11,covered,5,4260.00,,".into(),
            "tw_permit:12345678,2025-04,2025-11,covered,8,7455.00,,".into(),
        ]
    );
    // The open gap is priced: 3 × 1065.00.
    assert_eq!(
        cols(
            &out,
            "gaps.csv",
            &["person_id", "from_month", "to_month", "catch_up"]
        ),
        ["hkmo_permit:H12345678,2025-09,2025-11,3195.00"]
    );
    // The passport's ledger rows are its own: 2025-02..09 paid 5 days late
    // (1065.00 × 0.0005 × 5 = 2.6625 → 2.66), 2025-10 unpaid for 30 days
    // (15.975 → 15.98). No LEDGER_ONLY: the rows met the declaration's person.
    let arrears = cols(
        &out,
        "arrears.csv",
        &[
            "person_id",
            "month",
            "paid",
            "shortfall",
            "days",
            "late_fee",
        ],
    );
    let passport: Vec<&String> = arrears
        .iter()
        .filter(|r| r.starts_with("passport:E12345678,"))
        .collect();
    assert_eq!(passport.len(), 9, "{arrears:?}");
    assert_eq!(
        passport[0],
        "passport:E12345678,2025-02,1065.00,0.00,5,2.66"
    );
    assert_eq!(
        passport[8],
        "passport:E12345678,2025-10,0.00,1065.00,30,15.98"
    );
    assert!(!read(&out, "flags.csv").contains("LEDGER_ONLY"));

    // A bad document number and an unknown document type are rejects naming
    // their row and column; every row is accounted for.
    assert_eq!(
        cols(&out, "rejects.csv", &["row", "column", "value", "code"]),
        ["10,证件号码,E1234/5678,BAD_ID", "11,证件类型,驾驶证,BAD_ID"]
    );
    let manifest = read(&out, "manifest.json");
    assert!(
        manifest.contains("\"rows_read\": 9") && manifest.contains("\"accepted\": 7"),
        "{manifest}"
    );

    // explain takes a document as persons.csv prints it.
    let explain = Command::cargo_bin("medrecon")
        .unwrap()
        .args(["explain", "passport:E12345678", "--lang", "en"])
        .arg(tmp.path().join("decl.csv"))
        .arg("--ledger")
        .arg(tmp.path().join("ledger.csv"))
        .args(["--as-of", "2025-11-30", "--policy"])
        .arg(root().join("tests/fixtures/policies/spec_beijing.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(explain.status.success(), "{text}");
    assert!(text.starts_with("person passport:E12345678 "), "{text}");
    assert!(text.contains("a passport number carries no sex"), "{text}");
}

#[test]
fn masked_documents_keep_a_quarter_at_each_end() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let out = tmp.path().join("out");
    run(tmp.path(), &out, true);
    let ids = cols(&out, "persons.csv", &["person_id"]);
    assert_eq!(
        ids,
        [
            "110105********002X",
            "810000********0019",
            "hkmo_permit:H1*****78",
            "passport:E1*****78",
            "passport:H1*****78",
            "tw_permit:12****78",
        ]
    );
    assert_eq!(
        cols(&out, "rejects.csv", &["value"]),
        ["E1******78", "驾驶证"]
    );
    for name in [
        "persons.csv",
        "gaps.csv",
        "arrears.csv",
        "flags.csv",
        "rejects.csv",
    ] {
        let text = read(&out, name);
        for number in ["E12345678", "H12345678", "12345678", "E1234/5678"] {
            assert!(!text.contains(number), "{name} holds {number}");
        }
    }
}
