//! SPEC §3 rules 11–14 on hand-built persons: long histories (hires back to
//! 2000) are reported, figures no pack prices are blank and flagged `UNPRICED`,
//! lifetime benefits, switching to 居民医保, the new employer's registration
//! deadline and working-day deadlines. Every expected value is computed by hand
//! in the comments beside it.

mod engine_support;

use engine_support::*;
use medrecon::engine::{EngineContext, PersonInput, evaluate};
use medrecon::model::{Event, Flag, GapKind, PersonResult, Status, Unpriced};
use medrecon::policy::PolicySet;

fn flags_of(r: &PersonResult, f: Flag) -> Vec<String> {
    r.flags
        .iter()
        .filter(|x| x.flag == f)
        .map(|x| x.detail.en())
        .collect()
}

fn run_person(set: &PolicySet, as_of: &str, events: &[Event], n: u32) -> PersonResult {
    let events: Vec<Event> = events
        .iter()
        .cloned()
        .map(|mut e| {
            e.person_id = pid(n);
            e
        })
        .collect();
    let ctx = EngineContext {
        policies: set,
        as_of: date(as_of),
        batch_first_month: m("2000-01"),
        carry_forward: false,
        has_ledger: false,
        ledger_from: None,
        default_tier: 0,
    };
    evaluate(
        &PersonInput {
            person_id: pid(n),
            events: &events,
            ui: &[],
            ledger: &[],
        },
        &ctx,
    )
}

#[test]
fn staff_hired_in_2005_2012_and_2019_are_all_reported() {
    let set = policies();
    let bj = region(&set, "beijing");
    // Hired 2005-03-01, still employed: 2005-03..2025-11 = 20 × 12 + 9 = 249 months.
    let a = run_person(
        &set,
        "2025-11-30",
        &[hire("E1", "2005-03-01", bj, "9000", 2)],
        1,
    );
    assert_eq!(a.person.status, Status::Covered);
    assert_eq!(a.person.first_covered_month, Some(m("2005-03")));
    assert_eq!(a.person.cumulative_months, 249);
    assert_eq!(a.person.continuous_months, 249);
    assert_eq!(a.person.gaps, 0);
    assert_eq!(a.person.unpriced, Unpriced::None);

    // Hired 2012-07-01, left 2025-03-20, hired again 2025-06-05 (wage 10000):
    // 2012-07..2025-03 = 13 × 12 − 3 = 153 months, + 2025-06..2025-11 = 6 → 159.
    // Gap 2025-04..2025-05 short, priced (2024-07 base year): 10000 × 0.118 =
    // 1180.00 + 3 = 1183.00 a month, 2366.00.
    let b = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2012-07-01", bj, "10000", 2),
            sep("E1", "2025-03-20", bj, 3),
            hire("E2", "2025-06-05", bj, "10000", 4),
        ],
        2,
    );
    assert_eq!(b.person.status, Status::Covered);
    assert_eq!(b.person.cumulative_months, 159);
    assert_eq!(b.person.continuous_months, 159);
    assert_eq!(b.gaps.len(), 1);
    assert_eq!(b.gaps[0].kind, GapKind::Short);
    assert_eq!(b.gaps[0].catch_up, Some(d("2366.00")));
    assert_eq!(b.person.catch_up_total, d("2366.00"));
    assert_eq!(b.stops[0].last_paid_month, Some(m("2025-03")));
    assert_eq!(b.stops[0].filing_deadline, date("2025-04-04"));

    // Hired 2019-03-01, left 2025-03-20: 2019-03..2025-03 = 6 × 12 + 1 = 73
    // months; open gap 2025-04..2025-11 = 8 months > 3: lapsed.
    let c = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2019-03-01", bj, "8000", 2),
            sep("E1", "2025-03-20", bj, 3),
        ],
        3,
    );
    assert_eq!(c.person.status, Status::Lapsed);
    assert_eq!(c.person.cumulative_months, 73);
    assert_eq!(c.person.continuous_months, 73);
    assert_eq!(c.person.open_months, 8);
    assert_eq!(c.gaps[0].kind, GapKind::Open);
    assert_eq!(c.gaps[0].catch_up, None);
    assert_eq!(flags_of(&c, Flag::GapOver3m).len(), 1);
    assert!(flags_of(&c, Flag::Unpriced).is_empty());
}

#[test]
fn roster_back_to_2000_counts_continuity_from_the_long_gap() {
    let set = policies();
    let bj = region(&set, "beijing");
    // 2000-01..2008-06 (102 months), long gap 2008-07..2009-12 (18 months),
    // 2010-01..2025-11 (191 months): cumulative 293, continuous from 2010-01: 191.
    let r = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2000-01-03", bj, "5000", 2),
            sep("E1", "2008-06-30", bj, 3),
            hire("E2", "2010-01-04", bj, "7000", 4),
        ],
        4,
    );
    assert_eq!(r.person.first_covered_month, Some(m("2000-01")));
    assert_eq!(r.person.cumulative_months, 102 + 191);
    assert_eq!(r.person.continuous_months, 191);
    assert_eq!(r.gaps.len(), 1);
    assert_eq!(
        (r.gaps[0].from_month, r.gaps[0].to_month, r.gaps[0].months),
        (m("2008-07"), m("2009-12"), 18)
    );
    assert_eq!(r.gaps[0].kind, GapKind::Long);
    assert_eq!(r.gaps[0].benefits_resume, Some(date("2010-07-01")));
    assert_eq!(r.person.long_gaps, 1);
}

#[test]
fn a_2016_gap_is_unpriced_and_the_2025_gap_priced() {
    let set = policies();
    let bj = region(&set, "beijing");
    // Covered 2010-01..2015-12, gap 2016-01..2016-03 (3 months, short: no pack
    // has money values before 2023-07), covered 2016-04..2025-02, gap
    // 2025-03..2025-04 (2 months: 10000 × 0.118 + 3 = 1183.00 × 2 = 2366.00),
    // covered 2025-05..2025-11.
    let r = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2010-01-04", bj, "10000", 2),
            sep("E1", "2015-12-20", bj, 3),
            hire("E2", "2016-04-01", bj, "10000", 4),
            sep("E2", "2025-02-10", bj, 5),
            hire("E3", "2025-05-06", bj, "10000", 6),
        ],
        5,
    );
    assert_eq!(r.gaps.len(), 2);
    let old = &r.gaps[0];
    assert_eq!((old.from_month, old.to_month), (m("2016-01"), m("2016-03")));
    assert_eq!(old.kind, GapKind::Short);
    assert_eq!(old.catch_up, None);
    assert_eq!(old.waiting_months, Some(0));
    assert_eq!(old.benefits_resume, Some(date("2016-04-01")));
    let new = &r.gaps[1];
    assert_eq!((new.from_month, new.to_month), (m("2025-03"), m("2025-04")));
    assert_eq!(new.catch_up, Some(d("2366.00")));
    assert_eq!(
        flags_of(&r, Flag::Unpriced),
        ["catch-up of gap 2016-01..2016-03: no base for beijing 2016-01..2016-03"]
    );
    assert!(r.person.flags.contains(&Flag::Unpriced));
    // The total sums what is priced, and says a part was left out.
    assert_eq!(r.person.catch_up_total, d("2366.00"));
    assert_eq!(r.person.unpriced, Unpriced::CatchUp);
    assert_eq!(r.person.status, Status::Covered);
    // 72 + 107 + 7 = 186 covered months.
    assert_eq!(r.person.cumulative_months, 72 + 107 + 7);
    assert_eq!(r.stops.len(), 2);
}

#[test]
fn arrears_before_the_ledger_are_not_judged_and_unpriced_dues_are_flagged() {
    let set = policies();
    let bj = region(&set, "beijing");
    // Hired 2023-01-09 (wage 8000); the ledger starts 2023-05, one payment for
    // 2023-05 of 500.00 on 2023-05-20. As of 2023-08-15: months 2023-05..2023-07
    // are judged; 2023-05 and 2023-06 have no money values (the pack's money
    // starts 2023-07): UNPRICED; 2023-07 is due 8000 × 0.118 + 3 = 947.00,
    // unpaid: 15 days × 947.00 × 0.0005 = 7.1025 → 7.10.
    let mut e = vec![hire("E1", "2023-01-09", bj, "8000", 2)];
    for x in &mut e {
        x.person_id = pid(1);
    }
    let ledger = [paid("E1", "2023-05", "500.00", Some("2023-05-20"))];
    let ctx = EngineContext {
        policies: &set,
        as_of: date("2023-08-15"),
        batch_first_month: m("2023-01"),
        carry_forward: false,
        has_ledger: true,
        ledger_from: Some(m("2023-05")),
        default_tier: 0,
    };
    let r = evaluate(
        &PersonInput {
            person_id: pid(1),
            events: &e,
            ui: &[],
            ledger: &ledger,
        },
        &ctx,
    );
    assert_eq!(r.arrears.len(), 1);
    let a = &r.arrears[0];
    assert_eq!(
        (a.month, a.due, a.paid, a.shortfall),
        (m("2023-07"), d("947.00"), d("0"), d("947.00"))
    );
    assert_eq!((a.days, a.late_fee), (15, d("7.10")));
    assert_eq!(
        flags_of(&r, Flag::Unpriced),
        ["due of 2023-05..2023-06 at this employer: no base for beijing 2023-05..2023-06"]
    );
    assert_eq!(r.person.arrears_total, d("947.00"));
    assert_eq!(r.person.unpriced, Unpriced::Arrears);
}

#[test]
fn lifetime_months_for_a_man_at_28_years_and_a_woman_with_9_actual() {
    let set = policies();
    let bj = region(&set, "beijing");
    // pid(1): 17th digit 1, odd: a man. 1997-12..2025-11 = 28 × 12 = 336 months;
    // men need 360: 24 more (actual 336 ≥ 120).
    let man = run_person(
        &set,
        "2025-11-30",
        &[hire("E1", "1997-12-01", bj, "6000", 2)],
        1,
    );
    assert_eq!(pid(1).is_male(), Some(true));
    assert_eq!(man.person.cumulative_months, 336);
    assert_eq!(man.person.actual_months, 336);
    assert_eq!(man.person.lifetime_months_needed, Some(24));
    // pid(2): 17th digit 2, even: a woman. Actual 2016-12..2025-11 = 9 × 12 = 108
    // months, deemed 16 years = 192: 300 cumulative (women need 300: met), but
    // actual 108 < 120: 12 more months.
    let mut h = hire("E1", "2016-12-01", bj, "6000", 2);
    h.deemed_months = 192;
    let woman = run_person(&set, "2025-11-30", &[h], 2);
    assert_eq!(pid(2).is_male(), Some(false));
    assert_eq!(woman.person.actual_months, 108);
    assert_eq!(woman.person.deemed_months, 192);
    assert_eq!(woman.person.lifetime_months_needed, Some(12));
    // With 10 actual years she would need nothing: 2015-12..2025-11 = 120.
    let mut h = hire("E1", "2015-12-01", bj, "6000", 2);
    h.deemed_months = 192;
    let met = run_person(&set, "2025-11-30", &[h], 2);
    assert_eq!(met.person.lifetime_months_needed, Some(0));
}

#[test]
fn switching_to_resident_insurance_waits_0_90_or_180_days() {
    let set = policies();
    let bj = region(&set, "beijing");
    // 2022-01..2025-09 = 45 continuous months ≥ 24, open gap 2025-10..2025-11 = 2 ≤ 3: 0 days.
    let short = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2022-01-03", bj, "8000", 2),
            sep("E1", "2025-09-15", bj, 3),
        ],
        1,
    );
    assert_eq!(short.person.status, Status::OpenGap);
    assert_eq!(short.person.resident_wait_days, Some(0));
    assert_eq!(
        short.person.resident_wait_reason,
        Some("CONTINUOUS_SHORT_GAP")
    );
    // 2019-03..2025-03 = 73 months ≥ 24, open gap 2025-04..2025-11 = 8 > 3: 90 days.
    let long = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2019-03-01", bj, "8000", 2),
            sep("E1", "2025-03-20", bj, 3),
        ],
        1,
    );
    assert_eq!(long.person.resident_wait_days, Some(90));
    assert_eq!(
        long.person.resident_wait_reason,
        Some("CONTINUOUS_LONG_GAP")
    );
    // 2024-06..2025-04 = 11 months < 24: 180 days (gap 7 months).
    let new = run_person(
        &set,
        "2025-11-30",
        &[
            hire("E1", "2024-06-03", bj, "8000", 2),
            sep("E1", "2025-04-10", bj, 3),
        ],
        1,
    );
    assert_eq!(new.person.resident_wait_days, Some(180));
    assert_eq!(new.person.resident_wait_reason, Some("NOT_CONTINUOUS"));
    // No open gap: no figure.
    let covered = run_person(
        &set,
        "2025-11-30",
        &[hire("E1", "2024-06-03", bj, "8000", 2)],
        1,
    );
    assert_eq!(covered.person.resident_wait_days, None);
}

#[test]
fn late_hire_filing_on_day_31_not_day_30() {
    let set = policies();
    let bj = region(&set, "beijing");
    // Hired 2025-03-01; hire_filing_days 30: deadline 2025-03-31.
    let mut on_time = hire("E1", "2025-03-01", bj, "8000", 2);
    on_time.filed_date = Some(date("2025-03-31"));
    let r = run_person(&set, "2025-11-30", &[on_time], 1);
    assert!(flags_of(&r, Flag::LateHireFiling).is_empty());
    let mut late = hire("E1", "2025-03-01", bj, "8000", 2);
    late.filed_date = Some(date("2025-04-01"));
    let r = run_person(&set, "2025-11-30", &[late], 1);
    assert_eq!(
        flags_of(&r, Flag::LateHireFiling),
        ["hire registered 2025-04-01, after the deadline 2025-03-31 (hire 2025-03-01 + 30 days)"]
    );
}

#[test]
fn working_day_stop_deadline_across_national_day_2025() {
    let set = policies_with("filing_days_kind = \"working\"");
    let tc = region(&set, "testcity");
    // Separated Thursday 2025-09-25; 15 working days after it, with 2025's
    // National Day and Mid-Autumn holiday (Oct 1–8 off; Sunday Sep 28 and Saturday
    // Oct 11 worked, 国办发明电〔2024〕12号): 26 (1), 28 Sun worked (2), 29 (3),
    // 30 (4), Oct 9 (5), 10 (6), 11 Sat worked (7), 13 (8), 14 (9), 15 (10),
    // 16 (11), 17 (12), 20 (13), 21 (14), 22 (15): deadline 2025-10-22.
    let mut s = sep("E1", "2025-09-25", tc, 3);
    s.filed_date = Some(date("2025-10-22"));
    let events = [hire("E1", "2025-01-06", tc, "8000", 2), s.clone()];
    let r = run_person(&set, "2025-11-30", &events, 1);
    assert_eq!(r.stops[0].filing_deadline, date("2025-10-22"));
    assert!(!r.stops[0].late_stop);
    let mut late = s;
    late.filed_date = Some(date("2025-10-23"));
    let r = run_person(&set, "2025-11-30", &[events[0].clone(), late], 1);
    assert!(r.stops[0].late_stop);
    assert_eq!(
        flags_of(&r, Flag::LateStop),
        ["stop filed after the deadline 2025-10-22 (separation 2025-09-25 + 15 working days)"]
    );
    // In calendar days the same separation's deadline is 2025-10-10.
    let cal = policies();
    let tc = region(&cal, "testcity");
    let r = run_person(
        &cal,
        "2025-11-30",
        &[
            hire("E1", "2025-01-06", tc, "8000", 2),
            sep("E1", "2025-09-25", tc, 3),
        ],
        1,
    );
    assert_eq!(r.stops[0].filing_deadline, date("2025-10-10"));
}

#[test]
fn a_calendar_deadline_on_a_holiday_rolls_only_when_the_pack_says_so() {
    // Separated 2025-09-16 + 15 days = 2025-10-01, National Day: rolled to the
    // first working day after the holiday, Thursday 2025-10-09.
    let rolled = policies_with("roll_deadline_to_working_day = true");
    let tc = region(&rolled, "testcity");
    let events = [
        hire("E1", "2025-01-06", tc, "8000", 2),
        sep("E1", "2025-09-16", tc, 3),
    ];
    let r = run_person(&rolled, "2025-11-30", &events, 1);
    assert_eq!(r.stops[0].filing_deadline, date("2025-10-09"));
    let plain = policies();
    let tc = region(&plain, "testcity");
    let events = [
        hire("E1", "2025-01-06", tc, "8000", 2),
        sep("E1", "2025-09-16", tc, 3),
    ];
    let r = run_person(&plain, "2025-11-30", &events, 1);
    assert_eq!(r.stops[0].filing_deadline, date("2025-10-01"));
}

#[test]
fn explain_shows_lifetime_and_resident_switch_with_their_pack_values() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events: Vec<Event> = [
        hire("E1", "2019-03-01", bj, "8000", 2),
        sep("E1", "2025-03-20", bj, 3),
    ]
    .into_iter()
    .map(|mut e| {
        e.person_id = pid(1);
        e
    })
    .collect();
    let ctx = EngineContext {
        policies: &set,
        as_of: date("2025-11-30"),
        batch_first_month: m("2019-03"),
        carry_forward: false,
        has_ledger: false,
        ledger_from: None,
        default_tier: 0,
    };
    let text = medrecon::engine::explain::explain_person(
        &PersonInput {
            person_id: pid(1),
            events: &events,
            ui: &[],
            ledger: &[],
        },
        &ctx,
        &|s| format!("events.csv:{}", s.row),
        medrecon::cli::Lang::En,
    );
    // 73 months, a man: 360 − 73 = 287 more.
    assert!(text.contains("actual 73 months + deemed 0 months; needed 287 more months (men 360 / women 300 cumulative months, 120 of them actual"), "{text}");
    assert!(text.contains("wait 90 days (CONTINUOUS_LONG_GAP) — continuous 73 months ≥ 24 but gap 8 months > 3: 90 days after payment"), "{text}");
    // An unpriced gap month says so (a 2016 gap in the test pack).
    let events: Vec<Event> = [
        hire("E1", "2015-01-05", bj, "8000", 2),
        sep("E1", "2015-12-20", bj, 3),
        hire("E2", "2016-02-01", bj, "8000", 4),
    ]
    .into_iter()
    .map(|mut e| {
        e.person_id = pid(1);
        e
    })
    .collect();
    let text = medrecon::engine::explain::explain_person(
        &PersonInput {
            person_id: pid(1),
            events: &events,
            ui: &[],
            ledger: &[],
        },
        &ctx,
        &|s| format!("events.csv:{}", s.row),
        medrecon::cli::Lang::En,
    );
    assert!(
        text.contains(
            "2016-01 gap (short 2016-01..2016-01): unpriced: no base for beijing (docs/en/rules.md rule 11)"
        ),
        "{text}"
    );
    assert!(text.contains("left out of: catch_up_total"), "{text}");
}
