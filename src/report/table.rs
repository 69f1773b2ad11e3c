//! A report table as the writers see it: typed columns and rows produced on
//! demand (so a million-row table is never held as cells all at once).

use crate::model::Month;
use chrono::NaiveDate;
use rust_decimal::Decimal;

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
pub enum Value {
    Null,
    Text(String),
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
    /// Fills `out` (cleared first) with row `i`'s values, already masked as asked.
    fn row(&self, i: usize, out: &mut Vec<Value>);
}
