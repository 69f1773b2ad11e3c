//! `medrecon explain`: one person's timeline month by month — which employer's
//! spell or the unemployment fund covered each month, each gap month with its
//! base, rate and catch-up amount, each covered month's due — with the input rows
//! behind every spell, stop and gap, the policy version used, and the rule behind
//! every flag. What an auditor asks for when a figure looks wrong.

use super::arrears::{PersonLedger, judge_month};
use super::money::{catch_up_month, due_month, round_half_up};
use super::{EngineContext, PersonInput, analyze};
use crate::model::{Event, Flag, GapKind, SourceRef};
use crate::policy::{PolicyError, PolicyVersion};
use std::fmt::Write as _;

/// The SPEC rule behind a flag.
pub fn flag_rule(flag: Flag) -> &'static str {
    match flag {
        Flag::GapOver3m => {
            "SPEC §3 rules 6/7: a gap longer than short_gap_max_months: no back-pay, continuity resets, waiting period"
        }
        Flag::OpenGap => {
            "SPEC §3 rule 7: uncovered months after the last covered month through the as-of month, still within short_gap_max_months"
        }
        Flag::Overlap => "SPEC §3 rule 8: months covered by two employers at once (重复参保)",
        Flag::OrphanSeparation => {
            "SPEC §3 rule 1: a separation with no earlier hire opens its spell at the batch's first month"
        }
        Flag::Conflict => {
            "SPEC §3 rule 1: a second hire while a spell is open, or a separation while none is: ignored"
        }
        Flag::LateStop => "SPEC §3 rule 3: filed_date after separation date + stop_filing_days",
        Flag::NameMismatch => {
            "SPEC §3 rule 10: different names for one person_id; the first by file and row wins"
        }
        Flag::Overpaid => {
            "SPEC §3 rule 9: a payment for a month outside every spell of that employer"
        }
        Flag::Arrears => "SPEC §3 rule 9: a due month paid short (or late), with its late fee",
        Flag::LedgerOnly => "SPEC §3 rule 9: ledger rows for a person with no events at all",
    }
}

fn rows(e: Option<&Event>, names: &dyn Fn(SourceRef) -> String) -> String {
    match e {
        Some(e) => format!(
            "{} {} ({})",
            e.date,
            names(e.source),
            match e.kind {
                crate::model::EventKind::Hire => "hire",
                crate::model::EventKind::Separation => "separation",
            }
        ),
        None => "-".to_string(),
    }
}

fn version_label(ctx: &EngineContext<'_>, v: &PolicyVersion) -> String {
    format!("{} version from {}", ctx.policies.code(v.region), v.from)
}

/// Renders one person's analysis. `names` turns a source row into text such as
/// `events.csv row 12` (the caller knows the file names).
pub fn explain_person(
    input: &PersonInput<'_>,
    ctx: &EngineContext<'_>,
    names: &dyn Fn(SourceRef) -> String,
) -> Result<String, PolicyError> {
    let a = analyze(input, ctx)?;
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
    let ignored = input.events.iter().filter(|e| e.date > ctx.as_of).count();
    if ignored > 0 {
        let _ = writeln!(
            w,
            "  {ignored} event(s) after the as-of date ignored (SPEC §3 rule 1)"
        );
    }
    if a.spells.duplicates > 0 {
        let _ = writeln!(
            w,
            "  {} exact duplicate event(s) collapsed",
            a.spells.duplicates
        );
    }

    let _ = writeln!(w, "\nspells (SPEC §3 rules 1–2):");
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

    let _ = writeln!(w, "\nstops (SPEC §3 rule 3):");
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
                    let v = ctx.version(s.region, month)?;
                    let base = v.base(s.wage);
                    let _ = write!(
                        w,
                        "  {month} covered by {} (spell #{}): base {} × {} = {} + {} = due {} [{}]",
                        s.employer,
                        i + 1,
                        base,
                        v.total_rate(),
                        round_half_up(base * v.total_rate()),
                        v.fixed_monthly,
                        due_month(v, s.wage),
                        version_label(ctx, v)
                    );
                    if ctx.has_ledger
                        && let Some(j) = judge_month(ctx, s, &ledger, month)?
                    {
                        let _ = write!(
                            w,
                            "; paid {:.2}, shortfall {:.2}, {} days × {} on {:.2} → late fee {:.2}",
                            j.paid, j.shortfall, j.days, v.late_fee_daily, j.principal, j.late_fee
                        );
                    }
                    let _ = writeln!(w);
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
                let v = ctx.version(g.region, month)?;
                let base = v.base(g.wage);
                let priced = row.catch_up.is_some();
                let _ = writeln!(
                    w,
                    "  {month} gap ({} {}..{}): base {} × {} = {} + {} = {}{} [{}]",
                    row.kind.as_str(),
                    row.from_month,
                    row.to_month,
                    base,
                    v.flexible_rate,
                    round_half_up(base * v.flexible_rate),
                    v.fixed_monthly,
                    catch_up_month(v, g.wage),
                    if priced {
                        ""
                    } else {
                        " (not payable: past the limit)"
                    },
                    version_label(ctx, v)
                );
            } else {
                let _ = writeln!(w, "  {month} not covered");
            }
            month = month.next();
        }
    } else {
        let _ = writeln!(w, "  no covered month");
    }

    let _ = writeln!(w, "\ngaps (SPEC §3 rules 4–7):");
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
    Ok(out)
}
