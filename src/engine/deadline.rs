//! Filing deadlines (SPEC §3 rules 3 and 14): a date plus a pack's number of
//! days, counted as calendar days or as working days (weekends and public
//! holidays skipped, make-up working days 调休 counted, from the holiday
//! calendar `schemas/calendars/cn.toml`), and optionally a calendar-day
//! deadline that falls on a day off moved to the next working day (民法典
//! 第二百零三条).

use crate::calendar::HolidayCalendar;
use crate::policy::{DaysKind, Rules};
use chrono::NaiveDate;

/// A deadline and how it was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Working days were asked for but the calendar does not cover the years
    /// crossed: counted as calendar days instead.
    pub calendar_fallback: bool,
}

/// `start` + `days` as `rules` count them.
pub fn after(rules: &Rules, start: NaiveDate, days: u32) -> Deadline {
    let cal = HolidayCalendar::shipped();
    let plain = start + chrono::Days::new(u64::from(days));
    match rules.filing_days_kind {
        DaysKind::Working => match cal.add_working_days(start, days) {
            Some(date) => Deadline {
                date,
                calendar_fallback: false,
            },
            None => Deadline {
                date: plain,
                calendar_fallback: true,
            },
        },
        DaysKind::Calendar => Deadline {
            date: if rules.roll_deadline_to_working_day {
                cal.roll_to_working_day(plain).unwrap_or(plain)
            } else {
                plain
            },
            calendar_fallback: false,
        },
    }
}

/// "days" or "working days", for flag texts.
pub fn unit(rules: &Rules) -> crate::text::Msg {
    match rules.filing_days_kind {
        DaysKind::Calendar => crate::text::Msg::unit_days,
        DaysKind::Working => crate::text::Msg::unit_working_days,
    }
}
