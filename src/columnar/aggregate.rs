//! Accepted ledger rows held as plain columns, then summed by person·employer·
//! month with polars (eager `group_by`): Σ amount, max paid date, row count.
//!
//! Memory: a row costs 28 bytes here (ID key, employer·month key, fen, paid
//! day). Before aggregating, rows are split by ranges of the person key
//! (bounds from a sample), and each range is summed, sorted and turned into
//! `LedgerEntry`s before the next is built. Because ranges are disjoint and in
//! order, appending their sorted results gives the whole sorted output, and
//! only one range's polars working set is alive at a time.

use super::schema::Layout;
use super::values::{self, Cell, CellError, NO_PAID_DATE, RowValues};
use crate::model::{LedgerEntry, Month, PersonId, Reject, RejectCode, SourceRef};
use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// Rows per key range aggregated at once (bounds the polars working set).
const RANGE_ROWS: usize = 512 * 1024;

/// Where a row's employer (单位编号) comes from.
#[derive(Clone, Debug)]
pub(crate) enum EmployerSource {
    Column(usize),
    /// No employer column: `--employer`, else the file stem.
    Fixed(String),
}

/// Rows read from one piece of an input (a CSV chunk, a sheet, a Parquet
/// slice), with employers numbered locally; merged into the store in order.
#[derive(Default, Debug)]
pub(crate) struct RowBatch {
    pub person_key: Vec<u64>,
    pub employer: Vec<u32>,
    pub month: Vec<i32>,
    pub cents: Vec<i64>,
    pub paid: Vec<i32>,
    pub employers: Vec<String>,
    employer_index: HashMap<String, u32>,
    last_employer: Option<u32>,
    /// (row number within the piece, 0-based; the bad cell)
    pub rejects: Vec<(u32, CellError)>,
    /// Non-blank data rows seen.
    pub rows_read: u64,
}

impl RowBatch {
    fn local_employer(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.employer_index.get(name) {
            return id;
        }
        let id = self.employers.len() as u32;
        self.employers.push(name.to_string());
        self.employer_index.insert(name.to_string(), id);
        id
    }

    /// Counts a non-blank row that is rejected as a whole.
    pub(crate) fn reject_row(&mut self, row: u32, error: CellError) {
        self.rows_read += 1;
        self.rejects.push((row, error));
    }

    /// Reads one non-blank data row (`row` counts from the piece's start).
    pub(crate) fn push_row<'a>(
        &mut self,
        row: u32,
        layout: &Layout,
        employer: &EmployerSource,
        cell: impl Fn(usize) -> Cell<'a>,
    ) {
        self.rows_read += 1;
        let values = match values::read_row(layout, &cell) {
            Ok(v) => v,
            Err(e) => {
                self.rejects.push((row, e));
                return;
            }
        };
        let employer_id = match employer {
            EmployerSource::Fixed(name) => self.local_employer(name),
            EmployerSource::Column(col) => {
                let c = cell(*col);
                let owned: String;
                let name: &str = match &c {
                    Cell::Text(s) => values::trim_cell(s),
                    Cell::Empty => "",
                    Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        owned = format!("{}", *f as i64);
                        &owned
                    }
                    other => {
                        owned = other.raw();
                        &owned
                    }
                };
                if name.is_empty() {
                    self.rejects.push((
                        row,
                        CellError {
                            column: *col,
                            value: String::new(),
                            code: RejectCode::MissingValue,
                            message: "the employer (单位编号) is empty".into(),
                        },
                    ));
                    return;
                }
                // Consecutive rows usually share an employer: skip the map then.
                match self.last_employer {
                    Some(id)
                        if self.employers.get(id as usize).map(String::as_str) == Some(name) =>
                    {
                        id
                    }
                    _ => {
                        let id = self.local_employer(name);
                        self.last_employer = Some(id);
                        id
                    }
                }
            }
        };
        self.push_values(values, employer_id);
    }

    fn push_values(&mut self, v: RowValues, employer: u32) {
        self.person_key.push(v.person_key);
        self.employer.push(employer);
        self.month.push(v.month.index());
        self.cents.push(v.cents);
        self.paid.push(v.paid);
    }

    pub(crate) fn accepted(&self) -> u64 {
        self.person_key.len() as u64
    }
}

/// All accepted rows of the run, as columns.
#[derive(Default, Debug)]
pub(crate) struct LedgerStore {
    person_key: Vec<u64>,
    /// `employer << 32 | month index`.
    employer_month: Vec<u64>,
    cents: Vec<i64>,
    paid: Vec<i32>,
    employers: Vec<Arc<str>>,
    employer_index: HashMap<Arc<str>, u32>,
}

/// A point to roll the store back to (a CSV re-read in another encoding).
#[derive(Copy, Clone, Debug)]
pub(crate) struct Checkpoint(usize);

impl LedgerStore {
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.person_key.len())
    }

    pub(crate) fn rollback(&mut self, to: Checkpoint) {
        self.person_key.truncate(to.0);
        self.employer_month.truncate(to.0);
        self.cents.truncate(to.0);
        self.paid.truncate(to.0);
    }

    fn employer_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.employer_index.get(name) {
            return id;
        }
        let id = self.employers.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.employers.push(name.clone());
        self.employer_index.insert(name, id);
        id
    }

    /// Appends a batch's rows; its rejects become `Reject`s located at
    /// `source_of(local row)`, with the column named from `layout`.
    pub(crate) fn append(
        &mut self,
        batch: RowBatch,
        layout: &Layout,
        source_of: impl Fn(u32) -> SourceRef,
        rejects: &mut Vec<Reject>,
    ) {
        let global: Vec<u64> = batch
            .employers
            .iter()
            .map(|name| (self.employer_id(name) as u64) << 32)
            .collect();
        self.person_key.extend_from_slice(&batch.person_key);
        self.employer_month.extend(
            batch
                .employer
                .iter()
                .zip(&batch.month)
                .map(|(&e, &m)| global[e as usize] | m as u32 as u64),
        );
        self.cents.extend_from_slice(&batch.cents);
        self.paid.extend_from_slice(&batch.paid);
        rejects.extend(batch.rejects.into_iter().map(|(row, e)| Reject {
            source: source_of(row),
            column: layout.header(e.column).to_string(),
            value: e.value,
            code: e.code,
            message: e.message,
        }));
    }

    /// Sums rows by person·employer·month. Returns the entries sorted by
    /// person, employer id (text order), month, and how many rows were
    /// summed into an entry that already had one.
    pub(crate) fn aggregate(self) -> anyhow::Result<(Vec<LedgerEntry>, u64)> {
        self.aggregate_in_ranges(RANGE_ROWS)
    }

    fn aggregate_in_ranges(self, range_rows: usize) -> anyhow::Result<(Vec<LedgerEntry>, u64)> {
        let n = self.person_key.len();
        let mut entries: Vec<LedgerEntry> = Vec::new();
        if n == 0 {
            return Ok((entries, 0));
        }
        // Employer ids numbered in text order, so sorting numbers sorts names.
        let mut order: Vec<u32> = (0..self.employers.len() as u32).collect();
        order.sort_by(|&a, &b| self.employers[a as usize].cmp(&self.employers[b as usize]));
        let mut rank = vec![0u64; order.len()];
        for (r, &e) in order.iter().enumerate() {
            rank[e as usize] = r as u64;
        }
        let names_by_rank: Vec<Arc<str>> = order
            .iter()
            .map(|&e| self.employers[e as usize].clone())
            .collect();

        let ranges = split_by_person_ranges(self, &rank, range_rows);
        // Untouched capacity costs address space, not memory.
        entries.reserve_exact(n);
        let mut merged_rows = 0u64;
        for range in ranges {
            merged_rows += aggregate_range(range, &names_by_rank, &mut entries)?;
        }
        entries.shrink_to_fit();
        Ok((entries, merged_rows))
    }
}

/// One key range's rows (employer already replaced by its text-order rank).
struct RangeRows {
    person_key: Vec<u64>,
    employer_month: Vec<u64>,
    cents: Vec<i64>,
    paid: Vec<i32>,
}

fn split_by_person_ranges(store: LedgerStore, rank: &[u64], range_rows: usize) -> Vec<RangeRows> {
    let n = store.person_key.len();
    let ranked = |em: u64| (rank[(em >> 32) as usize] << 32) | (em & 0xffff_ffff);
    let parts = n.div_ceil(range_rows.max(1)).min(u16::MAX as usize);
    if parts <= 1 {
        let mut employer_month = store.employer_month;
        employer_month
            .par_iter_mut()
            .for_each(|em| *em = ranked(*em));
        return vec![RangeRows {
            person_key: store.person_key,
            employer_month,
            cents: store.cents,
            paid: store.paid,
        }];
    }
    // Range bounds from an evenly strided sample of the keys.
    let step = (n / 65_536).max(1);
    let mut sample: Vec<u64> = store.person_key.iter().step_by(step).copied().collect();
    sample.sort_unstable();
    let mut bounds: Vec<u64> = (1..parts)
        .map(|i| sample[i * sample.len() / parts])
        .collect();
    bounds.dedup();
    let range_of: Vec<u16> = store
        .person_key
        .par_iter()
        .map(|k| bounds.partition_point(|b| b <= k) as u16)
        .collect();
    let mut counts = vec![0usize; bounds.len() + 1];
    for &r in &range_of {
        counts[r as usize] += 1;
    }
    let mut out: Vec<RangeRows> = counts
        .iter()
        .map(|&c| RangeRows {
            person_key: Vec::with_capacity(c),
            employer_month: Vec::with_capacity(c),
            cents: Vec::with_capacity(c),
            paid: Vec::with_capacity(c),
        })
        .collect();
    for (i, &r) in range_of.iter().enumerate() {
        let part = &mut out[r as usize];
        part.person_key.push(store.person_key[i]);
        part.employer_month.push(ranked(store.employer_month[i]));
        part.cents.push(store.cents[i]);
        part.paid.push(store.paid[i]);
    }
    out
}

/// Sums one range with polars and appends its entries in order; returns the
/// merged-row count.
fn aggregate_range(
    range: RangeRows,
    employers: &[Arc<str>],
    entries: &mut Vec<LedgerEntry>,
) -> anyhow::Result<u64> {
    let n = range.person_key.len();
    if n == 0 {
        return Ok(0);
    }
    let df = DataFrame::new(
        n,
        vec![
            UInt64Chunked::from_vec("person_key".into(), range.person_key).into_column(),
            UInt64Chunked::from_vec("employer_month".into(), range.employer_month).into_column(),
            Int64Chunked::from_vec("cents".into(), range.cents).into_column(),
            Int32Chunked::from_vec("paid".into(), range.paid).into_column(),
            UInt32Chunked::from_vec("rows".into(), vec![1u32; n]).into_column(),
        ],
    )?;
    let grouped = df.group_by(["person_key", "employer_month"])?;
    #[allow(deprecated)] // the eager aggregations; the lazy API is not compiled in
    let sums = grouped.clone().select(["cents", "rows"]).sum()?;
    #[allow(deprecated)]
    let maxes = grouped.select(["paid"]).max()?;
    let mut agg = sums;
    agg.with_column(maxes.column("paid_max")?.clone())?;
    drop(maxes);
    drop(df);
    let mut agg = agg.sort(
        ["person_key", "employer_month"],
        SortMultipleOptions::default(),
    )?;
    agg.rechunk_mut();

    let column = |name: &str, dtype: DataType| -> anyhow::Result<Series> {
        Ok(agg
            .column(name)?
            .as_materialized_series()
            .cast(&dtype)?
            .rechunk())
    };
    let keys = column("person_key", DataType::UInt64)?;
    let ems = column("employer_month", DataType::UInt64)?;
    let cents = column("cents_sum", DataType::Int64)?;
    let rows = column("rows_sum", DataType::UInt32)?;
    let paid = column("paid_max", DataType::Int32)?;
    let keys = keys.u64()?.cont_slice()?;
    let ems = ems.u64()?.cont_slice()?;
    let cents = cents.i64()?.cont_slice()?;
    let rows = rows.u32()?.cont_slice()?;
    let paid = paid.i32()?;

    let mut merged = 0u64;
    let mut person: Option<(u64, PersonId)> = None;
    for i in 0..keys.len() {
        let key = keys[i];
        let person_id = match person {
            Some((k, id)) if k == key => id,
            _ => {
                let id = values::person_from_key(key)
                    .ok_or_else(|| anyhow::anyhow!("internal: person key {key} is not an ID"))?;
                person = Some((key, id));
                id
            }
        };
        let em = ems[i];
        let employer = employers
            .get((em >> 32) as usize)
            .ok_or_else(|| anyhow::anyhow!("internal: employer rank out of range"))?
            .clone();
        let paid_date = match paid.get(i) {
            Some(d) if d != NO_PAID_DATE => values::date_from_days(d),
            _ => None,
        };
        merged += rows[i].saturating_sub(1) as u64;
        entries.push(LedgerEntry {
            person_id,
            employer_id: employer,
            month: Month::from_index((em & 0xffff_ffff) as u32 as i32),
            paid: Decimal::new(cents[i], 2),
            paid_date,
            rows: rows[i],
        });
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columnar::schema::LedgerSchema;
    use chrono::NaiveDate;

    fn id(n: u64) -> PersonId {
        // 17 digits: region 110101, birth 19900101, sequence n.
        values::person_from_key(11010119900101000 + n).unwrap()
    }

    /// Rows for persons 0..40 in scrambled order, each paying months 1..=3 at
    /// two employers; month 2 at "E-B" is paid in two rows (400 + 547.5).
    fn store_with_rows() -> LedgerStore {
        let layout = LedgerSchema::shipped()
            .unwrap()
            .layout(&["身份证号", "单位编号", "费款所属期", "实缴金额", "缴费日期"])
            .unwrap();
        let mut store = LedgerStore::default();
        let mut rejects = Vec::new();
        let mut batch = RowBatch::default();
        let mut row = 0;
        for p in (0..40u64).map(|i| (i * 17) % 40) {
            let pid = id(p).to_string();
            for (employer, month, amount, paid) in [
                ("E-B", "202502", "400", "2025-03-01"),
                ("E-B", "202502", "547.50", "2025-03-20"),
                ("E-A", "202501", "947", ""),
                ("E-B", "202503", "947", "2025-04-02"),
                ("E-A", "202502", "947", "2025-03-05"),
            ] {
                let cells = [pid.as_str(), employer, month, amount, paid];
                batch.push_row(row, &layout, &EmployerSource::Column(1), |c| {
                    if cells[c].is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(cells[c])
                    }
                });
                row += 1;
            }
        }
        store.append(
            batch,
            &layout,
            |r| SourceRef {
                input: 0,
                sheet: 0,
                row: r,
            },
            &mut rejects,
        );
        assert!(rejects.is_empty());
        store
    }

    #[test]
    fn sums_by_person_employer_month_across_ranges() {
        // Range sizes 7 and 1,000,000: many ranges and one range give the same.
        let (small, merged_small) = store_with_rows().aggregate_in_ranges(7).unwrap();
        let (whole, merged_whole) = store_with_rows().aggregate_in_ranges(1_000_000).unwrap();
        assert_eq!(small, whole);
        // 40 persons × 4 distinct (employer, month); one extra row each merged.
        assert_eq!(small.len(), 160);
        assert_eq!((merged_small, merged_whole), (40, 40));
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day);
        for (p, chunk) in small.chunks(4).enumerate() {
            let want = [
                ("E-A", 1, 94_700, None, 1),
                ("E-A", 2, 94_700, d(3, 5), 1),
                // 400.00 + 547.50 = 947.50; the later paid date wins.
                ("E-B", 2, 94_750, d(3, 20), 2),
                ("E-B", 3, 94_700, d(4, 2), 1),
            ];
            for (entry, (employer, month, cents, paid, rows)) in chunk.iter().zip(want) {
                assert_eq!(entry.person_id, id(p as u64));
                assert_eq!(&*entry.employer_id, employer);
                assert_eq!(entry.month, Month::new(2025, month).unwrap());
                assert_eq!(entry.paid, Decimal::new(cents, 2));
                assert_eq!(entry.paid_date, paid);
                assert_eq!(entry.rows, rows);
            }
        }
        // One shared allocation per employer name.
        assert!(Arc::ptr_eq(&small[0].employer_id, &small[4].employer_id));
    }
}
