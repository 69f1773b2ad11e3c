//! The parsed chunks' events joined into one batch grouped by person, with
//! exact duplicates collapsed — in one move of the events.
//!
//! The events go straight from the chunks to their person-key range of the
//! batch (`partition::scatter_by_range`); each range is then sorted by person
//! and source order on its own, in parallel, and duplicates are found within
//! each person: two events with the same content have the same person, so a
//! person's events are all a duplicate can repeat. The earliest by (file,
//! sheet, row) is kept, as everywhere in medrecon.

use super::dedupe::{duplicate_mask, same_content};
use crate::model::{Event, InputReport};
use crate::partition;
use rayon::prelude::*;

/// Persons with more events than this have their duplicates found by content
/// hash instead of comparing each event with the earlier ones.
const SMALL_PERSON: usize = 32;

/// Joins `parts` (events in input order, part after part) into one batch
/// ordered by person (the ID's numeric key), then source order within a person,
/// without duplicates; fills each sheet's `accepted` and `duplicates` counts
/// (a row counts as a duplicate when every event it gave was one).
pub fn group_events(parts: Vec<Vec<Event>>, inputs: &mut [InputReport]) -> Vec<Event> {
    let n: usize = parts.iter().map(Vec::len).sum();
    // Range bounds: quantiles of a sample of the keys, ~32k events a range.
    let ranges = (n / (32 << 10)).clamp(1, 512);
    let step = (n / (ranges * 32)).max(1);
    let sample: Vec<u64> = parts
        .iter()
        .flatten()
        .step_by(step)
        .map(|e| e.person_id.key())
        .collect();
    let bounds = partition::sample_bounds(sample, ranges);
    let (mut events, lens) = partition::scatter_by_range(parts, &bounds, |e| e.person_id.key());

    // Sheets numbered across inputs, for the counts.
    let mut first_sheet = Vec::with_capacity(inputs.len());
    let mut sheets = 0;
    for input in inputs.iter() {
        first_sheet.push(sheets);
        sheets += input.sheets.len();
    }
    let mut dup = vec![false; n];
    let counts: Vec<Vec<[u64; 2]>> = partition::split_lengths(&mut events, &lens)
        .into_par_iter()
        .zip(partition::split_lengths(&mut dup, &lens).into_par_iter())
        .map(|(range, dup)| {
            sort_range(range);
            mark_duplicates(range, dup);
            count_rows(range, dup, &first_sheet, sheets)
        })
        .collect();
    for (i, input) in inputs.iter_mut().enumerate() {
        for (s, sheet) in input.sheets.iter_mut().enumerate() {
            let at = first_sheet[i] + s;
            sheet.accepted += counts.iter().map(|c| c[at][0]).sum::<u64>();
            sheet.duplicates += counts.iter().map(|c| c[at][1]).sum::<u64>();
        }
    }
    if dup.contains(&true) {
        let mut k = 0;
        events.retain(|_| {
            let keep = !dup[k];
            k += 1;
            keep
        });
    }
    events
}

/// Sorts a range by person, then source order. The scatter leaves a range's
/// events in input order, so sorting by person key alone (ties kept in place)
/// gives that order: small (key, place) pairs are sorted and the events moved
/// once into place. The result is checked; should the events not have been in
/// input order, the range is sorted again on the full key.
fn sort_range(range: &mut [Event]) {
    let mut keyed: Vec<(u64, u32)> = range
        .iter()
        .enumerate()
        .map(|(i, e)| (e.person_id.key(), i as u32))
        .collect();
    // (key, place) pairs are distinct: an unstable sort keeps ties in place.
    keyed.sort_unstable();
    // Moves the event for each place in by following the permutation's
    // cycles: place `i` takes the event that `keyed[i]` names, which an
    // earlier swap may have moved away (then it is where that swap put it).
    for i in 0..keyed.len() {
        let mut from = keyed[i].1 as usize;
        while from < i {
            from = keyed[from].1 as usize;
        }
        keyed[i].1 = from as u32;
        range.swap(i, from);
    }
    let in_order = range
        .windows(2)
        .zip(keyed.windows(2))
        .all(|(e, k)| k[0].0 < k[1].0 || (e[0].source, e[0].kind) < (e[1].source, e[1].kind));
    if !in_order {
        range.sort_by_cached_key(|e| (e.person_id.key(), e.source, e.kind));
    }
}

/// Marks, person by person, each event that repeats an earlier one of the
/// same person (`events` sorted by person, then source).
fn mark_duplicates(events: &[Event], dup: &mut [bool]) {
    let mut start = 0;
    for person in events.chunk_by(|a, b| a.person_id == b.person_id) {
        let marks = &mut dup[start..start + person.len()];
        if person.len() > SMALL_PERSON {
            marks.copy_from_slice(&duplicate_mask(person));
        } else {
            for j in 1..person.len() {
                marks[j] = (0..j).any(|k| !marks[k] && same_content(&person[k], &person[j]));
            }
        }
        start += person.len();
    }
}

/// Rows accepted and rows that were all duplicates, per sheet: `[accepted,
/// duplicates]` at the sheet's number. A row's events are adjacent (one
/// person, one source).
fn count_rows(
    events: &[Event],
    dup: &[bool],
    first_sheet: &[usize],
    sheets: usize,
) -> Vec<[u64; 2]> {
    let mut counts = vec![[0u64; 2]; sheets];
    let mut start = 0;
    for row in events.chunk_by(|a, b| a.source == b.source) {
        let src = row[0].source;
        let sheet = first_sheet
            .get(src.input as usize)
            .map(|first| first + src.sheet as usize);
        if let Some(c) = sheet.and_then(|s| counts.get_mut(s)) {
            let all_dup = dup[start..start + row.len()].iter().all(|&d| d);
            c[usize::from(all_dup)] += 1;
        }
        start += row.len();
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventKind, InputFormat, InputRole, SheetReport, SourceRef};
    use crate::test_events::event;
    use chrono::NaiveDate;

    fn one_sheet() -> Vec<InputReport> {
        vec![InputReport {
            sheets: vec![SheetReport::new("s", None)],
            path: "in.csv".into(),
            role: InputRole::Events,
            format: InputFormat::Csv,
            sha256: String::new(),
            bytes: 0,
            encoding: None,
        }]
    }

    #[test]
    fn grouped_by_person_in_input_order_within_a_person() {
        // 100,000 rows of 30,000 persons in a scrambled order, in parts of
        // uneven sizes: several ranges, persons spread over the whole input,
        // roster-like pairs; all dates differ, so nothing is a duplicate.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut parts = vec![Vec::new()];
        for row in 0..100_000u32 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let person = (x >> 33) % 30_000;
            let day = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(row.into());
            let mut e = event(person, row + 2, EventKind::Hire);
            e.date = day;
            parts.last_mut().unwrap().push(e.clone());
            if row % 3 == 0 {
                e.kind = EventKind::Separation;
                parts.last_mut().unwrap().push(e);
            }
            if x.is_multiple_of(5_000) {
                parts.push(Vec::new());
            }
        }
        assert!(parts.len() > 5);
        let mut before: Vec<(u64, SourceRef, EventKind)> = parts
            .iter()
            .flatten()
            .map(|e| (e.person_id.key(), e.source, e.kind))
            .collect();
        let mut inputs = one_sheet();
        let grouped = group_events(parts, &mut inputs);
        let after: Vec<(u64, SourceRef, EventKind)> = grouped
            .iter()
            .map(|e| (e.person_id.key(), e.source, e.kind))
            .collect();
        // By person, then input order (rows ascending, hire before separation).
        assert!(
            after.windows(2).all(|w| w[0] < w[1]),
            "not grouped in order"
        );
        // Nothing lost, nothing doubled; every row accepted.
        before.sort();
        assert_eq!(before, after);
        assert_eq!(inputs[0].sheets[0].accepted, 100_000);
        assert_eq!(inputs[0].sheets[0].duplicates, 0);
    }

    #[test]
    fn the_first_of_a_repeated_row_is_kept_and_counted() {
        // Rows 2-6: person 1 hired (row 2), person 2 hired (row 3), row 4
        // repeats row 2 in another part, row 5 is a hire+separation pair of
        // person 2 whose hire repeats row 3 (the row still gives a new event,
        // so it counts as accepted), row 6 repeats the whole of row 5.
        let hire = |p, row| event(p, row, EventKind::Hire);
        let leave = |p, row| {
            let mut e = event(p, row, EventKind::Separation);
            e.date = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
            e
        };
        let parts = vec![
            vec![hire(1, 2), hire(2, 3)],
            vec![hire(1, 4), hire(2, 5), leave(2, 5)],
            vec![],
            vec![hire(2, 6), leave(2, 6)],
        ];
        let mut inputs = one_sheet();
        let grouped = group_events(parts, &mut inputs);
        let kept: Vec<(u32, EventKind)> = grouped.iter().map(|e| (e.source.row, e.kind)).collect();
        assert_eq!(
            kept,
            [
                (2, EventKind::Hire),
                (3, EventKind::Hire),
                (5, EventKind::Separation)
            ]
        );
        assert_eq!(inputs[0].sheets[0].accepted, 3); // rows 2, 3, 5
        assert_eq!(inputs[0].sheets[0].duplicates, 2); // rows 4, 6
    }

    #[test]
    fn a_person_with_many_events_is_collapsed_by_hash() {
        // 200 rows of one person over 50 distinct dates: 50 kept, the first
        // of each date; the same with the quadratic path on 20 rows.
        for (rows, dates) in [(200u32, 50u32), (20, 7)] {
            let part: Vec<Event> = (0..rows)
                .map(|r| {
                    let mut e = event(9, r + 2, EventKind::Hire);
                    e.date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                        + chrono::Days::new((r % dates).into());
                    e
                })
                .collect();
            let mut inputs = one_sheet();
            let grouped = group_events(vec![part], &mut inputs);
            let rows_kept: Vec<u32> = grouped.iter().map(|e| e.source.row).collect();
            assert_eq!(rows_kept, (2..dates + 2).collect::<Vec<_>>());
            assert_eq!(inputs[0].sheets[0].accepted, u64::from(dates));
            assert_eq!(inputs[0].sheets[0].duplicates, u64::from(rows - dates));
        }
    }

    #[test]
    fn a_range_out_of_input_order_is_still_sorted_in_full() {
        // Persons 3, 1, 3, 1, 2 with rows given out of order for person 1.
        let mut range = vec![
            event(3, 10, EventKind::Hire),
            event(1, 9, EventKind::Separation),
            event(3, 11, EventKind::Separation),
            event(1, 4, EventKind::Hire),
            event(2, 5, EventKind::Hire),
        ];
        sort_range(&mut range);
        let got: Vec<(u64, u32)> = range
            .iter()
            .map(|e| (e.person_id.key(), e.source.row))
            .collect();
        let key = |p| event(p, 0, EventKind::Hire).person_id.key();
        assert_eq!(
            got,
            [
                (key(1), 4),
                (key(1), 9),
                (key(2), 5),
                (key(3), 10),
                (key(3), 11)
            ]
        );
        // In input order already: the key sort alone, same result.
        let mut ordered = vec![
            event(3, 2, EventKind::Hire),
            event(1, 3, EventKind::Hire),
            event(3, 4, EventKind::Separation),
            event(1, 5, EventKind::Separation),
        ];
        sort_range(&mut ordered);
        let rows: Vec<u32> = ordered.iter().map(|e| e.source.row).collect();
        assert_eq!(rows, [3, 5, 2, 4]);
    }

    #[test]
    fn nothing_in_nothing_out() {
        let mut inputs = one_sheet();
        assert!(group_events(Vec::new(), &mut inputs).is_empty());
        assert!(group_events(vec![Vec::new(), Vec::new()], &mut inputs).is_empty());
        assert_eq!(inputs[0].sheets[0].accepted, 0);
    }
}
