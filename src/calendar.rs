//! The national public-holiday calendar (全国年节放假调休安排) and working-day
//! arithmetic, for deadlines a policy pack counts in working days
//! (`filing_days_kind = "working"`, e.g. "15 working days after separation").
//!
//! A day is a working day when it is Monday–Friday and not a holiday day off, or
//! when it is a Saturday/Sunday made a working day (调休上班). The days come from
//! data, `schemas/calendars/cn.toml` (embedded at build time; its header documents
//! the format), one table per calendar year, each citing the State Council General
//! Office notice it was taken from. Years not in the file are *not covered*: every
//! answer that would depend on such a year is `None`, never a guess from weekdays.
//!
//! [`HolidayCalendar::roll_to_working_day`] is the rule of 民法典 第二百零三条: a
//! period whose last day falls on a holiday ends on the first day after it.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

/// The shipped calendar's text (embedded).
const SHIPPED_TOML: &str = include_str!("../schemas/calendars/cn.toml");

/// How a year's dates were checked against its notice (the `grade` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceGrade {
    /// Read on a government website page of the notice.
    Official,
    /// Read in the full text as released by Xinhua in a state newspaper or its site.
    Press,
    /// Read only in other reprints.
    Secondary,
}

impl SourceGrade {
    /// The key's text: `official`, `press` or `secondary`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceGrade::Official => "official",
            SourceGrade::Press => "press",
            SourceGrade::Secondary => "secondary",
        }
    }

    fn parse(s: &str) -> Option<SourceGrade> {
        match s {
            "official" => Some(SourceGrade::Official),
            "press" => Some(SourceGrade::Press),
            "secondary" => Some(SourceGrade::Secondary),
            _ => None,
        }
    }
}

impl fmt::Display for SourceGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One covered calendar year: its days off, its make-up working days, and where
/// they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    pub year: i32,
    /// The notice(s): title, document number, issue date.
    pub source: String,
    pub grade: SourceGrade,
    /// The pages read, for the record (the `where` key; may be empty in user files).
    pub where_read: String,
    /// Every holiday day off, weekend days inside a holiday run included.
    pub holidays: BTreeSet<NaiveDate>,
    /// Saturdays and Sundays that are working days (调休上班).
    pub workdays: BTreeSet<NaiveDate>,
}

/// The holiday calendar: the covered years, by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, CalendarYear>,
}

impl HolidayCalendar {
    /// The shipped calendar (`schemas/calendars/cn.toml`), parsed once.
    ///
    /// # Panics
    /// If the embedded file does not parse: a bug in the shipped data, caught by
    /// this module's tests before it can ship.
    pub fn shipped() -> &'static HolidayCalendar {
        static SHIPPED: OnceLock<HolidayCalendar> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            HolidayCalendar::from_toml(SHIPPED_TOML)
                .expect("the embedded schemas/calendars/cn.toml must parse (fix the data file)")
        })
    }

    /// Parses a calendar in the format of `schemas/calendars/cn.toml`. Errors name
    /// the key (`years[2].workdays`, …). Rejects unknown keys, a year listed twice,
    /// a date outside its year, a date in both `holidays` and `workdays` or twice in
    /// one list, and a `workdays` date that is not a Saturday or Sunday.
    pub fn from_toml(text: &str) -> Result<HolidayCalendar, String> {
        let root: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("not valid TOML: {e}"))?;
        if let Some(key) = root.keys().find(|k| k.as_str() != "years") {
            return Err(format!("unknown key `{key}` (only `years` is allowed)"));
        }
        let raw_years = match root.get("years") {
            Some(toml::Value::Array(a)) if !a.is_empty() => a,
            Some(toml::Value::Array(_)) | None => {
                return Err("key `years` must be a non-empty list of [[years]] tables".into());
            }
            Some(_) => return Err("key `years` must be a list of [[years]] tables".into()),
        };
        let mut years: BTreeMap<i32, CalendarYear> = BTreeMap::new();
        let mut first_index: BTreeMap<i32, usize> = BTreeMap::new();
        for (i, raw) in raw_years.iter().enumerate() {
            let path = format!("years[{i}]");
            let toml::Value::Table(table) = raw else {
                return Err(format!("key `{path}` must be a table"));
            };
            let entry = parse_year(table, &path)?;
            if let Some(j) = first_index.get(&entry.year) {
                return Err(format!(
                    "key `{path}.year`: {} is listed twice (also `years[{j}]`)",
                    entry.year
                ));
            }
            first_index.insert(entry.year, i);
            years.insert(entry.year, entry);
        }
        Ok(HolidayCalendar { years })
    }

    /// Whether `year` is in the calendar.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The covered years, in order.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// One covered year, with its days and source.
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// The notice(s) a covered year was taken from, for `explain` to cite.
    pub fn source_of(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.source.as_str())
    }

    /// Whether `date` is a working day; `None` when its year is not covered.
    pub fn is_working_day(&self, date: NaiveDate) -> Option<bool> {
        let y = self.years.get(&date.year())?;
        if y.workdays.contains(&date) {
            return Some(true);
        }
        if y.holidays.contains(&date) {
            return Some(false);
        }
        Some(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// The `n`-th working day strictly after `start` (`start` itself is not
    /// counted, whatever it is). `n = 0` gives `start`. `None` when a year the
    /// count passes through (or `start`'s year, for `n = 0`) is not covered.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        if n == 0 {
            return self.covers(start.year()).then_some(start);
        }
        let mut date = start;
        let mut left = n;
        loop {
            date = date.succ_opt()?;
            if self.is_working_day(date)? {
                left -= 1;
                if left == 0 {
                    return Some(date);
                }
            }
        }
    }

    /// `date` if it is a working day, else the first working day after it
    /// (民法典 第二百零三条). `None` when a year looked at is not covered.
    pub fn roll_to_working_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        let mut d = date;
        while !self.is_working_day(d)? {
            d = d.succ_opt()?;
        }
        Some(d)
    }
}

const YEAR_KEYS: [&str; 6] = ["year", "source", "grade", "where", "holidays", "workdays"];

fn parse_year(table: &toml::Table, path: &str) -> Result<CalendarYear, String> {
    if let Some(key) = table.keys().find(|k| !YEAR_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown key `{path}.{key}` (allowed: {})",
            YEAR_KEYS.join(", ")
        ));
    }
    let year = match table.get("year") {
        None => return Err(format!("missing key `{path}.year`")),
        Some(toml::Value::Integer(v)) => i32::try_from(*v)
            .ok()
            .filter(|y| NaiveDate::from_ymd_opt(*y, 1, 1).is_some())
            .ok_or_else(|| format!("key `{path}.year`: {v} is not a usable year"))?,
        Some(_) => return Err(format!("key `{path}.year` must be an integer")),
    };
    let source = string_key(table, path, "source")?
        .ok_or_else(|| format!("missing key `{path}.source`"))?
        .trim()
        .to_string();
    if source.is_empty() {
        return Err(format!("key `{path}.source` is empty (year {year})"));
    }
    let grade_text =
        string_key(table, path, "grade")?.ok_or_else(|| format!("missing key `{path}.grade`"))?;
    let grade = SourceGrade::parse(grade_text.trim()).ok_or_else(|| {
        format!(
            "key `{path}.grade`: `{grade_text}` is not one of official, press, secondary (year {year})"
        )
    })?;
    let where_read = string_key(table, path, "where")?
        .unwrap_or_default()
        .trim()
        .to_string();

    let holidays = date_list(table, path, "holidays", year)?;
    let workdays = date_list(table, path, "workdays", year)?;
    if let Some(both) = holidays.intersection(&workdays).next() {
        return Err(format!(
            "key `{path}.workdays`: {both} is also in `{path}.holidays`; a day is either off or worked"
        ));
    }
    if let Some(bad) = workdays
        .iter()
        .find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
    {
        return Err(format!(
            "key `{path}.workdays`: {bad} is a {}, not a Saturday or Sunday; only a weekend day can be a make-up working day (调休上班)",
            weekday_name(bad.weekday())
        ));
    }
    Ok(CalendarYear {
        year,
        source,
        grade,
        where_read,
        holidays,
        workdays,
    })
}

fn string_key<'a>(
    table: &'a toml::Table,
    path: &str,
    key: &str,
) -> Result<Option<&'a str>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("key `{path}.{key}` must be a string")),
    }
}

/// A `holidays`/`workdays` list: `"YYYY-MM-DD"` or `"YYYY-MM-DD..YYYY-MM-DD"`
/// (inclusive; `holidays` only), every day within `year`, none twice.
fn date_list(
    table: &toml::Table,
    path: &str,
    key: &str,
    year: i32,
) -> Result<BTreeSet<NaiveDate>, String> {
    let items = match table.get(key) {
        None => return Err(format!("missing key `{path}.{key}` (year {year})")),
        Some(toml::Value::Array(a)) => a,
        Some(_) => return Err(format!("key `{path}.{key}` must be a list of date strings")),
    };
    let allow_ranges = key == "holidays";
    let mut out = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}.{key}[{i}]");
        let toml::Value::String(text) = item else {
            return Err(format!(
                "key `{at}` must be a string \"YYYY-MM-DD\" (quote the date)"
            ));
        };
        let (first, last) = match text.split_once("..") {
            Some((a, b)) if allow_ranges => (parse_date(a, &at)?, parse_date(b, &at)?),
            Some(_) => {
                return Err(format!(
                    "key `{at}`: `{text}` is a range; list each make-up working day on its own"
                ));
            }
            None => {
                let d = parse_date(text, &at)?;
                (d, d)
            }
        };
        if last < first {
            return Err(format!("key `{at}`: range `{text}` ends before it starts"));
        }
        for d in [first, last] {
            if d.year() != year {
                return Err(format!(
                    "key `{at}`: {d} is outside year {year} (each [[years]] table lists only its own year's days)"
                ));
            }
        }
        let mut d = first;
        loop {
            if !out.insert(d) {
                return Err(format!("key `{at}`: {d} is listed twice in `{path}.{key}`"));
            }
            if d == last {
                break;
            }
            d = d
                .succ_opt()
                .ok_or_else(|| format!("key `{at}`: range `{text}` runs past the last date"))?;
        }
    }
    Ok(out)
}

/// Strict `YYYY-MM-DD` (four-digit year, two-digit month and day).
fn parse_date(text: &str, at: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let b = t.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let date = if shaped {
        let num = |r: std::ops::Range<usize>| t[r].parse::<u32>().ok();
        match (num(0..4), num(5..7), num(8..10)) {
            (Some(y), Some(m), Some(d)) => i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
            _ => None,
        }
    } else {
        None
    };
    date.ok_or_else(|| format!("key `{at}`: `{t}` is not a date (YYYY-MM-DD)"))
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> &'static HolidayCalendar {
        HolidayCalendar::shipped()
    }

    /// A one-year calendar around the given `holidays`/`workdays` lines.
    fn one_year(year: i32, holidays: &str, workdays: &str) -> String {
        format!(
            "[[years]]\nyear = {year}\nsource = \"test notice\"\ngrade = \"official\"\nholidays = {holidays}\nworkdays = {workdays}\n"
        )
    }

    fn err_of(text: &str) -> String {
        match HolidayCalendar::from_toml(text) {
            Ok(c) => panic!("expected an error, parsed {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn shipped_calendar_parses_and_covers_2019_to_2026() {
        let c = cal();
        let years: Vec<i32> = c.years().map(|y| y.year).collect();
        assert_eq!(years, (2019..=2026).collect::<Vec<_>>());
        assert!(!c.covers(2018));
        assert!(!c.covers(2027));
    }

    #[test]
    fn national_day_2025_days() {
        let c = cal();
        // 10月1日(周三)至8日(周三) off; 9月28日(周日)、10月11日(周六) worked.
        assert_eq!(d(2025, 10, 1).weekday(), Weekday::Wed);
        for day in 1..=8 {
            assert_eq!(c.is_working_day(d(2025, 10, day)), Some(false), "10-{day}");
        }
        assert_eq!(c.is_working_day(d(2025, 9, 27)), Some(false)); // Saturday
        assert_eq!(c.is_working_day(d(2025, 9, 28)), Some(true)); // make-up Sunday
        assert_eq!(c.is_working_day(d(2025, 10, 9)), Some(true)); // Thursday
        assert_eq!(c.is_working_day(d(2025, 10, 11)), Some(true)); // make-up Saturday
        assert_eq!(c.is_working_day(d(2025, 10, 12)), Some(false)); // Sunday
    }

    #[test]
    fn fifteen_working_days_across_national_day_2025() {
        // From Thursday 2025-09-25, counted by hand:
        //  1 Fri 09-26 | Sat 09-27 off | 2 Sun 09-28 (调休上班) | 3 Mon 09-29 | 4 Tue 09-30
        //  Wed 10-01 .. Wed 10-08 off (国庆节、中秋节, 8 days)
        //  5 Thu 10-09 | 6 Fri 10-10 | 7 Sat 10-11 (调休上班) | Sun 10-12 off
        //  8 Mon 10-13 | 9 Tue 10-14 | 10 Wed 10-15 | 11 Thu 10-16 | 12 Fri 10-17
        //  Sat 10-18, Sun 10-19 off | 13 Mon 10-20 | 14 Tue 10-21 | 15 Wed 10-22
        assert_eq!(d(2025, 9, 25).weekday(), Weekday::Thu);
        assert_eq!(
            cal().add_working_days(d(2025, 9, 25), 15),
            Some(d(2025, 10, 22))
        );
    }

    #[test]
    fn make_up_saturday_counts_as_a_working_day() {
        let c = cal();
        // The working day after Friday 2025-10-10 is the make-up Saturday 10-11.
        assert_eq!(
            c.add_working_days(d(2025, 10, 10), 1),
            Some(d(2025, 10, 11))
        );
        // And the one after that skips Sunday 10-12.
        assert_eq!(
            c.add_working_days(d(2025, 10, 10), 2),
            Some(d(2025, 10, 13))
        );
        // The last day before the holiday: the next working day is after it.
        assert_eq!(c.add_working_days(d(2025, 9, 30), 1), Some(d(2025, 10, 9)));
    }

    #[test]
    fn start_is_not_counted_and_zero_is_start() {
        let c = cal();
        // Start on a holiday: the first working day after it.
        assert_eq!(c.add_working_days(d(2025, 10, 3), 1), Some(d(2025, 10, 9)));
        // Start on a working day: still not counted.
        assert_eq!(c.add_working_days(d(2025, 3, 17), 1), Some(d(2025, 3, 18)));
        assert_eq!(c.add_working_days(d(2025, 10, 3), 0), Some(d(2025, 10, 3)));
        assert_eq!(c.add_working_days(d(2027, 3, 1), 0), None);
    }

    #[test]
    fn roll_inside_spring_festival() {
        let c = cal();
        // 2025: 1月28日(除夕、周二)至2月4日(周二) off → Wednesday 02-05.
        assert_eq!(c.roll_to_working_day(d(2025, 1, 30)), Some(d(2025, 2, 5)));
        // 2026: 2月15日至23日(周一) off → Tuesday 02-24.
        assert_eq!(c.roll_to_working_day(d(2026, 2, 20)), Some(d(2026, 2, 24)));
    }

    #[test]
    fn roll_plain_weekend_and_working_days() {
        let c = cal();
        // Saturday 2025-03-15 → Monday 03-17; a working day stays put.
        assert_eq!(d(2025, 3, 15).weekday(), Weekday::Sat);
        assert_eq!(c.roll_to_working_day(d(2025, 3, 15)), Some(d(2025, 3, 17)));
        assert_eq!(c.roll_to_working_day(d(2025, 3, 16)), Some(d(2025, 3, 17)));
        assert_eq!(c.roll_to_working_day(d(2025, 3, 17)), Some(d(2025, 3, 17)));
        // A make-up Sunday is a working day: no roll.
        assert_eq!(c.roll_to_working_day(d(2025, 9, 28)), Some(d(2025, 9, 28)));
    }

    #[test]
    fn years_outside_the_calendar_give_none() {
        let c = cal();
        assert_eq!(c.is_working_day(d(2018, 6, 1)), None);
        assert_eq!(c.is_working_day(d(2027, 1, 4)), None);
        assert_eq!(c.roll_to_working_day(d(2018, 12, 30)), None);
        assert_eq!(c.source_of(2027), None);
        // Mon 2026-12-28: Tue 29, Wed 30, Thu 31 are the 1st–3rd working days;
        // a 4th would fall in 2027, which is not covered.
        assert_eq!(d(2026, 12, 28).weekday(), Weekday::Mon);
        assert_eq!(
            c.add_working_days(d(2026, 12, 28), 3),
            Some(d(2026, 12, 31))
        );
        assert_eq!(c.add_working_days(d(2026, 12, 28), 4), None);
        // A roll that would run into 2027: Thursday 2026-12-31 is a working day,
        // so it stays; nothing after it is needed.
        assert_eq!(
            c.roll_to_working_day(d(2026, 12, 31)),
            Some(d(2026, 12, 31))
        );
        // Even a huge count stops (at the first uncovered year).
        assert_eq!(c.add_working_days(d(2019, 1, 2), u32::MAX), None);
    }

    #[test]
    fn crossing_into_the_next_covered_year() {
        // Wed 2025-12-31 → 2026: 元旦 1月1日(周四)至3日(周六) off, Sunday 1月4日 worked.
        assert_eq!(
            cal().add_working_days(d(2025, 12, 31), 1),
            Some(d(2026, 1, 4))
        );
    }

    #[test]
    fn amended_years_use_the_later_notice() {
        let c = cal();
        // 2019 劳动节 adjusted to 5月1日–4日, Sundays 4月28日 and 5月5日 worked.
        assert_eq!(c.is_working_day(d(2019, 5, 2)), Some(false));
        assert_eq!(c.is_working_day(d(2019, 5, 5)), Some(true));
        assert_eq!(c.is_working_day(d(2019, 4, 28)), Some(true));
        // 2020 春节 extended to 2月2日: the make-up Saturday 2月1日 was not worked,
        // and the first working day after 1月24日 is Monday 2月3日.
        assert_eq!(c.is_working_day(d(2020, 2, 1)), Some(false));
        assert_eq!(c.roll_to_working_day(d(2020, 1, 24)), Some(d(2020, 2, 3)));
    }

    #[test]
    fn holiday_and_workday_counts_match_the_notices() {
        // Days off per year, from the notices' "共N天" (in-year days only):
        // 2019 1+7+1+4(adjusted 劳动节)+1+1+7; 2020 1+7+3(extension)+3+5+3+8;
        // 2021 and 2022 3+7+3+5+3+3+7; 2023 2(of 元旦's 3)+7+1+5+3+8;
        // 2024 1+8+3+5+1+3+7; 2025 1+8+3+5+3+8; 2026 3+9+3+5+3+3+7.
        let expected = [
            (2019, 22, 6),
            (2020, 30, 6),
            (2021, 31, 7),
            (2022, 31, 7),
            (2023, 26, 7),
            (2024, 28, 8),
            (2025, 28, 5),
            (2026, 33, 6),
        ];
        for (year, holidays, workdays) in expected {
            let y = cal().year(year).unwrap();
            assert_eq!(y.holidays.len(), holidays, "{year} holidays");
            assert_eq!(y.workdays.len(), workdays, "{year} workdays");
        }
    }

    #[test]
    fn every_shipped_year_cites_its_notice() {
        for y in cal().years() {
            let source = cal().source_of(y.year).unwrap();
            assert!(
                source.contains(&format!("关于{}年部分节假日安排的通知", y.year)),
                "{}: {source}",
                y.year
            );
            assert!(source.contains("国办发明电〔"), "{}: {source}", y.year);
            assert!(!y.where_read.is_empty(), "{}: where", y.year);
        }
        assert_eq!(cal().year(2022).unwrap().grade, SourceGrade::Official);
    }

    #[test]
    fn ranges_expand_inclusively() {
        let c = HolidayCalendar::from_toml(&one_year(
            2025,
            r#"["2025-10-01..2025-10-08", "2025-01-01"]"#,
            r#"["2025-09-28"]"#,
        ))
        .unwrap();
        let y = c.year(2025).unwrap();
        assert_eq!(y.holidays.len(), 9);
        assert!(y.holidays.contains(&d(2025, 10, 8)));
        assert_eq!(y.grade, SourceGrade::Official);
        assert_eq!(c.source_of(2025), Some("test notice"));
    }

    #[test]
    fn from_toml_rejects_a_date_in_both_lists() {
        let e = err_of(&one_year(
            2025,
            r#"["2025-10-01..2025-10-08"]"#,
            r#"["2025-10-04"]"#,
        ));
        assert!(e.contains("years[0].workdays"), "{e}");
        assert!(e.contains("2025-10-04"), "{e}");
    }

    #[test]
    fn from_toml_rejects_a_date_outside_its_year() {
        let e = err_of(&one_year(2025, r#"["2024-12-31"]"#, "[]"));
        assert!(
            e.contains("years[0].holidays[0]") && e.contains("outside year 2025"),
            "{e}"
        );
        let e = err_of(&one_year(2025, r#"["2025-12-31..2026-01-01"]"#, "[]"));
        assert!(e.contains("years[0].holidays[0]"), "{e}");
        let e = err_of(&one_year(2025, "[]", r#"["2026-01-04"]"#));
        assert!(e.contains("years[0].workdays[0]"), "{e}");
    }

    #[test]
    fn from_toml_rejects_a_weekday_workday() {
        // Monday 2025-10-13.
        let e = err_of(&one_year(2025, "[]", r#"["2025-10-13"]"#));
        assert!(
            e.contains("years[0].workdays") && e.contains("Monday"),
            "{e}"
        );
    }

    #[test]
    fn from_toml_rejects_bad_values_naming_the_key() {
        let cases: [(String, &str); 11] = [
            ("x = 1".into(), "unknown key `x`"),
            ("years = []".into(), "key `years`"),
            ("not toml [".into(), "not valid TOML"),
            (
                one_year(2025, r#"["2025-02-30"]"#, "[]"),
                "years[0].holidays[0]",
            ),
            (one_year(2025, r#"["2025-1-5"]"#, "[]"), "is not a date"),
            (one_year(2025, "[2025-01-01]", "[]"), "quote the date"),
            (
                one_year(2025, r#"["2025-10-08..2025-10-01"]"#, "[]"),
                "ends before",
            ),
            (
                one_year(2025, r#"["2025-10-01", "2025-10-01"]"#, "[]"),
                "listed twice",
            ),
            (
                one_year(2025, "[]", r#"["2025-09-27..2025-09-28"]"#),
                "is a range",
            ),
            (
                one_year(2025, "[]", "[]").replace("grade = \"official\"", "grade = \"rumour\""),
                "years[0].grade",
            ),
            (
                one_year(2025, "[]", "[]").replace("source = \"test notice\"", "source = \" \""),
                "years[0].source` is empty",
            ),
        ];
        for (text, want) in cases {
            let e = err_of(&text);
            assert!(e.contains(want), "want `{want}` in: {e}");
        }
        let twice = format!(
            "{}{}",
            one_year(2025, "[]", "[]"),
            one_year(2025, "[]", "[]")
        );
        assert!(err_of(&twice).contains("years[1].year"));
        let no_source = "[[years]]\nyear = 2025\ngrade = \"press\"\nholidays = []\nworkdays = []\n";
        assert!(err_of(no_source).contains("missing key `years[0].source`"));
        let no_workdays =
            "[[years]]\nyear = 2025\nsource = \"s\"\ngrade = \"press\"\nholidays = []\n";
        assert!(err_of(no_workdays).contains("years[0].workdays"));
        let stray = format!("{}colour = \"red\"\n", one_year(2025, "[]", "[]"));
        assert!(err_of(&stray).contains("unknown key `years[0].colour`"));
        let huge = one_year(2025, "[]", "[]").replace("year = 2025", "year = 99999999999");
        assert!(err_of(&huge).contains("years[0].year"));
    }
}
