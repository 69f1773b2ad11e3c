//! Property tests of the engine's invariants: results do not depend on the order
//! of input rows nor on the number of rayon threads; for a person who did not
//! retire, covered months + gap months = months from first coverage through the
//! as-of month.

mod engine_support;

use engine_support::*;
use medrecon::engine::{PersonInput, evaluate, evaluate_all};
use medrecon::model::{Event, EventKind, Month, UiSpan};
use proptest::prelude::*;

const EMPLOYERS: [&str; 3] = ["E1", "E2", "E3"];

/// (employer index, kind, day offset from 2024-01-01, wage, retirement)
fn arb_events() -> impl Strategy<Value = Vec<(usize, bool, i64, u32, bool)>> {
    prop::collection::vec(
        (
            0usize..3,
            any::<bool>(),
            0i64..760,
            3000u32..40000,
            prop::bool::weighted(0.1),
        ),
        1..12,
    )
}

fn build(spec: &[(usize, bool, i64, u32, bool)], set: &medrecon::policy::PolicySet) -> Vec<Event> {
    let bj = region(set, "beijing");
    let sh = region(set, "shanghai");
    let start = date("2024-01-01");
    spec.iter()
        .enumerate()
        .map(|(i, &(emp, is_hire, offset, wage, retire))| {
            let day = start + chrono::Days::new(offset as u64);
            let mut e = ev(
                if is_hire {
                    EventKind::Hire
                } else {
                    EventKind::Separation
                },
                EMPLOYERS[emp],
                &day.format("%Y-%m-%d").to_string(),
                if emp == 2 { sh } else { bj },
                Some(&wage.to_string()),
                i as u32 + 2,
            );
            e.retirement = retire && !is_hire;
            e
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn results_do_not_depend_on_row_order(spec in arb_events(), seed in any::<u64>()) {
        let set = policies();
        let events = build(&spec, &set);
        let mut shuffled = events.clone();
        // deterministic Fisher–Yates from the seed
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let c = ctx(&set, "2026-01-15", "2024-01", false);
        let a = evaluate(&PersonInput { person_id: pid(1), events: &events, ui: &[], ledger: &[] }, &c);
        let b = evaluate(&PersonInput { person_id: pid(1), events: &shuffled, ui: &[], ledger: &[] }, &c);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn covered_plus_gap_months_fill_the_timeline(spec in arb_events(), ui_from in 0i32..24, ui_len in 0i32..4) {
        let set = policies();
        let events = build(&spec, &set);
        let ui = [UiSpan { person_id: pid(1), from: m("2024-01").add(ui_from), to: m("2024-01").add(ui_from + ui_len) }];
        let c = ctx(&set, "2026-01-15", "2024-01", false);
        let r = evaluate(&PersonInput { person_id: pid(1), events: &events, ui: &ui, ledger: &[] }, &c);
        let p = &r.person;
        if let Some(first) = p.first_covered_month && p.status != medrecon::model::Status::Retired {
            let gap_months: u32 = r.gaps.iter().map(|g| g.months).sum();
            prop_assert_eq!(p.cumulative_months + gap_months, first.months_through(Month::of(c.as_of)));
            prop_assert!(p.continuous_months <= p.cumulative_months);
        }
    }
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let set = policies();
    let bj = region(&set, "beijing");
    // 300 persons with varied spells, gaps and ledgers
    let mut per_person: Vec<(Vec<Event>, Vec<medrecon::model::LedgerEntry>)> = Vec::new();
    for i in 0..300u32 {
        let h = format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
        let s = format!("2025-{:02}-{:02}", 1 + (i * 7) % 12, 1 + (i * 3) % 28);
        let h2 = format!("2025-{:02}-05", 1 + (i * 5) % 12);
        let mut events = vec![
            hire("E1", &h, bj, &format!("{}", 5000 + i * 97), 2),
            sep("E1", &s, bj, 3),
            hire("E2", &h2, bj, &format!("{}", 6000 + i * 31), 4),
        ];
        for e in &mut events {
            e.person_id = pid(i);
        }
        let mut ledger = vec![paid("E1", "2024-06", "900.00", Some("2024-07-20"))];
        ledger[0].person_id = pid(i);
        per_person.push((events, ledger));
    }
    let inputs: Vec<PersonInput<'_>> = per_person
        .iter()
        .map(|(e, l)| PersonInput {
            person_id: e[0].person_id,
            events: e,
            ui: &[],
            ledger: l,
        })
        .collect();
    let c = ctx(&set, "2026-01-15", "2024-01", true);
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| evaluate_all(&inputs, &c));
    let two = pool(2).install(|| evaluate_all(&inputs, &c));
    assert_eq!(one.len(), 300);
    assert_eq!(one, two);
    // and the same as evaluating one by one
    let serial: Vec<_> = inputs.iter().map(|i| evaluate(i, &c)).collect();
    assert_eq!(one, serial);
}

/// One `Evaluator` reused across persons of different shapes (UI months,
/// conflicts, duplicate rows, overlaps, long gaps, nothing in force) gives
/// each the result a fresh evaluation gives, in either order: nothing of one
/// person's analysis is left over for the next.
#[test]
fn a_reused_evaluator_leaves_nothing_behind() {
    let set = policies();
    let bj = region(&set, "beijing");
    let with_pid = |i: u32, mut events: Vec<Event>| {
        for e in &mut events {
            e.person_id = pid(i);
        }
        events
    };
    let people: Vec<Vec<Event>> = vec![
        // overlap of E1 and E2 in 2024-03..05, then a long gap
        with_pid(
            0,
            vec![
                hire("E1", "2024-01-03", bj, "9000", 2),
                hire("E2", "2024-03-03", bj, "7000", 3),
                sep("E1", "2024-05-20", bj, 4),
                sep("E2", "2024-05-25", bj, 5),
            ],
        ),
        // a second hire while open (conflict) and an exact duplicate row
        with_pid(
            1,
            vec![
                hire("E1", "2024-02-01", bj, "8000", 2),
                hire("E1", "2024-02-01", bj, "8000", 3),
                hire("E1", "2024-06-01", bj, "8000", 4),
                sep("E1", "2025-03-31", bj, 5),
            ],
        ),
        // a short gap between two employers
        with_pid(
            2,
            vec![
                hire("E1", "2024-01-02", bj, "6000", 2),
                sep("E1", "2024-08-31", bj, 3),
                hire("E3", "2024-11-01", bj, "6500", 4),
            ],
        ),
        // only an event after the as-of date
        with_pid(3, vec![hire("E2", "2026-06-01", bj, "6000", 2)]),
    ];
    let ui = [UiSpan {
        person_id: pid(2),
        from: m("2024-09"),
        to: m("2024-09"),
    }];
    let inputs: Vec<PersonInput<'_>> = people
        .iter()
        .map(|events| PersonInput {
            person_id: events[0].person_id,
            events,
            ui: if events[0].person_id == pid(2) {
                &ui
            } else {
                &[]
            },
            ledger: &[],
        })
        .collect();
    let c = ctx(&set, "2026-01-15", "2024-01", false);
    let fresh: Vec<_> = inputs.iter().map(|i| evaluate(i, &c)).collect();
    // The shapes are really different (else the test proves little).
    assert_eq!(
        fresh[0]
            .flags
            .iter()
            .filter(|f| f.flag == medrecon::model::Flag::Overlap)
            .count(),
        1
    );
    assert_eq!(
        fresh[1]
            .flags
            .iter()
            .filter(|f| f.flag == medrecon::model::Flag::Conflict)
            .count(),
        1
    );
    assert_eq!(fresh[2].gaps.len(), 1);
    assert_eq!(fresh[2].gaps[0].months, 1);
    assert!(fresh[3].gaps.is_empty() && fresh[3].stops.is_empty());
    let mut evaluator = medrecon::engine::Evaluator::default();
    for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2]] {
        for i in order {
            assert_eq!(
                evaluator.evaluate(&inputs[i], &c),
                fresh[i],
                "person {i} after others"
            );
        }
    }
    let analysis = medrecon::engine::analyze(&inputs[1], &c);
    assert_eq!(analysis.result, fresh[1]);
    assert_eq!(analysis.spells.conflicts.len(), 1);
    assert_eq!(analysis.spells.duplicates, 1);
}
