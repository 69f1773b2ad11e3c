//! Policy packs: region lookup, rules and money versioned apart, unpriced months,
//! carry-forward, grades, the shapes real policies take (fixed and formula
//! flexible premiums, calendar-year bases, tiers, waivers), user packs, malformed
//! packs — and every shipped pack's own test file (`<code>.tests.toml`: inputs and
//! expected monthly amounts, like OpenFisca's YAML tests).

use medrecon::model::{Month, RegionLookup};
use medrecon::policy::{Grade, Missing, PolicySet, SHIPPED_PACKS};
use rust_decimal::Decimal;
use std::io::Write;
use std::path::Path;
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
    for (raw, code) in [
        ("成都市", "chengdu"),
        ("510100", "chengdu"),
        ("重庆", "chongqing"),
        ("500000", "chongqing"),
        ("天津市", "tianjin"),
        ("120000", "tianjin"),
        ("杭州", "hangzhou"),
        ("330100", "hangzhou"),
    ] {
        assert_eq!(set.lookup(raw).map(|r| set.code(r)), Some(code), "{raw}");
    }
    assert_eq!(set.lookup("national"), Some(set.national()));
    assert_eq!(set.lookup("火星市"), None);
    assert_eq!(set.lookup(""), None);
}

#[test]
fn beijing_switches_in_july_and_rules_reach_back_to_1998() {
    let set = PolicySet::load(&[]).unwrap();
    let bj = set.lookup("beijing").unwrap();
    let money = |month: &str| set.money(bj, m(month), None, false).unwrap().params;
    let june = money("2025-06");
    let july = money("2025-07");
    assert_eq!((june.floor, june.cap), (Some(d("6821")), Some(d("35283"))));
    assert_eq!((july.floor, july.cap), (Some(d("7162")), Some(d("35811"))));
    assert_eq!(money("2024-06").floor, Some(d("6326")));
    assert_eq!(money("2021-07").floor, Some(d("5360")));
    // base = clamp(wage, floor, cap) with the month's own bounds
    assert_eq!(june.base(Some(d("5000"))), Ok(d("6821")));
    assert_eq!(july.base(Some(d("5000"))), Ok(d("7162")));
    assert_eq!(july.base(Some(d("50000"))), Ok(d("35811")));
    assert_eq!(july.base(None), Ok(d("7162")));
    // Money before the first notice in the sources, and after the last: unpriced.
    assert!(set.money(bj, m("2021-06"), None, false).is_none());
    assert!(set.money(bj, m("2026-07"), None, false).is_none());
    // Rules reach back to the scheme's start.
    let rules = set.rules(bj, m("2005-03"));
    assert_eq!(rules.from, m("1998-12"));
    assert_eq!(rules.stop_filing_days, 15);
    assert_eq!(rules.lifetime_months_male, 360);
}

#[test]
fn beijing_flexible_premium_comes_from_pack_data() {
    let set = PolicySet::load(&[]).unwrap();
    let bj = set.lookup("beijing").unwrap();
    // 2023 base year: round(11297 × 70%) = 7908; × 7% = 553.56 — whatever the wage.
    for month in ["2023-07", "2023-12", "2024-06"] {
        let p = set.money(bj, m(month), None, false).unwrap().params;
        assert_eq!(p.catch_up(Some(d("10000"))), Ok(d("553.56")), "{month}");
        assert_eq!(p.catch_up(None), Ok(d("553.56")), "{month}");
    }
    // 2025: round(11937 × 70%) = 8356; × 7% = 584.92.
    let p = set.money(bj, m("2025-08"), None, false).unwrap().params;
    assert_eq!(p.catch_up(Some(d("20000"))), Ok(d("584.92")));
    // 2024 base year: no premium found — unpriced, never the 2023 figure.
    let p = set.money(bj, m("2024-07"), None, false).unwrap().params;
    assert_eq!(p.catch_up(Some(d("10000"))), Err(Missing::Flexible));
    // The due of that month is priced: 10000 × 0.118 = 1180.00 + 3.
    assert_eq!(p.due(Some(d("10000"))), Ok(d("1183.00")));
}

#[test]
fn guangzhou_base_year_is_the_calendar_year() {
    let set = PolicySet::load(&[]).unwrap();
    let gz = set.lookup("广州").unwrap();
    let floor = |month: &str| set.money(gz, m(month), None, false).map(|p| p.params.floor);
    // The 2022-07 version ends on 31 December; the 2023 calendar-year base starts
    // on 1 January and ends on 31 December.
    assert_eq!(floor("2022-12"), Some(Some(d("7214"))));
    assert_eq!(floor("2023-01"), Some(Some(d("5674"))));
    assert_eq!(floor("2023-12"), Some(Some(d("5674"))));
    // 2024-01..06: no figure in the sources — unpriced, not 2023's base carried.
    assert_eq!(floor("2024-01"), None);
    // 2021: a hole between the 2020 and 2022-07 versions.
    assert_eq!(floor("2021-05"), None);
}

#[test]
fn shenzhen_tiers_price_differently() {
    let set = PolicySet::load(&[]).unwrap();
    let sz = set.lookup("深圳").unwrap();
    let month = m("2014-03");
    let one = set.money(sz, month, Some("一档"), false).unwrap();
    let two = set.money(sz, month, Some("二档"), false).unwrap();
    let default = set.money(sz, month, None, false).unwrap();
    assert_eq!(one.tier, Some("一档"));
    assert_eq!(default.tier, Some("一档"));
    assert_eq!(two.tier, Some("二档"));
    // 一档 on the own wage: 8000 × (0.062 + 0.02) = 656.00.
    assert_eq!(one.params.due(Some(d("8000"))), Ok(d("656.00")));
    // 二档 on the city average 4918 whatever the wage: 4918 × 0.008 = 39.344 → 39.34.
    assert_eq!(two.params.due(Some(d("8000"))), Ok(d("39.34")));
}

#[test]
fn beijing_2025_waiver_is_dated() {
    let set = PolicySet::load(&[]).unwrap();
    let bj = set.lookup("beijing").unwrap();
    let w = set.waiver(bj, m("2025-09")).unwrap();
    assert_eq!(w.paid_by.to_string(), "2025-12-31");
    assert!(w.name.contains("免收滞纳金"));
    assert!(set.waiver(bj, m("2025-06")).is_none());
    assert!(set.waiver(bj, m("2026-01")).is_none());
}

/// Words that mark a figure as guessed: a shipped pack carries none.
const GUESS_WORDS: &[&str] = &[
    "best estimate",
    "best recollection",
    "from memory",
    "verify",
];

#[test]
fn every_shipped_value_has_a_source_and_a_grade_and_none_is_a_guess() {
    let set = PolicySet::load(&[]).unwrap();
    let mut values = 0;
    for pack in set.packs() {
        let records =
            pack.rules
                .iter()
                .flat_map(|r| r.values.iter())
                .chain(pack.money.iter().flat_map(|v| {
                    v.params
                        .values
                        .iter()
                        .chain(v.tiers.iter().flat_map(|(_, t)| t.values.iter()))
                }));
        for (param, _, src) in records {
            values += 1;
            assert_ne!(src.grade, Grade::Ungraded, "{} {param}", pack.code);
            assert!(!src.source.trim().is_empty(), "{} {param}", pack.code);
            let lower = src.source.to_lowercase();
            for w in GUESS_WORDS {
                assert!(!lower.contains(w), "{} {param}: {}", pack.code, src.source);
            }
        }
        for w in &pack.waivers {
            assert_ne!(w.source.grade, Grade::Ungraded, "{}", pack.code);
        }
    }
    assert!(values > 200, "{values}");
}

#[test]
fn policy_check_lists_what_is_below_official() {
    let set = PolicySet::load(&[]).unwrap();
    let below = set.below_official();
    // Beijing's rates are third-party summaries only.
    assert!(
        below
            .iter()
            .any(|l| l
                .starts_with("beijing money 2021-07..2022-06 employer_rate = 0.098: secondary")),
        "{below:#?}"
    );
    // The 2023 floor is from the notice itself: not listed.
    assert!(
        !below
            .iter()
            .any(|l| l.starts_with("beijing money 2023-07..2024-06 floor")),
        "{below:#?}"
    );
}

// ---------------------------------------------------------------------------
// The packs' own test files
// ---------------------------------------------------------------------------

fn text_of(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs one `<code>.tests.toml` against its pack; returns the number of cases.
fn run_pack_tests(set: &PolicySet, code: &str, text: &str) -> usize {
    let root: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{code}.tests.toml: {e}"));
    let cases = root
        .get("cases")
        .and_then(|c| c.as_array())
        .unwrap_or_else(|| panic!("{code}.tests.toml has no [[cases]]"));
    let region = set.lookup(code).unwrap();
    for case in cases {
        let t = case.as_table().unwrap();
        let name = t.get("name").map(text_of).unwrap_or_default();
        let month = m(t.get("month").and_then(|v| v.as_str()).expect("month"));
        let wage = t.get("wage").map(|v| d(&text_of(v)));
        let tier = t.get("tier").and_then(|v| v.as_str());
        let priced = set.money(region, month, tier, false);
        let what = |figure: &str| format!("{code} `{name}` ({month}): {figure}");
        for (key, actual) in [
            ("floor", priced.and_then(|p| p.params.floor)),
            ("cap", priced.and_then(|p| p.params.cap)),
        ] {
            if let Some(expected) = t.get(key) {
                assert_eq!(actual, Some(d(&text_of(expected))), "{}", what(key));
            }
        }
        for (key, actual) in [
            ("due", priced.map(|p| p.params.due(wage))),
            ("catch_up", priced.map(|p| p.params.catch_up(wage))),
        ] {
            let Some(expected) = t.get(key).map(text_of) else {
                continue;
            };
            let actual = actual.and_then(|r| r.ok());
            if expected == "unpriced" {
                assert_eq!(actual, None, "{}", what(key));
            } else {
                assert_eq!(actual, Some(d(&expected)), "{}", what(key));
            }
        }
    }
    cases.len()
}

#[test]
fn every_shipped_pack_passes_its_own_test_file() {
    let set = PolicySet::load(&[]).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/policies");
    let mut total = 0;
    for (file, text) in SHIPPED_PACKS {
        let code = set
            .packs()
            .iter()
            .find(|p| p.file == *file)
            .map(|p| p.code.clone())
            .unwrap();
        let tests = dir.join(file.replace(".toml", ".tests.toml"));
        let cases = std::fs::read_to_string(&tests)
            .unwrap_or_else(|_| panic!("pack {file} has no test file {}", tests.display()));
        // The embedded pack is the file on disk.
        assert_eq!(std::fs::read_to_string(dir.join(file)).unwrap(), *text);
        let n = run_pack_tests(&set, &code, &cases);
        // At least one case per money version.
        let versions = set.pack(set.lookup(&code).unwrap()).unwrap().money.len();
        assert!(
            n >= versions,
            "{code}: {n} cases for {versions} money versions"
        );
        total += n;
    }
    assert!(total >= 60, "{total}");
    // Every *.toml in the folder is shipped (a pack cannot be added without
    // being embedded, nor without its tests).
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".toml") && !name.ends_with(".tests.toml") {
            assert!(
                SHIPPED_PACKS.iter().any(|(f, _)| *f == name),
                "{name} is not in SHIPPED_PACKS"
            );
        }
    }
}

#[test]
fn a_wrong_expected_figure_fails_the_pack_test() {
    let set = PolicySet::load(&[]).unwrap();
    let wrong = r#"
[[cases]]
name = "wrong on purpose"
month = "2023-07"
catch_up = "553.55"
"#;
    let r = std::panic::catch_unwind(|| run_pack_tests(&set, "beijing", wrong));
    assert!(r.is_err());
}

// ---------------------------------------------------------------------------
// User packs
// ---------------------------------------------------------------------------

const SHORT_PACK: &str = r#"
code = "testcity"
name = "测试市"
division = "990000"
[[rules]]
from = "1998-12"
source = "hand-made test pack"
[[money]]
from = "2024-01"
source = "hand-made test pack"
floor = "5000"
cap = "25000"
employer_rate = "0.08"
employee_rate = "0.02"
[[money]]
from = "2024-07"
to = "2024-12"
floor = { value = "5500", source = "test: July switch" }
cap = { value = "25000", source = "test" }
"#;

#[test]
fn carry_forward_uses_the_last_version_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_pack(&dir, "testcity.toml", SHORT_PACK);
    let set = PolicySet::load(&[path]).unwrap();
    let region = set.lookup("990000").unwrap();
    assert!(set.money(region, m("2025-03"), None, false).is_none());
    let r = set.money(region, m("2025-03"), None, true).unwrap();
    assert!(r.carried);
    assert_eq!(r.params.floor, Some(d("5500")));
    let r = set.money(region, m("2024-12"), None, true).unwrap();
    assert!(!r.carried);
    // Rates carry over; base-year figures do not.
    assert_eq!(r.params.employer_rate, Some(d("0.08")));
    // Before the first version: never carried.
    assert!(set.money(region, m("2023-12"), None, true).is_none());
    let warnings = set.carry_forward_warnings(m("2025-03"));
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("testcity") && w.contains("2025-01..2025-03"))
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
    let p = set.money(bj, m("2025-07"), None, false).unwrap();
    assert_eq!(p.params.floor, Some(d("1000")));
    assert_eq!(p.money.region, bj);
    let r = set.rules(bj, m("2025-07"));
    assert!(!r.separation_month_paid);
    assert_eq!(r.hire_cutoff_day, Some(15));
    assert_eq!(
        set.packs().iter().filter(|p| p.code == "beijing").count(),
        1
    );
    // The user's pack has no grades: `policy check` lists its values.
    assert!(
        set.below_official()
            .iter()
            .any(|l| l.starts_with("beijing money 2020-01.. floor = 1000: ungraded"))
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

    // A rate of 5.0 (500%) is refused: it would multiply every due by 500.
    let huge_rate = bad_rate.replace("\"nine percent\"", "\"5.0\"");
    let msg = load_err(&huge_rate);
    assert!(
        msg.contains("versions[0].employer_rate") && msg.contains("between 0 and 1"),
        "{msg}"
    );

    let floor_above_cap = r#"
code = "x"
name = "X"
[[rules]]
from = "1998-12"
source = "t"
[[money]]
from = "2024-01"
source = "t"
floor = "3000"
cap = "2000"
"#;
    assert!(load_err(floor_above_cap).contains("below floor"));

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

    let bad_grade = r#"
code = "x"
name = "X"
[[rules]]
from = "1998-12"
source = "t"
grade = "pretty sure"
"#;
    assert!(load_err(bad_grade).contains("rules[0].grade"));

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

#[test]
fn a_pack_that_is_not_a_regular_file_is_refused() {
    let err = PolicySet::load(&[std::path::PathBuf::from("/dev/zero")]).unwrap_err();
    assert!(err.to_string().contains("/dev/zero"), "{err}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn districts_map_to_their_city_pack() {
    let set = PolicySet::load(&[]).unwrap();
    let code = |raw: &str| set.lookup(raw).map(|r| set.code(r).to_string());
    for (raw, pack) in [
        ("110105", "beijing"),
        ("北京市朝阳区", "beijing"),
        ("上海市浦东新区", "shanghai"),
        ("浦东新区", "shanghai"),
        ("广州市天河区", "guangzhou"),
        ("440106", "guangzhou"),
        ("440304", "shenzhen"),
        ("深圳市南山区", "shenzhen"),
        ("四川省成都市武侯区", "chengdu"),
        ("500243", "chongqing"),
        ("１１０１０５", "beijing"),
        // A former district (崇文区, merged into 东城区 in 2010).
        ("崇文区", "beijing"),
    ] {
        assert_eq!(code(raw).as_deref(), Some(pack), "{raw}");
    }
    // Still rejects: a place no pack knows, a province without a city pack, an
    // ambiguous bare district name (朝阳区: Beijing and Changchun).
    assert_eq!(code("火星市"), None);
    assert_eq!(code("441900"), None);
    assert_eq!(code("朝阳区"), None);
}
