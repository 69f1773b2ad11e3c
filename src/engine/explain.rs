//! `medrecon explain`: one person's timeline month by month — which employer's
//! spell or the unemployment fund covered each month, each gap month with its
//! base, rate and catch-up amount, each covered month's due — with the input rows
//! behind every spell, stop and gap, the policy version used, and the rule behind
//! every flag. What an auditor asks for when a figure looks wrong.

use super::arrears::{PersonLedger, judge_month};
use super::money::round_half_up;
use super::{EngineContext, PersonInput, analyze};
use crate::model::{Event, Flag, GapKind, Month, RegionId, SourceRef};
use crate::policy::{Flexible, Missing, Priced};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The rule (docs/en/rules.md) behind a flag.
pub fn flag_rule(flag: Flag) -> &'static str {
    match flag {
        Flag::GapOver3m => {
            "docs/en/rules.md rules 6/7: a gap longer than short_gap_max_months: no back-pay, continuity resets, waiting period"
        }
        Flag::OpenGap => {
            "docs/en/rules.md rule 7: uncovered months after the last covered month through the as-of month, still within short_gap_max_months"
        }
        Flag::Overlap => {
            "docs/en/rules.md rule 8: months covered by two employers at once (重复参保)"
        }
        Flag::OrphanSeparation => {
            "docs/en/rules.md rule 1: a separation with no earlier hire opens its spell at the batch's first month"
        }
        Flag::Conflict => {
            "docs/en/rules.md rule 1: a second hire while a spell is open, or a separation while none is: ignored"
        }
        Flag::LateStop => {
            "docs/en/rules.md rule 3: filed_date after separation date + stop_filing_days"
        }
        Flag::NameMismatch => {
            "docs/en/rules.md rule 10: different names for one person_id; the first by file and row wins"
        }
        Flag::Overpaid => {
            "docs/en/rules.md rule 9: a payment for a month outside every spell of that employer"
        }
        Flag::Arrears => {
            "docs/en/rules.md rule 9: a due month paid short, with its late fee on the shortfall"
        }
        Flag::LedgerOnly => {
            "docs/en/rules.md rule 9: ledger rows for a person with no events at all"
        }
        Flag::Unpriced => {
            "docs/en/rules.md rule 11: a figure needs money values no policy version gives; left blank, totals sum what is priced"
        }
        Flag::LateHireFiling => {
            "docs/en/rules.md rule 14: the hire was registered after hire date + hire_filing_days"
        }
        Flag::EmployerNameMismatch => {
            "docs/en/outputs.md: an employer code the event files give several 单位名称; the most frequent is printed"
        }
    }
}

fn rows(e: Option<&Event>, names: &dyn Fn(SourceRef) -> String) -> String {
    match e {
        Some(e) => {
            use crate::model::{DateBasis, EventKind, Month};
            let kind = match e.kind {
                EventKind::Hire => "hire",
                EventKind::Separation => "separation",
            };
            match (e.basis, e.kind) {
                (DateBasis::Day, _) => format!("{} {} ({kind})", e.date, names(e.source)),
                (DateBasis::Month, EventKind::Hire) => format!(
                    "{} {} ({kind} by month: first month paid {})",
                    e.date,
                    names(e.source),
                    Month::of(e.date)
                ),
                (DateBasis::Month, EventKind::Separation) => format!(
                    "{} {} ({kind} by month: last month paid {})",
                    e.date,
                    names(e.source),
                    Month::of(e.date)
                ),
            }
        }
        None => "-".to_string(),
    }
}

fn version_label(ctx: &EngineContext<'_>, p: &Priced<'_>) -> String {
    format!(
        "{} money from {}{}{}",
        ctx.policies.code(p.money.region),
        p.money.from,
        p.tier.map_or(String::new(), |t| format!(" tier {t}")),
        if p.carried {
            " carried forward (--carry-forward)"
        } else {
            ""
        }
    )
}

fn unpriced_text(ctx: &EngineContext<'_>, region: RegionId, missing: Missing) -> String {
    format!(
        "unpriced: no {} for {} (docs/en/rules.md rule 11)",
        missing.as_str(),
        ctx.policies.code(region)
    )
}

/// `base 10000 × 0.118 = 1180.00 + 3 = due 1183.00 [beijing money from 2025-07]`,
/// or why it is unpriced.
fn due_text(
    ctx: &EngineContext<'_>,
    region: RegionId,
    month: Month,
    wage: Option<Decimal>,
    tier: u8,
) -> String {
    let Some(p) = ctx.money_tier(region, month, tier) else {
        return format!("due {}", unpriced_text(ctx, region, Missing::Version));
    };
    match (
        p.params.base(wage),
        p.params.total_rate(),
        p.params.due(wage),
    ) {
        (Ok(base), Ok(rate), Ok(due)) => format!(
            "base {base} × {rate} = {} + {} = due {due} [{}]",
            round_half_up(base * rate),
            p.params.fixed_monthly,
            version_label(ctx, &p)
        ),
        (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => {
            format!("due {}", unpriced_text(ctx, region, m))
        }
    }
}

/// One gap month's back-pay and how it is computed, or why it is unpriced.
fn catch_up_text(
    ctx: &EngineContext<'_>,
    region: RegionId,
    month: Month,
    wage: Option<Decimal>,
    tier: u8,
) -> String {
    let Some(p) = ctx.money_tier(region, month, tier) else {
        return unpriced_text(ctx, region, Missing::Version);
    };
    let amount = match p.params.catch_up(wage) {
        Ok(a) => a,
        Err(m) => return unpriced_text(ctx, region, m),
    };
    let how = match p.params.flexible {
        Some(Flexible::Rate(rate)) => match p.params.base(wage) {
            Ok(base) => format!(
                "base {base} × {rate} = {} + {}",
                round_half_up(base * rate),
                p.params.fixed_monthly
            ),
            Err(_) => String::new(),
        },
        Some(Flexible::Monthly(m)) => format!("flexible premium {m} a month"),
        Some(Flexible::Formula {
            avg_wage,
            share,
            base_round_dp,
            rate,
        }) => format!(
            "flexible premium round(round({avg_wage} × {share}, {base_round_dp}) × {rate}, 2)"
        ),
        None => String::new(),
    };
    format!("{how} = {amount} [{}]", version_label(ctx, &p))
}

/// Renders one person's analysis. `names` turns a source row into text such as
/// `events.csv row 12` (the caller knows the file names).
pub fn explain_person(
    input: &PersonInput<'_>,
    ctx: &EngineContext<'_>,
    names: &dyn Fn(SourceRef) -> String,
) -> String {
    let a = analyze(input, ctx);
    let r = &a.result;
    let p = &r.person;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "person {} {} as of {} — status {}",
        p.person_id,
        p.name.as_deref().unwrap_or(""),
        ctx.as_of,
        p.status.as_str()
    );
    let ignored = input
        .events
        .iter()
        .filter(|e| !e.in_force(ctx.as_of))
        .count();
    if ignored > 0 {
        let _ = writeln!(
            w,
            "  {ignored} event(s) after the as-of date ignored (docs/en/rules.md rule 1)"
        );
    }
    if a.spells.duplicates > 0 {
        let _ = writeln!(
            w,
            "  {} exact duplicate event(s) collapsed",
            a.spells.duplicates
        );
    }

    let _ = writeln!(w, "\nspells (docs/en/rules.md rules 1–2):");
    for (i, s) in a.spells.spells.iter().enumerate() {
        let covered = if s.covers_any() {
            format!("covered {}..{} ({} months)", s.start, s.end, s.months())
        } else {
            "covers no month".to_string()
        };
        let _ = writeln!(
            w,
            "  #{} employer {} region {} wage {} — {}{}\n      hire: {}\n      separation: {}",
            i + 1,
            s.employer,
            ctx.policies.code(s.region),
            s.wage.map_or("none (floor)".to_string(), |d| d.to_string()),
            covered,
            if s.orphan {
                " [ORPHAN_SEPARATION: opened at batch's first month]"
            } else {
                ""
            },
            rows(s.hire, names),
            rows(s.separation, names),
        );
    }
    for c in &a.spells.conflicts {
        let _ = writeln!(
            w,
            "  ignored: {} at {} — {} [CONFLICT]",
            rows(Some(c.event), names),
            c.event.employer_id,
            c.reason
        );
    }
    for (from, to) in &a.ui {
        let _ = writeln!(w, "  unemployment fund (失业保险金) {from}..{to}: covered");
    }

    let _ = writeln!(w, "\nstops (docs/en/rules.md rule 3):");
    for s in &r.stops {
        let _ = writeln!(
            w,
            "  {} separated {}: last paid {}, stop month {}, benefits end {}, filing deadline {}, filed {}{}",
            s.employer_id,
            s.separation_date,
            s.last_paid_month.map_or("-".into(), |m| m.to_string()),
            s.stop_month,
            s.benefits_end.map_or("-".into(), |d| d.to_string()),
            s.filing_deadline,
            s.filed_date.map_or("-".into(), |d| d.to_string()),
            if s.late_stop { " [LATE_STOP]" } else { "" }
        );
    }

    let _ = writeln!(w, "\nmonths:");
    let ledger = PersonLedger::new(input.ledger);
    if let Some(first) = p.first_covered_month {
        let mut month = first;
        let last = ctx.as_of_month();
        while month <= last {
            let covering: Vec<(usize, &super::spells::Spell<'_>)> = a
                .spells
                .spells
                .iter()
                .enumerate()
                .filter(|(_, s)| s.covers(month))
                .collect();
            let by_ui = a.ui.iter().any(|(f, t)| *f <= month && month <= *t);
            if !covering.is_empty() {
                for (i, s) in &covering {
                    let _ = write!(
                        w,
                        "  {month} covered by {} (spell #{}): {}",
                        s.employer,
                        i + 1,
                        due_text(ctx, s.region, month, s.wage, s.tier),
                    );
                    if ctx.has_ledger
                        && let Ok(Some(j)) = judge_month(ctx, s, &ledger, month)
                    {
                        let _ = write!(
                            w,
                            "; paid {:.2}, shortfall {:.2}, {} days × {} on {:.2} → late fee {:.2}",
                            j.paid,
                            j.shortfall,
                            j.days,
                            ctx.rules(s.region, month).late_fee_daily,
                            j.principal,
                            j.late_fee
                        );
                        if let Some(waiver) = j.waiver {
                            let _ = write!(w, " (waiver: {waiver})");
                        }
                        if let Some(billed) = j.late_fee_billed {
                            let _ = write!(w, "; the ledger billed {billed:.2}");
                        }
                    }
                    let _ = writeln!(w);
                    if ctx.has_ledger {
                        write_payments(w, ctx, s, &ledger, month);
                    }
                }
                if covering.len() > 1 {
                    let _ = writeln!(
                        w,
                        "          ^ OVERLAP: {} employers at once",
                        covering.len()
                    );
                }
            } else if by_ui {
                let _ = writeln!(w, "  {month} covered by the unemployment fund");
            } else if let Some((g, row)) = a
                .gaps
                .iter()
                .zip(&r.gaps)
                .find(|(_, row)| row.from_month <= month && month <= row.to_month)
            {
                let payable = row.kind == GapKind::Short
                    || (row.kind == GapKind::Open && p.resume_by.is_some());
                let _ = writeln!(
                    w,
                    "  {month} gap ({} {}..{}): {}{}",
                    row.kind.as_str(),
                    row.from_month,
                    row.to_month,
                    catch_up_text(ctx, g.region, month, g.wage, g.tier),
                    if payable {
                        ""
                    } else {
                        " (not payable: past the limit)"
                    },
                );
            } else {
                let _ = writeln!(w, "  {month} not covered");
            }
            month = month.next();
        }
    } else {
        let _ = writeln!(w, "  no covered month");
    }

    let _ = writeln!(w, "\ngaps (docs/en/rules.md rules 4–7):");
    for (g, row) in a.gaps.iter().zip(&r.gaps) {
        let before = g.before.map(|i| &a.spells.spells[i]);
        let _ = writeln!(
            w,
            "  {}..{} {} months {}: catch-up {}, waiting {}, benefits resume {}, priced with region {} and wage {} of {}",
            row.from_month,
            row.to_month,
            row.months,
            row.kind.as_str(),
            row.catch_up.map_or("-".into(), |d| d.to_string()),
            row.waiting_months.map_or("-".into(), |d| d.to_string()),
            row.benefits_resume.map_or("-".into(), |d| d.to_string()),
            row.region,
            g.wage.map_or("none (floor)".into(), |d| d.to_string()),
            before.map_or(
                "no spell (unemployment-fund months before)".to_string(),
                |s| format!(
                    "the spell before at {} ({})",
                    s.employer,
                    rows(s.hire.or(s.separation), names)
                )
            ),
        );
        if row.kind == GapKind::Open {
            let _ = writeln!(
                w,
                "      open gap: resume by {}",
                p.resume_by
                    .map_or("- (past the limit)".into(), |d| d.to_string())
            );
        }
    }

    let _ = writeln!(
        w,
        "\ntotals: covered {} months (cumulative), continuous {}, gaps {}, long {}, max {} months, catch-up {}, arrears {}, late fees {}",
        p.cumulative_months,
        p.continuous_months,
        p.gaps,
        p.long_gaps,
        p.max_gap_months,
        p.catch_up_total,
        p.arrears_total,
        p.late_fee_total
    );
    if !p.unpriced.as_str().is_empty() {
        let _ = writeln!(
            w,
            "  unpriced figures (no money values in the pack) are left out of: {} (docs/en/rules.md rule 11)",
            p.unpriced.as_str().replace(';', ", ")
        );
    }
    let rules = ctx.rules(
        a.spells
            .spells
            .iter()
            .max_by_key(|s| {
                (
                    s.end,
                    s.separation.map(|e| e.date),
                    std::cmp::Reverse(s.employer),
                )
            })
            .map_or(ctx.policies.national(), |s| s.region),
        ctx.as_of_month(),
    );
    let _ = writeln!(
        w,
        "\nlifetime benefits (docs/en/rules.md rule 12): actual {} months + deemed {} months; needed {} (men {} / women {} cumulative months, {} of them actual, {} rules from {})",
        p.actual_months,
        p.deemed_months,
        p.lifetime_months_needed.map_or(
            match p.person_id.doc_kind() {
                Some(k) => format!("- (a {} number carries no sex)", k.code()),
                None => "- (no sex in the ID)".to_string(),
            },
            |n| format!("{n} more months")
        ),
        rules.lifetime_months_male,
        rules.lifetime_months_female,
        rules.lifetime_months_actual,
        ctx.policies.code(rules.region),
        rules.from
    );
    if let (Some(days), Some(code)) = (p.resident_wait_days, p.resident_wait_reason) {
        let before = a.gaps.last().map_or(ctx.policies.national(), |g| g.region);
        let v = ctx.rules(
            before,
            p.last_covered_month.map_or(ctx.as_of_month(), Month::next),
        );
        let why = super::resident_wait(v, p.continuous_months, p.open_months).explain(
            v,
            p.continuous_months,
            p.open_months,
        );
        let _ = writeln!(
            w,
            "switching to 居民医保 (docs/en/rules.md rule 13): wait {days} days ({code}) — {why} ({} rules from {})",
            ctx.policies.code(v.region),
            v.from
        );
    }
    let _ = writeln!(w, "\nflags:");
    for f in &r.flags {
        let _ = writeln!(
            w,
            "  {} {}{}{}: {}\n      rule: {}",
            f.flag,
            f.employer_id.as_deref().unwrap_or(""),
            f.month.map_or(String::new(), |m| format!(" {m}")),
            f.date.map_or(String::new(), |d| format!(" {d}")),
            f.detail,
            flag_rule(f.flag)
        );
    }
    for o in &r.overpaid {
        let _ = writeln!(
            w,
            "  overpaid {} {} {} ({})",
            o.employer_id, o.month, o.paid, o.reason
        );
    }
    out
}

/// One line per ledger entry of a covered month: date, kind, insurance,
/// amount, days late; entries of an insurance the pack does not count as due
/// are listed as such.
fn write_payments(
    w: &mut String,
    ctx: &EngineContext<'_>,
    s: &super::spells::Spell<'_>,
    ledger: &PersonLedger<'_>,
    month: Month,
) {
    let entries = ledger.month_entries(&s.employer, month);
    if entries.is_empty() {
        return;
    }
    let due_insurance = ctx.rules(s.region, month).due_insurance;
    let due_date = month.last_day();
    let mut sorted: Vec<_> = entries.to_vec();
    sorted.sort_by_key(|e| (e.paid_date, e.kind, e.insurance));
    for e in sorted {
        let when = match e.paid_date {
            Some(d) if d > due_date => format!(
                "paid {d}, {} days after the due date {due_date}",
                (d.min(ctx.as_of) - due_date).num_days()
            ),
            Some(d) => format!("paid {d}, on time"),
            None => "no paid date (taken as on time)".to_string(),
        };
        let counted = if e.kind == crate::model::PaymentKind::LateFeeBilled {
            " (the ledger's late fee, not a payment of the due)"
        } else if due_insurance & e.insurance.bit() == 0 {
            " (not part of this pack's due: left out)"
        } else {
            ""
        };
        let _ = writeln!(
            w,
            "      payment {:.2} {} {}: {when}{counted}",
            e.paid,
            e.kind.key(),
            e.insurance.key()
        );
    }
}
