//! SPEC §3 rules 4–8: the person's coverage across employers (and the
//! unemployment fund) as merged month intervals, the gaps (断缴) between them
//! and after them, their catch-up (补缴) priced month by month, and overlaps
//! (重复参保). Works on month intervals, never on per-month vectors.

use super::EngineContext;
use super::spells::Spell;
use crate::model::{Code, Month, RegionId};
use crate::policy::Missing;
use crate::text::{Arg, Msg, Text};
use rust_decimal::Decimal;

/// Sorts and merges month ranges into `out` (cleared first); touching ranges
/// (`..03` and `04..`) merge. Empty ranges (`start > end`) are dropped from
/// `ranges`, which is left sorted. Both buffers can be reused from person to
/// person.
pub fn merge(ranges: &mut Vec<(Month, Month)>, out: &mut Vec<(Month, Month)>) {
    ranges.retain(|(a, b)| a <= b);
    ranges.sort_unstable();
    out.clear();
    for &(a, b) in ranges.iter() {
        match out.last_mut() {
            Some(last) if a <= last.1.next() => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
}

/// The spell before a gap starting at `from` (SPEC rule 5): the spell whose
/// coverage ends last before it; on a tie the later separation date, then the
/// smaller employer_id.
pub fn spell_before(spells: &[Spell<'_>], from: Month) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, s) in spells.iter().enumerate() {
        if !s.covers_any() || s.end >= from {
            continue;
        }
        best = match best {
            None => Some(i),
            Some(b) => {
                let cur = &spells[b];
                let sep = |x: &Spell<'_>| x.separation.map(|e| e.date);
                let better = (s.end, sep(s)) > (cur.end, sep(cur))
                    || ((s.end, sep(s)) == (cur.end, sep(cur)) && s.employer < cur.employer);
                if better { Some(i) } else { Some(b) }
            }
        };
    }
    best
}

/// The spell coverage resumes with at `resume` (smaller employer_id on a tie);
/// `None` when it resumes with unemployment-fund months.
pub fn spell_after(spells: &[Spell<'_>], resume: Month) -> Option<usize> {
    spells
        .iter()
        .enumerate()
        .filter(|(_, s)| s.covers_any() && s.start == resume)
        .min_by(|(_, a), (_, b)| a.employer.cmp(&b.employer))
        .map(|(i, _)| i)
}

/// A gap's back-pay: the sum over its priced months, and the months no money
/// version prices (with what is missing for the first of them).
#[derive(Debug, Clone, PartialEq)]
pub struct CatchUp {
    pub priced: Decimal,
    pub unpriced: Vec<Month>,
    pub missing: Option<Missing>,
}

impl CatchUp {
    /// The gap's figure: blank when any month is unpriced (a part of a back-pay
    /// is not what the person would pay).
    pub fn total(&self) -> Option<Decimal> {
        self.unpriced.is_empty().then_some(self.priced)
    }
    /// `no base for beijing 2016-01..2016-03` when months are unpriced.
    pub fn unpriced_detail(&self, region: &str) -> Option<Text> {
        let missing = self.missing?;
        Some(unpriced_months(missing, region, &self.unpriced))
    }
}

/// `no base for beijing 2016-01..2016-03`: what is missing, where, which months.
pub fn unpriced_months(missing: Missing, region: &str, months: &[Month]) -> Text {
    Text::new(Msg::unpriced_months, unpriced_args(missing, region, months))
}

/// The arguments `missing, region, months` of an unpriced text.
pub fn unpriced_args(missing: Missing, region: &str, months: &[Month]) -> [Arg; 3] {
    let missing = match missing {
        Missing::Version | Missing::Base => Msg::missing_base,
        Missing::Rate => Msg::missing_rate,
        Missing::Flexible => Msg::missing_flexible,
    };
    [
        missing.into(),
        Arg::Str(region.into()),
        Arg::Str(month_runs(months).into()),
    ]
}

/// Σ over `from..=to` of each month's back-pay at the flexible premium
/// (`round_half_up(base × flexible_rate, 2) + fixed_monthly`, a fixed monthly
/// sum, or the pack's formula), each month with its own money values of `region`.
pub fn catch_up(
    ctx: &EngineContext<'_>,
    region: RegionId,
    wage: Option<Decimal>,
    tier: u8,
    from: Month,
    to: Month,
) -> CatchUp {
    let mut out = CatchUp {
        priced: Decimal::ZERO,
        unpriced: Vec::new(),
        missing: None,
    };
    let mut month = from;
    while month <= to {
        match ctx
            .money_tier(region, month, tier)
            .map_or(Err(Missing::Version), |p| p.params.catch_up(wage))
        {
            Ok(amount) => out.priced += amount,
            Err(missing) => {
                out.missing.get_or_insert(missing);
                out.unpriced.push(month);
            }
        }
        month = month.next();
    }
    out
}

/// Months as runs: `2016-01..2016-03, 2016-05`.
pub fn month_runs(months: &[Month]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < months.len() {
        let start = months[i];
        let mut end = start;
        while i + 1 < months.len() && months[i + 1] == end.next() {
            i += 1;
            end = months[i];
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}..{end}"));
        }
        i += 1;
    }
    out
}

/// A maximal run of months covered by spells of two or more employers at once.
#[derive(Debug, Clone)]
pub struct Overlap {
    pub from: Month,
    pub to: Month,
    /// The employers involved, sorted, distinct.
    pub employers: Vec<Code>,
}

/// Runs of months covered by two employers at once (rule 8): the union of the
/// pairwise intersections of spells, merged into maximal runs.
pub fn overlaps(spells: &[Spell<'_>]) -> Vec<Overlap> {
    let mut parts: Vec<(Month, Month, Code, Code)> = Vec::new();
    for (i, a) in spells.iter().enumerate() {
        if !a.covers_any() {
            continue;
        }
        for b in &spells[i + 1..] {
            if !b.covers_any() || a.employer == b.employer {
                continue;
            }
            let from = a.start.max(b.start);
            let to = a.end.min(b.end);
            if from <= to {
                parts.push((from, to, a.employer, b.employer));
            }
        }
    }
    if parts.is_empty() {
        return Vec::new();
    }
    parts.sort_unstable_by_key(|p| (p.0, p.1));
    let mut out: Vec<Overlap> = Vec::new();
    for (from, to, a, b) in parts {
        match out.last_mut() {
            Some(last) if from <= last.to.next() => {
                last.to = last.to.max(to);
                last.employers.push(a);
                last.employers.push(b);
            }
            _ => out.push(Overlap {
                from,
                to,
                employers: vec![a, b],
            }),
        }
    }
    for o in &mut out {
        o.employers.sort();
        o.employers.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn merge_joins_touching_and_overlapping_ranges() {
        let mut merged = vec![(m("2024-01"), m("2024-01"))]; // cleared first
        merge(
            &mut vec![
                (m("2025-04"), m("2025-06")),
                (m("2025-01"), m("2025-03")),
                (m("2025-09"), m("2025-08")), // empty: dropped
                (m("2025-05"), m("2025-07")),
                (m("2025-10"), m("2025-10")),
            ],
            &mut merged,
        );
        assert_eq!(
            merged,
            vec![(m("2025-01"), m("2025-07")), (m("2025-10"), m("2025-10"))]
        );
    }
}
