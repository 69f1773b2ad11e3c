//! The shapes real policies take, through the engine with the shipped packs:
//! Beijing's fixed 个人身份 premium prices back-pay, its 2025 base-difference
//! late-fee waiver, and Shenzhen's tiers chosen per spell. Expected figures are
//! computed by hand beside each assertion.

mod engine_support;

use engine_support::{d, date, hire, m, paid, pid, sep};
use medrecon::engine::{EngineContext, PersonInput, evaluate};
use medrecon::model::{Event, LedgerEntry, PersonResult, RegionLookup};
use medrecon::policy::PolicySet;

fn shipped() -> PolicySet {
    PolicySet::load(&[]).unwrap()
}

fn run(
    set: &PolicySet,
    as_of: &str,
    events: &[Event],
    ledger: &[LedgerEntry],
    ledger_from: Option<&str>,
) -> PersonResult {
    let ctx = EngineContext {
        policies: set,
        as_of: date(as_of),
        batch_first_month: m("2024-01"),
        carry_forward: false,
        has_ledger: !ledger.is_empty(),
        ledger_from: ledger_from.map(m),
        default_tier: 0,
    };
    evaluate(
        &PersonInput {
            person_id: pid(1),
            events,
            ui: &[],
            ledger,
        },
        &ctx,
    )
}

#[test]
fn shipped_beijing_prices_a_2025_short_gap_at_584_92_a_month() {
    let set = shipped();
    let bj = set.lookup("beijing").unwrap();
    // Left 2025-07-15, back 2025-10-08: gap 2025-08..2025-09, 2 months; the 2025
    // premium round(11937 × 70%) = 8356 × 7% = 584.92 a month, whatever the wage:
    // 1169.84.
    let events = [
        hire("E1", "2025-01-06", bj, "10000", 2),
        sep("E1", "2025-07-15", bj, 3),
        hire("E2", "2025-10-08", bj, "10000", 4),
    ];
    let r = run(&set, "2025-11-30", &events, &[], None);
    assert_eq!(r.gaps.len(), 1);
    assert_eq!(r.gaps[0].months, 2);
    assert_eq!(r.gaps[0].catch_up, Some(d("1169.84")));
    // In the 2024 base year no premium is known: the same gap a year earlier is
    // unpriced, not priced at another year's figure.
    let events = [
        hire("E1", "2024-01-08", bj, "10000", 2),
        sep("E1", "2024-07-15", bj, 3),
        hire("E2", "2024-10-08", bj, "10000", 4),
    ];
    let r = run(&set, "2024-11-30", &events, &[], None);
    assert_eq!(r.gaps[0].catch_up, None);
    assert!(
        r.flags
            .iter()
            .any(|f| f.detail.en() == "catch-up of gap 2024-08..2024-09: no flexible premium for beijing 2024-08..2024-09"),
        "{:?}",
        r.flags
    );
}

/// Wage 5000, under both floors. 2025-07 due at the new floor 7162: 7162 × 0.118
/// = 845.116 → 845.12 + 3 = 848.12; at the old floor 6821 (the 2025-06 money):
/// 804.878 → 804.88 + 3 = 807.88; base difference 40.24. The employer paid the
/// old-base 807.88 on time (2025-07-20).
fn waiver_case(as_of: &str) -> PersonResult {
    let set = shipped();
    let bj = set.lookup("beijing").unwrap();
    let events = [hire("E1", "2025-01-06", bj, "5000", 2)];
    let ledger = [paid("E1", "2025-07", "807.88", Some("2025-07-20"))];
    run(&set, as_of, &events, &ledger, Some("2025-07"))
}

#[test]
fn beijing_base_difference_owed_inside_the_waiver_window_carries_no_fee() {
    // As of 2025-10-15 (before the 2025-12-31 deadline): 40.24 still owed, 76 days
    // after the due date 2025-07-31, all of it the base difference: fee 0.00.
    let r = waiver_case("2025-10-15");
    let july = r.arrears.iter().find(|a| a.month == m("2025-07")).unwrap();
    assert_eq!(
        (july.due, july.paid, july.shortfall, july.days),
        (d("848.12"), d("807.88"), d("40.24"), 76)
    );
    assert_eq!(july.late_fee, d("0.00"));
    assert_eq!(
        july.late_fee_waiver.as_deref(),
        Some("2025年度缴费基数差额补缴免收滞纳金")
    );
    // August, nothing paid: 848.12 owed; the waiver covers only its 40.24
    // difference: 807.88 × 0.0005 × 45 days (08-31 → 10-15) = 18.1773 → 18.18.
    let aug = r.arrears.iter().find(|a| a.month == m("2025-08")).unwrap();
    assert_eq!((aug.shortfall, aug.days), (d("848.12"), 45));
    assert_eq!(aug.late_fee, d("18.18"));
    assert!(aug.late_fee_waiver.is_some());
}

#[test]
fn after_the_waiver_deadline_the_difference_runs_from_its_due_date() {
    // As of 2026-01-15 the difference is still unpaid: 40.24 × 0.0005 × 168 days
    // (2025-07-31 → 2026-01-15) = 3.3801 → 3.38, no waiver.
    let r = waiver_case("2026-01-15");
    let july = r.arrears.iter().find(|a| a.month == m("2025-07")).unwrap();
    assert_eq!((july.shortfall, july.days), (d("40.24"), 168));
    assert_eq!(july.late_fee, d("3.38"));
    assert_eq!(july.late_fee_waiver, None);
}

#[test]
fn shenzhen_tier_of_the_spell_prices_its_due() {
    let set = shipped();
    let sz = set.lookup("shenzhen").unwrap();
    let two = set.tier("二档").unwrap();
    // 2014-03, wage 8000: 一档 8000 × (0.062 + 0.02) = 656.00; 二档 on the city
    // average 4918 × (0.006 + 0.002) = 39.344 → 39.34.
    let ledger = [paid("E1", "2014-02", "0.01", None)];
    let one_tier = [hire("E1", "2014-02-03", sz, "8000", 2)];
    let r = run(&set, "2014-04-15", &one_tier, &ledger, Some("2014-02"));
    let march = r.arrears.iter().find(|a| a.month == m("2014-03")).unwrap();
    assert_eq!(march.due, d("656.00"));
    let mut h = hire("E1", "2014-02-03", sz, "8000", 2);
    h.tier = two;
    let r = run(&set, "2014-04-15", &[h], &ledger, Some("2014-02"));
    let march = r.arrears.iter().find(|a| a.month == m("2014-03")).unwrap();
    assert_eq!(march.due, d("39.34"));
    // An unknown tier name is not a tier.
    assert_eq!(set.tier("五档"), None);
}
