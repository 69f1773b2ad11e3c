//! Parquet in and out: typed Parquet copies of the report tables
//! (`--format parquet`), and ledger input from Parquet files.
//!
//! Written types: Text → String, Int → Int64, Money → Decimal(18, 2),
//! Month → Date (the first day of the month), Date → Date, Bool → Boolean;
//! `Value::Null` → null. Column names are the tables' `key`s. Output is
//! zstd-compressed with polars' defaults, which carry no time stamp: the same
//! table gives the same bytes.

use super::aggregate::{EmployerSource, LedgerStore, RowBatch};
use super::schema::LedgerSchema;
use super::values::{self, Cell};
use crate::model::{Reject, Shape, SheetReport, SourceRef};
use crate::report::table::{ColumnKind, Table, Value};
use anyhow::{Context, bail};
use polars::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use std::path::Path;

/// Money columns: 18 digits, 2 after the point (up to 10^16 元).
const MONEY_PRECISION: usize = 18;
const MONEY_SCALE: u32 = 2;

/// One column being filled from the table's rows.
enum Builder {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Money(Vec<Option<i128>>),
    /// Month and Date, as days since 1970-01-01.
    Date(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
}

impl Builder {
    fn new(kind: ColumnKind, rows: usize) -> Builder {
        match kind {
            ColumnKind::Text => Builder::Text(Vec::with_capacity(rows)),
            ColumnKind::Int => Builder::Int(Vec::with_capacity(rows)),
            ColumnKind::Money => Builder::Money(Vec::with_capacity(rows)),
            ColumnKind::Month | ColumnKind::Date => Builder::Date(Vec::with_capacity(rows)),
            ColumnKind::Bool => Builder::Bool(Vec::with_capacity(rows)),
        }
    }

    fn push(&mut self, value: &Value) -> Result<(), String> {
        match (self, value) {
            (Builder::Text(v), Value::Null) => v.push(None),
            (Builder::Int(v), Value::Null) => v.push(None),
            (Builder::Money(v), Value::Null) => v.push(None),
            (Builder::Date(v), Value::Null) => v.push(None),
            (Builder::Bool(v), Value::Null) => v.push(None),
            (Builder::Text(v), Value::Text(s)) => v.push(Some(s.to_string())),
            (Builder::Int(v), Value::Int(i)) => v.push(Some(*i)),
            (Builder::Money(v), Value::Money(d)) => v.push(Some(money_mantissa(*d))),
            (Builder::Date(v), Value::Month(m)) => {
                v.push(Some(values::days_since_epoch(m.first_day())))
            }
            (Builder::Date(v), Value::Date(d)) => v.push(Some(values::days_since_epoch(*d))),
            (Builder::Bool(v), Value::Bool(b)) => v.push(Some(*b)),
            (_, other) => return Err(format!("a {other:?} value does not fit the column's type")),
        }
        Ok(())
    }

    fn into_column(self, name: &str) -> PolarsResult<Column> {
        let name: PlSmallStr = name.into();
        Ok(match self {
            Builder::Text(v) => StringChunked::from_iter_options(name, v.into_iter()).into_column(),
            Builder::Int(v) => Int64Chunked::from_iter_options(name, v.into_iter()).into_column(),
            Builder::Money(v) => Int128Chunked::from_iter_options(name, v.into_iter())
                .into_decimal(MONEY_PRECISION, MONEY_SCALE as usize)?
                .into_column(),
            Builder::Date(v) => Int32Chunked::from_iter_options(name, v.into_iter())
                .into_date()
                .into_column(),
            Builder::Bool(v) => {
                BooleanChunked::from_iter_options(name, v.into_iter()).into_column()
            }
        })
    }
}

/// The amount in 分 as the Decimal(18, 2) mantissa, rounded half-up (四舍五入).
fn money_mantissa(d: Decimal) -> i128 {
    let mut r = d.round_dp_with_strategy(MONEY_SCALE, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(MONEY_SCALE);
    r.mantissa()
}

/// Writes `table` to `path` as typed Parquet.
pub fn write_table(path: &Path, table: &dyn Table) -> anyhow::Result<()> {
    let columns = table.columns();
    let rows = table.len();
    let mut builders: Vec<Builder> = columns.iter().map(|c| Builder::new(c.kind, rows)).collect();
    let mut row = Vec::with_capacity(columns.len());
    for i in 0..rows {
        table.row(i, &mut row);
        if row.len() != columns.len() {
            bail!(
                "{}: row {i} has {} values for {} columns",
                table.name(),
                row.len(),
                columns.len()
            );
        }
        for ((builder, value), column) in builders.iter_mut().zip(&row).zip(columns) {
            builder
                .push(value)
                .map_err(|e| anyhow::anyhow!("{}.{} row {i}: {e}", table.name(), column.key))?;
        }
    }
    let cols = builders
        .into_iter()
        .zip(columns)
        .map(|(b, c)| b.into_column(c.key))
        .collect::<PolarsResult<Vec<Column>>>()?;
    let mut df = DataFrame::new(rows, cols)?;
    let file = std::fs::File::create(path).with_context(|| format!("{}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    ParquetWriter::new(&mut out)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    std::io::Write::flush(&mut out).with_context(|| format!("{}", path.display()))?;
    Ok(())
}

/// Rows of a Parquet ledger read at a time.
const SLICE_ROWS: usize = 1 << 20;

fn cell<'a>(value: AnyValue<'a>) -> Cell<'a> {
    match value {
        AnyValue::Null => Cell::Empty,
        AnyValue::String(s) => Cell::Text(s),
        AnyValue::Boolean(b) => Cell::Bool(b),
        AnyValue::Int8(i) => Cell::Int(i as i64),
        AnyValue::Int16(i) => Cell::Int(i as i64),
        AnyValue::Int32(i) => Cell::Int(i as i64),
        AnyValue::Int64(i) => Cell::Int(i),
        AnyValue::UInt8(i) => Cell::Int(i as i64),
        AnyValue::UInt16(i) => Cell::Int(i as i64),
        AnyValue::UInt32(i) => Cell::Int(i as i64),
        AnyValue::UInt64(i) => i64::try_from(i).map_or(Cell::Text("out of range"), Cell::Int),
        AnyValue::Float32(f) => Cell::Float(f as f64),
        AnyValue::Float64(f) => Cell::Float(f),
        AnyValue::Date(days) => values::date_from_days(days).map_or(Cell::Empty, Cell::Date),
        AnyValue::Datetime(v, unit, _) => datetime(v, unit),
        AnyValue::DatetimeOwned(v, unit, _) => datetime(v, unit),
        AnyValue::Decimal(v, _precision, scale) => {
            Decimal::try_from_i128_with_scale(v, scale as u32)
                .map_or(Cell::Text("out of range"), Cell::Decimal)
        }
        _ => Cell::Text("unsupported Parquet value"),
    }
}

fn datetime<'a>(v: i64, unit: TimeUnit) -> Cell<'a> {
    let per_day: i64 = match unit {
        TimeUnit::Nanoseconds => 86_400_000_000_000,
        TimeUnit::Microseconds => 86_400_000_000,
        TimeUnit::Milliseconds => 86_400_000,
    };
    i32::try_from(v.div_euclid(per_day))
        .ok()
        .and_then(values::date_from_days)
        .map_or(Cell::Empty, Cell::Date)
}

/// Reads a Parquet ledger into `store`, a slice of rows at a time. Its one
/// "sheet" has no header row; row numbers count data rows from 1.
pub(crate) fn read_ledger_parquet(
    path: &Path,
    input: u32,
    schema: &LedgerSchema,
    default_employer: &str,
    store: &mut LedgerStore,
    rejects: &mut Vec<Reject>,
) -> anyhow::Result<SheetReport> {
    let open = || std::fs::File::open(path).with_context(|| format!("{}", path.display()));
    let total = ParquetReader::new(open()?).num_rows()?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut report = SheetReport::new(name, Some(Shape::Ledger));
    let mut layout = None;
    let mut offset = 0usize;
    loop {
        let mut df = ParquetReader::new(open()?)
            .with_slice(Some((offset, SLICE_ROWS)))
            .finish()?;
        df.rechunk_mut();
        if layout.is_none() {
            let names: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|n| n.to_string())
                .collect();
            let found = match schema.layout(&names) {
                Ok(l) => l,
                Err(super::schema::NotLedger::Bill) => {
                    bail!("{}", super::schema::BILL_MESSAGE)
                }
                Err(super::schema::NotLedger::Missing) => bail!(
                    "no ledger columns (身份证号, 费款所属期 and 实缴金额 or 单位缴纳/个人缴纳) among {names:?}"
                ),
            };
            report.notes = found.notes();
            layout = Some(found);
        }
        let Some(layout) = layout.as_ref() else {
            bail!("no ledger columns");
        };
        let employer = match layout.employer {
            Some(c) => EmployerSource::Column(c),
            None => EmployerSource::Fixed(default_employer.to_string()),
        };
        let columns = df.columns();
        let mut batch = RowBatch::default();
        for i in 0..df.height() {
            let value = |c: usize| {
                columns
                    .get(c)
                    .and_then(|col| col.get(i).ok())
                    .map_or(Cell::Empty, cell)
            };
            let blank = (0..columns.len()).all(|c| matches!(value(c), Cell::Empty));
            if blank {
                continue;
            }
            batch.push_row(i as u32, layout, &employer, value);
        }
        report.rows_read += batch.rows_read;
        report.accepted += batch.accepted();
        report.other_insurance += batch.other_insurance;
        report.rejected += batch.rejects.len() as u64;
        let base = offset as u64;
        store.append(
            batch,
            layout,
            |local| SourceRef {
                input,
                sheet: 0,
                row: (base + local as u64 + 1).min(u32::MAX as u64) as u32,
            },
            rejects,
        );
        offset += df.height();
        if df.height() == 0 || offset >= total {
            break;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Month;
    use crate::report::table::Column as TableColumn;
    use chrono::NaiveDate;

    struct Small {
        rows: Vec<Vec<Value<'static>>>,
    }

    const COLUMNS: [TableColumn; 6] = [
        TableColumn {
            key: "person_id",
            zh: "身份证号",
            kind: ColumnKind::Text,
        },
        TableColumn {
            key: "months",
            zh: "月数",
            kind: ColumnKind::Int,
        },
        TableColumn {
            key: "catch_up",
            zh: "补缴",
            kind: ColumnKind::Money,
        },
        TableColumn {
            key: "from_month",
            zh: "起始月",
            kind: ColumnKind::Month,
        },
        TableColumn {
            key: "benefits_resume",
            zh: "待遇恢复日",
            kind: ColumnKind::Date,
        },
        TableColumn {
            key: "late_stop",
            zh: "逾期停保",
            kind: ColumnKind::Bool,
        },
    ];

    impl Table for Small {
        fn name(&self) -> &'static str {
            "gaps"
        }
        fn sheet_zh(&self) -> &'static str {
            "断缴"
        }
        fn sheet_en(&self) -> &'static str {
            "Gaps"
        }
        fn columns(&self) -> &[TableColumn] {
            &COLUMNS
        }
        fn len(&self) -> usize {
            self.rows.len()
        }
        fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
            out.clear();
            out.extend(self.rows[i].iter().cloned());
        }
    }

    fn sample() -> Small {
        let m = |y, mo| Value::Month(Month::new(y, mo).unwrap());
        let d = |y, mo, day| Value::Date(NaiveDate::from_ymd_opt(y, mo, day).unwrap());
        Small {
            rows: vec![
                vec![
                    Value::Text("110105********002X".into()),
                    Value::Int(2),
                    // SPEC §5 short gap: 2 × 1183.00
                    Value::Money(Decimal::new(236_600, 2)),
                    m(2025, 4),
                    d(2025, 6, 1),
                    Value::Bool(false),
                ],
                vec![
                    Value::Text("张*".into()),
                    Value::Int(4),
                    Value::Null,
                    m(2024, 2),
                    Value::Null,
                    Value::Bool(true),
                ],
                vec![
                    Value::Null,
                    Value::Null,
                    // 35.985 rounds half-up to 35.99.
                    Value::Money(Decimal::new(35_985, 3)),
                    Value::Null,
                    d(2024, 2, 29),
                    Value::Null,
                ],
            ],
        }
    }

    #[test]
    fn table_round_trips_with_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gaps.parquet");
        write_table(&path, &sample()).unwrap();
        let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "person_id",
                "months",
                "catch_up",
                "from_month",
                "benefits_resume",
                "late_stop"
            ]
        );
        let dtypes: Vec<DataType> = df.dtypes();
        assert_eq!(
            dtypes,
            [
                DataType::String,
                DataType::Int64,
                DataType::Decimal(18, 2),
                DataType::Date,
                DataType::Date,
                DataType::Boolean
            ]
        );
        let col = |n: &str| df.column(n).unwrap().clone();
        assert_eq!(
            col("person_id").get(0).unwrap(),
            AnyValue::String("110105********002X")
        );
        assert_eq!(col("person_id").get(1).unwrap(), AnyValue::String("张*"));
        assert_eq!(col("person_id").get(2).unwrap(), AnyValue::Null);
        assert_eq!(col("months").get(1).unwrap(), AnyValue::Int64(4));
        assert_eq!(
            col("catch_up").get(0).unwrap(),
            AnyValue::Decimal(236_600, 18, 2)
        );
        assert_eq!(col("catch_up").get(1).unwrap(), AnyValue::Null);
        assert_eq!(
            col("catch_up").get(2).unwrap(),
            AnyValue::Decimal(3_599, 18, 2)
        );
        // 2025-04-01 is day 20179 after 1970-01-01.
        assert_eq!(col("from_month").get(0).unwrap(), AnyValue::Date(20_179));
        assert_eq!(
            col("benefits_resume").get(2).unwrap(),
            AnyValue::Date(values::days_since_epoch(
                NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
            ))
        );
        assert_eq!(col("late_stop").get(1).unwrap(), AnyValue::Boolean(true));
        assert_eq!(col("late_stop").get(2).unwrap(), AnyValue::Null);
    }

    #[test]
    fn same_table_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.parquet");
        let b = dir.path().join("b.parquet");
        write_table(&a, &sample()).unwrap();
        write_table(&b, &sample()).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }

    #[test]
    fn empty_table_keeps_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.parquet");
        write_table(&path, &Small { rows: vec![] }).unwrap();
        let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        assert_eq!(df.height(), 0);
        assert_eq!(df.width(), 6);
        assert_eq!(df.dtypes()[2], DataType::Decimal(18, 2));
    }

    #[test]
    fn wrong_value_kind_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = sample();
        t.rows[0][1] = Value::Text("two".into());
        let err = write_table(&dir.path().join("x.parquet"), &t).unwrap_err();
        assert!(err.to_string().contains("gaps.months row 0"), "{err}");
    }
}
