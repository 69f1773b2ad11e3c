//! Policy packs: region lookup, dated versions (the July switch), months no version
//! covers, carry-forward, user packs overriding shipped ones, malformed packs.

use medrecon::model::{Month, RegionLookup};
use medrecon::policy::{PolicyError, PolicySet};
use rust_decimal::Decimal;
use std::io::Write;
use std::str::FromStr;

fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}
fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn write_pack(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    path
}

#[test]
fn lookup_by_code_name_and_division() {
    let set = PolicySet::load(&[]).unwrap();
    let bj = set.lookup("beijing").unwrap();
    assert_eq!(set.code(bj), "beijing");
    assert_eq!(set.lookup("北京"), Some(bj));
    assert_eq!(set.lookup("北京市"), Some(bj));
    assert_eq!(set.lookup(" BeiJing "), Some(bj));
    assert_eq!(set.lookup("　北京市　"), Some(bj));
    assert_eq!(set.lookup("110000"), Some(bj));
    let sh = set.lookup("上海市").unwrap();
    assert_eq!(set.code(sh), "shanghai");
    assert_eq!(set.code(set.lookup("440300").unwrap()), "shenzhen");
    assert_eq!(set.code(set.lookup("广州").unwrap()), "guangzhou");
    assert_eq!(set.lookup("national"), Some(set.national()));
    assert_eq!(set.lookup("火星市"), None);
    assert_eq!(set.lookup(""), None);
}

#[test]
fn beijing_switches_in_july() {
    let set = PolicySet::load(&[]).unwrap();
    let bj = set.lookup("beijing").unwrap();
    let june = set.version(bj, m("2025-06"), false).unwrap();
    let july = set.version(bj, m("2025-07"), false).unwrap();
    assert_eq!((june.floor, june.cap), (d("6821"), d("35283")));
    assert_eq!((july.floor, july.cap), (d("7162"), d("35811")));
    assert_eq!(
        set.version(bj, m("2024-06"), false).unwrap().floor,
        d("6326")
    );
    assert_eq!(
        set.version(bj, m("2024-07"), false).unwrap().floor,
        d("6821")
    );
    // base = clamp(wage, floor, cap) with the month's own bounds
    assert_eq!(june.base(Some(d("5000"))), d("6821"));
    assert_eq!(july.base(Some(d("5000"))), d("7162"));
    assert_eq!(july.base(Some(d("50000"))), d("35811"));
    assert_eq!(july.base(None), d("7162"));
    assert_eq!(july.base(Some(d("10000"))), d("10000"));
    // every value cites a source
    for p in [
        "floor",
        "cap",
        "employer_rate",
        "employee_rate",
        "fixed_monthly",
        "flexible_rate",
        "late_fee_daily",
        "stop_filing_days",
    ] {
        assert!(july.source_of(p).is_some_and(|s| !s.is_empty()), "{p}");
    }
}

#[test]
fn every_shipped_pack_covers_2024_01_through_2026_11() {
    let set = PolicySet::load(&[]).unwrap();
    for pack in set.packs() {
        let region = set.lookup(&pack.code).unwrap();
        let mut month = m("2024-01");
        while month <= m("2026-11") {
            let v = set.version(region, month, false).unwrap();
            assert!(v.floor > Decimal::ZERO && v.cap > v.floor, "{}", pack.code);
            month = month.next();
        }
    }
    assert_eq!(set.manifest_entries().len(), set.packs().len());
    assert!(set.manifest_entries().iter().all(|e| e.sha256.len() == 64));
}

const SHORT_PACK: &str = r#"
code = "testcity"
name = "测试市"
division = "990000"
[[versions]]
from = "2024-01"
source = "hand-made test pack"
floor = "5000"
cap = "25000"
[[versions]]
from = "2024-07"
to = "2024-12"
floor = { value = "5500", source = "test: July switch" }
"#;

#[test]
fn month_not_covered_names_region_and_month() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_pack(&dir, "testcity.toml", SHORT_PACK);
    let set = PolicySet::load(&[path]).unwrap();
    let region = set.lookup("测试").unwrap();
    let err = set.version(region, m("2025-01"), false).unwrap_err();
    assert!(
        matches!(err, PolicyError::NotCovered { ref region, month } if region == "testcity" && month == m("2025-01"))
    );
    assert_eq!(
        err.to_string(),
        "no policy version of region testcity covers 2025-01"
    );
    // before the first version: never carried
    let err = set.version(region, m("2023-12"), true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no policy version of region testcity covers 2023-12"
    );
}

#[test]
fn carry_forward_uses_the_last_version_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_pack(&dir, "testcity.toml", SHORT_PACK);
    let set = PolicySet::load(&[path]).unwrap();
    let region = set.lookup("990000").unwrap();
    let r = set.resolve(region, m("2025-03"), true).unwrap();
    assert!(r.carried);
    assert_eq!(r.version.floor, d("5500"));
    let r = set.resolve(region, m("2024-12"), true).unwrap();
    assert!(!r.carried);
    // inherited from the first version
    assert_eq!(r.version.cap, d("25000"));
    assert_eq!(r.version.employer_rate, d("0.08"));
    assert_eq!(
        set.version(region, m("2024-06"), false).unwrap().floor,
        d("5000")
    );
}

#[test]
fn user_pack_overrides_shipped_pack_of_same_code() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
code = "beijing"
name = "北京市"
division = "110000"
[[versions]]
from = "2020-01"
source = "user override"
floor = "1000"
cap = "2000"
separation_month_paid = false
hire_cutoff_day = 15
"#;
    let path = write_pack(&dir, "bj.toml", text);
    let set = PolicySet::load(&[path]).unwrap();
    let bj = set.lookup("北京").unwrap();
    let v = set.version(bj, m("2025-07"), false).unwrap();
    assert_eq!(v.floor, d("1000"));
    assert!(!v.separation_month_paid);
    assert_eq!(v.hire_cutoff_day, Some(15));
    assert_eq!(v.region, bj);
    assert_eq!(
        set.packs().iter().filter(|p| p.code == "beijing").count(),
        1
    );
}

fn load_err(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write_pack(&dir, "broken.toml", text);
    let err = PolicySet::load(&[path]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("broken.toml"), "{msg}");
    msg
}

#[test]
fn malformed_packs_name_file_and_key() {
    let bad_rate = r#"
code = "x"
name = "X"
[[versions]]
from = "2024-01"
source = "t"
floor = "1000"
cap = "2000"
employer_rate = "nine percent"
"#;
    assert!(load_err(bad_rate).contains("versions[0].employer_rate"));

    let no_source = r#"
code = "x"
name = "X"
[[versions]]
from = "2024-01"
floor = "1000"
cap = { value = "2000", source = "t" }
"#;
    let msg = load_err(no_source);
    assert!(
        msg.contains("versions[0].floor") && msg.contains("no source"),
        "{msg}"
    );

    let bad_month = r#"
code = "x"
name = "X"
[[versions]]
from = "2024-13"
source = "t"
floor = "1000"
cap = "2000"
"#;
    assert!(load_err(bad_month).contains("versions[0].from"));

    let unknown = r#"
code = "x"
name = "X"
[[versions]]
from = "2024-01"
source = "t"
floor = "1000"
cap = "2000"
flor = "1"
"#;
    assert!(load_err(unknown).contains("versions[0].flor"));

    let missing_cap = r#"
code = "x"
name = "X"
[[versions]]
from = "2024-01"
source = "t"
floor = "1000"
"#;
    assert!(load_err(missing_cap).contains("versions[0].cap"));

    let not_toml = "code = \"x\"\nname = ";
    assert!(load_err(not_toml).contains("not valid TOML"));

    let no_code = r#"
name = "X"
[[versions]]
from = "2024-01"
source = "t"
floor = "1000"
cap = "2000"
"#;
    assert!(load_err(no_code).contains("`code`"));
}
