//! `--since DATE`: what changed between the evaluation as of DATE and the one
//! as of `--as-of`, from the same inputs and nothing kept between runs.
//!
//! As of DATE a person's inputs are what was known then: the events dated on
//! or before DATE (a month-only event: its month on or before DATE's month)
//! and filed on or before it (an event without a filed date counts as known
//! on its date), and the ledger's payments made on or before DATE (an undated
//! payment counts as made). Unemployment-fund months are taken as they are.
//!
//! The changes of one person, from the two results:
//! - `NEW_OPEN_GAP`: the open gap now was not open then (a new first month);
//! - `NEWLY_LAPSED`: the status is `lapsed` now and was not then (a gap that
//!   outgrew the back-pay limit, or a new open gap already past it);
//! - `GAP_CLOSED`: the open gap of then is closed now, with its resume month;
//! - `NEW_ARREARS` / `SETTLED_ARREARS` / `ARREARS_CHANGED`: an employer's
//!   month owed now and not then, owed then and not now, owed both times
//!   with another shortfall (late fees grow every day and are not a change);
//! - `NEW_LATE_STOP`: a stop late now that was not (or was not known) then.

use super::PersonInput;
use crate::model::{
    ArrearsRow, Change, ChangeRow, Event, GapKind, GapRow, LedgerEntry, PersonResult, Status,
};
use crate::text::{Arg, Msg, Text};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A person's events and ledger entries as known on a date (owned copies).
#[derive(Default)]
pub struct KnownThen {
    events: Vec<Event>,
    ledger: Vec<LedgerEntry>,
}

/// Whether an event was known on `date`: in force then, and filed by then.
pub fn event_known(e: &Event, date: NaiveDate) -> bool {
    e.in_force(date) && e.filed_date.is_none_or(|f| f <= date)
}

impl KnownThen {
    /// `p` as known on `since`, or `None` when nothing of the person was
    /// known then (no event and no payment).
    pub fn input<'b>(
        &'b mut self,
        p: &PersonInput<'b>,
        since: NaiveDate,
    ) -> Option<PersonInput<'b>> {
        self.events.clear();
        self.ledger.clear();
        self.events
            .extend(p.events.iter().filter(|e| event_known(e, since)).cloned());
        self.ledger.extend(
            (p.ledger.iter())
                .filter(|l| l.paid_date.is_none_or(|d| d <= since))
                .cloned(),
        );
        if self.events.is_empty() && self.ledger.is_empty() {
            return None;
        }
        Some(PersonInput {
            person_id: p.person_id,
            events: &self.events,
            ui: p.ui,
            ledger: &self.ledger,
        })
    }
}

/// `1 month`, `4 months`.
fn open_gap(r: &PersonResult) -> Option<&GapRow> {
    r.gaps.iter().rev().find(|g| g.kind == GapKind::Open)
}

fn owed(a: &ArrearsRow) -> bool {
    a.shortfall > Decimal::ZERO
}

/// Appends the changes from `before` (the result as of `--since`; `None`:
/// the person was not known then) to `after` (as of `--as-of`), in a fixed
/// order: gaps and status, then arrears by employer and month, then stops.
pub fn diff(before: Option<&PersonResult>, after: &PersonResult, out: &mut Vec<ChangeRow>) {
    let row = |change, month, employer_id, states: (&'static str, &'static str)| ChangeRow {
        person_id: after.person.person_id,
        name: after.person.name.clone(),
        change,
        month,
        employer_id,
        before: states.0,
        after: states.1,
        amount_before: None,
        amount_after: None,
        // Every change below sets its own.
        detail: Text::word(Msg::newly_lapsed_no_cover),
    };
    let status_then = before.map_or("none", |b| b.person.status.as_str());
    let status_now = after.person.status;
    let open_then = before.and_then(open_gap);
    let open_now = open_gap(after);

    // The open gap of then, closed now (or gone).
    if let Some(then) = open_then
        && open_now.is_none_or(|g| g.from_month != then.from_month)
    {
        let closed = after
            .gaps
            .iter()
            .find(|g| g.from_month == then.from_month && g.kind != GapKind::Open);
        let mut r = match closed {
            Some(g) => {
                let mut r = row(
                    Change::GapClosed,
                    Some(g.to_month.next()),
                    g.employer_after,
                    (status_then, g.kind.as_str()),
                );
                r.amount_after = g.catch_up;
                r.detail = Text::new(
                    Msg::gap_closed,
                    [
                        Arg::Month(g.from_month),
                        Arg::Month(g.to_month),
                        Arg::Months(g.months),
                        Arg::Month(g.to_month.next()),
                        match g.catch_up {
                            Some(c) => Text::new(Msg::gap_closed_catch_up, [Arg::Money(c)]).into(),
                            None if g.kind == GapKind::Long => Msg::gap_closed_too_long.into(),
                            None if g.kind == GapKind::Short => Msg::gap_closed_unpriced.into(),
                            None => Arg::Empty,
                        },
                    ],
                );
                r
            }
            None => {
                let mut r = row(
                    Change::GapClosed,
                    Some(then.from_month),
                    None,
                    (status_then, status_now.as_str()),
                );
                r.detail = Text::new(Msg::gap_gone, [Arg::Month(then.from_month)]);
                r
            }
        };
        r.amount_before = then.catch_up;
        out.push(r);
    }

    // The open gap now: new, or grown past the limit.
    let same_gap = |g: &GapRow| open_then.is_some_and(|t| t.from_month == g.from_month);
    match (status_now, open_now) {
        (Status::OpenGap, Some(g)) if !same_gap(g) => {
            let mut r = row(
                Change::NewOpenGap,
                Some(g.from_month),
                g.employer_before,
                (status_then, status_now.as_str()),
            );
            r.amount_after = g.catch_up;
            r.detail = Text::new(
                Msg::new_open_gap,
                [
                    Arg::Month(g.from_month),
                    Arg::Months(g.months),
                    match after.person.resume_by {
                        Some(d) => Text::new(Msg::new_open_gap_resume_by, [Arg::Date(d)]).into(),
                        None => Arg::Empty,
                    },
                ],
            );
            out.push(r);
        }
        (Status::Lapsed, gap)
            if status_then != Status::Lapsed.as_str() || gap.is_some_and(|g| !same_gap(g)) =>
        {
            let mut r = row(
                Change::NewlyLapsed,
                gap.map(|g| g.from_month),
                gap.and_then(|g| g.employer_before),
                (status_then, status_now.as_str()),
            );
            r.amount_before = open_then
                .filter(|t| gap.is_some_and(|g| g.from_month == t.from_month))
                .and_then(|t| t.catch_up);
            r.detail = match gap {
                Some(g) => Text::new(
                    Msg::newly_lapsed,
                    [Arg::Month(g.from_month), Arg::Months(g.months)],
                ),
                None => Text::word(Msg::newly_lapsed_no_cover),
            };
            out.push(r);
        }
        _ => {}
    }

    // Arrears, by employer and month (the results list them in that order
    // per employer; looked up by key, not by position).
    let empty: &[ArrearsRow] = &[];
    let then_rows = before.map_or(empty, |b| &b.arrears);
    let key = |a: &ArrearsRow| (a.employer_id, a.month);
    let mut then_sorted: Vec<&ArrearsRow> = then_rows.iter().collect();
    then_sorted.sort_by_key(|a| key(a));
    let find_then = |a: &ArrearsRow| {
        then_sorted
            .binary_search_by_key(&key(a), |b| key(b))
            .ok()
            .map(|i| then_sorted[i])
    };
    let mut now_sorted: Vec<&ArrearsRow> = after.arrears.iter().collect();
    now_sorted.sort_by_key(|a| key(a));
    for a in &now_sorted {
        let then = find_then(a);
        let owed_then = then.is_some_and(owed);
        let change = match (owed_then, owed(a)) {
            (false, true) => Change::NewArrears,
            (true, false) => Change::SettledArrears,
            (true, true) if then.is_some_and(|t| t.shortfall != a.shortfall) => {
                Change::ArrearsChanged
            }
            _ => continue,
        };
        let states = match change {
            Change::NewArrears => ("none", "owed"),
            Change::SettledArrears => ("owed", "settled"),
            _ => ("owed", "owed"),
        };
        let mut r = row(change, Some(a.month), Some(a.employer_id), states);
        r.amount_before = then.map(|t| t.shortfall);
        r.amount_after = Some(a.shortfall);
        r.detail = Text::new(
            Msg::arrears_change,
            [
                Arg::Money(a.due),
                Arg::Money(a.paid),
                Arg::Money(a.shortfall),
                Arg::Money(a.late_fee),
                match then {
                    Some(t) if change != Change::NewArrears => {
                        Text::new(Msg::arrears_then_paid, [Arg::Money(t.paid)]).into()
                    }
                    _ => Arg::Empty,
                },
            ],
        );
        out.push(r);
    }
    // Owed then, and no row now (the month is no longer due from this
    // employer: events known since changed the spell).
    for t in &then_sorted {
        if owed(t)
            && now_sorted
                .binary_search_by_key(&key(t), |a| key(a))
                .is_err()
        {
            let mut r = row(
                Change::SettledArrears,
                Some(t.month),
                Some(t.employer_id),
                ("owed", "none"),
            );
            r.amount_before = Some(t.shortfall);
            r.detail = Text::new(Msg::arrears_no_longer_due, [Arg::Money(t.shortfall)]);
            out.push(r);
        }
    }

    // Stops late now and not then.
    for s in after.stops.iter().filter(|s| s.late_stop) {
        let then = before.and_then(|b| {
            b.stops
                .iter()
                .find(|t| t.employer_id == s.employer_id && t.separation_date == s.separation_date)
        });
        if then.is_some_and(|t| t.late_stop) {
            continue;
        }
        let mut r = row(
            Change::NewLateStop,
            Some(s.stop_month),
            Some(s.employer_id),
            (if then.is_some() { "not_late" } else { "none" }, "late"),
        );
        r.detail = Text::new(
            Msg::new_late_stop,
            [
                Arg::Date(s.separation_date),
                Arg::OptDate(s.filed_date),
                Arg::Date(s.filing_deadline),
            ],
        );
        out.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Lang;
    use crate::model::{Code, Month, PersonRow, RegionId, StopRow, Unpriced};

    fn m(y: i32, mo: u32) -> Month {
        Month::new(y, mo).unwrap()
    }

    fn result(status: Status) -> PersonResult {
        let e = crate::test_events::event(7, 0, crate::model::EventKind::Hire);
        PersonResult {
            person: PersonRow {
                person_id: e.person_id,
                name: None,
                employers: vec![Code::new("E")],
                first_covered_month: None,
                last_covered_month: None,
                status,
                open_months: 0,
                resume_by: None,
                gaps: 0,
                long_gaps: 0,
                max_gap_months: 0,
                catch_up_total: Decimal::ZERO,
                continuous_months: 0,
                cumulative_months: 0,
                arrears_total: Decimal::ZERO,
                late_fee_total: Decimal::ZERO,
                flags: vec![],
                actual_months: 0,
                deemed_months: 0,
                lifetime_months_needed: None,
                resident_wait_days: None,
                resident_wait_reason: None,
                unpriced: Unpriced::None,
            },
            gaps: vec![],
            stops: vec![],
            arrears: vec![],
            overpaid: vec![],
            flags: vec![],
        }
    }

    fn gap(r: &PersonResult, from: Month, to: Month, kind: GapKind) -> GapRow {
        GapRow {
            person_id: r.person.person_id,
            from_month: from,
            to_month: to,
            months: from.months_through(to),
            kind,
            catch_up: Some(Decimal::new(118300, 2)),
            waiting_months: None,
            benefits_resume: None,
            employer_before: Some(Code::new("E")),
            employer_after: None,
            region: Code::new("beijing"),
        }
    }

    fn owed(r: &PersonResult, month: Month, due: i64, paid: i64) -> ArrearsRow {
        ArrearsRow {
            person_id: r.person.person_id,
            employer_id: Code::new("E"),
            month,
            due: Decimal::new(due, 2),
            paid: Decimal::new(paid, 2),
            paid_kinds: 0,
            late_fee_billed: None,
            shortfall: Decimal::new(due - paid, 2),
            days: 10,
            late_fee: Decimal::new(591, 2),
            late_fee_waiver: None,
            region: RegionId(0),
        }
    }

    #[test]
    fn an_unchanged_person_has_no_change() {
        let mut a = result(Status::OpenGap);
        a.gaps
            .push(gap(&a, m(2026, 10), m(2026, 11), GapKind::Open));
        a.arrears.push(owed(&a, m(2026, 3), 118300, 0));
        let mut out = Vec::new();
        diff(Some(&a.clone()), &a, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn a_gap_that_is_no_longer_a_gap_and_a_month_no_longer_due() {
        // Then: open gap from 2026-09 and 2026-04 owed 1183.00. Now (a
        // separation known since moved the spell): covered, no gap, no row.
        let mut then = result(Status::OpenGap);
        then.gaps
            .push(gap(&then, m(2026, 9), m(2026, 10), GapKind::Open));
        then.arrears.push(owed(&then, m(2026, 4), 118300, 0));
        let now = result(Status::Covered);
        let mut out = Vec::new();
        diff(Some(&then), &now, &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(
            (out[0].change, out[0].month, out[0].before, out[0].after),
            (Change::GapClosed, Some(m(2026, 9)), "open_gap", "covered")
        );
        assert_eq!(out[0].amount_before, Some(Decimal::new(118300, 2)));
        assert_eq!(
            (out[1].change, out[1].before, out[1].after),
            (Change::SettledArrears, "owed", "none")
        );
        assert_eq!(
            (out[1].amount_before, out[1].amount_after),
            (Some(Decimal::new(118300, 2)), None)
        );
    }

    #[test]
    fn a_ledger_only_person_newly_lapsed_and_a_late_stop_known_then_is_not_new() {
        // Unknown then; now lapsed with no coverage on record.
        let now = result(Status::Lapsed);
        let mut out = Vec::new();
        diff(None, &now, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].change, out[0].month, out[0].before, out[0].after),
            (Change::NewlyLapsed, None, "none", "lapsed")
        );
        assert_eq!(out[0].detail.en(), "no coverage on record");
        assert_eq!(out[0].detail.render(Lang::Zh), "无参保记录");
        // A late stop already late then: no change; one not late then: new.
        let d = |day| chrono::NaiveDate::from_ymd_opt(2026, 10, day).unwrap();
        let stop = |late| StopRow {
            person_id: now.person.person_id,
            employer_id: Code::new("E"),
            separation_date: d(9),
            last_paid_month: Some(m(2026, 10)),
            stop_month: m(2026, 11),
            benefits_end: None,
            filing_deadline: d(24),
            filed_date: Some(d(30)),
            late_stop: late,
            separation_basis: Default::default(),
        };
        let mut then = result(Status::Covered);
        then.stops.push(stop(true));
        let mut after = result(Status::Covered);
        after.stops.push(stop(true));
        out.clear();
        diff(Some(&then), &after, &mut out);
        assert!(out.is_empty(), "{out:?}");
        then.stops[0].late_stop = false;
        diff(Some(&then), &after, &mut out);
        assert_eq!(
            (out[0].change, out[0].before, out[0].after),
            (Change::NewLateStop, "not_late", "late")
        );
        assert_eq!(
            out[0].detail.en(),
            "separated 2026-10-09; stop filed 2026-10-30 after the deadline 2026-10-24"
        );
        assert_eq!(
            out[0].detail.render(Lang::Zh),
            "2026-10-09离职；2026-10-30申报减员，晚于截止日2026-10-24"
        );
    }
}
