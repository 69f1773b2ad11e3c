//! SPEC §3 rule 9: arrears (欠缴) and late fees (滞纳金) of each covered month
//! against the contribution ledger, and payments for months outside every spell
//! of that employer (`OVERPAID`) or for a person with no events (`LEDGER_ONLY`).
//!
//! How a month is judged (due date = last day of the month, only months whose
//! due date is before the as-of date):
//! - `due = round_half_up(base × (employer_rate + employee_rate), 2) + fixed_monthly`;
//!   `paid` = the ledger entry's sum (0 when none).
//! - `paid < due`: `shortfall = due − paid`, and the fee runs on the shortfall
//!   to the entry's `paid_date` when it has one (capped at the as-of date), else to
//!   the as-of date — SPEC rule 9 as written. A `paid_date` on or before the due
//!   date gives 0 days (the row is still reported: the shortfall is owed).
//! - `paid ≥ due`: nothing is short, no row, whatever the `paid_date` (SPEC rule 9
//!   charges the fee on the shortfall only; a full payment made late is not
//!   charged here).
//! - `days` counts from the day after the due date to the end date inclusive,
//!   i.e. `end − due_date`; `late_fee = round_half_up(principal × late_fee_daily ×
//!   days, 2)`, at most the principal when `late_fee_cap_at_principal`.

use super::EngineContext;
use super::money::{due_month, round_half_up};
use super::spells::Spell;
use crate::model::{ArrearsRow, LedgerEntry, Month, OverpaidRow, PersonId};
use crate::policy::PolicyError;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::sync::Arc;

/// The ledger of one person, sorted by (employer, month) for binary search.
pub struct PersonLedger<'l> {
    entries: Vec<&'l LedgerEntry>,
}

impl<'l> PersonLedger<'l> {
    pub fn new(ledger: &'l [LedgerEntry]) -> Self {
        let mut entries: Vec<&LedgerEntry> = ledger.iter().collect();
        entries.sort_unstable_by(|a, b| {
            a.employer_id
                .cmp(&b.employer_id)
                .then(a.month.cmp(&b.month))
        });
        PersonLedger { entries }
    }
    /// Paid sum and latest paid date for (employer, month); entries are normally
    /// already one per key, but repeated keys are summed, never fanned out.
    pub fn paid(&self, employer: &str, month: Month) -> (Decimal, Option<NaiveDate>) {
        let lo = self
            .entries
            .partition_point(|e| (&*e.employer_id, e.month) < (employer, month));
        let mut paid = Decimal::ZERO;
        let mut date: Option<NaiveDate> = None;
        for e in &self.entries[lo..] {
            if &*e.employer_id != employer || e.month != month {
                break;
            }
            paid += e.paid;
            date = date.max(e.paid_date);
        }
        (paid, date)
    }
    pub fn entries(&self) -> &[&'l LedgerEntry] {
        &self.entries
    }
}

/// One month's judgement (also used by `explain`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthDue {
    pub due: Decimal,
    pub paid: Decimal,
    pub shortfall: Decimal,
    /// The amount the fee is charged on (shortfall, or `due` when settled late).
    pub principal: Decimal,
    pub days: u32,
    pub late_fee: Decimal,
}

/// Judges one covered month; `None` when it is not yet due or was paid on time.
pub fn judge_month(
    ctx: &EngineContext<'_>,
    spell: &Spell<'_>,
    ledger: &PersonLedger<'_>,
    month: Month,
) -> Result<Option<MonthDue>, PolicyError> {
    let due_date = month.last_day();
    if due_date >= ctx.as_of {
        return Ok(None);
    }
    let version = ctx.version(spell.region, month)?;
    let due = due_month(version, spell.wage);
    let (paid, paid_date) = ledger.paid(spell.employer, month);
    if paid >= due {
        return Ok(None);
    }
    let shortfall = due - paid;
    let principal = shortfall;
    let end = paid_date.map_or(ctx.as_of, |pd| pd.min(ctx.as_of));
    let days = (end - due_date).num_days().max(0) as u32;
    let mut late_fee = round_half_up(principal * version.late_fee_daily * Decimal::from(days));
    if version.late_fee_cap_at_principal {
        late_fee = late_fee.min(principal);
    }
    Ok(Some(MonthDue {
        due,
        paid,
        shortfall,
        principal,
        days,
        late_fee,
    }))
}

/// Arrears rows of every covered, due month of every spell.
pub fn arrears_rows(
    person_id: PersonId,
    ctx: &EngineContext<'_>,
    spells: &[Spell<'_>],
    ledger: &PersonLedger<'_>,
    out: &mut Vec<ArrearsRow>,
) -> Result<(), PolicyError> {
    let last_due = Month::of(ctx.as_of).prev();
    for spell in spells {
        let mut month = spell.start;
        let end = spell.end.min(last_due.next());
        while month <= end {
            if let Some(j) = judge_month(ctx, spell, ledger, month)? {
                out.push(ArrearsRow {
                    person_id,
                    employer_id: Arc::clone(spell.employer),
                    month,
                    due: j.due,
                    paid: j.paid,
                    shortfall: j.shortfall,
                    days: j.days,
                    late_fee: j.late_fee,
                });
            }
            month = month.next();
        }
    }
    out.sort_by(|a, b| {
        a.month
            .cmp(&b.month)
            .then(a.employer_id.cmp(&b.employer_id))
    });
    Ok(())
}

/// Payments for months outside every spell of that employer (`OUTSIDE_SPELL`),
/// or every payment when the person has no events (`NO_EVENTS`).
pub fn overpaid_rows(
    person_id: PersonId,
    spells: &[Spell<'_>],
    ledger: &PersonLedger<'_>,
    no_events: bool,
    out: &mut Vec<OverpaidRow>,
) {
    for e in ledger.entries() {
        let inside = spells
            .iter()
            .any(|s| *s.employer == e.employer_id && s.covers(e.month));
        if no_events || !inside {
            out.push(OverpaidRow {
                person_id,
                employer_id: Arc::clone(&e.employer_id),
                month: e.month,
                paid: e.paid,
                reason: if no_events {
                    "NO_EVENTS"
                } else {
                    "OUTSIDE_SPELL"
                },
            });
        }
    }
    out.sort_by(|a, b| {
        a.month
            .cmp(&b.month)
            .then(a.employer_id.cmp(&b.employer_id))
    });
}
