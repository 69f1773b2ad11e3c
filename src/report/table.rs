//! A report table as the writers see it: typed columns and rows produced on
//! demand (so a million-row table is never held as cells all at once).

use crate::model::Month;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::borrow::Cow;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Int,
    /// Two decimals, `#,##0.00` in the workbook.
    Money,
    /// `YYYY-MM`.
    Month,
    /// `YYYY-MM-DD`.
    Date,
    Bool,
}

#[derive(Copy, Clone, Debug)]
pub struct Column {
    /// The CSV header and English workbook header (the interface of SPEC §4).
    pub key: &'static str,
    /// The Chinese workbook header.
    pub zh: &'static str,
    pub kind: ColumnKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    /// Borrowed from the results where it can be: no allocation per cell.
    Text(Cow<'a, str>),
    Int(i64),
    Money(Decimal),
    Month(Month),
    Date(NaiveDate),
    Bool(bool),
}

/// A table the writers (CSV, xlsx, Parquet) stream row by row.
pub trait Table: Sync {
    /// File stem: `persons` → `persons.csv`.
    fn name(&self) -> &'static str;
    fn sheet_zh(&self) -> &'static str;
    fn sheet_en(&self) -> &'static str;
    fn columns(&self) -> &[Column];
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `out` (cleared first) with row `i`'s values, already masked as
    /// asked; the texts a person reads (details, messages) in English, as
    /// the CSV reports write them.
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>);
    /// [`row`](Table::row) with those texts in `lang` (the workbook's).
    fn row_in<'s>(&'s self, i: usize, lang: crate::cli::Lang, out: &mut Vec<Value<'s>>) {
        let _ = lang;
        self.row(i, out)
    }
}

/// The first rows of a table: a large run's workbook sheet, whose CSV holds
/// every row.
pub struct Head<'a> {
    inner: &'a dyn Table,
    shown: usize,
}

impl<'a> Head<'a> {
    /// At most `limit` rows of `inner`.
    pub fn new(inner: &'a dyn Table, limit: usize) -> Self {
        Head {
            inner,
            shown: inner.len().min(limit),
        }
    }
    /// Rows of the whole table.
    pub fn total(&self) -> usize {
        self.inner.len()
    }
    /// Whether rows were left out.
    pub fn is_cut(&self) -> bool {
        self.shown < self.inner.len()
    }
}

impl Table for Head<'_> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn sheet_zh(&self) -> &'static str {
        self.inner.sheet_zh()
    }
    fn sheet_en(&self) -> &'static str {
        self.inner.sheet_en()
    }
    fn columns(&self) -> &[Column] {
        self.inner.columns()
    }
    fn len(&self) -> usize {
        self.shown
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        self.inner.row(i, out)
    }
    fn row_in<'s>(&'s self, i: usize, lang: crate::cli::Lang, out: &mut Vec<Value<'s>>) {
        self.inner.row_in(i, lang, out)
    }
}

/// Money rounded half-up (四舍五入) to cents, the only rounding reports apply.
pub fn round_money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Money as reports print it: exactly two decimals, no thousands separator.
pub fn format_money(d: Decimal) -> String {
    format!("{:.2}", round_money(d))
}

/// Whether a spreadsheet would run this text as a formula (or a DDE command):
/// it starts with `=`, `+`, `-`, `@`, a tab or a carriage return.
pub fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

impl Value<'_> {
    /// The cell as text in the SPEC's forms: months `YYYY-MM`, dates
    /// `YYYY-MM-DD`, money with two decimals, `true`/`false`, blank for Null.
    /// Text is returned as is (formula neutralisation is the writer's job).
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        self.push_text(&mut out);
        // Every byte pushed comes from a `str` or is an ASCII digit or sign.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends [`to_text`](Value::to_text)'s bytes to `out` without the
    /// formatter (the CSV writer's hot path): digits written directly.
    pub fn push_text(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        match self {
            Value::Null => {}
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
            Value::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::Money(d) => push_money(*d, out),
            Value::Month(m) => {
                if !push_ym(m.year(), m.month(), out) {
                    let _ = write!(out, "{m}");
                }
            }
            Value::Date(d) => {
                if push_ym(d.year(), d.month(), out) {
                    out.push(b'-');
                    push2(d.day(), out);
                } else {
                    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
                }
            }
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        }
    }
}

/// Two ASCII digits of `n` (0..=99).
fn push2(n: u32, out: &mut Vec<u8>) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `YYYY-MM` / `YYYY-MM-DD` for years 0..=9999 (all a run can hold; others
/// fall back to the formatter).
fn push_ym(year: i32, month: u32, out: &mut Vec<u8>) -> bool {
    if !(0..=9999).contains(&year) {
        return false;
    }
    let y = year as u32;
    push2(y / 100, out);
    push2(y % 100, out);
    out.push(b'-');
    push2(month, out);
    true
}

/// Money with exactly two decimals, rounded half-up, no thousands separator:
/// the same text as `format!("{:.2}", round_money(d))`, without the formatter.
fn push_money(d: rust_decimal::Decimal, out: &mut Vec<u8>) {
    let r = round_money(d);
    let scale = r.scale();
    let m = r.mantissa();
    if m == 0 && !r.is_sign_negative() {
        // Every person's totals are mostly zero.
        out.extend_from_slice(b"0.00");
        return;
    }
    if m == 0 || scale > 2 {
        // Zero keeps the formatter's sign handling; scale > 2 cannot follow rounding.
        let _ = std::io::Write::write_fmt(out, format_args!("{r:.2}"));
        return;
    }
    let cents = m.unsigned_abs() * 10u128.pow(2 - scale);
    if m < 0 {
        out.push(b'-');
    }
    let mut ibuf = itoa::Buffer::new();
    out.extend_from_slice(ibuf.format(cents / 100).as_bytes());
    out.push(b'.');
    push2((cents % 100) as u32, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_rounded_half_up_to_two_decimals() {
        // 35.986 → 35.99 (SPEC §5 late fee); 0.125 → 0.13 (half-up, not banker's 0.12).
        assert_eq!(format_money(Decimal::from_str("35.986").unwrap()), "35.99");
        assert_eq!(format_money(Decimal::from_str("0.125").unwrap()), "0.13");
        assert_eq!(format_money(Decimal::from_str("-0.125").unwrap()), "-0.13");
        assert_eq!(format_money(Decimal::from(2366)), "2366.00");
    }

    #[test]
    fn values_print_in_spec_forms() {
        assert_eq!(
            Value::Month(Month::new(2025, 4).unwrap()).to_text(),
            "2025-04"
        );
        let d = NaiveDate::from_ymd_opt(2025, 4, 4).unwrap();
        assert_eq!(Value::Date(d).to_text(), "2025-04-04");
        assert_eq!(Value::Bool(true).to_text(), "true");
        assert_eq!(Value::Null.to_text(), "");
        assert!(looks_like_formula("=1+1"));
        assert!(looks_like_formula("\tx"));
        assert!(!looks_like_formula("张三"));
    }
}
