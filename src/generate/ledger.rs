//! The synthetic contribution ledger (实缴记录, `ledger.csv`): one row per
//! covered month of every spell from 2024-01 through 2026-10 (a bureau
//! statement covers recent years only: earlier months of a spell, and spells
//! that ended before 2024, have none), amounts from the spell's wage clamped to a
//! rough floor and cap, with some months missing (欠缴), some underpaid, some
//! paid late and some rows duplicated, as real bureau statements have them.

use super::population::{
    EmployerPicker, PersonPlan, REGIONS, STREAM_LEDGER, export_date, ledger_last_month, plan_person,
};
use super::render::{RenderContext, push_u64};
use super::rng::Rng;
use super::{GenerateError, GenerateOptions, LedgerSummary, io_error};
use crate::cli::LedgerShape;
use crate::model::{Month, RegionLookup};
use crate::policy::PolicySet;
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const LEDGER_HEADER: &str = "证件类型,身份证号,单位编号,费款所属期,实缴金额,缴费日期\n";

/// Persons per parallel rendering chunk.
const CHUNK_PERSONS: u64 = 8 * 1024;

/// What a month's payment is computed from, per region.
#[derive(Clone, Copy, Debug)]
pub struct MonthRule {
    pub floor: Decimal,
    pub cap: Decimal,
    /// Employer + employee rate.
    pub rate: Decimal,
    pub fixed: Decimal,
    pub hire_cutoff_day: Option<u32>,
    pub separation_month_paid: bool,
}

/// Month rules for every generator region and month 2024-01..2026-12: from the
/// shipped policy packs when they load (so a fully paid month is exactly what
/// the engine expects), else from the generator's rough figures.
#[derive(Clone, Debug)]
pub struct DueTable {
    first: Month,
    /// `[region][month - first]`
    rules: Vec<Vec<MonthRule>>,
}

impl DueTable {
    const MONTHS: i32 = 36;

    /// The generator's own rough figures ([`REGIONS`]).
    pub fn rough() -> DueTable {
        DueTable::build(|_, _| None)
    }

    /// Figures from the policy packs; a region or month they do not cover falls
    /// back to the rough figures.
    pub fn from_policies(policies: &PolicySet) -> DueTable {
        DueTable::build(|region, month| {
            let id = policies.lookup(REGIONS[region].code)?;
            let rules = policies.rules(id, month);
            let money = policies.money(id, month, None, true)?.params;
            Some(MonthRule {
                floor: money.floor?,
                cap: money.cap?,
                rate: money.total_rate().ok()?,
                fixed: money.fixed_monthly,
                hire_cutoff_day: rules.hire_cutoff_day,
                separation_month_paid: rules.separation_month_paid,
            })
        })
    }

    fn build(from_pack: impl Fn(usize, Month) -> Option<MonthRule>) -> DueTable {
        let first = Month::new(2024, 1).unwrap_or(Month::from_index(0));
        let switch = Month::new(2025, 7).unwrap_or(first);
        let rules = (0..REGIONS.len())
            .map(|region| {
                (0..Self::MONTHS)
                    .map(|i| {
                        let month = first.add(i);
                        from_pack(region, month).unwrap_or_else(|| {
                            let info = &REGIONS[region];
                            let (floor, cap) = info.bounds[usize::from(month >= switch)];
                            MonthRule {
                                floor: Decimal::from(floor),
                                cap: Decimal::from(cap),
                                rate: Decimal::new(i64::from(info.rate_bp), 4),
                                fixed: Decimal::from(info.fixed),
                                hire_cutoff_day: None,
                                separation_month_paid: true,
                            }
                        })
                    })
                    .collect()
            })
            .collect();
        DueTable { first, rules }
    }

    pub fn rule(&self, region: usize, month: Month) -> &MonthRule {
        let months = &self.rules[region.min(self.rules.len() - 1)];
        let i = (month.index() - self.first.index()).clamp(0, Self::MONTHS - 1);
        &months[i as usize]
    }

    /// The amount due for one month, in cents: `round_half_up(clamp(wage, floor,
    /// cap) × rate, 2) + fixed` (SPEC §3 rule 9).
    pub fn due_cents(&self, wage_cents: u64, region: usize, month: Month) -> i64 {
        let r = self.rule(region, month);
        let base = Decimal::new(wage_cents as i64, 2).clamp(r.floor, r.cap);
        let due = (base * r.rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            + r.fixed;
        (due * Decimal::ONE_HUNDRED).to_i64().unwrap_or(0)
    }

    /// The months a spell is paid for: from the hire month (the next one when
    /// hired after the cut-off day) through the separation month (the one
    /// before when the separation month is not paid), clipped to the ledger's
    /// window: from the table's first month (a ledger covers recent years
    /// only; a spell that ended before it has no rows) through `last`.
    pub fn paid_months(
        &self,
        region: usize,
        hire: NaiveDate,
        separation: Option<NaiveDate>,
        last: Month,
    ) -> (Month, Month) {
        let hire_month = Month::of(hire);
        let first = match self.rule(region, hire_month).hire_cutoff_day {
            Some(cutoff) if hire.day() > cutoff => hire_month.next(),
            _ => hire_month,
        };
        let end = match separation {
            None => last,
            Some(sep) => {
                let m = Month::of(sep);
                if self.rule(region, m).separation_month_paid {
                    m
                } else {
                    m.prev()
                }
            }
        };
        (first.max(self.first), end.min(last))
    }
}

/// `pct` percent of `cents`, rounded half-up to a cent.
fn part_of(cents: i64, pct: i64) -> i64 {
    Decimal::new(cents * pct, 2)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(0)
}

fn push_cents(out: &mut String, cents: i64) {
    push_u64(out, cents.unsigned_abs() / 100);
    out.push('.');
    let c = cents.unsigned_abs() % 100;
    out.push(char::from(b'0' + (c / 10) as u8));
    out.push(char::from(b'0' + (c % 10) as u8));
}

fn push_iso(out: &mut String, d: NaiveDate) {
    super::render::push_date(out, d, super::population::DateStyle::Iso);
}

/// One month's payment as the generator decided it, before it is laid out.
#[derive(Clone, Copy, Debug)]
struct Payment {
    month: Month,
    /// What was paid for medical, fixed part (大额) included, in cents.
    cents: i64,
    /// The fixed 大额医疗互助 part of `cents` (0 where the region has none).
    fixed_cents: i64,
    paid: NaiveDate,
    /// Paid after the due date: a back-pay (补缴) row in a long ledger.
    late: bool,
    /// Paid in full on time (may share a range row).
    normal: bool,
    copies: u32,
}

/// Appends one person's ledger rows to `out` in `shape`, counting what was
/// done to them. The payments (and the random draws behind them) are the
/// same whatever the shape.
pub fn person_ledger(
    plan: &PersonPlan,
    ctx: &RenderContext<'_>,
    dues: &DueTable,
    shape: LedgerShape,
    out: &mut String,
    tally: &mut LedgerSummary,
) {
    let mut rng = Rng::stream(ctx.seed, STREAM_LEDGER, plan.index);
    // The 证件类型 and 身份证号 cells, as the events name the person.
    let (label, shown) = plan.shown_id();
    let who = format!("{label},{}", shown.number());
    let id = who.as_str();
    let export = export_date();
    for spell in plan.spells() {
        let employer = &ctx.employers[spell.employer as usize];
        let (first, last) = dues.paid_months(
            employer.region,
            spell.hire,
            spell.separation,
            ledger_last_month(),
        );
        let mut payments: Vec<Payment> = Vec::new();
        let mut month = first;
        while month <= last {
            tally.months += 1;
            let fate = rng.below(1000);
            let duplicated = rng.chance(10);
            let mut amount = dues.due_cents(spell.wage_cents, employer.region, month);
            let fixed = (dues.rule(employer.region, month).fixed * Decimal::ONE_HUNDRED)
                .to_i64()
                .unwrap_or(0);
            let mut paid =
                NaiveDate::from_ymd_opt(month.year(), month.month(), rng.range(5, 25) as u32)
                    .unwrap_or_else(|| month.first_day());
            let mut late = false;
            match fate {
                0..30 => {
                    tally.months_missing += 1;
                    month = month.next();
                    continue;
                }
                30..60 => {
                    tally.months_underpaid += 1;
                    amount = part_of(amount, rng.range(50, 95));
                }
                60..100 => {
                    let late_date = month.last_day() + chrono::Days::new(rng.range(5, 120) as u64);
                    if late_date <= export {
                        tally.months_paid_late += 1;
                        paid = late_date;
                        late = true;
                    }
                }
                _ => {}
            }
            let copies = if duplicated {
                tally.rows_duplicated += 1;
                2
            } else {
                1
            };
            payments.push(Payment {
                month,
                cents: amount,
                fixed_cents: fixed.min(amount),
                paid,
                late,
                normal: fate >= 60 && !late,
                copies,
            });
            month = month.next();
        }
        match shape {
            LedgerShape::Range => range_rows(id, &employer.code, &payments, out, tally),
            _ => {
                for p in &payments {
                    for _ in 0..p.copies {
                        tally.rows += month_rows(id, &employer.code, p, shape, out);
                    }
                }
            }
        }
    }
}

fn push_month(out: &mut String, month: Month) {
    push_u64(out, month.year() as u64);
    let m = month.month();
    out.push(char::from(b'0' + (m / 10) as u8));
    out.push(char::from(b'0' + (m % 10) as u8));
}

/// The other insurances' amounts a long or wide ledger carries beside medical
/// (pension, unemployment, injury): plausible multiples of the medical amount,
/// never read as medical.
fn other_parts(cents: i64) -> [(&'static str, i64); 3] {
    [
        ("基本养老保险", cents * 2),
        ("失业保险", part_of(cents, 8)),
        ("工伤保险", part_of(cents, 4)),
    ]
}

/// One month's rows in a medical, long or wide ledger; returns how many.
fn month_rows(id: &str, employer: &str, p: &Payment, shape: LedgerShape, out: &mut String) -> u64 {
    let start = |out: &mut String| {
        out.push_str(id);
        out.push(',');
        out.push_str(employer);
        out.push(',');
        push_month(out, p.month);
        out.push(',');
    };
    let basic = p.cents - p.fixed_cents;
    match shape {
        LedgerShape::Long => {
            let kind = if p.late { "补缴" } else { "正常应缴" };
            let mut rows: Vec<(&str, i64)> = vec![("基本医疗保险（含生育）", basic)];
            if p.fixed_cents > 0 {
                rows.push(("大额医疗互助", p.fixed_cents));
            }
            rows.extend(other_parts(p.cents));
            for (insurance, cents) in &rows {
                start(out);
                out.push_str(insurance);
                out.push(',');
                out.push_str(kind);
                out.push(',');
                push_cents(out, *cents);
                out.push(',');
                push_iso(out, p.paid);
                out.push('\n');
            }
            rows.len() as u64
        }
        LedgerShape::Wide => {
            start(out);
            push_cents(out, basic);
            out.push(',');
            if p.fixed_cents > 0 {
                push_cents(out, p.fixed_cents);
            }
            for (_, cents) in other_parts(p.cents) {
                out.push(',');
                push_cents(out, cents);
            }
            out.push(',');
            push_iso(out, p.paid);
            out.push('\n');
            1
        }
        LedgerShape::Medical | LedgerShape::Range => {
            start(out);
            push_cents(out, p.cents);
            out.push(',');
            push_iso(out, p.paid);
            out.push('\n');
            1
        }
    }
}

/// Range rows: two consecutive months paid in full on time with the same
/// amount share one row (费款所属期起/止, 月数 2) dated the first month's paid
/// date, on time for both; every other month is a one-month row.
fn range_rows(
    id: &str,
    employer: &str,
    payments: &[Payment],
    out: &mut String,
    tally: &mut LedgerSummary,
) {
    let mut row = |from: Month, to: Month, months: u32, cents: i64, paid: NaiveDate| {
        out.push_str(id);
        out.push(',');
        out.push_str(employer);
        out.push(',');
        push_month(out, from);
        out.push(',');
        push_month(out, to);
        out.push(',');
        push_u64(out, u64::from(months));
        out.push(',');
        push_cents(out, cents);
        out.push(',');
        push_iso(out, paid);
        out.push('\n');
        tally.rows += 1;
    };
    let mut i = 0;
    while i < payments.len() {
        let p = payments[i];
        if let Some(q) = payments.get(i + 1)
            && p.normal
            && q.normal
            && p.copies == 1
            && q.copies == 1
            && q.month == p.month.next()
            && q.cents == p.cents
        {
            row(p.month, q.month, 2, p.cents + q.cents, p.paid);
            i += 2;
            continue;
        }
        for _ in 0..p.copies {
            row(p.month, p.month, 1, p.cents, p.paid);
        }
        i += 1;
    }
}

/// The header line(s) of a ledger of `shape`.
pub fn ledger_header(shape: LedgerShape) -> &'static str {
    match shape {
        LedgerShape::Medical => LEDGER_HEADER,
        LedgerShape::Long => {
            "证件类型,身份证号,单位编号,费款所属期,险种,缴费类型,实缴金额,缴费日期\n"
        }
        LedgerShape::Wide => {
            "证件类型,身份证号,单位编号,费款所属期,基本医疗保险（含生育）,大额医疗互助,基本养老保险,失业保险,工伤保险,缴费日期\n\
             ,,,,实缴金额,实缴金额,实缴金额,实缴金额,实缴金额,\n"
        }
        LedgerShape::Range => {
            "证件类型,身份证号,单位编号,费款所属期起,费款所属期止,月数,实缴金额,缴费日期\n"
        }
    }
}

/// Writes `relative` under `out_dir` for every person of `opts`.
pub fn write_ledger(
    out_dir: &Path,
    relative: &str,
    opts: &GenerateOptions,
    ctx: &RenderContext<'_>,
    picker: &EmployerPicker,
) -> Result<LedgerSummary, GenerateError> {
    let path = out_dir.join(relative);
    let file = File::create(&path).map_err(io_error(&path))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let header = ledger_header(opts.ledger_shape);
    w.write_all(header.as_bytes()).map_err(io_error(&path))?;
    let mut total = LedgerSummary {
        path: relative.to_string(),
        bytes: header.len() as u64,
        ..LedgerSummary::default()
    };
    let dues = match PolicySet::load(&[]) {
        Ok(policies) => DueTable::from_policies(&policies),
        Err(_) => DueTable::rough(),
    };
    let chunks = opts.persons.div_ceil(CHUNK_PERSONS);
    let window = (rayon::current_num_threads().max(1) * 2) as u64;
    let mut start = 0;
    while start < chunks {
        let end = (start + window).min(chunks);
        let parts: Vec<(String, LedgerSummary)> = (start..end)
            .into_par_iter()
            .map(|chunk| {
                let mut text = String::with_capacity(CHUNK_PERSONS as usize * 12 * 70);
                let mut tally = LedgerSummary::default();
                let from = chunk * CHUNK_PERSONS;
                let to = (from + CHUNK_PERSONS).min(opts.persons);
                for p in from..to {
                    let plan = plan_person(opts.seed, p, &ctx.ids, picker);
                    person_ledger(&plan, ctx, &dues, opts.ledger_shape, &mut text, &mut tally);
                }
                (text, tally)
            })
            .collect();
        for (text, tally) in parts {
            w.write_all(text.as_bytes()).map_err(io_error(&path))?;
            total.bytes += text.len() as u64;
            total.rows += tally.rows;
            total.months += tally.months;
            total.months_missing += tally.months_missing;
            total.months_underpaid += tally.months_underpaid;
            total.months_paid_late += tally.months_paid_late;
            total.rows_duplicated += tally.rows_duplicated;
        }
        start = end;
    }
    w.flush().map_err(io_error(&path))?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_follows_the_beijing_example() {
        let shipped = DueTable::from_policies(&PolicySet::load(&[]).unwrap());
        for dues in [DueTable::rough(), shipped] {
            // SPEC §5 late-fee example: wage 8000, 8000 × 0.118 = 944.00 + 3 = 947.00.
            let may_2025 = Month::new(2025, 5).unwrap();
            assert_eq!(dues.due_cents(800_000, 0, may_2025), 94_700);
            // Wage 5000 under the 2025-07 floor 7162: 7162 × 0.118 = 845.116 → 845.12 + 3.
            assert_eq!(
                dues.due_cents(500_000, 0, Month::new(2025, 7).unwrap()),
                84_812
            );
            // Above the cap: 35811 × 0.118 = 4225.698 → 4225.70 + 3 = 4228.70.
            assert_eq!(
                dues.due_cents(9_000_000, 0, Month::new(2026, 1).unwrap()),
                422_870
            );
        }
    }

    #[test]
    fn paid_months_follow_cutoff_and_separation_rules() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let month = |y, m| Month::new(y, m).unwrap();
        let last = month(2026, 10);
        let rough = DueTable::rough();
        // No cut-off, separation month paid: 2025-03-20 .. 2025-06-10 → 2025-03..2025-06.
        assert_eq!(
            rough.paid_months(0, d(2025, 3, 20), Some(d(2025, 6, 10)), last),
            (month(2025, 3), month(2025, 6))
        );
        // Still employed: through the ledger's last month.
        assert_eq!(
            rough.paid_months(1, d(2026, 2, 1), None, last),
            (month(2026, 2), last)
        );
        // Hired long before the ledger's window: from its first month, 2024-01.
        assert_eq!(
            rough.paid_months(0, d(2009, 6, 15), Some(d(2024, 5, 3)), last),
            (month(2024, 1), month(2024, 5))
        );
        assert_eq!(
            rough.paid_months(2, d(2003, 1, 2), None, last),
            (month(2024, 1), last)
        );
        // A spell that ended before the window: nothing to pay (first > last).
        let (first, end) = rough.paid_months(0, d(2010, 3, 1), Some(d(2019, 8, 31)), last);
        assert_eq!(first, month(2024, 1));
        assert!(end < first, "{end}");
        let mut cut = DueTable::rough();
        for r in &mut cut.rules[0] {
            r.hire_cutoff_day = Some(15);
            r.separation_month_paid = false;
        }
        // Hired on the 20th, after the 15th: from April; June not paid: through May.
        assert_eq!(
            cut.paid_months(0, d(2025, 3, 20), Some(d(2025, 6, 10)), last),
            (month(2025, 4), month(2025, 5))
        );
    }

    #[test]
    fn part_rounds_half_up() {
        // 947.00 × 0.85 = 804.95; 1.01 × 0.5 = 0.505 → 0.51.
        assert_eq!(part_of(94_700, 85), 80_495);
        assert_eq!(part_of(101, 50), 51);
    }
}
