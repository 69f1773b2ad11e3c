//! Accepted ledger rows held packed (32 bytes each), then summed by
//! person·employer·month·insurance·payment kind·paid date: Σ amount in 分
//! and row count, so each payment keeps its own date.
//!
//! The rows stay in the pieces that read them until they are summed; then
//! they are moved, a worker per piece, into ranges of the person key (bounds
//! from a sample); each range is sorted (rayon) and summed in one pass into
//! its place among the `LedgerEntry`s, and freed. Ranges are disjoint and in
//! key order, so their results side by side are the whole sorted output.
//!
//! Why not polars here: its eager `group_by` on the two keys plus the sort of
//! the result took 8.4 s of the 14.3 s total for a 12M-row ledger CSV on this
//! shared 2-core machine (release build, peak RSS 1.22 GB). With this pass
//! the whole read of the same file took 11.1–11.5 s wall with 5.9 s user +
//! 1.4 s system CPU under a load average of 6 (the job got 62–65% of the
//! CPU), peak RSS 0.83 GB. polars stays for Parquet in and out.

use super::schema::Layout;
use super::values::{self, Cell, CellError, NO_PAID_DATE, RowRead, RowValues};
use crate::model::{
    Code, Insurance, LedgerEntry, Month, PaymentKind, PersonId, Reject, RejectCode, SourceRef,
};
use crate::partition;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// Rows per key range aggregated at once (bounds the working set). At 32
/// bytes a row a range is 64 MiB: above glibc's largest mmap threshold
/// (32 MiB), so a range's memory goes back to the system when it is done
/// instead of staying in the heap while the output grows.
const RANGE_ROWS: usize = 2 << 20;

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
    /// Accepted rows, their employer numbered in `employers`.
    recs: Vec<Rec>,
    pub employers: Vec<String>,
    employer_index: HashMap<String, u32>,
    last_employer: Option<u32>,
    /// (row number within the piece, 0-based; the bad cell)
    pub rejects: Vec<(u32, CellError)>,
    /// Non-blank data rows seen.
    pub rows_read: u64,
    /// Rows accepted (a row may give more than one record).
    accepted_rows: u64,
    /// Rows of another insurance, set aside.
    pub other_insurance: u64,
    /// Rows that are not persons (`ingest::normalize::not_a_person_at`), by reason.
    pub skipped: BTreeMap<&'static str, u64>,
}

impl RowBatch {
    /// A batch with room for about `rows` rows.
    pub(crate) fn with_capacity(rows: usize) -> RowBatch {
        RowBatch {
            recs: Vec::with_capacity(rows),
            ..RowBatch::default()
        }
    }

    fn local_employer(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.employer_index.get(name) {
            return id;
        }
        let id = self.employers.len() as u32;
        self.employers.push(name.to_string());
        self.employer_index.insert(name.to_string(), id);
        id
    }

    /// Counts a non-blank row that is not a person (an example, subtotal or
    /// total, or placeholder row): skipped for `reason`, neither accepted nor
    /// rejected.
    pub(crate) fn skip_row(&mut self, reason: &'static str) {
        self.rows_read += 1;
        *self.skipped.entry(reason).or_default() += 1;
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
            Ok(RowRead::Payment(v)) => v,
            Ok(RowRead::OtherInsurance) => {
                self.other_insurance += 1;
                return;
            }
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
                            message: crate::text!(employer_empty),
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
                        // An error value or a control character is no employer
                        // code (issue 17): a BAD_TEXT reject at its cell, the
                        // control character escaped, as the events reader does.
                        // Checked on a name other than the last row's only: a
                        // rejected name never becomes the last row's.
                        if let Some(why) = crate::ingest::values::Cell::Text(name).bad_text() {
                            self.rejects.push((
                                row,
                                CellError {
                                    column: *col,
                                    value: crate::ingest::normalize::shown_text(name),
                                    code: RejectCode::BadText,
                                    message: why,
                                },
                            ));
                            return;
                        }
                        let id = self.local_employer(name);
                        self.last_employer = Some(id);
                        id
                    }
                }
            }
        };
        self.push_values(values, employer_id);
    }

    /// A row's records: one per insurance amount (a wide row has several) and
    /// month of its range (the amount spread evenly, the last month taking
    /// the remainder to the fen), plus the same for a billed late fee. A
    /// range row's records are never taken for repeats of another row's (two
    /// ranges may overlap with equal monthly amounts).
    fn push_values(&mut self, v: RowValues, employer: u32) {
        self.accepted_rows += 1;
        let months = v.month.months_through(v.to).max(1);
        let mut flag = if months == 1 { 0 } else { NOT_A_REPEAT };
        let mut push = |insurance: Insurance, kind: PaymentKind, total: i64| {
            for (k, cents) in spread(total, months).enumerate() {
                self.recs.push(Rec {
                    person_key: v.person_key,
                    employer_month: pack_key(
                        employer,
                        v.month.add(k as i32),
                        tag_of(insurance, kind),
                    ),
                    cents,
                    paid: v.paid,
                    sheet: flag,
                });
            }
            // Only a row's first record counts the row as a repeat.
            flag |= SECONDARY;
        };
        for insurance in Insurance::ALL {
            if let Some(cents) = v.amounts[insurance as usize] {
                push(insurance, v.kind, cents);
            }
            if let Some(fee) = v.late_fees[insurance as usize] {
                push(insurance, PaymentKind::LateFeeBilled, fee);
            }
        }
    }

    pub(crate) fn accepted(&self) -> u64 {
        self.accepted_rows
    }
}

/// `employer << 32 | month index << 8 | tag`: sorting it sorts by employer,
/// month, then insurance and payment kind.
fn pack_key(employer: u32, month: Month, tag: u8) -> u64 {
    (u64::from(employer) << 32)
        | (u64::from(month.index() as u32 & 0x00ff_ffff) << 8)
        | u64::from(tag)
}

/// `Rec::sheet` bit of a record of a range row: never counted as a repeat.
const NOT_A_REPEAT: u32 = 1 << 31;
/// `Rec::sheet` bit of a row's records after its first (a wide row's other
/// insurances, a billed late fee): a repeat of one is dropped with the
/// row's first record, which alone counts the row as a duplicate.
const SECONDARY: u32 = 1 << 30;
/// The flag bits of `Rec::sheet`.
const FLAGS: u32 = NOT_A_REPEAT | SECONDARY;

/// `total` 分 over `months` months: each month `total / months` rounded
/// half-up (away from zero) to the fen, the last month the remainder.
fn spread(total: i64, months: u32) -> impl Iterator<Item = i64> {
    let n = i64::from(months.max(1));
    let each = (2 * total.abs() + n) / (2 * n) * total.signum();
    let last = total - each * (n - 1);
    (0..n).map(move |k| if k == n - 1 { last } else { each })
}

/// Insurance in bits 0–1, payment kind in bits 2–4.
fn tag_of(insurance: Insurance, kind: PaymentKind) -> u8 {
    (insurance as u8) | ((kind as u8) << 2)
}

fn untag(tag: u8) -> (Insurance, PaymentKind) {
    let insurance = Insurance::ALL
        .get(usize::from(tag & 3))
        .copied()
        .unwrap_or_default();
    let kind = PaymentKind::ALL
        .get(usize::from(tag >> 2))
        .copied()
        .unwrap_or_default();
    (insurance, kind)
}

/// One accepted ledger record, packed (32 bytes).
#[derive(Copy, Clone, Debug)]
struct Rec {
    person_key: u64,
    /// `pack_key(employer, month, tag)`.
    employer_month: u64,
    cents: i64,
    /// Days since 1970-01-01, or `NO_PAID_DATE`.
    paid: i32,
    /// The store's number of the sheet the row is from (in the padding); its
    /// top bits are `NOT_A_REPEAT` and `SECONDARY`.
    sheet: u32,
}

/// What summing found besides the entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AggregateCounts {
    /// Rows summed into an entry already holding another (distinct) row.
    pub merged: u64,
    /// Rows identical to another (person, employer, month, amount, paid
    /// date): kept once, per (input, sheet) of the repeat.
    pub duplicates: Vec<((u32, u32), u64)>,
    /// Rows kept with a negative amount (refunds).
    pub refunds: u64,
}

/// All accepted rows of the run, as the pieces that read them: each piece's
/// rows with its own employer numbers and what they are in the store.
#[derive(Default, Debug)]
pub(crate) struct LedgerStore {
    parts: Vec<(Vec<Rec>, Vec<u32>)>,
    employers: Vec<Code>,
    employer_index: HashMap<Code, u32>,
    /// (input, sheet) of every store sheet number.
    sheets: Vec<(u32, u32)>,
}

/// A point to roll the store back to (a CSV re-read in another encoding).
#[derive(Copy, Clone, Debug)]
pub(crate) struct Checkpoint(usize);

impl LedgerStore {
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.parts.len())
    }

    pub(crate) fn rollback(&mut self, to: Checkpoint) {
        self.parts.truncate(to.0);
    }

    fn employer_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.employer_index.get(name) {
            return id;
        }
        let id = self.employers.len() as u32;
        let name = Code::new(name);
        self.employers.push(name);
        self.employer_index.insert(name, id);
        id
    }

    /// Appends a batch's rows (kept as they are; their employer numbers are
    /// mapped when the rows are summed); its rejects become `Reject`s located
    /// at `source_of(local row)`, with the column named from `layout`.
    pub(crate) fn append(
        &mut self,
        batch: RowBatch,
        layout: &Layout,
        source_of: impl Fn(u32) -> SourceRef,
        rejects: &mut Vec<Reject>,
    ) {
        let src = source_of(0);
        let key = (src.input, src.sheet);
        let sheet = match self.sheets.iter().rposition(|k| *k == key) {
            Some(i) => i as u32,
            None => {
                self.sheets.push(key);
                (self.sheets.len() - 1) as u32
            }
        };
        let mut batch = batch;
        for r in &mut batch.recs {
            r.sheet = sheet | (r.sheet & FLAGS);
        }
        let global: Vec<u32> = batch
            .employers
            .iter()
            .map(|name| self.employer_id(name))
            .collect();
        if !batch.recs.is_empty() {
            self.parts.push((batch.recs, global));
        }
        rejects.extend(batch.rejects.into_iter().map(|(row, e)| Reject {
            source: source_of(row),
            column: layout.header(e.column).to_string(),
            value: e.value,
            code: e.code,
            message: e.message,
            names: Vec::new(),
            documents: Vec::new(),
        }));
    }

    /// Sums rows by person·employer·month. Returns the entries sorted by
    /// person, employer id (text order), month, and the counts: rows summed
    /// into an entry that already had one, exact repeats (kept once) and
    /// refunds.
    pub(crate) fn aggregate(self) -> anyhow::Result<(Vec<LedgerEntry>, AggregateCounts)> {
        self.aggregate_in_ranges(RANGE_ROWS)
    }

    fn aggregate_in_ranges(
        self,
        range_rows: usize,
    ) -> anyhow::Result<(Vec<LedgerEntry>, AggregateCounts)> {
        let n: usize = self.parts.iter().map(|(recs, _)| recs.len()).sum();
        let mut entries: Vec<LedgerEntry> = Vec::new();
        if n == 0 {
            return Ok((entries, AggregateCounts::default()));
        }
        let sheets = self.sheets;
        // Employer ids numbered in text order, so sorting numbers sorts names.
        let mut order: Vec<u32> = (0..self.employers.len() as u32).collect();
        order.sort_by(|&a, &b| self.employers[a as usize].cmp(&self.employers[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &e) in order.iter().enumerate() {
            rank[e as usize] = r as u32;
        }
        let names_by_rank: Vec<Code> = order.iter().map(|&e| self.employers[e as usize]).collect();

        let mut ranges = split_by_person_ranges(self.parts, &rank, n, range_rows)?;
        // Each range sorted, then its distinct keys counted: the entries'
        // places are known before any is built, so ranges fill side by side
        // (each range is freed once it is summed).
        // Identical rows end up side by side, the one of the first sheet first.
        ranges.par_iter_mut().for_each(|r| {
            r.par_sort_unstable_by_key(|r| {
                (r.person_key, r.employer_month, r.paid, r.cents, r.sheet)
            })
        });
        let counts: Vec<usize> = ranges.par_iter().map(|r| distinct_keys(r)).collect();
        entries.reserve_exact(counts.iter().sum());
        let parts = partition::fill_in_order(&mut entries, &counts, ranges, |place, range| {
            aggregate_range(range, &names_by_rank, place)
        })?;
        let mut out = AggregateCounts::default();
        let mut dups = vec![0u64; sheets.len()];
        for p in parts {
            out.merged += p.merged;
            out.refunds += p.refunds;
            for (sheet, d) in p.duplicates {
                if let Some(slot) = dups.get_mut(sheet as usize) {
                    *slot += d;
                }
            }
        }
        out.duplicates = (sheets.into_iter().zip(dups))
            .filter(|(_, d)| *d > 0)
            .collect();
        Ok((entries, out))
    }
}

/// Splits the pieces' rows (`n` in all) into ranges of the person key, in key
/// order, each piece's employer numbers replaced first by their text-order
/// rank. Both steps run a worker per piece; each piece is freed as it is moved.
fn split_by_person_ranges(
    mut parts: Vec<(Vec<Rec>, Vec<u32>)>,
    rank: &[u32],
    n: usize,
    range_rows: usize,
) -> anyhow::Result<Vec<Vec<Rec>>> {
    parts.par_iter_mut().try_for_each(|(recs, global)| {
        let ranked: Vec<u64> = global
            .iter()
            .map(|&g| rank.get(g as usize).map(|&r| u64::from(r) << 32))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("internal: a ledger employer has no rank"))?;
        for r in recs.iter_mut() {
            let employer = ranked
                .get((r.employer_month >> 32) as usize)
                .ok_or_else(|| anyhow::anyhow!("internal: a ledger row's employer is unknown"))?;
            r.employer_month = employer | (r.employer_month & 0xffff_ffff);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    let recs: Vec<Vec<Rec>> = parts.into_iter().map(|(recs, _)| recs).collect();
    let ranges = n.div_ceil(range_rows.max(1)).min(u16::MAX as usize);
    // Range bounds from an evenly strided sample of the keys.
    let step = (n / 65_536).max(1);
    let bounds = if ranges <= 1 {
        Vec::new()
    } else {
        partition::sample_bounds(
            recs.iter()
                .flat_map(|part| part.iter().step_by(step))
                .map(|r| r.person_key)
                .collect(),
            ranges,
        )
    };
    Ok(partition::scatter_to_ranges(recs, &bounds, |r| {
        r.person_key
    }))
}

/// Records of one entry: same person, employer, month, insurance, payment
/// kind and paid date.
fn same_entry(a: &Rec, b: &Rec) -> bool {
    a.person_key == b.person_key && a.employer_month == b.employer_month && a.paid == b.paid
}

/// How many distinct entry keys a sorted range holds.
fn distinct_keys(range: &[Rec]) -> usize {
    range.chunk_by(same_entry).count()
}

/// Counts of one range: merged rows, repeats per store sheet, refunds.
struct RangeCounts {
    merged: u64,
    duplicates: Vec<(u32, u64)>,
    refunds: u64,
}

/// Sums one sorted key range (one pass over equal keys) into `place`, which
/// has room for exactly its distinct keys; returns the number of entries
/// written and the range's counts. A row identical to the one before it
/// (same amount and paid date, sorted side by side) is a repeat: counted,
/// not summed.
fn aggregate_range(
    range: Vec<Rec>,
    employers: &[Code],
    place: &mut [std::mem::MaybeUninit<LedgerEntry>],
) -> anyhow::Result<(usize, RangeCounts)> {
    let mut merged = 0u64;
    let mut refunds = 0u64;
    let mut duplicates: Vec<(u32, u64)> = Vec::new();
    let mut written = 0usize;
    let mut person: Option<(u64, PersonId)> = None;
    let mut i = 0;
    while i < range.len() {
        let first = range[i];
        let mut cents = first.cents;
        let paid = first.paid;
        let mut rows = 1u32;
        refunds += u64::from(first.cents < 0);
        let mut j = i + 1;
        while j < range.len() && same_entry(&range[j], &first) {
            let (prev, this) = (range[j - 1], range[j]);
            j += 1;
            if this.cents == prev.cents && (this.sheet | prev.sheet) & NOT_A_REPEAT == 0 {
                if this.sheet & SECONDARY == 0 {
                    let sheet = this.sheet & !FLAGS;
                    match duplicates.last_mut() {
                        Some((s, n)) if *s == sheet => *n += 1,
                        _ => duplicates.push((sheet, 1)),
                    }
                }
                continue;
            }
            cents = cents
                .checked_add(this.cents)
                .ok_or_else(|| anyhow::anyhow!("ledger sum out of range"))?;
            rows += 1;
            refunds += u64::from(this.cents < 0);
        }
        i = j;
        let person_id = match person {
            Some((k, id)) if k == first.person_key => id,
            _ => {
                let id = values::person_from_key(first.person_key).ok_or_else(|| {
                    anyhow::anyhow!("internal: person key {} is not an ID", first.person_key)
                })?;
                person = Some((first.person_key, id));
                id
            }
        };
        let em = first.employer_month;
        let (insurance, kind) = untag((em & 0xff) as u8);
        let employer = *employers
            .get((em >> 32) as usize)
            .ok_or_else(|| anyhow::anyhow!("internal: employer rank out of range"))?;
        merged += rows as u64 - 1;
        let slot = place.get_mut(written).ok_or_else(|| {
            anyhow::anyhow!("internal: a ledger range has more keys than counted")
        })?;
        written += 1;
        slot.write(LedgerEntry {
            person_id,
            employer_id: employer,
            month: Month::from_index(((em & 0xffff_ffff) >> 8) as i32),
            paid: Decimal::new(cents, 2),
            paid_date: if paid == NO_PAID_DATE {
                None
            } else {
                values::date_from_days(paid)
            },
            rows,
            insurance,
            kind,
        });
    }
    Ok((
        written,
        RangeCounts {
            merged,
            duplicates,
            refunds,
        },
    ))
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
                ("E-A", "202501", "53", ""),
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
    fn spread_rounds_half_up_and_leaves_the_remainder_to_the_last_month() {
        assert_eq!(
            spread(100_000, 3).collect::<Vec<_>>(),
            [33_333, 33_333, 33_334]
        );
        // 2.00 / 3 = 0.666… → 0.67, 0.67, last 0.66.
        assert_eq!(spread(200, 3).collect::<Vec<_>>(), [67, 67, 66]);
        assert_eq!(spread(-100, 3).collect::<Vec<_>>(), [-33, -33, -34]);
        assert_eq!(spread(236_600, 2).collect::<Vec<_>>(), [118_300, 118_300]);
        assert_eq!(spread(5, 1).collect::<Vec<_>>(), [5]);
    }

    #[test]
    fn sums_by_person_employer_month_across_ranges() {
        // Range sizes 7 and 1,000,000: many ranges and one range give the same.
        let (small, merged_small) = store_with_rows().aggregate_in_ranges(7).unwrap();
        let (whole, merged_whole) = store_with_rows().aggregate_in_ranges(1_000_000).unwrap();
        assert_eq!(small, whole);
        // 40 persons × 5 distinct (employer, month, paid date); the two
        // undated rows of E-A 2025-01 are summed (one merged each).
        assert_eq!(small.len(), 200);
        assert_eq!((merged_small.merged, merged_whole.merged), (40, 40));
        assert!(merged_small.duplicates.is_empty() && merged_small.refunds == 0);
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day);
        for (p, chunk) in small.chunks(5).enumerate() {
            let want = [
                // 947.00 + 53.00, both without a paid date: one entry.
                ("E-A", 1, 100_000, None, 2),
                ("E-A", 2, 94_700, d(3, 5), 1),
                // 400.00 and 547.50 paid on different days: each keeps its date.
                ("E-B", 2, 40_000, d(3, 1), 1),
                ("E-B", 2, 54_750, d(3, 20), 1),
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
        assert!(std::ptr::eq(
            small[0].employer_id.as_str(),
            small[5].employer_id.as_str()
        ));
    }
}
