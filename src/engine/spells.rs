//! SPEC §3 rules 1–2: a person's events, grouped by employer and ordered by date
//! (same day: hire before separation), become employment spells (参保期间) with
//! their covered months; orphan separations, conflicts and exact duplicates.

use super::EngineContext;
use crate::model::{Code, DateBasis, Event, EventKind, Month, RegionId};
use crate::text::Msg;
use chrono::Datelike;
use rust_decimal::Decimal;

/// One employment spell at one employer.
#[derive(Debug, Clone)]
pub struct Spell<'e> {
    pub employer: Code,
    /// Region of the hire row, else of the separation row.
    pub region: RegionId,
    /// Wage of the hire row, else of the separation row (`None`: base is the floor).
    pub wage: Option<Decimal>,
    /// 医疗缴费档次 of the hire row, else of the separation row (0: the default).
    pub tier: u8,
    pub hire: Option<&'e Event>,
    pub separation: Option<&'e Event>,
    /// First covered month (hire month, or the next one past `hire_cutoff_day`;
    /// `batch_first_month` for an orphan separation).
    pub start: Month,
    /// Last covered month (separation month, or the one before when
    /// `separation_month_paid` is false; the as-of month while open).
    /// `start > end` means the spell covered no month.
    pub end: Month,
    /// Opened by `ORPHAN_SEPARATION`.
    pub orphan: bool,
}

impl Spell<'_> {
    pub fn covers_any(&self) -> bool {
        self.start <= self.end
    }
    pub fn covers(&self, month: Month) -> bool {
        self.start <= month && month <= self.end
    }
    pub fn months(&self) -> u32 {
        self.start.months_through(self.end)
    }
}

/// An event the rules ignored: a second hire while a spell is open, or a
/// separation while none is (`CONFLICT`).
#[derive(Debug, Clone, Copy)]
pub struct Conflict<'e> {
    pub event: &'e Event,
    pub reason: crate::text::Msg,
}

#[derive(Debug, Default)]
pub struct Spells<'e> {
    /// Sorted by employer, then start.
    pub spells: Vec<Spell<'e>>,
    pub conflicts: Vec<Conflict<'e>>,
    /// Exact duplicate events collapsed (same employer, kind, date, region, wage,
    /// reason and filed date; only the row differs).
    pub duplicates: u32,
}

/// Same employer (codes compare by address).
pub fn same_employer(a: &Code, b: &Code) -> bool {
    a == b
}

fn same_event(a: &Event, b: &Event) -> bool {
    same_employer(&a.employer_id, &b.employer_id)
        && a.name == b.name
        && a.kind == b.kind
        && a.date == b.date
        && a.basis == b.basis
        && a.region == b.region
        && a.wage == b.wage
        && a.retirement == b.retirement
        && a.filed_date == b.filed_date
        && a.deemed_months == b.deemed_months
        && a.tier == b.tier
}

/// Builds the spells of one person from events in any order. Events after
/// `as_of` are ignored (rule 1).
///
/// The spells go into `out` (cleared first); `order` is the buffer the events
/// are sorted in. Both can be reused from person to person.
pub fn build_spells<'e>(
    events: &'e [Event],
    ctx: &EngineContext<'_>,
    out: &mut Spells<'e>,
    order: &mut Vec<&'e Event>,
) {
    out.spells.clear();
    out.conflicts.clear();
    out.duplicates = 0;
    order.clear();
    order.extend(events.iter().filter(|e| e.in_force(ctx.as_of)));
    order.sort_by(|a, b| {
        a.employer_id
            .cmp(&b.employer_id)
            .then(a.order_date().cmp(&b.order_date()))
            .then(a.kind.cmp(&b.kind))
            .then(a.source.cmp(&b.source))
    });
    for group in order.chunk_by_mut(|a, b| same_employer(&a.employer_id, &b.employer_id)) {
        let mut open: Option<&Event> = None;
        let mut had_spell = false;
        let mut prev: Option<&Event> = None;
        for i in 0..group.len() {
            // `减 202504` then `增 202504` at one employer tie (the stop's
            // first month unpaid is the hire's first month paid). With a
            // spell open, the separation closes it and the hire opens the
            // next (a rehire without a gap); with none, the hire comes first
            // (hired and gone before a month was paid).
            if open.is_some()
                && group[i].kind == EventKind::Hire
                && let Some(&next) = group.get(i + 1)
                && next.kind == EventKind::Separation
                && next.basis == DateBasis::Month
                && next.order_date() == group[i].order_date()
            {
                group.swap(i, i + 1);
            }
            let event: &'e Event = group[i];
            if prev.is_some_and(|p| same_event(p, event)) {
                out.duplicates += 1;
                continue;
            }
            prev = Some(event);
            match event.kind {
                EventKind::Hire => {
                    if open.is_some() {
                        out.conflicts.push(Conflict {
                            event,
                            reason: Msg::conflict_second_hire,
                        });
                    } else {
                        open = Some(event);
                    }
                }
                EventKind::Separation => match open.take() {
                    Some(hire) => {
                        out.spells
                            .push(make_spell(hire, Some(hire), Some(event), ctx));
                        had_spell = true;
                    }
                    // Only the first spell at an employer can be an orphan: once a
                    // spell is known, a separation without a hire is a conflict.
                    None if !had_spell => {
                        out.spells.push(make_spell(event, None, Some(event), ctx));
                        had_spell = true;
                    }
                    None => out.conflicts.push(Conflict {
                        event,
                        reason: Msg::conflict_separation_without_spell,
                    }),
                },
            }
        }
        if let Some(hire) = open {
            out.spells.push(make_spell(hire, Some(hire), None, ctx));
        }
    }
}

fn make_spell<'e>(
    first: &'e Event,
    hire: Option<&'e Event>,
    separation: Option<&'e Event>,
    ctx: &EngineContext<'_>,
) -> Spell<'e> {
    let region = first.region;
    let wage = hire
        .and_then(|h| h.wage)
        .or(separation.and_then(|s| s.wage));
    let start = match hire {
        Some(h) => {
            let month = Month::of(h.date);
            let v = ctx.rules(region, month);
            // A month-only hire names its first month paid: no cut-off.
            if h.basis == DateBasis::Day && v.hire_cutoff_day.is_some_and(|cut| h.date.day() > cut)
            {
                month.next()
            } else {
                month
            }
        }
        None => ctx.batch_first_month,
    };
    let end = match separation {
        Some(s) => {
            let month = Month::of(s.date);
            // A month-only separation's date is the last day of its last
            // month paid: exact, whatever the pack's rule.
            if s.basis == DateBasis::Month || ctx.rules(region, month).separation_month_paid {
                month
            } else {
                month.prev()
            }
        }
        None => Month::of(ctx.as_of),
    };
    let tier = hire
        .map(|h| h.tier)
        .filter(|&t| t != 0)
        .or(separation.map(|s| s.tier))
        .unwrap_or(0);
    Spell {
        employer: first.employer_id,
        region,
        wage,
        tier,
        hire,
        separation,
        start,
        end,
        orphan: hire.is_none(),
    }
}
