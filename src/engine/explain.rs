//! `medrecon explain`: one person's timeline month by month — which employer's
//! spell or the unemployment fund covered each month, each gap month with its
//! base, rate and catch-up amount, each covered month's due — with the input rows
//! behind every spell, stop and gap, the policy version used, and the rule behind
//! every flag. What an auditor asks for when a figure looks wrong.

use super::arrears::{PersonLedger, judge_month};
use super::money::round_half_up;
use super::{EngineContext, PersonInput, analyze};
use crate::cli::Lang;
use crate::model::{Event, Flag, GapKind, Month, RegionId, SourceRef};
use crate::policy::{Flexible, Missing, Priced};
use crate::text::{Arg, Join, Msg, Text};
use rust_decimal::Decimal;

/// The rule behind a flag: its message cites docs/zh/rules.md or
/// docs/en/rules.md, the page of the language it is rendered in.
pub fn flag_rule(flag: Flag) -> Msg {
    match flag {
        Flag::GapOver3m => Msg::rule_gap_over_3m,
        Flag::OpenGap => Msg::rule_open_gap,
        Flag::Overlap => Msg::rule_overlap,
        Flag::OrphanSeparation => Msg::rule_orphan_separation,
        Flag::Conflict => Msg::rule_conflict,
        Flag::LateStop => Msg::rule_late_stop,
        Flag::NameMismatch => Msg::rule_name_mismatch,
        Flag::Overpaid => Msg::rule_overpaid,
        Flag::Arrears => Msg::rule_arrears,
        Flag::LedgerOnly => Msg::rule_ledger_only,
        Flag::Unpriced => Msg::rule_unpriced,
        Flag::LateHireFiling => Msg::rule_late_hire_filing,
        Flag::EmployerNameMismatch => Msg::rule_employer_name_mismatch,
    }
}

/// `-` for a missing value.
fn or_dash<T>(v: Option<T>, f: impl FnOnce(T) -> Arg) -> Arg {
    v.map_or_else(|| Arg::Str("-".into()), f)
}

/// A code's text in `lang` (a status or gap kind: its Chinese name under zh,
/// the code under en).
fn code_arg(section: &str, code: &'static str, lang: Lang) -> Arg {
    match lang {
        Lang::En => Arg::Str(code.into()),
        Lang::Zh => Arg::Str(
            crate::report::labels::workbook_text(section, code, lang)
                .unwrap_or_else(|| code.to_string())
                .into(),
        ),
    }
}

/// The row behind an event: `2025-03-01 events.csv:12 (hire)`.
fn rows(e: Option<&Event>, names: &dyn Fn(SourceRef) -> String) -> Arg {
    let Some(e) = e else {
        return Arg::Str("-".into());
    };
    use crate::model::{DateBasis, EventKind};
    let kind = match e.kind {
        EventKind::Hire => Msg::word_hire,
        EventKind::Separation => Msg::word_separation,
    };
    let (date, source) = (Arg::Date(e.date), Arg::Str(names(e.source).into()));
    let month = Arg::Month(Month::of(e.date));
    match (e.basis, e.kind) {
        (DateBasis::Day, _) => Text::new(Msg::ex_row, [date, source, kind.into()]),
        (DateBasis::Month, EventKind::Hire) => {
            Text::new(Msg::ex_row_hire_month, [date, source, kind.into(), month])
        }
        (DateBasis::Month, EventKind::Separation) => Text::new(
            Msg::ex_row_separation_month,
            [date, source, kind.into(), month],
        ),
    }
    .into()
}

fn version_label(ctx: &EngineContext<'_>, p: &Priced<'_>) -> Arg {
    Text::new(
        Msg::ex_version,
        [
            Arg::Str(ctx.policies.code(p.money.region).into()),
            Arg::Month(p.money.from),
            p.tier.map_or(Arg::Empty, |t| {
                Text::new(Msg::ex_tier, [Arg::Str(t.to_string().into())]).into()
            }),
            if p.carried {
                Msg::ex_carried.into()
            } else {
                Arg::Empty
            },
        ],
    )
    .into()
}

fn unpriced_text(ctx: &EngineContext<'_>, region: RegionId, missing: Missing) -> Text {
    let [missing, region, _] = super::gaps::unpriced_args(missing, ctx.policies.code(region), &[]);
    Text::new(Msg::ex_unpriced, [missing, region])
}

/// `base 10000 × 0.118 = 1180.00 + 3 = due 1183.00 [beijing money from 2025-07]`,
/// or why it is unpriced.
fn due_text(
    ctx: &EngineContext<'_>,
    region: RegionId,
    month: Month,
    wage: Option<Decimal>,
    tier: u8,
) -> Text {
    let unpriced = |m| Text::new(Msg::ex_due_unpriced, [unpriced_text(ctx, region, m).into()]);
    let Some(p) = ctx.money_tier(region, month, tier) else {
        return unpriced(Missing::Version);
    };
    match (
        p.params.base(wage),
        p.params.total_rate(),
        p.params.due(wage),
    ) {
        (Ok(base), Ok(rate), Ok(due)) => Text::new(
            Msg::ex_due,
            [
                Arg::Decimal(base),
                Arg::Decimal(rate),
                Arg::Decimal(round_half_up(base * rate)),
                Arg::Decimal(p.params.fixed_monthly),
                Arg::Decimal(due),
                version_label(ctx, &p),
            ],
        ),
        (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => unpriced(m),
    }
}

/// One gap month's back-pay and how it is computed, or why it is unpriced.
fn catch_up_text(
    ctx: &EngineContext<'_>,
    region: RegionId,
    month: Month,
    wage: Option<Decimal>,
    tier: u8,
) -> Text {
    let Some(p) = ctx.money_tier(region, month, tier) else {
        return unpriced_text(ctx, region, Missing::Version);
    };
    let amount = match p.params.catch_up(wage) {
        Ok(a) => a,
        Err(m) => return unpriced_text(ctx, region, m),
    };
    let how = match p.params.flexible {
        Some(Flexible::Rate(rate)) => match p.params.base(wage) {
            Ok(base) => Text::new(
                Msg::ex_how_rate,
                [
                    Arg::Decimal(base),
                    Arg::Decimal(rate),
                    Arg::Decimal(round_half_up(base * rate)),
                    Arg::Decimal(p.params.fixed_monthly),
                ],
            )
            .into(),
            Err(_) => Arg::Empty,
        },
        Some(Flexible::Monthly(m)) => Text::new(Msg::ex_how_monthly, [Arg::Decimal(m)]).into(),
        Some(Flexible::Formula {
            avg_wage,
            share,
            base_round_dp,
            rate,
        }) => Text::new(
            Msg::ex_how_formula,
            [
                Arg::Decimal(avg_wage),
                Arg::Decimal(share),
                Arg::Int(base_round_dp.into()),
                Arg::Decimal(rate),
            ],
        )
        .into(),
        None => Arg::Empty,
    };
    Text::new(
        Msg::ex_catch_up,
        [how, Arg::Decimal(amount), version_label(ctx, &p)],
    )
}

/// Renders one person's analysis in `lang`. `names` turns a source row into
/// text such as `events.csv row 12` (the caller knows the file names).
pub fn explain_person(
    input: &PersonInput<'_>,
    ctx: &EngineContext<'_>,
    names: &dyn Fn(SourceRef) -> String,
    lang: Lang,
) -> String {
    let a = analyze(input, ctx);
    let r = &a.result;
    let p = &r.person;
    let mut out = String::new();
    let w = &mut out;
    // Appends `msg` with `args` in `lang`.
    let say = |w: &mut String, msg: Msg, args: Vec<Arg>| {
        Text::new(msg, args).render_into(lang, false, w);
    };
    say(
        w,
        Msg::ex_person,
        vec![
            Arg::Str(p.person_id.to_string().into()),
            Arg::Str(p.name.as_deref().unwrap_or("").into()),
            Arg::Date(ctx.as_of),
            code_arg("status", p.status.as_str(), lang),
        ],
    );
    w.push('\n');
    let ignored = input
        .events
        .iter()
        .filter(|e| !e.in_force(ctx.as_of))
        .count();
    if ignored > 0 {
        w.push_str("  ");
        say(w, Msg::ex_ignored, vec![Arg::Int(ignored as i64)]);
        w.push('\n');
    }
    if a.spells.duplicates > 0 {
        w.push_str("  ");
        say(
            w,
            Msg::ex_duplicates,
            vec![Arg::Int(a.spells.duplicates.into())],
        );
        w.push('\n');
    }

    w.push('\n');
    say(w, Msg::ex_spells, vec![]);
    w.push('\n');
    for (i, s) in a.spells.spells.iter().enumerate() {
        let covered = if s.covers_any() {
            Text::new(
                Msg::ex_covered,
                [
                    Arg::Month(s.start),
                    Arg::Month(s.end),
                    Arg::Int(s.months().into()),
                ],
            )
            .into()
        } else {
            Msg::ex_covers_no_month.into()
        };
        w.push_str("  ");
        say(
            w,
            Msg::ex_spell,
            vec![
                Arg::Int(i as i64 + 1),
                Arg::Code(s.employer),
                Arg::Str(ctx.policies.code(s.region).into()),
                s.wage.map_or(Msg::ex_wage_floor.into(), Arg::Decimal),
                covered,
                if s.orphan {
                    Msg::ex_orphan.into()
                } else {
                    Arg::Empty
                },
                rows(s.hire, names),
                rows(s.separation, names),
            ],
        );
        w.push('\n');
    }
    for c in &a.spells.conflicts {
        w.push_str("  ");
        say(
            w,
            Msg::ex_conflict,
            vec![
                rows(Some(c.event), names),
                Arg::Code(c.event.employer_id),
                c.reason.into(),
            ],
        );
        w.push('\n');
    }
    for (from, to) in &a.ui {
        w.push_str("  ");
        say(w, Msg::ex_ui, vec![Arg::Month(*from), Arg::Month(*to)]);
        w.push('\n');
    }

    w.push('\n');
    say(w, Msg::ex_stops, vec![]);
    w.push('\n');
    for s in &r.stops {
        w.push_str("  ");
        say(
            w,
            Msg::ex_stop,
            vec![
                Arg::Code(s.employer_id),
                Arg::Date(s.separation_date),
                or_dash(s.last_paid_month, Arg::Month),
                Arg::Month(s.stop_month),
                or_dash(s.benefits_end, Arg::Date),
                Arg::Date(s.filing_deadline),
                or_dash(s.filed_date, Arg::Date),
                Arg::Str(if s.late_stop { " [LATE_STOP]" } else { "" }.into()),
            ],
        );
        w.push('\n');
    }

    w.push('\n');
    say(w, Msg::ex_months, vec![]);
    w.push('\n');
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
            w.push_str("  ");
            if !covering.is_empty() {
                for (k, (i, s)) in covering.iter().enumerate() {
                    if k > 0 {
                        w.push_str("  ");
                    }
                    say(
                        w,
                        Msg::ex_month_covered,
                        vec![
                            Arg::Month(month),
                            Arg::Code(s.employer),
                            Arg::Int(*i as i64 + 1),
                            due_text(ctx, s.region, month, s.wage, s.tier).into(),
                        ],
                    );
                    if ctx.has_ledger
                        && let Ok(Some(j)) = judge_month(ctx, s, &ledger, month)
                    {
                        say(
                            w,
                            Msg::ex_judged,
                            vec![
                                Arg::Dec2(j.paid),
                                Arg::Dec2(j.shortfall),
                                Arg::Int(j.days.into()),
                                Arg::Decimal(ctx.rules(s.region, month).late_fee_daily),
                                Arg::Dec2(j.principal),
                                Arg::Dec2(j.late_fee),
                            ],
                        );
                        if let Some(waiver) = j.waiver {
                            say(w, Msg::ex_waiver, vec![Arg::Code(waiver)]);
                        }
                        if let Some(billed) = j.late_fee_billed {
                            say(w, Msg::ex_billed, vec![Arg::Dec2(billed)]);
                        }
                    }
                    w.push('\n');
                    if ctx.has_ledger {
                        write_payments(w, ctx, s, &ledger, month, lang);
                    }
                }
                if covering.len() > 1 {
                    w.push_str("          ");
                    say(w, Msg::ex_overlap, vec![Arg::Int(covering.len() as i64)]);
                    w.push('\n');
                }
            } else if by_ui {
                say(w, Msg::ex_month_ui, vec![Arg::Month(month)]);
                w.push('\n');
            } else if let Some((g, row)) = a
                .gaps
                .iter()
                .zip(&r.gaps)
                .find(|(_, row)| row.from_month <= month && month <= row.to_month)
            {
                let payable = row.kind == GapKind::Short
                    || (row.kind == GapKind::Open && p.resume_by.is_some());
                say(
                    w,
                    Msg::ex_month_gap,
                    vec![
                        Arg::Month(month),
                        code_arg("kind", row.kind.as_str(), lang),
                        Arg::Month(row.from_month),
                        Arg::Month(row.to_month),
                        catch_up_text(ctx, g.region, month, g.wage, g.tier).into(),
                        if payable {
                            Arg::Empty
                        } else {
                            Msg::ex_not_payable.into()
                        },
                    ],
                );
                w.push('\n');
            } else {
                say(w, Msg::ex_month_not_covered, vec![Arg::Month(month)]);
                w.push('\n');
            }
            month = month.next();
        }
    } else {
        w.push_str("  ");
        say(w, Msg::ex_no_covered_month, vec![]);
        w.push('\n');
    }

    w.push('\n');
    say(w, Msg::ex_gaps, vec![]);
    w.push('\n');
    for (g, row) in a.gaps.iter().zip(&r.gaps) {
        let before = g.before.map(|i| &a.spells.spells[i]);
        w.push_str("  ");
        say(
            w,
            Msg::ex_gap,
            vec![
                Arg::Month(row.from_month),
                Arg::Month(row.to_month),
                Arg::Int(row.months.into()),
                code_arg("kind", row.kind.as_str(), lang),
                or_dash(row.catch_up, Arg::Decimal),
                or_dash(row.waiting_months, |m| Arg::Int(m.into())),
                or_dash(row.benefits_resume, Arg::Date),
                Arg::Str(row.region.to_string().into()),
                g.wage.map_or(Msg::ex_wage_floor.into(), Arg::Decimal),
                before.map_or(Msg::ex_before_none.into(), |s| {
                    Text::new(
                        Msg::ex_before_spell,
                        [Arg::Code(s.employer), rows(s.hire.or(s.separation), names)],
                    )
                    .into()
                }),
            ],
        );
        w.push('\n');
        if row.kind == GapKind::Open {
            w.push_str("      ");
            say(
                w,
                Msg::ex_open_gap,
                vec![p.resume_by.map_or(Msg::ex_past_limit.into(), Arg::Date)],
            );
            w.push('\n');
        }
    }

    w.push('\n');
    say(
        w,
        Msg::ex_totals,
        vec![
            Arg::Int(p.cumulative_months.into()),
            Arg::Int(p.continuous_months.into()),
            Arg::Int(p.gaps.into()),
            Arg::Int(p.long_gaps.into()),
            Arg::Int(p.max_gap_months.into()),
            Arg::Decimal(p.catch_up_total),
            Arg::Decimal(p.arrears_total),
            Arg::Decimal(p.late_fee_total),
        ],
    );
    w.push('\n');
    if !p.unpriced.as_str().is_empty() {
        w.push_str("  ");
        say(
            w,
            Msg::ex_unpriced_totals,
            vec![Arg::List(
                Join::Comma,
                p.unpriced
                    .as_str()
                    .split(';')
                    .map(|u| Arg::Str(u.into()))
                    .collect(),
            )],
        );
        w.push('\n');
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
    w.push('\n');
    say(
        w,
        Msg::ex_lifetime,
        vec![
            Arg::Int(p.actual_months.into()),
            Arg::Int(p.deemed_months.into()),
            p.lifetime_months_needed.map_or_else(
                || match p.person_id.doc_kind() {
                    Some(k) => {
                        Text::new(Msg::ex_needed_no_sex_doc, [Arg::Str(k.code().into())]).into()
                    }
                    None => Msg::ex_needed_no_sex.into(),
                },
                |n| Text::new(Msg::ex_needed_months, [Arg::Int(n.into())]).into(),
            ),
            Arg::Int(rules.lifetime_months_male.into()),
            Arg::Int(rules.lifetime_months_female.into()),
            Arg::Int(rules.lifetime_months_actual.into()),
            Arg::Str(ctx.policies.code(rules.region).into()),
            Arg::Month(rules.from),
        ],
    );
    w.push('\n');
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
        say(
            w,
            Msg::ex_resident,
            vec![
                Arg::Int(days.into()),
                Arg::Str(code.into()),
                why.into(),
                Arg::Str(ctx.policies.code(v.region).into()),
                Arg::Month(v.from),
            ],
        );
        w.push('\n');
    }
    w.push('\n');
    say(w, Msg::ex_flags, vec![]);
    w.push('\n');
    for f in &r.flags {
        w.push_str("  ");
        say(
            w,
            Msg::ex_flag,
            vec![
                Arg::Str(f.flag.as_str().into()),
                Arg::Str(f.employer_id.as_deref().unwrap_or("").into()),
                f.month
                    .map_or(Arg::Empty, |m| Arg::Str(format!(" {m}").into())),
                f.date
                    .map_or(Arg::Empty, |d| Arg::Str(format!(" {d}").into())),
                Arg::Text(Box::new(f.detail.clone())),
                flag_rule(f.flag).into(),
            ],
        );
        w.push('\n');
    }
    for o in &r.overpaid {
        w.push_str("  ");
        say(
            w,
            Msg::ex_overpaid,
            vec![
                Arg::Code(o.employer_id),
                Arg::Month(o.month),
                Arg::Decimal(o.paid),
                Arg::Str(o.reason.into()),
            ],
        );
        w.push('\n');
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
    lang: Lang,
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
            Some(d) if d > due_date => Text::new(
                Msg::ex_paid_late,
                [
                    Arg::Date(d),
                    Arg::Int((d.min(ctx.as_of) - due_date).num_days()),
                    Arg::Date(due_date),
                ],
            ),
            Some(d) => Text::new(Msg::ex_paid_on_time, [Arg::Date(d)]),
            None => Text::word(Msg::ex_no_paid_date),
        };
        let counted = if e.kind == crate::model::PaymentKind::LateFeeBilled {
            Msg::ex_billed_fee_entry.into()
        } else if due_insurance & e.insurance.bit() == 0 {
            Msg::ex_not_due_entry.into()
        } else {
            Arg::Empty
        };
        w.push_str("      ");
        Text::new(
            Msg::ex_payment,
            [
                Arg::Dec2(e.paid),
                Arg::Str(e.kind.key().into()),
                Arg::Str(e.insurance.key().into()),
                when.into(),
                counted,
            ],
        )
        .render_into(lang, false, w);
        w.push('\n');
    }
}
