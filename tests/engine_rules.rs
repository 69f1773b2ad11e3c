//! SPEC §3 rules 1–8 and 10 on hand-built persons: every §5 worked example to
//! the fen, every flag, retirement, clamps, UI months, region moves, rule variants.

mod engine_support;

use engine_support::*;
use medrecon::cli::Lang;
use medrecon::engine::{PersonInput, evaluate_all, explain::explain_person};
use medrecon::model::{Flag, GapKind, Status, UiSpan};

fn flags_of(r: &medrecon::model::PersonResult, f: Flag) -> usize {
    r.flags.iter().filter(|x| x.flag == f).count()
}

#[test]
fn spec_short_gap_2366() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2024-03-10", bj, "10000", 2),
        sep("E1", "2025-03-20", bj, 3),
        hire("E2", "2025-06-05", bj, "10000", 4),
    ];
    let r = run(&set, "2025-08-15", &events, &[], &[]);
    assert_eq!(r.gaps.len(), 1);
    let g = &r.gaps[0];
    assert_eq!(
        (g.from_month, g.to_month, g.months),
        (m("2025-04"), m("2025-05"), 2)
    );
    assert_eq!(g.kind, GapKind::Short);
    // 10000 × 0.118 = 1180.00 + 3 = 1183.00 per month; × 2 = 2366.00
    assert_eq!(g.catch_up, Some(d("2366.00")));
    assert_eq!(g.waiting_months, Some(0));
    assert_eq!(g.benefits_resume, Some(date("2025-06-01")));
    assert_eq!(g.employer_before.as_deref(), Some("E1"));
    assert_eq!(g.employer_after.as_deref(), Some("E2"));
    assert_eq!(&*g.region, "beijing");
    let s = &r.stops[0];
    assert_eq!(s.last_paid_month, Some(m("2025-03")));
    assert_eq!(s.stop_month, m("2025-04"));
    assert_eq!(s.benefits_end, Some(date("2025-03-31")));
    assert_eq!(s.filing_deadline, date("2025-04-04"));
    assert!(!s.late_stop);
    let p = &r.person;
    assert_eq!(p.status, Status::Covered);
    assert_eq!(p.catch_up_total, d("2366.00"));
    // 2024-03..2025-03 = 13 months, 2025-06..2025-08 = 3 months
    assert_eq!(p.cumulative_months, 16);
    assert_eq!(p.continuous_months, 16);
    assert_eq!((p.gaps, p.long_gaps, p.max_gap_months), (1, 0, 2));
    assert!(p.flags.is_empty());
}

#[test]
fn spec_short_gap_across_the_july_switch_2504_12() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-06", bj, "5000", 2),
        sep("E1", "2025-05-20", bj, 3),
        hire("E2", "2025-09-01", bj, "5000", 4),
    ];
    let r = run(&set, "2025-10-15", &events, &[], &[]);
    let g = &r.gaps[0];
    assert_eq!(
        (g.from_month, g.to_month, g.months),
        (m("2025-06"), m("2025-08"), 3)
    );
    assert_eq!(g.kind, GapKind::Short);
    // June: 6821 × 0.118 = 804.878 → 804.88 + 3 = 807.88
    // July, August: 7162 × 0.118 = 845.116 → 845.12 + 3 = 848.12
    // 807.88 + 848.12 + 848.12 = 2504.12
    assert_eq!(g.catch_up, Some(d("2504.12")));
    let c = ctx(&set, "2025-10-15", "2025-01", false);
    let text = explain_person(
        &PersonInput {
            person_id: pid(1),
            events: &events,
            ui: &[],
            ledger: &[],
        },
        &c,
        &|s| format!("events.csv:{}", s.row),
        Lang::En,
    );
    assert!(
        text.contains(
            "2025-06 gap (short 2025-06..2025-08): base 6821 × 0.118 = 804.88 + 3 = 807.88"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "2025-07 gap (short 2025-06..2025-08): base 7162 × 0.118 = 845.12 + 3 = 848.12"
        ),
        "{text}"
    );
    assert!(text.contains("events.csv:3"), "{text}");
    assert!(text.contains("beijing money from 2025-07"), "{text}");
}

#[test]
fn spec_long_gap_resets_continuity_and_waits() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-02", bj, "10000", 2),
        sep("E1", "2025-05-15", bj, 3),
        hire("E2", "2025-10-08", bj, "10000", 4),
    ];
    let r = run(&set, "2025-12-15", &events, &[], &[]);
    let g = &r.gaps[0];
    assert_eq!(
        (g.from_month, g.to_month, g.months),
        (m("2025-06"), m("2025-09"), 4)
    );
    assert_eq!(g.kind, GapKind::Long);
    assert_eq!(g.catch_up, None);
    assert_eq!(g.waiting_months, Some(6));
    // resume 2025-10 + 6 months = 2026-04
    assert_eq!(g.benefits_resume, Some(date("2026-04-01")));
    assert_eq!(flags_of(&r, Flag::GapOver3m), 1);
    let p = &r.person;
    // continuity restarts 2025-10: Oct, Nov, Dec
    assert_eq!(p.continuous_months, 3);
    // Jan..May = 5, Oct..Dec = 3
    assert_eq!(p.cumulative_months, 8);
    assert_eq!((p.gaps, p.long_gaps, p.max_gap_months), (1, 1, 4));
    assert_eq!(p.catch_up_total, d("0"));
    assert_eq!(p.status, Status::Covered);
}

#[test]
fn open_gap_within_the_limit() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-02", bj, "10000", 2),
        sep("E1", "2025-05-15", bj, 3),
    ];
    let r = run(&set, "2025-07-10", &events, &[], &[]);
    let g = &r.gaps[0];
    assert_eq!(g.kind, GapKind::Open);
    assert_eq!(
        (g.from_month, g.to_month, g.months),
        (m("2025-06"), m("2025-07"), 2)
    );
    // June 1183.00 (base 10000, 2024-07 version), July 1183.00 (2025-07 version)
    assert_eq!(g.catch_up, Some(d("2366.00")));
    assert_eq!((g.waiting_months, g.benefits_resume), (None, None));
    let p = &r.person;
    assert_eq!(p.status, Status::OpenGap);
    assert_eq!(p.open_months, 2);
    // last paid 2025-05 + 3 + 1 = 2025-09 → its last day
    assert_eq!(p.resume_by, Some(date("2025-09-30")));
    assert_eq!(flags_of(&r, Flag::OpenGap), 1);
    assert_eq!(flags_of(&r, Flag::GapOver3m), 0);
    assert_eq!(p.catch_up_total, d("2366.00"));
    assert_eq!((p.gaps, p.long_gaps), (1, 0));
}

#[test]
fn open_gap_past_the_limit_is_lapsed() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-02", bj, "10000", 2),
        sep("E1", "2025-05-15", bj, 3),
    ];
    let r = run(&set, "2025-10-10", &events, &[], &[]);
    let g = &r.gaps[0];
    // 2025-06..2025-10 = 5 months > 3
    assert_eq!((g.kind, g.months, g.catch_up), (GapKind::Open, 5, None));
    let p = &r.person;
    assert_eq!(p.status, Status::Lapsed);
    assert_eq!(p.resume_by, None);
    assert_eq!(p.open_months, 5);
    assert_eq!((p.gaps, p.long_gaps, p.max_gap_months), (1, 1, 5));
    assert_eq!(flags_of(&r, Flag::GapOver3m), 1);
    assert_eq!(flags_of(&r, Flag::OpenGap), 0);
    // covered Jan..May = 5, no long closed gap: continuity counts all 5
    assert_eq!(p.continuous_months, 5);
}

#[test]
fn retirement_leaves_no_open_gap() {
    let set = policies();
    let bj = region(&set, "beijing");
    let mut s = sep("E1", "2025-05-15", bj, 3);
    s.retirement = true;
    let events = [hire("E1", "2025-01-02", bj, "10000", 2), s];
    let r = run(&set, "2025-10-10", &events, &[], &[]);
    assert!(r.gaps.is_empty());
    assert_eq!(r.person.status, Status::Retired);
    assert_eq!(r.person.open_months, 0);
    assert_eq!(r.stops.len(), 1);
    assert!(r.person.flags.is_empty());
}

#[test]
fn retirement_in_the_as_of_month_and_reemployment_after_it() {
    let set = policies();
    let bj = region(&set, "beijing");
    let mut s = sep("E1", "2025-10-05", bj, 3);
    s.retirement = true;
    let events = [hire("E1", "2025-01-02", bj, "10000", 2), s.clone()];
    // October is still paid (separation month), but the person is retired
    let r = run(&set, "2025-10-10", &events, &[], &[]);
    assert_eq!(r.person.last_covered_month, Some(m("2025-10")));
    assert_eq!(r.person.status, Status::Retired);
    // re-employed (返聘) after retirement with an open spell: covered
    let events = [
        hire("E1", "2025-01-02", bj, "10000", 2),
        s,
        hire("E2", "2025-11-03", bj, "10000", 4),
    ];
    let r = run(&set, "2025-12-10", &events, &[], &[]);
    assert_eq!(r.person.status, Status::Covered);
    assert!(r.gaps.is_empty());
}

#[test]
fn overlap_once_per_run_of_months() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-05", bj, "9000", 2),
        hire("E2", "2025-03-01", bj, "9000", 3),
        sep("E2", "2025-04-30", bj, 4),
        hire("E3", "2025-04-01", bj, "9000", 5),
        sep("E3", "2025-06-30", bj, 6),
        hire("E4", "2025-08-01", bj, "9000", 7),
    ];
    let r = run(&set, "2025-08-15", &events, &[], &[]);
    // E1∩E2 03..04, E1∩E3 04..06, E2∩E3 04: one run 2025-03..06; E1∩E4 08: a second
    let overlaps: Vec<_> = r.flags.iter().filter(|f| f.flag == Flag::Overlap).collect();
    assert_eq!(overlaps.len(), 2);
    assert_eq!(overlaps[0].month, Some(m("2025-03")));
    assert!(overlaps[0].detail.en().contains("2025-03..2025-06"));
    assert!(overlaps[0].detail.en().contains("E1 and E2 and E3"));
    assert_eq!(overlaps[1].month, Some(m("2025-08")));
    // merged coverage 2025-01..2025-08 counted once
    assert_eq!(r.person.cumulative_months, 8);
    assert!(r.gaps.is_empty());
}

#[test]
fn orphan_separation_opens_at_batch_first_month() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [sep("E1", "2025-03-10", bj, 2)];
    let c = ctx(&set, "2025-03-20", "2025-01", false);
    let r = medrecon::engine::evaluate(
        &PersonInput {
            person_id: pid(1),
            events: &events,
            ui: &[],
            ledger: &[],
        },
        &c,
    );
    assert_eq!(flags_of(&r, Flag::OrphanSeparation), 1);
    assert_eq!(r.person.first_covered_month, Some(m("2025-01")));
    assert_eq!(r.stops[0].last_paid_month, Some(m("2025-03")));
    // Jan..Mar
    assert_eq!(r.person.cumulative_months, 3);
    assert_eq!(r.person.status, Status::Covered);
}

#[test]
fn conflicts_are_flagged_and_ignored() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-05", bj, "9000", 2),
        hire("E1", "2025-02-01", bj, "9000", 3),
        sep("E1", "2025-03-10", bj, 4),
        sep("E1", "2025-04-10", bj, 5),
    ];
    let r = run(&set, "2025-04-20", &events, &[], &[]);
    assert_eq!(flags_of(&r, Flag::Conflict), 2);
    assert_eq!(r.stops.len(), 1);
    assert_eq!(r.stops[0].separation_date, date("2025-03-10"));
    // one spell Jan..Mar, then open gap April (1 month)
    assert_eq!(r.person.cumulative_months, 3);
    assert_eq!(r.person.open_months, 1);
    // an exact duplicate row is collapsed, not a conflict
    let dup = [
        hire("E1", "2025-01-05", bj, "9000", 2),
        hire("E1", "2025-01-05", bj, "9000", 9),
    ];
    let r = run(&set, "2025-04-20", &dup, &[], &[]);
    assert_eq!(flags_of(&r, Flag::Conflict), 0);
}

#[test]
fn late_stop_after_deadline_only() {
    let set = policies();
    let bj = region(&set, "beijing");
    let mut late = sep("E1", "2025-03-20", bj, 3);
    late.filed_date = Some(date("2025-04-05"));
    let r = run(
        &set,
        "2025-04-20",
        &[hire("E1", "2025-01-02", bj, "9000", 2), late],
        &[],
        &[],
    );
    // deadline 2025-03-20 + 15 days = 2025-04-04
    assert_eq!(r.stops[0].filing_deadline, date("2025-04-04"));
    assert!(r.stops[0].late_stop);
    assert_eq!(flags_of(&r, Flag::LateStop), 1);
    let mut on_time = sep("E1", "2025-03-20", bj, 3);
    on_time.filed_date = Some(date("2025-04-04"));
    let r = run(
        &set,
        "2025-04-20",
        &[hire("E1", "2025-01-02", bj, "9000", 2), on_time],
        &[],
        &[],
    );
    assert!(!r.stops[0].late_stop);
    assert_eq!(flags_of(&r, Flag::LateStop), 0);
}

#[test]
fn name_mismatch_first_by_source_wins() {
    let set = policies();
    let bj = region(&set, "beijing");
    let mut a = sep("E1", "2025-03-20", bj, 7);
    a.name = Some("张叁".into());
    let b = hire("E1", "2025-01-02", bj, "9000", 2); // 张三, earlier row
    let r = run(&set, "2025-03-25", &[a, b], &[], &[]);
    assert_eq!(r.person.name.as_deref(), Some("张三"));
    assert_eq!(flags_of(&r, Flag::NameMismatch), 1);
    assert!(r.flags.iter().any(|f| f.detail.en().contains("张叁")));
}

#[test]
fn floor_and_cap_clamp_each_month() {
    let set = policies();
    let bj = region(&set, "beijing");
    let low = [
        hire("E1", "2025-07-02", bj, "3000", 2),
        sep("E1", "2025-07-20", bj, 3),
        hire("E2", "2025-09-01", bj, "3000", 4),
    ];
    // gap 2025-08: base = floor 7162; 7162 × 0.118 = 845.116 → 845.12 + 3 = 848.12
    assert_eq!(
        run(&set, "2025-09-15", &low, &[], &[]).gaps[0].catch_up,
        Some(d("848.12"))
    );
    let high = [
        hire("E1", "2025-07-02", bj, "50000", 2),
        sep("E1", "2025-07-20", bj, 3),
        hire("E2", "2025-09-01", bj, "50000", 4),
    ];
    // base = cap 35811; 35811 × 0.118 = 4225.698 → 4225.70 + 3 = 4228.70
    assert_eq!(
        run(&set, "2025-09-15", &high, &[], &[]).gaps[0].catch_up,
        Some(d("4228.70"))
    );
}

#[test]
fn unemployment_fund_months_are_covered() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-02", bj, "10000", 2),
        sep("E1", "2025-03-15", bj, 3),
        hire("E2", "2025-09-01", bj, "10000", 4),
    ];
    let ui = [UiSpan {
        person_id: pid(1),
        from: m("2025-04"),
        to: m("2025-06"),
    }];
    let r = run(&set, "2025-09-15", &events, &ui, &[]);
    assert_eq!(r.gaps.len(), 1);
    let g = &r.gaps[0];
    // Jul..Aug, priced with E1's wage: 1183.00 × 2
    assert_eq!((g.from_month, g.months), (m("2025-07"), 2));
    assert_eq!(g.catch_up, Some(d("2366.00")));
    assert_eq!(g.employer_before.as_deref(), Some("E1"));
    // Jan..Mar 3 + UI Apr..Jun 3 + Sep 1
    assert_eq!(r.person.cumulative_months, 7);
}

#[test]
fn move_between_regions_prices_gap_with_the_region_before() {
    let set = policies();
    let bj = region(&set, "beijing");
    let sh = region(&set, "上海");
    let events = [
        hire("E1", "2025-01-02", bj, "5000", 2),
        sep("E1", "2025-05-20", bj, 3),
        hire("E2", "2025-08-01", sh, "5000", 4),
    ];
    let r = run(&set, "2025-08-20", &events, &[], &[]);
    let g = &r.gaps[0];
    assert_eq!(&*g.region, "beijing");
    // June 807.88 (floor 6821) + July 848.12 (floor 7162) = 1656.00
    assert_eq!(g.catch_up, Some(d("1656.00")));
    // the reverse move is priced with Shanghai's flexible rate (10%, official for
    // the 2024-07 base year; no fixed add-on):
    let back = [
        hire("E1", "2025-01-02", sh, "8000", 2),
        sep("E1", "2025-05-20", sh, 3),
        hire("E2", "2025-07-01", bj, "8000", 4),
    ];
    let r = run(&set, "2025-08-20", &back, &[], &[]);
    // June 2025: base 8000 (Shanghai floor 7384 in force) × 0.10 = 800.00
    assert_eq!(&*r.gaps[0].region, "shanghai");
    assert_eq!(r.gaps[0].catch_up, Some(d("800.00")));
}

#[test]
fn hire_on_the_last_day_of_a_month_and_the_cutoff_variant() {
    let set = policies_with("hire_cutoff_day = 15");
    let bj = region(&set, "beijing");
    let tc = region(&set, "testcity");
    let r = run(
        &set,
        "2025-03-10",
        &[hire("E1", "2025-01-31", bj, "9000", 2)],
        &[],
        &[],
    );
    assert_eq!(r.person.first_covered_month, Some(m("2025-01")));
    assert_eq!(r.person.cumulative_months, 3);
    // hired on the 31st, past cut-off day 15: coverage starts in February
    let r = run(
        &set,
        "2025-03-10",
        &[hire("E1", "2025-01-31", tc, "9000", 2)],
        &[],
        &[],
    );
    assert_eq!(r.person.first_covered_month, Some(m("2025-02")));
    assert_eq!(r.person.cumulative_months, 2);
    // on the cut-off day itself: the hire month counts
    let r = run(
        &set,
        "2025-03-10",
        &[hire("E1", "2025-01-15", tc, "9000", 2)],
        &[],
        &[],
    );
    assert_eq!(r.person.first_covered_month, Some(m("2025-01")));
}

#[test]
fn leap_day_hire_and_separation() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2024-02-29", bj, "9000", 2),
        sep("E1", "2024-02-29", bj, 3),
    ];
    let r = run(&set, "2024-03-10", &events, &[], &[]);
    let s = &r.stops[0];
    assert_eq!(s.last_paid_month, Some(m("2024-02")));
    assert_eq!(s.benefits_end, Some(date("2024-02-29")));
    // 2024-02-29 + 15 days = 2024-03-15
    assert_eq!(s.filing_deadline, date("2024-03-15"));
    assert_eq!(r.person.cumulative_months, 1);
    assert_eq!(r.person.open_months, 1);
}

#[test]
fn separation_month_not_paid_variant() {
    let set = policies_with("separation_month_paid = false");
    let tc = region(&set, "testcity");
    let events = [
        hire("E1", "2025-01-02", tc, "6000", 2),
        sep("E1", "2025-03-20", tc, 3),
        hire("E2", "2025-05-06", tc, "6000", 4),
    ];
    let r = run(&set, "2025-05-20", &events, &[], &[]);
    let s = &r.stops[0];
    assert_eq!(s.last_paid_month, Some(m("2025-02")));
    assert_eq!(s.stop_month, m("2025-03"));
    assert_eq!(s.benefits_end, Some(date("2025-02-28")));
    // gap Mar..Apr: 6000 × 0.10 = 600.00 each (no fixed add-on) = 1200.00
    assert_eq!(r.gaps[0].months, 2);
    assert_eq!(r.gaps[0].catch_up, Some(d("1200.00")));
}

#[test]
fn events_after_as_of_are_ignored() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-02", bj, "9000", 2),
        sep("E1", "2025-09-20", bj, 3),
    ];
    let r = run(&set, "2025-06-15", &events, &[], &[]);
    assert!(r.stops.is_empty());
    assert_eq!(r.person.status, Status::Covered);
    assert_eq!(r.person.last_covered_month, Some(m("2025-06")));
}

#[test]
fn evaluate_all_keeps_input_order() {
    let set = policies();
    let bj = region(&set, "beijing");
    let mut events = Vec::new();
    for i in 0..50u32 {
        let mut e = hire("E1", "2025-01-02", bj, &format!("{}", 8000 + i), i);
        e.person_id = pid(i);
        events.push(e);
    }
    let inputs: Vec<PersonInput<'_>> = events
        .iter()
        .map(|e| PersonInput {
            person_id: e.person_id,
            events: std::slice::from_ref(e),
            ui: &[],
            ledger: &[],
        })
        .collect();
    let c = ctx(&set, "2025-03-01", "2025-01", false);
    let out = evaluate_all(&inputs, &c);
    assert_eq!(out.len(), 50);
    for (i, r) in out.iter().enumerate() {
        assert_eq!(r.person.person_id, pid(i as u32));
    }
}

#[test]
fn a_month_after_the_last_version_is_unpriced_and_carry_forward_prices_it() {
    let set = policies_with("to = \"2024-12\"");
    let tc = region(&set, "testcity");
    let events = [
        hire("E1", "2024-11-02", tc, "6000", 2),
        sep("E1", "2025-01-10", tc, 3),
    ];
    let input = PersonInput {
        person_id: pid(1),
        events: &events,
        ui: &[],
        ledger: &[],
    };
    // The stop needs only rules: reported whatever the money.
    let c = ctx(&set, "2025-02-01", "2024-11", false);
    let r = medrecon::engine::evaluate(&input, &c);
    assert_eq!(r.stops[0].last_paid_month, Some(m("2025-01")));
    // Open gap 2025-02: its catch-up needs 2025-02 money, which no version has.
    assert_eq!(r.gaps[0].kind, GapKind::Open);
    assert_eq!(r.gaps[0].catch_up, None);
    assert_eq!(r.person.unpriced, medrecon::model::Unpriced::CatchUp);
    assert!(r.flags.iter().any(|f| f.flag == Flag::Unpriced
        && f.detail.en() == "catch-up of open gap 2025-02..2025-02: no base for testcity 2025-02"));
    let mut c = c;
    c.carry_forward = true;
    let r = medrecon::engine::evaluate(&input, &c);
    // Carried: 6000 × (0.08 + 0.02) = 600.00.
    assert_eq!(r.gaps[0].catch_up, Some(d("600.00")));
    assert_eq!(r.person.unpriced, medrecon::model::Unpriced::None);
    let warnings = set.carry_forward_warnings(m("2025-02"));
    assert!(
        warnings.iter().any(|w| w.contains("testcity")),
        "{warnings:?}"
    );
}
