//! The holiday calendar through the public API: the shipped data, as `explain`
//! and the working-day deadline rule will use it, and a user-supplied file.

use chrono::NaiveDate;
use medrecon::calendar::{HolidayCalendar, SourceGrade};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn shipped_sources_are_cited_per_year() {
    let cal = HolidayCalendar::shipped();
    for year in 2019..=2026 {
        assert!(cal.covers(year), "{year}");
        let source = cal.source_of(year).unwrap();
        assert!(!source.trim().is_empty(), "{year}");
    }
    assert!(
        cal.source_of(2025)
            .unwrap()
            .contains("国办发明电〔2024〕12号")
    );
    assert!(
        cal.source_of(2026)
            .unwrap()
            .contains("国办发明电〔2025〕7号")
    );
    assert_eq!(cal.source_of(2018), None);
}

#[test]
fn fifteen_working_days_after_a_separation_in_the_2026_national_day_week() {
    // Separation Friday 2026-09-18. 2026: 中秋节 9月25日(周五)至27日 off,
    // 国庆节 10月1日(周四)至7日 off, Sunday 9月20日 and Saturday 10月10日 worked.
    //  Sat 09-19 off | 1 Sun 09-20 (调休上班) | 2 Mon 09-21 | 3 Tue 09-22
    //  4 Wed 09-23 | 5 Thu 09-24 | Fri 09-25 .. Sun 09-27 off | 6 Mon 09-28
    //  7 Tue 09-29 | 8 Wed 09-30 | Thu 10-01 .. Wed 10-07 off | 9 Thu 10-08
    //  10 Fri 10-09 | 11 Sat 10-10 (调休上班) | Sun 10-11 off | 12 Mon 10-12
    //  13 Tue 10-13 | 14 Wed 10-14 | 15 Thu 10-15
    let cal = HolidayCalendar::shipped();
    assert_eq!(
        cal.add_working_days(d(2026, 9, 18), 15),
        Some(d(2026, 10, 15))
    );
}

#[test]
fn a_user_file_covers_only_its_own_years() {
    let text = r#"
[[years]]
year = 2027
source = "a user's own reading"
grade = "secondary"
holidays = ["2027-01-01"]
workdays = []
"#;
    let cal = HolidayCalendar::from_toml(text).unwrap();
    assert!(cal.covers(2027));
    assert!(!cal.covers(2026));
    assert_eq!(cal.year(2027).unwrap().grade, SourceGrade::Secondary);
    assert_eq!(cal.is_working_day(d(2027, 1, 1)), Some(false));
    // Friday 2027-01-01 is off, the weekend follows: Monday 01-04.
    assert_eq!(cal.roll_to_working_day(d(2027, 1, 1)), Some(d(2027, 1, 4)));
    assert_eq!(
        cal.add_working_days(d(2026, 12, 31), 1),
        Some(d(2027, 1, 4))
    );
    assert_eq!(cal.add_working_days(d(2026, 12, 30), 1), None);
}
