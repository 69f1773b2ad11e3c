//! SPEC §3 rule 9: arrears, late fees and overpayments against the ledger, each
//! case computed by hand in its comment.

mod engine_support;

use engine_support::*;
use medrecon::engine::{PersonInput, evaluate};
use medrecon::model::{Flag, Status};

/// Ledger for E1 paying 947.00 on time (no paid date) for every month listed.
fn on_time(months: &[&str]) -> Vec<medrecon::model::LedgerEntry> {
    months
        .iter()
        .map(|mo| paid("E1", mo, "947.00", None))
        .collect()
}

#[test]
fn spec_late_fee_35_99() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [hire("E1", "2025-01-02", bj, "8000", 2)];
    // every due month (Jan..Jul, due dates before 2025-08-15) paid except May
    let ledger = on_time(&[
        "2025-01", "2025-02", "2025-03", "2025-04", "2025-06", "2025-07",
    ]);
    let r = run(&set, "2025-08-15", &events, &[], &ledger);
    assert_eq!(r.arrears.len(), 1);
    let a = &r.arrears[0];
    assert_eq!(a.month, m("2025-05"));
    // 8000 × 0.118 = 944.00 + 3 = 947.00
    assert_eq!(a.due, d("947.00"));
    assert_eq!(a.paid, d("0"));
    assert_eq!(a.shortfall, d("947.00"));
    // 2025-06-01..2025-08-15: 30 + 31 + 15 = 76 days
    assert_eq!(a.days, 76);
    // 947.00 × 0.0005 × 76 = 35.986 → 35.99
    assert_eq!(a.late_fee, d("35.99"));
    assert_eq!(r.person.arrears_total, d("947.00"));
    assert_eq!(r.person.late_fee_total, d("35.99"));
    assert!(r.person.flags.contains(&Flag::Arrears));
    assert!(r.overpaid.is_empty());
}

#[test]
fn shortfall_across_a_year_boundary() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [hire("E1", "2024-11-04", bj, "8000", 2)];
    let ledger = on_time(&["2024-11", "2025-01"]);
    let r = run(&set, "2025-02-10", &events, &[], &ledger);
    assert_eq!(r.arrears.len(), 1);
    let a = &r.arrears[0];
    assert_eq!(a.month, m("2024-12"));
    // base 8000 within 6821..35283: 947.00 due
    assert_eq!(a.due, d("947.00"));
    // 2025-01-01..2025-02-10 = 31 + 10 = 41 days
    assert_eq!(a.days, 41);
    // 947 × 0.0005 × 41 = 19.4135 → 19.41
    assert_eq!(a.late_fee, d("19.41"));
}

#[test]
fn leap_year_february() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [hire("E1", "2024-01-02", bj, "8000", 2)];
    let ledger = on_time(&["2024-01"]);
    let r = run(&set, "2024-03-10", &events, &[], &ledger);
    assert_eq!(r.arrears.len(), 1);
    let a = &r.arrears[0];
    assert_eq!(a.month, m("2024-02"));
    // due date 2024-02-29; 2024-03-01..2024-03-10 = 10 days
    assert_eq!(a.days, 10);
    // base 8000 (floor 6326 in 2023-07 version): 947.00; 947 × 0.0005 × 10 = 4.735 → 4.74
    assert_eq!(a.late_fee, d("4.74"));
}

/// A partial payment: the shortfall still owed runs to the as-of date; the part paid
/// after the due date runs to its paid date (社会保险法 §86, SPEC rule 9's day count).
#[test]
fn partial_payment_shortfall_runs_to_as_of_late_part_to_its_paid_date() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [hire("E1", "2025-05-02", bj, "8000", 2)];
    let ledger = vec![
        paid("E1", "2025-05", "500.00", Some("2025-06-10")),
        paid("E1", "2025-06", "500.00", None),
        paid("E1", "2025-07", "947.00", None),
    ];
    let r = run(&set, "2025-08-15", &events, &[], &ledger);
    assert_eq!(r.arrears.len(), 2);
    let (may, june) = (&r.arrears[0], &r.arrears[1]);
    // May: 447.00 still owed, 2025-06-01..2025-08-15 = 30 + 31 + 15 = 76 days
    // (447 × 0.0005 × 76 = 16.986), plus 500.00 paid 2025-06-10, 10 days late
    // (500 × 0.0005 × 10 = 2.5): 19.486 → 19.49.
    assert_eq!(
        (may.month, may.paid, may.shortfall, may.days),
        (m("2025-05"), d("500.00"), d("447.00"), 76)
    );
    assert_eq!(may.late_fee, d("19.49"));
    // June: no paid date: 447.00 owed, 2025-07-01..2025-08-15 = 46 days;
    // 447 × 0.0005 × 46 = 10.281 → 10.28.
    assert_eq!((june.shortfall, june.days), (d("447.00"), 46));
    assert_eq!(june.late_fee, d("10.28"));
    assert_eq!(r.person.arrears_total, d("894.00"));
    assert_eq!(r.person.late_fee_total, d("29.77"));
}

/// A month paid in full after its due date: nothing owed, and the paid date stops
/// the fee. A payment on the due date itself is on time.
#[test]
fn paid_date_stops_the_fee() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [hire("E1", "2025-05-02", bj, "8000", 2)];
    let ledger = vec![
        paid("E1", "2025-05", "947.00", Some("2025-06-20")),
        paid("E1", "2025-06", "947.00", Some("2025-06-30")), // on its due date: on time
        paid("E1", "2025-07", "947.00", None),
    ];
    let r = run(&set, "2025-08-15", &events, &[], &ledger);
    assert_eq!(r.arrears.len(), 1, "{:?}", r.arrears);
    let a = &r.arrears[0];
    assert_eq!(a.month, m("2025-05"));
    // 2025-06-01..2025-06-20 = 20 days; 947 × 0.0005 × 20 = 9.47
    assert_eq!((a.shortfall, a.days), (d("0"), 20));
    assert_eq!(a.late_fee, d("9.47"));
    assert_eq!(r.person.arrears_total, d("0"));
    assert_eq!(r.person.late_fee_total, d("9.47"));
}

#[test]
fn overpayment_after_the_stop_month() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [
        hire("E1", "2025-01-02", bj, "8000", 2),
        sep("E1", "2025-03-10", bj, 3),
    ];
    let ledger = on_time(&["2025-01", "2025-02", "2025-03", "2025-04"]);
    let r = run(&set, "2025-06-15", &events, &[], &ledger);
    assert!(r.arrears.is_empty());
    assert_eq!(r.overpaid.len(), 1);
    let o = &r.overpaid[0];
    assert_eq!(
        (o.month, o.paid, o.reason),
        (m("2025-04"), d("947.00"), "OUTSIDE_SPELL")
    );
    assert!(r.person.flags.contains(&Flag::Overpaid));
    assert_eq!(r.person.arrears_total, d("0"));
}

#[test]
fn ledger_only_person_is_reported() {
    let set = policies();
    let ledger = vec![
        paid("E9", "2025-01", "600.00", None),
        paid("E9", "2025-02", "600.00", None),
    ];
    let r = run(&set, "2025-06-15", &[], &[], &ledger);
    assert_eq!(r.overpaid.len(), 2);
    assert!(r.overpaid.iter().all(|o| o.reason == "NO_EVENTS"));
    assert_eq!(r.person.flags, vec![Flag::LedgerOnly]);
    assert_eq!(r.person.status, Status::Lapsed);
    assert_eq!(r.person.employers.len(), 1);
    assert_eq!(&*r.person.employers[0], "E9");
    assert!(r.arrears.is_empty());
}

#[test]
fn late_fee_cap_at_principal() {
    // testcity: floor 5000, 8% + 2%; daily fee 5% to make the cap bite
    let capped = policies_with("late_fee_daily = \"0.05\"\nlate_fee_cap_at_principal = true");
    let uncapped = policies_with("late_fee_daily = \"0.05\"");
    for (set, expected) in [(&capped, "500.00"), (&uncapped, "725.00")] {
        let tc = region(set, "testcity");
        let events = [hire("E1", "2025-01-02", tc, "4000", 2)];
        // February paid; January unpaid
        let ledger = vec![paid("E1", "2025-02", "500.00", None)];
        let r = run(set, "2025-03-01", &events, &[], &ledger);
        assert_eq!(r.arrears.len(), 1);
        let a = &r.arrears[0];
        // base = floor 5000 × 0.10 = 500.00 due; 2025-02-01..2025-03-01 = 29 days
        assert_eq!((a.due, a.days), (d("500.00"), 29));
        // 500 × 0.05 × 29 = 725.00; capped at the principal 500.00
        assert_eq!(a.late_fee, d(expected));
    }
}

#[test]
fn no_ledger_in_the_run_means_no_arrears() {
    let set = policies();
    let bj = region(&set, "beijing");
    let events = [hire("E1", "2025-01-02", bj, "8000", 2)];
    let c = ctx(&set, "2025-08-15", "2025-01", false);
    let r = evaluate(
        &PersonInput {
            person_id: pid(1),
            events: &events,
            ui: &[],
            ledger: &[],
        },
        &c,
    );
    assert!(r.arrears.is_empty());
    assert_eq!(r.person.arrears_total, d("0"));
    // with a ledger in the run but none for this person, every due month is short:
    // Jan..Jul = 7 × 947.00 = 6629.00
    let c = ctx(&set, "2025-08-15", "2025-01", true);
    let empty: Vec<medrecon::model::LedgerEntry> = Vec::new();
    let r = evaluate(
        &PersonInput {
            person_id: pid(1),
            events: &events,
            ui: &[],
            ledger: &empty,
        },
        &c,
    );
    assert_eq!(r.arrears.len(), 7);
    assert_eq!(r.person.arrears_total, d("6629.00"));
}
