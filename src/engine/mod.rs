//! The rules engine (SPEC §3): per person, pure functions from events, UI months,
//! ledger entries and the policy set to that person's rows. No I/O, no polars or
//! calamine types; `evaluate_all` runs persons in parallel with rayon.
//!
//! Steps for one person: [`spells`] (rules 1–2) → coverage intervals and stops
//! (rule 3) → [`gaps`] (rules 4–8) → [`arrears`] (rule 9, only when the run has a
//! ledger) → names (rule 10) → the person row and flags. [`explain`] renders the
//! same analysis month by month for an auditor.
//!
//! Definitions the SPEC leaves open, fixed here:
//! - **continuous_months**: covered months counted from the month coverage last
//!   resumed after a long (closed) gap — or the first covered month if there was
//!   none — through the last covered month. Months of short gaps are not counted
//!   (they are not paid until back-paid) but do not break continuity; an open gap
//!   does not reset the count (it is what the person had when coverage stopped).
//! - **status**: `retired` when the last separation (latest date; a retirement
//!   wins a same-day tie) was a retirement and no spell is open (even if the
//!   as-of month is still paid); else `covered` when the as-of month is covered;
//!   else `open_gap` / `lapsed` by the open gap's length. A person
//!   with no covered month at all is `covered` if a spell is open at as-of (hired
//!   past the cut-off day), else `retired` / `lapsed`; a ledger-only person is
//!   `lapsed` (no coverage on record).
//! - The parameters deciding a gap (`short_gap_max_months`,
//!   `long_gap_wait_months`) come from the version in force in the gap's first
//!   month, in the region of the spell before the gap (national when coverage
//!   before the gap was only unemployment-fund months).
//! - `--carry-forward` warnings are run-level: see
//!   [`PolicySet::carry_forward_warnings`](crate::policy::PolicySet::carry_forward_warnings).

pub mod arrears;
pub mod changes;
pub mod deadline;
pub mod explain;
pub mod gaps;
pub mod money;
pub mod months;
pub mod spells;

use crate::model::{
    Code, Event, Flag, FlagRow, GapKind, GapRow, LedgerEntry, Month, Name, PersonId, PersonResult,
    PersonRow, RegionId, Status, StopRow, UiSpan, Unpriced,
};
use crate::policy::{PolicySet, Priced, Rules};
use crate::text::{Arg, Join, Msg, Text};
use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use spells::{Spells, build_spells};

/// Run-wide facts the rules need.
#[derive(Debug, Clone, Copy)]
pub struct EngineContext<'a> {
    pub policies: &'a PolicySet,
    pub as_of: NaiveDate,
    /// The earliest event month of the whole batch (opens orphan separations' spells).
    pub batch_first_month: Month,
    /// `--carry-forward`: a month no version covers uses the last version.
    pub carry_forward: bool,
    /// The run has a contribution ledger (`--ledger`): arrears and overpayments
    /// are computed only then (without one, every month would look unpaid).
    pub has_ledger: bool,
    /// The first month the run's ledger has any payment for: arrears are judged
    /// from that month on, since earlier months are outside what the ledger shows
    /// (a ledger of 2024 on says nothing of a hire in 2015). `None`: every month.
    pub ledger_from: Option<Month>,
    /// `--tier`: the tier (医疗缴费档次) of spells whose rows name none (0: the
    /// pack's default tier).
    pub default_tier: u8,
}

impl EngineContext<'_> {
    /// The rules of `region` in force in `month` (always some: rules reach back
    /// to the scheme's start).
    pub fn rules(&self, region: RegionId, month: Month) -> &Rules {
        self.policies.rules(region, month)
    }
    /// The money values of `region` in force in `month` (the pack's default
    /// tier); `None`: unpriced.
    pub fn money(&self, region: RegionId, month: Month) -> Option<Priced<'_>> {
        self.money_tier(region, month, 0)
    }
    /// The same for tier number `tier` (0: `--tier`, else the pack's default).
    pub fn money_tier(&self, region: RegionId, month: Month, tier: u8) -> Option<Priced<'_>> {
        let tier = if tier == 0 { self.default_tier } else { tier };
        self.policies.money(
            region,
            month,
            self.policies.tier_name(tier),
            self.carry_forward,
        )
    }
    pub fn as_of_month(&self) -> Month {
        Month::of(self.as_of)
    }
}

/// One person's inputs. `events` may be in any order and may include events after
/// `as_of` (ignored by the rules). `events` may be empty for a ledger-only person.
#[derive(Debug, Clone, Copy)]
pub struct PersonInput<'a> {
    pub person_id: PersonId,
    pub events: &'a [Event],
    pub ui: &'a [UiSpan],
    pub ledger: &'a [LedgerEntry],
}

/// What priced a gap (for `explain`), parallel to `PersonResult::gaps`.
#[derive(Debug, Clone)]
pub struct GapInfo {
    /// Index into `Analysis::spells.spells` of the spell before / after.
    pub before: Option<usize>,
    pub after: Option<usize>,
    pub region: RegionId,
    pub wage: Option<Decimal>,
    /// The tier of the spell before (0: the default).
    pub tier: u8,
}

/// What prices a gap: the spell before it, its region and wage, and the rules
/// in force in the gap's first month.
type GapParams<'v> = (Option<usize>, RegionId, Option<Decimal>, &'v Rules);

/// Everything the rules found for one person: the result rows plus the
/// intermediate facts `explain` shows.
#[derive(Debug)]
pub struct Analysis<'e> {
    pub spells: Spells<'e>,
    /// Unemployment-fund months, clipped to the as-of month.
    pub ui: Vec<(Month, Month)>,
    /// Merged covered months (spells and UI).
    pub coverage: Vec<(Month, Month)>,
    pub gaps: Vec<GapInfo>,
    pub overlaps: Vec<gaps::Overlap>,
    pub result: PersonResult,
}

/// The intermediate facts of one person's analysis (what [`Analysis`] shows
/// beside the result) and the buffers they are built in.
#[derive(Debug, Default)]
struct Workings<'e> {
    spells: Spells<'e>,
    ui: Vec<(Month, Month)>,
    coverage: Vec<(Month, Month)>,
    gaps: Vec<GapInfo>,
    overlaps: Vec<gaps::Overlap>,
    /// The events in force, sorted by employer and date.
    order: Vec<&'e Event>,
    /// Covered ranges before they are merged.
    ranges: Vec<(Month, Month)>,
}

/// Evaluates persons one after another, building each one's analysis in the
/// buffers of the one before (one evaluator per worker): a person's
/// intermediate lists are not allocated anew for every person.
#[derive(Debug, Default)]
pub struct Evaluator<'e> {
    work: Workings<'e>,
}

impl<'e> Evaluator<'e> {
    /// Applies SPEC §3 to one person.
    pub fn evaluate(&mut self, input: &PersonInput<'e>, ctx: &EngineContext<'_>) -> PersonResult {
        analyze_into(input, ctx, &mut self.work)
    }
}

/// Applies SPEC §3 to one person.
pub fn evaluate(input: &PersonInput<'_>, ctx: &EngineContext<'_>) -> PersonResult {
    Evaluator::default().evaluate(input, ctx)
}

/// [`evaluate`] over many persons with rayon; results in input order.
pub fn evaluate_all<'e>(inputs: &[PersonInput<'e>], ctx: &EngineContext<'_>) -> Vec<PersonResult> {
    inputs
        .par_iter()
        .with_min_len(256)
        .map_init(Evaluator::default, |ev, input| ev.evaluate(input, ctx))
        .collect()
}

fn flag(
    person_id: PersonId,
    flag: Flag,
    employer: Option<Code>,
    month: Option<Month>,
    date: Option<NaiveDate>,
    detail: Text,
) -> FlagRow {
    FlagRow {
        person_id,
        flag,
        employer_id: employer,
        month,
        date,
        detail,
        other_employers: Vec::new(),
    }
}

/// Switching to 居民医保 during an open gap (SPEC §3 rule 13, seed 003): which
/// of the three waits applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidentWait {
    /// Enough continuous cover and a gap within the limit: benefits the day after payment.
    ContinuousShortGap,
    /// Enough continuous cover but a longer gap.
    ContinuousLongGap,
    /// Too little continuous cover.
    NotContinuous,
}

impl ResidentWait {
    pub fn days(self, v: &Rules) -> u32 {
        match self {
            ResidentWait::ContinuousShortGap => v.resident_wait_days_short,
            ResidentWait::ContinuousLongGap => v.resident_wait_days_long,
            ResidentWait::NotContinuous => v.resident_wait_days_new,
        }
    }
    /// The `resident_wait_reason` code of persons.csv.
    pub fn code(self) -> &'static str {
        match self {
            ResidentWait::ContinuousShortGap => "CONTINUOUS_SHORT_GAP",
            ResidentWait::ContinuousLongGap => "CONTINUOUS_LONG_GAP",
            ResidentWait::NotContinuous => "NOT_CONTINUOUS",
        }
    }
    /// Why, with the pack values behind it (for `explain`).
    pub fn explain(self, v: &Rules, continuous: u32, gap: u32) -> Text {
        let (c, g) = (
            Arg::Int(v.resident_switch_continuous_months.into()),
            Arg::Int(v.resident_switch_gap_months.into()),
        );
        let (continuous, gap) = (Arg::Int(continuous.into()), Arg::Int(gap.into()));
        match self {
            ResidentWait::ContinuousShortGap => {
                Text::new(Msg::ex_wait_short_gap, [continuous, c, gap, g])
            }
            ResidentWait::ContinuousLongGap => Text::new(
                Msg::ex_wait_long_gap,
                [
                    continuous,
                    c,
                    gap,
                    g,
                    Arg::Int(v.resident_wait_days_long.into()),
                ],
            ),
            ResidentWait::NotContinuous => Text::new(
                Msg::ex_wait_not_continuous,
                [continuous, c, Arg::Int(v.resident_wait_days_new.into())],
            ),
        }
    }
}

/// Which wait applies with `continuous` months of cover and a gap of `gap` months.
pub fn resident_wait(v: &Rules, continuous: u32, gap: u32) -> ResidentWait {
    if continuous < v.resident_switch_continuous_months {
        ResidentWait::NotContinuous
    } else if gap <= v.resident_switch_gap_months {
        ResidentWait::ContinuousShortGap
    } else {
        ResidentWait::ContinuousLongGap
    }
}

/// The analysis behind [`evaluate`] and [`explain::explain_person`].
pub fn analyze<'e>(input: &PersonInput<'e>, ctx: &EngineContext<'_>) -> Analysis<'e> {
    let mut w = Workings::default();
    let result = analyze_into(input, ctx, &mut w);
    Analysis {
        spells: w.spells,
        ui: w.ui,
        coverage: w.coverage,
        gaps: w.gaps,
        overlaps: w.overlaps,
        result,
    }
}

/// The rules for one person: the result, and the intermediate facts in `w`
/// (its lists cleared first).
fn analyze_into<'e>(
    input: &PersonInput<'e>,
    ctx: &EngineContext<'_>,
    w: &mut Workings<'e>,
) -> PersonResult {
    let Workings {
        spells,
        ui,
        coverage,
        gaps: gap_infos,
        overlaps,
        order,
        ranges,
    } = w;
    let pid = input.person_id;
    let as_of_month = ctx.as_of_month();
    build_spells(input.events, ctx, spells, order);
    let list = &spells.spells;
    let mut flags: Vec<FlagRow> = Vec::new();

    // Rule 1: conflicts and orphan separations.
    for s in list.iter().filter(|s| s.orphan) {
        let sep_date = s.separation.map(|e| e.date);
        flags.push(flag(
            pid,
            Flag::OrphanSeparation,
            Some(s.employer),
            Some(s.start),
            sep_date,
            Text::new(Msg::orphan_separation, [Arg::Month(ctx.batch_first_month)]),
        ));
    }
    for c in &spells.conflicts {
        flags.push(flag(
            pid,
            Flag::Conflict,
            Some(c.event.employer_id),
            None,
            Some(c.event.date),
            Text::new(Msg::conflict, [c.reason.into()]),
        ));
    }

    // Rule 2: covered months (spells and unemployment-fund months).
    ui.clear();
    ui.extend(
        input
            .ui
            .iter()
            .filter(|u| u.from <= as_of_month)
            .map(|u| (u.from, u.to.min(as_of_month)))
            .filter(|(a, b)| a <= b),
    );
    ranges.clear();
    ranges.extend(list.iter().map(|s| (s.start, s.end)));
    ranges.extend(ui.iter().copied());
    gaps::merge(ranges, coverage);

    // Rule 3: stops.
    let mut stops: Vec<StopRow> = Vec::new();
    for s in list {
        let Some(sep) = s.separation else { continue };
        let v = ctx.rules(s.region, Month::of(sep.date));
        let deadline = deadline::after(v, sep.date, v.stop_filing_days);
        let late = sep.filed_date.is_some_and(|f| f > deadline.date);
        let last_paid = s.covers_any().then_some(s.end);
        let deadline = deadline.date;
        if late {
            flags.push(flag(
                pid,
                Flag::LateStop,
                Some(s.employer),
                None,
                sep.filed_date,
                Text::new(
                    Msg::late_stop,
                    [
                        Arg::Date(deadline),
                        match sep.basis {
                            crate::model::DateBasis::Day => Msg::basis_separation,
                            crate::model::DateBasis::Month => Msg::basis_last_paid_day,
                        }
                        .into(),
                        Arg::Date(sep.date),
                        Arg::Int(v.stop_filing_days.into()),
                        deadline::unit(v).into(),
                    ],
                ),
            ));
        }
        stops.push(StopRow {
            person_id: pid,
            employer_id: s.employer,
            separation_date: sep.date,
            last_paid_month: last_paid,
            stop_month: s.end.next(),
            benefits_end: last_paid.map(Month::last_day),
            filing_deadline: deadline,
            filed_date: sep.filed_date,
            late_stop: late,
            separation_basis: sep.basis,
        });
    }
    // Rule 14: the new employer's registration of each hire.
    for s in list {
        let Some(hire) = s.hire else { continue };
        let Some(filed) = hire.filed_date else {
            continue;
        };
        let v = ctx.rules(s.region, Month::of(hire.date));
        let due = deadline::after(v, hire.date, v.hire_filing_days).date;
        if filed > due {
            flags.push(flag(
                pid,
                Flag::LateHireFiling,
                Some(s.employer),
                None,
                Some(filed),
                Text::new(
                    Msg::late_hire_filing,
                    [
                        Arg::Date(filed),
                        Arg::Date(due),
                        Arg::Date(hire.date),
                        Arg::Int(v.hire_filing_days.into()),
                        deadline::unit(v).into(),
                    ],
                ),
            ));
        }
    }
    stops.sort_by(|a, b| {
        a.separation_date
            .cmp(&b.separation_date)
            .then(a.employer_id.cmp(&b.employer_id))
    });

    // Retirement: the last separation in force (latest date; retirement wins a tie).
    let last_separation = list
        .iter()
        .filter_map(|s| s.separation)
        .max_by_key(|e| (e.date, e.retirement));
    let retired = last_separation.is_some_and(|e| e.retirement);
    let has_open_spell = list.iter().any(|s| s.separation.is_none());

    // Rules 4–7: gaps.
    let national = ctx.policies.national();
    gap_infos.clear();
    let mut gap_rows: Vec<GapRow> = Vec::new();
    let gap_params = |from: Month| -> GapParams<'_> {
        let before = gaps::spell_before(list, from);
        let (region, wage) = before.map_or((national, None), |i| (list[i].region, list[i].wage));
        (before, region, wage, ctx.rules(region, from))
    };
    // A gap's catch-up, or blank with an UNPRICED flag when a month of it has no
    // money values.
    let priced_catch_up = |(before, region, wage): (Option<usize>, RegionId, Option<Decimal>),
                           (from, to, what): (Month, Month, Msg),
                           flags: &mut Vec<FlagRow>,
                           unpriced: &mut bool|
     -> Option<Decimal> {
        let tier = before.map_or(0, |i| list[i].tier);
        let priced = gaps::catch_up(ctx, region, wage, tier, from, to);
        if let Some(detail) = priced.unpriced_detail(ctx.policies.code(region)) {
            *unpriced = true;
            flags.push(flag(
                pid,
                Flag::Unpriced,
                before.map(|i| list[i].employer),
                Some(from),
                None,
                Text::new(
                    Msg::unpriced_catch_up,
                    [what.into(), Arg::Month(from), Arg::Month(to), detail.into()],
                ),
            ));
        }
        priced.total()
    };
    // Which totals leave out unpriced figures.
    let mut unpriced_catch_up = false;
    let mut unpriced_arrears = false;
    for w in coverage.windows(2) {
        let (from, to) = (w[0].1.next(), w[1].0.prev());
        let months = from.months_through(to);
        let (before, region, wage, v) = gap_params(from);
        let after = gaps::spell_after(list, w[1].0);
        let resume = w[1].0;
        let short = months <= v.short_gap_max_months;
        let catch_up = if short {
            priced_catch_up(
                (before, region, wage),
                (from, to, Msg::word_gap),
                &mut flags,
                &mut unpriced_catch_up,
            )
        } else {
            None
        };
        let row = GapRow {
            person_id: pid,
            from_month: from,
            to_month: to,
            months,
            kind: if short { GapKind::Short } else { GapKind::Long },
            catch_up,
            waiting_months: Some(if short { 0 } else { v.long_gap_wait_months }),
            benefits_resume: Some(if short {
                resume.first_day()
            } else {
                resume.add(v.long_gap_wait_months as i32).first_day()
            }),
            employer_before: before.map(|i| list[i].employer),
            employer_after: after.map(|i| list[i].employer),
            region: ctx.policies.code_shared(region),
        };
        if !short {
            flags.push(flag(
                pid,
                Flag::GapOver3m,
                row.employer_before,
                Some(from),
                None,
                Text::new(
                    Msg::gap_over_3m,
                    [
                        Arg::Month(from),
                        Arg::Month(to),
                        Arg::Int(months.into()),
                        Arg::Int(v.short_gap_max_months.into()),
                        Arg::Month(resume),
                        row.benefits_resume.map_or(Arg::Empty, Arg::Date),
                    ],
                ),
            ));
        }
        gap_rows.push(row);
        gap_infos.push(GapInfo {
            tier: before.map_or(0, |i| list[i].tier),
            before,
            after,
            region,
            wage,
        });
    }
    let first_covered = coverage.first().map(|r| r.0);
    let last_covered = coverage.last().map(|r| r.1);
    let mut open_months = 0;
    let mut resume_by = None;
    let mut open_status = None;
    if let Some(last) = last_covered
        && last < as_of_month
        && !retired
    {
        let from = last.next();
        let months = from.months_through(as_of_month);
        let (before, region, wage, v) = gap_params(from);
        let within = months <= v.short_gap_max_months;
        open_months = months;
        let catch_up = if within {
            resume_by = Some(last.add(v.short_gap_max_months as i32 + 1).last_day());
            priced_catch_up(
                (before, region, wage),
                (from, as_of_month, Msg::word_open_gap),
                &mut flags,
                &mut unpriced_catch_up,
            )
        } else {
            None
        };
        open_status = Some(if within {
            Status::OpenGap
        } else {
            Status::Lapsed
        });
        let employer_before = before.map(|i| list[i].employer);
        flags.push(flag(
            pid,
            if within {
                Flag::OpenGap
            } else {
                Flag::GapOver3m
            },
            employer_before,
            Some(from),
            resume_by,
            if within {
                Text::new(
                    Msg::open_gap_within,
                    [
                        Arg::Month(from),
                        Arg::Month(as_of_month),
                        Arg::Int(months.into()),
                        Arg::Int(v.short_gap_max_months.into()),
                        resume_by.map_or(Arg::Empty, Arg::Date),
                    ],
                )
            } else {
                Text::new(
                    Msg::open_gap_lapsed,
                    [
                        Arg::Month(from),
                        Arg::Month(as_of_month),
                        Arg::Int(months.into()),
                        Arg::Int(v.short_gap_max_months.into()),
                    ],
                )
            },
        ));
        gap_rows.push(GapRow {
            person_id: pid,
            from_month: from,
            to_month: as_of_month,
            months,
            kind: GapKind::Open,
            catch_up,
            waiting_months: None,
            benefits_resume: None,
            employer_before,
            employer_after: None,
            region: ctx.policies.code_shared(region),
        });
        gap_infos.push(GapInfo {
            tier: before.map_or(0, |i| list[i].tier),
            before,
            after: None,
            region,
            wage,
        });
    }

    // Rule 8: overlaps.
    *overlaps = gaps::overlaps(list);
    for o in overlaps.iter() {
        let mut row = flag(
            pid,
            Flag::Overlap,
            o.employers.first().copied(),
            Some(o.from),
            None,
            Text::new(
                Msg::overlap,
                [
                    Arg::Month(o.from),
                    Arg::Month(o.to),
                    Arg::List(
                        Join::And,
                        o.employers.iter().map(|&e| Arg::Code(e)).collect(),
                    ),
                ],
            ),
        );
        row.other_employers = o.employers.iter().skip(1).copied().collect();
        flags.push(row);
    }

    // Rule 10: names, first by source order.
    let in_force = |e: &&Event| e.in_force(ctx.as_of);
    let first_named = input
        .events
        .iter()
        .filter(in_force)
        .filter(|e| e.name.is_some())
        .min_by_key(|e| e.source);
    let name: Option<Name> = first_named.and_then(|e| e.name.clone());
    if let Some(first) = &name
        && input.events.iter().filter(in_force).any(|e| {
            e.name
                .as_deref()
                .is_some_and(|n| n != &**first && n.trim() != first.trim())
        })
    {
        let mut others: Vec<&str> = input
            .events
            .iter()
            .filter(in_force)
            .filter_map(|e| e.name.as_deref())
            .filter(|n| n.trim() != first.trim())
            .collect();
        others.sort_unstable();
        others.dedup();
        flags.push(flag(
            pid,
            Flag::NameMismatch,
            None,
            None,
            None,
            Text::new(
                Msg::name_mismatch,
                [
                    Arg::Name(first.to_string().into()),
                    Arg::List(
                        Join::Comma,
                        others.iter().map(|n| Arg::Name((*n).into())).collect(),
                    ),
                ],
            ),
        ));
    }

    // Rule 9: arrears and overpayments.
    let mut arrears_rows = Vec::new();
    let mut overpaid = Vec::new();
    // With a ledger in the run, a person with no ledger entries at all still owes
    // every due month: that is the main case of arrears.
    if ctx.has_ledger {
        let ledger = arrears::PersonLedger::new(input.ledger);
        let no_events = input.events.is_empty() && !input.ledger.is_empty();
        let unpriced_dues = arrears::arrears_rows(pid, ctx, list, &ledger, &mut arrears_rows);
        for u in unpriced_dues {
            unpriced_arrears = true;
            flags.push(flag(
                pid,
                Flag::Unpriced,
                Some(u.employer),
                Some(u.from),
                None,
                Text::new(Msg::unpriced_due, {
                    let [missing, region, months] =
                        gaps::unpriced_args(u.missing, ctx.policies.code(u.region), &u.months);
                    [
                        Arg::Month(u.from),
                        Arg::Month(u.to),
                        missing,
                        region,
                        months,
                    ]
                }),
            ));
        }
        arrears::overpaid_rows(pid, list, &ledger, no_events, &mut overpaid);
        if no_events {
            flags.push(flag(
                pid,
                Flag::LedgerOnly,
                None,
                None,
                None,
                Text::new(Msg::ledger_only, [Arg::Int(overpaid.len() as i64)]),
            ));
        } else {
            for o in &overpaid {
                flags.push(flag(
                    pid,
                    Flag::Overpaid,
                    Some(o.employer_id),
                    Some(o.month),
                    None,
                    Text::new(Msg::overpaid, [Arg::Decimal(o.paid)]),
                ));
            }
        }
        for a in &arrears_rows {
            flags.push(flag(
                pid,
                Flag::Arrears,
                Some(a.employer_id),
                Some(a.month),
                None,
                Text::new(
                    Msg::arrears,
                    [
                        Arg::Decimal(a.due),
                        Arg::Decimal(a.paid),
                        Arg::Decimal(a.shortfall),
                        Arg::Decimal(a.late_fee),
                        Arg::Int(a.days.into()),
                    ],
                ),
            ));
        }
    }

    // The person row.
    let cumulative: u32 = coverage.iter().map(|r| r.0.months_through(r.1)).sum();
    let reset_from = gap_rows
        .iter()
        .filter(|g| g.kind == GapKind::Long)
        .map(|g| g.to_month.next())
        .max()
        .or(first_covered);
    let continuous: u32 = match (reset_from, last_covered) {
        (Some(from), Some(last)) => coverage
            .iter()
            .map(|r| r.0.max(from).months_through(r.1.min(last)))
            .sum(),
        _ => 0,
    };
    let status = if retired && !has_open_spell {
        Status::Retired
    } else if last_covered == Some(as_of_month) {
        Status::Covered
    } else if let Some(s) = open_status {
        s
    } else if has_open_spell {
        Status::Covered
    } else {
        Status::Lapsed
    };
    let mut employers: Vec<Code> = input
        .events
        .iter()
        .filter(|e| e.in_force(ctx.as_of))
        .map(|e| e.employer_id)
        .chain(
            input
                .events
                .is_empty()
                .then(|| input.ledger.iter().map(|l| l.employer_id))
                .into_iter()
                .flatten(),
        )
        .collect();
    employers.sort_unstable();
    employers.dedup();
    // Rule 12: lifetime benefits (终身医保待遇), with the rules of the region of
    // the person's latest spell.
    let latest = list.iter().max_by_key(|s| {
        (
            s.end,
            s.separation.map(|e| e.date),
            std::cmp::Reverse(s.employer),
        )
    });
    let person_region = latest.map_or(national, |s| s.region);
    let person_rules = ctx.rules(person_region, as_of_month);
    let deemed: u32 = input
        .events
        .iter()
        .filter(|e| e.in_force(ctx.as_of))
        .map(|e| u32::from(e.deemed_months))
        .max()
        .unwrap_or(0);
    let actual_months = cumulative;
    let lifetime_months_needed = pid.is_male().map(|male| {
        let total = if male {
            person_rules.lifetime_months_male
        } else {
            person_rules.lifetime_months_female
        };
        total.saturating_sub(actual_months + deemed).max(
            person_rules
                .lifetime_months_actual
                .saturating_sub(actual_months),
        )
    });
    // Rule 13: switching to 居民医保 during an open gap, with the rules of the
    // region of the spell before the gap.
    let resident = open_status.map(|_| {
        let v = gap_params(last_covered.map_or(as_of_month, Month::next)).3;
        let wait = resident_wait(v, continuous, open_months);
        (wait.days(v), wait.code())
    });
    let mut flag_set: Vec<Flag> = flags.iter().map(|f| f.flag).collect();
    flag_set.sort_unstable();
    flag_set.dedup();
    let person = PersonRow {
        person_id: pid,
        name,
        employers,
        first_covered_month: first_covered,
        last_covered_month: last_covered,
        status,
        open_months,
        resume_by,
        gaps: gap_rows.len() as u32,
        long_gaps: gap_rows
            .iter()
            .filter(|g| {
                g.kind == GapKind::Long || (g.kind == GapKind::Open && g.catch_up.is_none())
            })
            .count() as u32,
        max_gap_months: gap_rows.iter().map(|g| g.months).max().unwrap_or(0),
        catch_up_total: gap_rows.iter().filter_map(|g| g.catch_up).sum(),
        continuous_months: continuous,
        cumulative_months: cumulative,
        arrears_total: arrears_rows.iter().map(|a| a.shortfall).sum(),
        late_fee_total: arrears_rows.iter().map(|a| a.late_fee).sum(),
        flags: flag_set,
        actual_months,
        deemed_months: deemed,
        lifetime_months_needed,
        resident_wait_days: resident.map(|r| r.0),
        resident_wait_reason: resident.map(|r| r.1),
        unpriced: match (unpriced_catch_up, unpriced_arrears) {
            (false, false) => Unpriced::None,
            (true, false) => Unpriced::CatchUp,
            (false, true) => Unpriced::Arrears,
            (true, true) => Unpriced::Both,
        },
    };
    PersonResult {
        person,
        gaps: gap_rows,
        stops,
        arrears: arrears_rows,
        overpaid,
        flags,
    }
}
