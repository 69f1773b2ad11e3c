//! The synthetic contribution ledger (实缴记录, `ledger.csv`): one row per
//! covered month of every spell, amounts from the spell's wage clamped to a
//! rough floor and cap, with some months missing (欠缴), some underpaid, some
//! paid late and some rows duplicated, as real bureau statements have them.

use super::population::{
    EmployerPicker, PersonPlan, REGIONS, STREAM_LEDGER, export_date, ledger_last_month, plan_person,
};
use super::render::{RenderContext, push_u64};
use super::rng::Rng;
use super::{GenerateError, GenerateOptions, LedgerSummary, io_error};
use crate::model::Month;
use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const LEDGER_HEADER: &str = "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n";

/// Persons per parallel rendering chunk.
const CHUNK_PERSONS: u64 = 8 * 1024;

/// The amount due for one month, in cents: `round_half_up(clamp(wage, floor,
/// cap) × rate, 2) + fixed`, with the generator's rough regional figures.
pub fn due_cents(wage_cents: u64, region: usize, month: Month) -> i64 {
    let info = &REGIONS[region.min(REGIONS.len() - 1)];
    let switch = Month::new(2025, 7).unwrap_or(month);
    let (floor, cap) = info.bounds[usize::from(month >= switch)];
    let base = Decimal::new(wage_cents as i64, 2).clamp(Decimal::from(floor), Decimal::from(cap));
    let due = (base * Decimal::new(i64::from(info.rate_bp), 4))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        + Decimal::from(info.fixed);
    (due * Decimal::ONE_HUNDRED).to_i64().unwrap_or(0)
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

/// Appends one person's ledger rows to `out`, counting what was done to them.
pub fn person_ledger(
    plan: &PersonPlan,
    ctx: &RenderContext<'_>,
    out: &mut String,
    tally: &mut LedgerSummary,
) {
    let mut rng = Rng::stream(ctx.seed, STREAM_LEDGER, plan.index);
    let id = plan.id;
    let export = export_date();
    for spell in plan.spells() {
        let employer = &ctx.employers[spell.employer as usize];
        let first = Month::of(spell.hire);
        let last = spell
            .separation
            .map(Month::of)
            .unwrap_or(ledger_last_month())
            .min(ledger_last_month());
        let mut month = first;
        while month <= last {
            tally.months += 1;
            let fate = rng.below(1000);
            let duplicated = rng.chance(10);
            let mut amount = due_cents(spell.wage_cents, employer.region, month);
            let mut paid =
                NaiveDate::from_ymd_opt(month.year(), month.month(), rng.range(5, 25) as u32)
                    .unwrap_or_else(|| month.first_day());
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
                    let late = month.last_day() + chrono::Days::new(rng.range(5, 120) as u64);
                    if late <= export {
                        tally.months_paid_late += 1;
                        paid = late;
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
            for _ in 0..copies {
                out.push_str(id.as_str());
                out.push(',');
                out.push_str(&employer.code);
                out.push(',');
                push_u64(out, month.year() as u64);
                let m = month.month();
                out.push(char::from(b'0' + (m / 10) as u8));
                out.push(char::from(b'0' + (m % 10) as u8));
                out.push(',');
                push_cents(out, amount);
                out.push(',');
                push_iso(out, paid);
                out.push('\n');
                tally.rows += 1;
            }
            month = month.next();
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
    w.write_all(LEDGER_HEADER.as_bytes())
        .map_err(io_error(&path))?;
    let mut total = LedgerSummary {
        path: relative.to_string(),
        bytes: LEDGER_HEADER.len() as u64,
        ..LedgerSummary::default()
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
                    person_ledger(&plan, ctx, &mut text, &mut tally);
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
        // SPEC §5 late-fee example: wage 8000, 8000 × 0.118 = 944.00 + 3 = 947.00.
        let may_2025 = Month::new(2025, 5).unwrap();
        assert_eq!(due_cents(800_000, 0, may_2025), 94_700);
        // Wage 5000 is under the 2025-07 floor 7162: 7162 × 0.118 = 845.116 → 845.12 + 3.
        assert_eq!(due_cents(500_000, 0, Month::new(2025, 7).unwrap()), 84_812);
        // Above the cap: 35811 × 0.118 = 4225.698 → 4225.70 + 3 = 4228.70.
        assert_eq!(
            due_cents(9_000_000, 0, Month::new(2026, 1).unwrap()),
            422_870
        );
    }

    #[test]
    fn part_rounds_half_up() {
        // 947.00 × 0.85 = 804.95; 1.01 × 0.5 = 0.505 → 0.51.
        assert_eq!(part_of(94_700, 85), 80_495);
        assert_eq!(part_of(101, 50), 51);
    }
}
