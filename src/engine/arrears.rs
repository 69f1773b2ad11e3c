//! SPEC §3 rule 9: arrears (欠缴) and late fees (滞纳金) of each covered month
//! against the contribution ledger, and payments for months outside every spell
//! of that employer (`OVERPAID`) or for a person with no events (`LEDGER_ONLY`).
//!
//! How a month is judged (due date = last day of the month, only months whose
//! due date is before the as-of date):
//! - `due = round_half_up(base × (employer_rate + employee_rate), 2) + fixed_monthly`;
//!   `paid` = the ledger entry's sum (0 when none).
//! - `shortfall = due − paid` when positive: what is still owed.
//! - The late fee follows 《社会保险法》第八十六条 (万分之五 a day from the day the
//!   contribution fell due until it is paid) and SPEC rule 9's day count (from the
//!   day after the due date to the paid date or the as-of date, inclusive):
//!   * the shortfall still owed runs to the as-of date;
//!   * an amount paid after the due date (`paid_date` later than it) runs to that
//!     `paid_date` — so a paid date stops the fee on what it paid;
//!   * an amount paid on or before the due date costs nothing.
//!
//!   So `late_fee = round_half_up(shortfall × rate × days_to_as_of + paid_late ×
//!   rate × days_to_paid_date, 2)`: the SPEC §5 example (nothing paid) is the
//!   first term alone. The row's `days` is the shortfall's days, or the late
//!   payment's when nothing is owed any more.
//! - A month fully paid on time has no row; a month paid in full but late has a
//!   row with shortfall 0.00 and its fee. Summed ledger rows share the latest
//!   paid date of the month (a ledger entry carries one).
//! - Days count from the day after the due date to the end date inclusive, i.e.
//!   `end − due_date`. With `late_fee_cap_at_principal` the fee is at most the
//!   principal (shortfall + amount paid late).

use super::EngineContext;
use super::money::round_half_up;
use super::spells::Spell;
use crate::model::{ArrearsRow, Code, LedgerEntry, Month, OverpaidRow, PersonId, RegionId};
use crate::policy::Missing;
use chrono::NaiveDate;
use rust_decimal::Decimal;

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
    /// The amount the fee is charged on (the shortfall).
    pub principal: Decimal,
    pub days: u32,
    pub late_fee: Decimal,
    /// The pack's dated waiver that took part of the fee off, if any.
    pub waiver: Option<Code>,
}

/// How much of a month's due a waiver covers (the whole due, or the part from
/// the new base year's higher base: the due minus the due under the money in
/// force the month before this version began, same wage and tier).
fn waivable(
    ctx: &EngineContext<'_>,
    spell: &Spell<'_>,
    priced: &crate::policy::Priced<'_>,
    due: Decimal,
    w: &crate::policy::Waiver,
) -> Decimal {
    match w.applies_to {
        crate::policy::WaiverScope::All => due,
        crate::policy::WaiverScope::BaseDifference => {
            let before = priced.money.from.prev();
            match ctx
                .policies
                .money(spell.region, before, priced.tier, false)
                .and_then(|p| p.params.due(spell.wage).ok())
            {
                Some(old) => (due - old).max(Decimal::ZERO),
                // No due to compare with: the difference is unknown, nothing waived.
                None => Decimal::ZERO,
            }
        }
    }
}

/// Judges one covered month; `Ok(None)` when it is not yet due, is before the
/// ledger's first month, or was paid on time; `Err` when no money values price
/// its due.
pub fn judge_month(
    ctx: &EngineContext<'_>,
    spell: &Spell<'_>,
    ledger: &PersonLedger<'_>,
    month: Month,
) -> Result<Option<MonthDue>, Missing> {
    let due_date = month.last_day();
    if due_date >= ctx.as_of || ctx.ledger_from.is_some_and(|from| month < from) {
        return Ok(None);
    }
    let priced = ctx
        .money_tier(spell.region, month, spell.tier)
        .ok_or(Missing::Version)?;
    let due = priced.params.due(spell.wage)?;
    let version = ctx.rules(spell.region, month);
    let (paid, paid_date) = ledger.paid(&spell.employer, month);
    // Nothing owed is 0.00, in the due's scale (also when more than due was paid).
    let shortfall = if due > paid {
        due - paid
    } else {
        Decimal::new(0, 2)
    };
    let (paid_late, days_paid) = match paid_date {
        Some(pd) if pd > due_date => (
            paid.min(due).max(Decimal::ZERO),
            (pd.min(ctx.as_of) - due_date).num_days().max(0) as u32,
        ),
        _ => (Decimal::ZERO, 0),
    };
    if shortfall.is_zero() && paid_late.is_zero() {
        return Ok(None);
    }
    let days_owed = (ctx.as_of - due_date).num_days().max(0) as u32;
    let rate = version.late_fee_daily;
    let principal = shortfall + paid_late;
    // A dated waiver: the part it covers carries no fee when it was paid by the
    // deadline, or is still owed while the deadline has not passed; after the
    // deadline what is still owed runs from the due date as usual.
    let (mut waived_paid, mut waived_owed) = (Decimal::ZERO, Decimal::ZERO);
    let waiver = ctx.policies.waiver(spell.region, month);
    if let Some(w) = waiver {
        let mut room = waivable(ctx, spell, &priced, due, w);
        if paid_date.is_some_and(|pd| pd <= w.paid_by) {
            waived_paid = paid_late.min(room);
            room -= waived_paid;
        }
        if ctx.as_of <= w.paid_by {
            waived_owed = shortfall.min(room);
        }
    }
    let mut late_fee = round_half_up(
        (shortfall - waived_owed) * rate * Decimal::from(days_owed)
            + (paid_late - waived_paid) * rate * Decimal::from(days_paid),
    );
    if version.late_fee_cap_at_principal {
        late_fee = late_fee.min(principal);
    }
    let days = if shortfall.is_zero() {
        days_paid
    } else {
        days_owed
    };
    let waived = !(waived_paid + waived_owed).is_zero();
    Ok(Some(MonthDue {
        due,
        paid,
        shortfall,
        principal,
        days,
        late_fee,
        waiver: waiver.filter(|_| waived).map(|w| w.label),
    }))
}

/// The due months of one spell that no money values price.
#[derive(Debug, Clone, PartialEq)]
pub struct UnpricedDues {
    pub employer: Code,
    pub region: RegionId,
    pub from: Month,
    pub to: Month,
    pub months: Vec<Month>,
    /// What is missing for the first of them.
    pub missing: Missing,
}

/// Arrears rows of every covered, due month of every spell; returns the due
/// months left unpriced, per spell.
pub fn arrears_rows(
    person_id: PersonId,
    ctx: &EngineContext<'_>,
    spells: &[Spell<'_>],
    ledger: &PersonLedger<'_>,
    out: &mut Vec<ArrearsRow>,
) -> Vec<UnpricedDues> {
    let last_due = Month::of(ctx.as_of).prev();
    let mut unpriced: Vec<UnpricedDues> = Vec::new();
    for spell in spells {
        let mut month = spell.start.max(ctx.ledger_from.unwrap_or(spell.start));
        let end = spell.end.min(last_due.next());
        let mut missed: Option<UnpricedDues> = None;
        while month <= end {
            let judged = match judge_month(ctx, spell, ledger, month) {
                Ok(j) => j,
                Err(missing) => {
                    let u = missed.get_or_insert(UnpricedDues {
                        employer: spell.employer,
                        region: spell.region,
                        from: month,
                        to: month,
                        months: Vec::new(),
                        missing,
                    });
                    u.to = month;
                    u.months.push(month);
                    None
                }
            };
            if let Some(j) = judged {
                out.push(ArrearsRow {
                    person_id,
                    employer_id: spell.employer,
                    month,
                    due: j.due,
                    paid: j.paid,
                    shortfall: j.shortfall,
                    days: j.days,
                    late_fee: j.late_fee,
                    late_fee_waiver: j.waiver,
                    region: spell.region,
                });
            }
            month = month.next();
        }
        unpriced.extend(missed);
    }
    out.sort_by(|a, b| {
        a.month
            .cmp(&b.month)
            .then(a.employer_id.cmp(&b.employer_id))
    });
    unpriced
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
            .any(|s| s.employer == e.employer_id && s.covers(e.month));
        if no_events || !inside {
            out.push(OverpaidRow {
                person_id,
                employer_id: e.employer_id,
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
