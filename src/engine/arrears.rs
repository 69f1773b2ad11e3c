//! SPEC §3 rule 9: arrears (欠缴) and late fees (滞纳金) of each covered month
//! against the contribution ledger, and payments for months outside every spell
//! of that employer (`OVERPAID`) or for a person with no events (`LEDGER_ONLY`).
//!
//! How a month is judged (due date = last day of the month, only months whose
//! due date is before the as-of date):
//! - `due = round_half_up(base × (employer_rate + employee_rate), 2) + fixed_monthly`.
//! - The month's payments are the ledger entries of that employer and month
//!   whose insurance is in the pack's `due_insurance` (a billed 滞纳金 is not a
//!   payment); each entry is one paid date, so a month paid in two payments
//!   keeps both dates. `paid` is their net sum (refunds negative).
//! - The payments are walked in date order (`walk_payments`): what is owed
//!   starts at the due on the due date, each payment lowers it from its own
//!   paid date (undated or on-time payments from the due date), a refund
//!   raises it again; `shortfall` is what is still owed at the end.
//! - The late fee follows 《社会保险法》第八十六条 (万分之五 a day from the day the
//!   contribution fell due until it is paid) and SPEC rule 9's day count:
//!   `late_fee = round_half_up(rate × Σ owed × days)`, i.e. each amount paid
//!   late runs to its own paid date and what is still owed to the as-of date.
//!   500.00 paid on time and 683.00 paid 20 days late cost 683.00 × 0.0005 ×
//!   20 = 6.83. The SPEC §5 example (nothing paid) is `shortfall × rate × days`.
//!   The row's `days` is the shortfall's days, or the last late payment's when
//!   nothing is owed any more.
//! - A month fully paid on time has no row (unless the ledger billed a late
//!   fee for it); a month paid in full but late has a row with shortfall 0.00
//!   and its fee.
//! - Days count from the day after the due date to the end date inclusive, i.e.
//!   `end − due_date`. With `late_fee_cap_at_principal` the fee is at most the
//!   principal (shortfall + amount paid late).

use super::EngineContext;
use super::money::round_half_up;
use super::spells::Spell;
use crate::model::{
    ArrearsRow, Code, LedgerEntry, Month, OverpaidRow, PaymentKind, PersonId, RegionId,
};
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
    /// Every entry for (employer, month): one per paid date, insurance and
    /// payment kind, in no particular order.
    pub fn month_entries(&self, employer: &str, month: Month) -> &[&'l LedgerEntry] {
        let lo = self
            .entries
            .partition_point(|e| (&*e.employer_id, e.month) < (employer, month));
        let len = self.entries[lo..]
            .iter()
            .take_while(|e| &*e.employer_id == employer && e.month == month)
            .count();
        &self.entries[lo..lo + len]
    }

    pub fn entries(&self) -> &[&'l LedgerEntry] {
        &self.entries
    }
}

/// The payments of a month's entries that pay the due: entries of an
/// insurance in `due_insurance` (a set of `Insurance::bit`s), billed late
/// fees left out; undated first, then by paid date.
fn payments_of<'l>(entries: &[&'l LedgerEntry], due_insurance: u8) -> Vec<&'l LedgerEntry> {
    let mut out: Vec<&LedgerEntry> = entries
        .iter()
        .copied()
        .filter(|e| e.kind != PaymentKind::LateFeeBilled && due_insurance & e.insurance.bit() != 0)
        .collect();
    out.sort_by_key(|e| (e.paid_date, e.kind, e.insurance));
    out
}

/// The late fee the ledger billed among a month's entries, when it has a
/// 滞纳金 column with a value for that month.
fn late_fee_billed_of(entries: &[&LedgerEntry]) -> Option<Decimal> {
    entries
        .iter()
        .filter(|e| e.kind == PaymentKind::LateFeeBilled)
        .map(|e| e.paid)
        .reduce(|a, b| a + b)
}

/// One month's judgement (also used by `explain`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthDue {
    pub due: Decimal,
    /// Net paid: payments minus refunds, of the insurances that make up the due.
    pub paid: Decimal,
    /// The payment kinds among them (`PaymentKind` bits).
    pub paid_kinds: u8,
    /// The ledger's own 滞纳金 for the month, if it has one.
    pub late_fee_billed: Option<Decimal>,
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
    let entries = ledger.month_entries(&spell.employer, month);
    let payments = payments_of(entries, version.due_insurance);
    let late_fee_billed = late_fee_billed_of(entries);
    let walk = walk_payments(due, due_date, ctx.as_of, &payments);
    let paid = walk.paid;
    let shortfall = walk.shortfall;
    let paid_late = walk.paid_late;
    if shortfall.is_zero() && paid_late.is_zero() && late_fee_billed.is_none_or(|b| b.is_zero()) {
        return Ok(None);
    }
    // What is still owed has run since the due date, or since a refund made
    // a month paid in full owed again.
    let days_owed = (ctx.as_of - walk.owed_since).num_days().max(0) as u32;
    let rate = version.late_fee_daily;
    let principal = shortfall + paid_late;
    // A dated waiver: the part it covers carries no fee when it was paid by the
    // deadline, or is still owed while the deadline has not passed; after the
    // deadline what is still owed runs from the due date as usual.
    let mut waived_units = Decimal::ZERO;
    let mut waived = false;
    let waiver = ctx.policies.waiver(spell.region, month);
    if let Some(w) = waiver {
        let mut room = waivable(ctx, spell, &priced, due, w);
        for (amount, date, days) in &walk.late {
            if *date <= w.paid_by && room > Decimal::ZERO {
                let part = (*amount).min(room);
                room -= part;
                waived_units += part * Decimal::from(*days);
                waived |= !part.is_zero();
            }
        }
        if ctx.as_of <= w.paid_by {
            let part = shortfall.min(room);
            waived_units += part * Decimal::from(days_owed);
            waived |= !part.is_zero();
        }
    }
    let mut late_fee = round_half_up((walk.units - waived_units).max(Decimal::ZERO) * rate);
    if version.late_fee_cap_at_principal {
        late_fee = late_fee.min(principal);
    }
    let days = if shortfall.is_zero() {
        walk.last_late_days
    } else {
        days_owed
    };
    let paid_kinds = payments.iter().fold(0u8, |k, e| k | 1 << (e.kind as u8));
    Ok(Some(MonthDue {
        due,
        paid,
        paid_kinds,
        late_fee_billed,
        shortfall,
        principal,
        days,
        late_fee,
        waiver: waiver.filter(|_| waived).map(|w| w.label),
    }))
}

/// A month's payments walked in date order against its due.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    /// Net paid (refunds subtracted).
    pub paid: Decimal,
    /// What is still owed at the end (0.00 when nothing, in the due's scale).
    pub shortfall: Decimal,
    /// Of the due, what was paid after the due date (net of later refunds of it).
    pub paid_late: Decimal,
    /// Each late reduction of what was owed: (amount, paid date, days after
    /// the due date), in date order.
    pub late: Vec<(Decimal, NaiveDate, u32)>,
    /// Σ owed × days over the days from the due date to the as-of date: the
    /// late fee is this × the daily rate.
    pub units: Decimal,
    /// Days of the last late payment that reduced what was owed.
    pub last_late_days: u32,
    /// Since when what is still owed has been owed: the due date, or the
    /// date a refund made a month that was paid in full owed again.
    pub owed_since: NaiveDate,
}

/// Walks `payments` (undated first, then by date) against `due`: what is
/// owed starts at the due on the due date; each payment lowers it from its
/// own paid date (an undated one, or one on or before the due date, from the
/// due date itself: on time); a refund raises it again from its date; what
/// is still owed at the end runs to the as-of date. A paid date after the
/// as-of date counts as the as-of date. The fee units are Σ owed × days,
/// so each amount paid late is charged up to its own paid date (SPEC rule 9).
pub fn walk_payments(
    due: Decimal,
    due_date: NaiveDate,
    as_of: NaiveDate,
    payments: &[&LedgerEntry],
) -> Walk {
    let owed_of = |net: Decimal| {
        if due > net {
            due - net
        } else {
            Decimal::new(0, 2)
        }
    };
    let mut net = Decimal::ZERO;
    let mut owed = owed_of(net);
    let mut at = due_date;
    let mut units = Decimal::ZERO;
    let mut late = Vec::new();
    let mut last_late_days = 0u32;
    let mut owed_since = due_date;
    for p in payments {
        let when = p.paid_date.map_or(due_date, |d| d.min(as_of).max(due_date));
        if when > at {
            units += owed * Decimal::from((when - at).num_days());
            at = when;
        }
        net += p.paid;
        let after = owed_of(net);
        if after < owed && when > due_date {
            let days = (when - due_date).num_days().max(0) as u32;
            late.push((owed - after, when, days));
            last_late_days = days;
        }
        if owed.is_zero() && !after.is_zero() {
            owed_since = when;
        }
        owed = after;
    }
    if as_of > at {
        units += owed * Decimal::from((as_of - at).num_days());
    }
    let late_total: Decimal = late.iter().map(|(a, _, _)| *a).sum();
    Walk {
        paid: net,
        shortfall: owed,
        paid_late: late_total.min(due - owed).max(Decimal::ZERO),
        late,
        units,
        last_late_days,
        owed_since,
    }
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
                    paid_kinds: j.paid_kinds,
                    late_fee_billed: j.late_fee_billed,
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
    // Entries are sorted by employer and month: one row per month, the
    // payments of its dates and kinds summed (billed late fees left out).
    for month in ledger
        .entries()
        .chunk_by(|a, b| a.employer_id == b.employer_id && a.month == b.month)
    {
        let e = month[0];
        let mut contributions = month
            .iter()
            .filter(|e| e.kind != PaymentKind::LateFeeBilled)
            .peekable();
        if contributions.peek().is_none() {
            continue;
        }
        let paid: Decimal = contributions.map(|e| e.paid).sum();
        let inside = spells
            .iter()
            .any(|s| s.employer == e.employer_id && s.covers(e.month));
        if no_events || !inside {
            out.push(OverpaidRow {
                person_id,
                employer_id: e.employer_id,
                month: e.month,
                paid,
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
