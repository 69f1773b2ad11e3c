//! Cell values and how each kind of value is read: dates (every format SPEC §2.1
//! lists, Excel date cells and serials in the 1900 and 1904 systems), money
//! (`8,000.00`, `¥8000`, `8000元`, full-width digits), and text trimming.
//!
//! Ambiguous or impossible dates are errors, never guesses.

use crate::ingest::schema::trim_spaces;
use crate::model::Month;
use crate::text;
use crate::text::Text;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// One cell as a reader delivers it, independent of the file format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    /// Text as written (CSV fields, Excel string cells). Not yet trimmed.
    Text(&'a str),
    /// An Excel number cell.
    Float(f64),
    /// An Excel integer cell (xls/ods).
    Int(i64),
    Bool(bool),
    /// An Excel date cell: serial number and whether the workbook uses the 1904 system.
    Date {
        serial: f64,
        is_1904: bool,
    },
    /// An ISO-8601 date(time) text from an ODS date cell.
    IsoDate(&'a str),
    /// An Excel error cell (`#N/A`…).
    Error(&'static str),
}

/// The error values spreadsheets show for failed formulas (Excel, WPS,
/// LibreOffice `Err:NNN`), as a CSV export writes them.
pub fn is_error_text(s: &str) -> bool {
    const ERRORS: [&str; 16] = [
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#ERROR",
    ];
    if s.starts_with('#') {
        return ERRORS.iter().any(|e| s.eq_ignore_ascii_case(e));
    }
    s.strip_prefix("Err:")
        .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

impl<'a> Cell<'a> {
    /// Blank: empty, or text of spaces only.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => trim_spaces(s).is_empty(),
            _ => false,
        }
    }

    /// Why this cell is no usable text for a code or a name: a spreadsheet
    /// error (an error cell, or its text as a CSV export writes it) or a
    /// control character inside. `None` for ordinary text.
    #[inline]
    pub fn bad_text(&self) -> Option<Text> {
        // The row loop's path, one pass over the bytes: no error value can
        // start without `#` or `Err:` once spaces are trimmed (ASCII spaces and
        // U+3000, lead byte E3), and no control character hides in text
        // without a byte below 0x20, DEL or a C2 lead (U+0080–U+009F).
        if let Cell::Text(s) = self {
            let b = s.as_bytes();
            if !b.starts_with(b"Err:")
                && !b
                    .iter()
                    .any(|&c| c <= 0x20 || c == 0x7F || c == 0xC2 || c == 0xE3 || c == b'#')
            {
                return None;
            }
        }
        self.bad_text_slow()
    }

    #[cold]
    fn bad_text_slow(&self) -> Option<Text> {
        let text = match self {
            Cell::Error(e) => return Some(text!(cell_error, e.to_string())),
            Cell::Text(s) => trim_spaces(s),
            _ => return None,
        };
        if is_error_text(text) {
            return Some(text!(error_text, text));
        }
        text.chars()
            .find(|c| c.is_control())
            .map(|c| text!(control_character, format!("{:04X}", c as u32)))
    }

    /// The value as text, as a user would see it (for reject messages and text columns).
    pub fn raw(&self) -> Cow<'a, str> {
        match *self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(trim_spaces(s)),
            Cell::Float(f) => Cow::Owned(format_number(f)),
            Cell::Int(i) => Cow::Owned(i.to_string()),
            Cell::Bool(b) => Cow::Borrowed(if b { "TRUE" } else { "FALSE" }),
            Cell::Date { serial, is_1904 } => Cow::Owned(match serial_to_date(serial, is_1904) {
                Some(d) => d.to_string(),
                None => format_number(serial),
            }),
            Cell::IsoDate(s) => Cow::Borrowed(trim_spaces(s)),
            Cell::Error(e) => Cow::Borrowed(e),
        }
    }
}

/// `8000` for 8000.0, `0.5` for 0.5, `1.10105194912310e17` style for huge numbers.
pub fn format_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else if f.abs() >= 1e15 {
        format!("{f:E}")
    } else {
        format!("{f}")
    }
}

/// Why a date value was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Not a date in any accepted format, or a day that does not exist.
    Bad(Text),
    /// Could be read more than one way (`03/05/2025`, 2-digit years).
    Ambiguous(Text),
}

/// Excel serial number to a date. 1900 system: day 1 = 1900-01-01, with Excel's
/// phantom 1900-02-29 (serial 60), so serials from 61 on count from 1899-12-30.
/// 1904 system: day 0 = 1904-01-01. The time of day is dropped.
pub fn serial_to_date(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)?.checked_add_days(chrono::Days::new(days as u64))
    } else {
        if days < 1 || days == 60 {
            return None; // 1900-01-00 and the non-existent 1900-02-29
        }
        let base = if days < 60 {
            NaiveDate::from_ymd_opt(1899, 12, 31)?
        } else {
            NaiveDate::from_ymd_opt(1899, 12, 30)?
        };
        base.checked_add_days(chrono::Days::new(days as u64))
    }
}

/// Reads a date from a cell. Text: `2025-03-05`, `2025/3/5`, `2025.3.5`,
/// `20250305`, `2025年3月5日` (a time after a space is ignored); Excel date
/// cells; numbers as Excel serials (`is_1904` says which system the workbook uses).
pub fn parse_date_cell(cell: Cell<'_>, is_1904: bool) -> Result<NaiveDate, DateError> {
    match cell {
        Cell::Date { serial, is_1904 } => serial_to_date(serial, is_1904)
            .ok_or_else(|| DateError::Bad(text!(serial_out_of_range, format!("{serial}")))),
        Cell::Float(f) => parse_number_date(f, is_1904),
        Cell::Int(i) => parse_number_date(i as f64, is_1904),
        Cell::Text(s) | Cell::IsoDate(s) => parse_date_text(s, is_1904),
        other => Err(DateError::Bad(text!(not_a_date, other.raw()))),
    }
}

/// Reads a month from a month-only column: `202504` as text or a number,
/// `2025-04`, `2025/04`, `2025.4`, `2025年4月`, a date (text, an Excel date
/// cell or an Excel serial: its month). `201391` is not a month.
pub fn parse_month_cell(cell: Cell<'_>, is_1904: bool) -> Result<Month, Text> {
    let bad = |raw: &str| text!(not_a_month, raw);
    match cell {
        Cell::Date { .. } => parse_date_cell(cell, is_1904)
            .map(Month::of)
            .map_err(|_| bad(&cell.raw())),
        Cell::Int(i) => month_number(i as f64, is_1904).ok_or_else(|| bad(&i.to_string())),
        Cell::Float(f) => month_number(f, is_1904).ok_or_else(|| bad(&format_number(f))),
        Cell::Text(s) | Cell::IsoDate(s) => {
            let t = trim_spaces(s);
            if let Some(m) = Month::parse(t) {
                return Ok(m);
            }
            // Six digits that are no month (`201391`) are refused, never read
            // as a date or a serial.
            if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(t));
            }
            parse_date_text(t, is_1904)
                .map(Month::of)
                .map_err(|_| bad(t))
        }
        other => Err(bad(&other.raw())),
    }
}

/// A number in a month column: `202504`, else a date as a number
/// (`20250401`) or a whole Excel serial of a day from 1950 on (a year such
/// as `2025`, or `2025.5`, is no month).
fn month_number(f: f64, is_1904: bool) -> Option<Month> {
    if f.fract() != 0.0 {
        return None;
    }
    if (100_001.0..=999_912.0).contains(&f) {
        return Month::parse(&format!("{}", f as i64));
    }
    let d = parse_number_date(f, is_1904).ok()?;
    (d.year() >= 1950).then(|| Month::of(d))
}

/// A number in a date column: `20250305` written as a number, else an Excel serial.
pub fn parse_number_date(f: f64, is_1904: bool) -> Result<NaiveDate, DateError> {
    if f.fract() == 0.0 && (10_000_101.0..=99_991_231.0).contains(&f) {
        return parse_date_text(&format!("{}", f as i64), is_1904);
    }
    serial_to_date(f, is_1904)
        .ok_or_else(|| DateError::Bad(text!(not_a_date_or_serial, format_number(f))))
}

/// Reads a date written as text (see [`parse_date_cell`]).
pub fn parse_date_text(raw: &str, is_1904: bool) -> Result<NaiveDate, DateError> {
    // Fast path: `YYYY-MM-DD`, the form of nearly every machine export.
    let b = raw.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
            && (1900..=2100).contains(&y)
            && let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d)
        {
            return Ok(date);
        }
    }
    let s = trim_spaces(raw);
    // Drop a time part: `2025-03-05 00:00:00`, `2025-03-05T00:00:00`.
    let s = match s.find([' ', 'T']) {
        Some(i) if i >= 8 => trim_spaces(&s[..i]),
        _ => s,
    };
    let bad = || DateError::Bad(text!(date_text_bad, s));
    let impossible = |y: i32, m: u32, d: u32| {
        DateError::Bad(text!(date_impossible, format!("{y:04}-{m:02}-{d:02}")))
    };
    if s.is_empty() {
        return Err(bad());
    }
    let b = s.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return match b.len() {
            8 => {
                let y: i32 = s[..4].parse().map_err(|_| bad())?;
                let m: u32 = s[4..6].parse().map_err(|_| bad())?;
                let d: u32 = s[6..].parse().map_err(|_| bad())?;
                if !(1900..=2100).contains(&y) {
                    return Err(bad());
                }
                NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| impossible(y, m, d))
            }
            // A bare serial number in a text cell or a CSV exported from Excel.
            5 => {
                let n: f64 = s.parse().map_err(|_| bad())?;
                serial_to_date(n, is_1904).ok_or_else(bad)
            }
            6 => Err(DateError::Ambiguous(text!(date_six_digits, s))),
            _ => Err(bad()),
        };
    }
    // 2025年3月5日
    if let Some(rest) = s.strip_suffix('日') {
        let mut parts = rest.split(['年', '月']);
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        return ymd_parts(y, m, d).ok_or_else(bad).and_then(|(y, m, d)| {
            if y < 100 {
                return Err(DateError::Ambiguous(text!(date_two_digit_year, s)));
            }
            if !(1900..=2100).contains(&y) {
                return Err(bad());
            }
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| impossible(y, m, d))
        });
    }
    // Y-M-D with one separator kind among - / .
    let sep = match b.iter().find(|c| !c.is_ascii_digit()) {
        Some(&c @ (b'-' | b'/' | b'.')) => c as char,
        _ => return Err(bad()),
    };
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(bad());
    }
    if parts[0].len() == 4 {
        if parts[1].len() > 2 || parts[2].len() > 2 {
            return Err(bad());
        }
        let (y, m, d) = ymd_parts(parts[0], parts[1], parts[2]).ok_or_else(bad)?;
        if !(1900..=2100).contains(&y) {
            return Err(bad());
        }
        return NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| impossible(y, m, d));
    }
    if parts[0].len() <= 2 && parts[1].len() <= 2 && matches!(parts[2].len(), 2 | 4) {
        return Err(DateError::Ambiguous(text!(date_day_month_order, s)));
    }
    Err(bad())
}

fn ymd_parts(y: &str, m: &str, d: &str) -> Option<(i32, u32, u32)> {
    let y = y.trim();
    if y.is_empty() || m.is_empty() || d.is_empty() || m.len() > 2 || d.len() > 2 || y.len() > 4 {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

/// Full-width digits and punctuation (０-９, ，．￥) to ASCII; `None` when there is none.
fn ascii_fold(s: &str) -> Option<String> {
    if s.is_ascii() {
        return None;
    }
    Some(
        s.chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '，' => ',',
                '．' => '.',
                '－' => '-',
                '＋' => '+',
                '￥' => '¥',
                other => other,
            })
            .collect(),
    )
}

/// Reads a money amount (元): `8000`, `8,000.00`, `¥8000`, `8000元`, `８０００`.
/// Negative amounts, several decimal points and anything else are errors.
pub fn parse_money_text(raw: &str) -> Result<Decimal, Text> {
    let d = parse_money_signed(raw)?;
    if d.is_sign_negative() {
        return Err(text!(money_negative, trim_spaces(raw)));
    }
    Ok(d)
}

/// The one money grammar of every input (events' wages, the ledger's paid
/// amounts): [`parse_money_text`]'s forms with an optional leading minus
/// (`-947.00`, `－９４７`: a reversal in a ledger). The value keeps the
/// scale written (`8000.50` has scale 2).
pub fn parse_money_signed(raw: &str) -> Result<Decimal, Text> {
    // Fast path: plain digits with at most one decimal point (`8000`,
    // `8000.50`, `-947.10`), up to 18 digits: the mantissa and scale read
    // directly, as `Decimal::from_str` would give them.
    let b = raw.as_bytes();
    let (minus, digits_b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if !digits_b.is_empty()
        && digits_b.len() <= 19
        && digits_b[0].is_ascii_digit()
        && digits_b[digits_b.len() - 1].is_ascii_digit()
    {
        let mut mantissa: i64 = 0;
        let mut point: Option<usize> = None;
        let mut plain = true;
        for (i, &c) in digits_b.iter().enumerate() {
            match c {
                b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(c - b'0'),
                b'.' if point.is_none() => point = Some(i),
                _ => {
                    plain = false;
                    break;
                }
            }
        }
        let digits = digits_b.len() - usize::from(point.is_some());
        if plain && digits <= 18 {
            let scale = point.map_or(0, |p| digits_b.len() - p - 1) as u32;
            let value = Decimal::new(mantissa, scale);
            return Ok(if minus { -value } else { value });
        }
    }
    let trimmed = trim_spaces(raw);
    let folded = ascii_fold(trimmed);
    let s = folded.as_deref().unwrap_or(trimmed);
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, trim_spaces(rest)),
        None => (false, s),
    };
    let s = trim_spaces(s.trim_start_matches(['¥', '￥']).trim_end_matches('元'));
    let s = s
        .strip_prefix("RMB")
        .or_else(|| s.strip_prefix("CNY"))
        .unwrap_or(s);
    let s = trim_spaces(s);
    let err = || text!(money_text_bad, trimmed);
    if s.is_empty() {
        return Err(err());
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) if !negative => (true, rest),
        Some(_) => return Err(err()),
        None => (negative, s.strip_prefix('+').unwrap_or(s)),
    };
    // Thousands separators: only between digit groups of three.
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int_part.is_empty()
        || frac_part.is_some_and(|f| f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(err());
    }
    let digits: String = if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(err());
        }
        groups.concat()
    } else {
        if !int_part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        int_part.to_string()
    };
    let text = match frac_part {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    let value = text.parse::<Decimal>().map_err(|_| err())?;
    Ok(if negative { -value } else { value })
}

/// A spreadsheet number as the decimal it shows: its shortest round-trip
/// text (`980.0000000000001` stays so; callers round).
pub fn float_decimal(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    format!("{f}")
        .parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&format!("{f:e}")).ok())
}

/// Reads money from a cell: text as [`parse_money_text`], numbers exactly as shown.
pub fn parse_money_cell(cell: Cell<'_>) -> Result<Decimal, Text> {
    match cell {
        Cell::Text(s) => parse_money_text(s),
        Cell::Int(i) if i >= 0 => Ok(Decimal::from(i)),
        Cell::Float(f) if f >= 0.0 && f.is_finite() => {
            // The shortest text that round-trips the float is what the cell shows.
            float_decimal(f).ok_or_else(|| text!(money_not_amount, format!("{f}")))
        }
        Cell::Int(_) | Cell::Float(_) => Err(text!(money_negative, cell.raw())),
        other => Err(text!(money_not_amount, other.raw())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_every_form_real_files_use() {
        let m = |y, mo| Month::new(y, mo).unwrap();
        for (cell, want) in [
            (Cell::Text("201201"), m(2012, 1)),
            (Cell::Text(" 2025-03 "), m(2025, 3)),
            (Cell::Text("2025/03"), m(2025, 3)),
            (Cell::Text("2025.3"), m(2025, 3)),
            (Cell::Text("2025年3月"), m(2025, 3)),
            (Cell::Text("2025-03-01"), m(2025, 3)),
            (Cell::Text("2025年3月1日"), m(2025, 3)),
            (Cell::Float(201201.0), m(2012, 1)),
            (Cell::Int(202512), m(2025, 12)),
            // 2025-06-01 as an Excel serial, and as a date cell.
            (Cell::Float(45809.0), m(2025, 6)),
            (
                Cell::Date {
                    serial: 45809.0,
                    is_1904: false,
                },
                m(2025, 6),
            ),
            (Cell::Float(20250601.0), m(2025, 6)),
        ] {
            assert_eq!(parse_month_cell(cell, false), Ok(want), "{cell:?}");
        }
        for bad in [
            Cell::Text("201391"),
            Cell::Text("202500"),
            Cell::Text("2025-13"),
            Cell::Text("三月"),
            Cell::Float(201391.0),
            Cell::Float(2025.5),
            Cell::Int(2025),
            Cell::Bool(true),
        ] {
            let e = parse_month_cell(bad, false).unwrap_err();
            assert!(e.en().contains("is not a month"), "{bad:?}: {e}");
        }
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_text_date_format_of_the_spec() {
        for s in [
            "2025-03-05",
            "2025/3/5",
            "2025.3.5",
            "20250305",
            "2025年3月5日",
            " 2025-3-05 ",
            "2025-03-05 00:00:00",
            "　2025/03/05　",
        ] {
            assert_eq!(parse_date_text(s, false), Ok(d(2025, 3, 5)), "{s}");
        }
    }

    #[test]
    fn impossible_dates_are_bad_and_ambiguous_ones_are_not_guessed() {
        assert!(
            matches!(parse_date_text("2025-02-30", false), Err(DateError::Bad(m)) if m.en().contains("2025-02-30 does not exist"))
        );
        assert!(matches!(
            parse_date_text("20250230", false),
            Err(DateError::Bad(_))
        ));
        assert!(matches!(
            parse_date_text("2025年2月29日", false),
            Err(DateError::Bad(_))
        ));
        assert!(matches!(
            parse_date_text("2025-13-01", false),
            Err(DateError::Bad(_))
        ));
        assert!(matches!(
            parse_date_text("03/05/2025", false),
            Err(DateError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_date_text("5/3/25", false),
            Err(DateError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_date_text("25-03-05", false),
            Err(DateError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_date_text("250305", false),
            Err(DateError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_date_text("25年3月5日", false),
            Err(DateError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_date_text("next monday", false),
            Err(DateError::Bad(_))
        ));
        assert!(matches!(
            parse_date_text("2025-03/05", false),
            Err(DateError::Bad(_))
        ));
    }

    #[test]
    fn excel_serials_in_both_date_systems() {
        // 1900 system: serial 45721 = 2025-03-05 (45658 = 2025-01-01, +63 days).
        assert_eq!(serial_to_date(45721.0, false), Some(d(2025, 3, 5)));
        assert_eq!(serial_to_date(45721.75, false), Some(d(2025, 3, 5)));
        // 1904 system counts 1462 days fewer: 45721 - 1462 = 44259.
        assert_eq!(serial_to_date(44259.0, true), Some(d(2025, 3, 5)));
        assert_eq!(serial_to_date(1.0, false), Some(d(1900, 1, 1)));
        assert_eq!(serial_to_date(60.0, false), None);
        assert_eq!(serial_to_date(61.0, false), Some(d(1900, 3, 1)));
        assert_eq!(serial_to_date(-3.0, false), None);
        assert_eq!(
            parse_date_cell(Cell::Float(45721.0), false),
            Ok(d(2025, 3, 5))
        );
        assert_eq!(
            parse_date_cell(Cell::Float(44259.0), true),
            Ok(d(2025, 3, 5))
        );
        assert_eq!(
            parse_date_cell(Cell::Int(20250305), false),
            Ok(d(2025, 3, 5))
        );
        assert_eq!(
            parse_date_cell(
                Cell::Date {
                    serial: 44259.0,
                    is_1904: true
                },
                false
            ),
            Ok(d(2025, 3, 5))
        );
        assert_eq!(
            parse_date_cell(Cell::IsoDate("2025-03-05T00:00:00"), false),
            Ok(d(2025, 3, 5))
        );
        assert_eq!(parse_date_text("45721", false), Ok(d(2025, 3, 5)));
        assert!(parse_date_cell(Cell::Bool(true), false).is_err());
    }

    #[test]
    fn money_in_every_written_form() {
        for s in [
            "8000",
            "8,000.00",
            "¥8000",
            "8000元",
            "８０００",
            "８，０００．００",
            "￥8,000",
            " 8000 元 ",
        ] {
            assert_eq!(parse_money_text(s), Ok(dec("8000")), "{s}");
        }
        assert_eq!(parse_money_text("12,345.67"), Ok(dec("12345.67")));
        // The fast path gives exactly what `Decimal::from_str` gives, scale too.
        for t in [
            "0",
            "7",
            "8000",
            "8000.5",
            "8000.50",
            "0012.50",
            "0.001",
            "123456789012345678",
            "12345678901234567.8",
            "99999999999999999.9",
        ] {
            let got = parse_money_text(t).unwrap();
            let want = dec(t);
            assert_eq!((got, got.scale()), (want, want.scale()), "{t}");
        }
        // Past 18 digits the general parser decides.
        assert_eq!(
            parse_money_text("1234567890123456789"),
            Ok(dec("1234567890123456789"))
        );
        assert_eq!(parse_money_cell(Cell::Float(8000.5)), Ok(dec("8000.5")));
        assert_eq!(parse_money_cell(Cell::Int(9000)), Ok(dec("9000")));
        for bad in [
            "-8000",
            "abc",
            "8,00",
            "80,00.0",
            "8000.",
            "1.2.3",
            "¥",
            "8000美元",
        ] {
            assert!(parse_money_text(bad).is_err(), "{bad}");
        }
        assert!(parse_money_cell(Cell::Float(-1.0)).is_err());
    }

    #[test]
    fn signed_money_is_the_same_grammar_with_a_minus() {
        for (s, want) in [
            ("-947.10", "-947.10"),
            ("-8,000.00", "-8000.00"),
            ("－８０００", "-8000"),
            ("-¥8000", "-8000"),
            ("¥-8000", "-8000"),
            ("+8000", "8000"),
            ("8000", "8000"),
        ] {
            let got = parse_money_signed(s).unwrap();
            assert_eq!((got, got.scale()), (dec(want), dec(want).scale()), "{s}");
        }
        for bad in ["--8000", "-", "-abc", "- -1", "-8,00"] {
            assert!(parse_money_signed(bad).is_err(), "{bad}");
        }
        // The unsigned reader refuses what the signed one reads as negative.
        assert_eq!(
            parse_money_text("-947.10").map_err(|e| e.en()),
            Err("-947.10 is negative".into())
        );
        assert_eq!(
            float_decimal(980.0000000000001),
            Some(dec("980.0000000000001"))
        );
        assert_eq!(float_decimal(f64::NAN), None);
    }

    #[test]
    fn raw_text_of_cells() {
        assert_eq!(Cell::Float(1.10105194912310e17).raw(), "1.1010519491231E17");
        assert_eq!(Cell::Float(8000.0).raw(), "8000");
        assert_eq!(Cell::Text(" 张三　").raw(), "张三");
        assert!(Cell::Text(" 　").is_blank());
    }
}
