//! Which policy values a run's figures used, so that a run priced with a value
//! below `official` (a third party's summary, or a figure carried until the
//! notice) says so: which values, for which months (SPEC §2.4 grades).
//!
//! The engine's results are scanned once (per piece of persons, merged): every
//! priced gap month marks (region, month) as used for back-pay, every arrears row
//! marks its (region, month) as used for a due. Marks are bits in a dense table
//! of regions × months 1990..2100, so a million persons cost a bit-set per row.

use super::{Flexible, Grade, PolicySet};
use crate::model::{Month, PersonResult, RegionId};
use serde::Serialize;
use std::collections::BTreeMap;

/// Months 1990-01 ..= 2100-12 (the span `--as-of` and pack months are held to).
const FIRST_YEAR: i32 = 1990;
const MONTHS: usize = 111 * 12;

/// What a figure was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Figure {
    Due = 0,
    CatchUp = 1,
}

/// The (region, month) pairs a run priced, per figure.
#[derive(Debug, Default, Clone)]
pub struct PolicyUse {
    /// Bit `((region × MONTHS + month) × 2 + figure)`.
    bits: Vec<u64>,
}

/// One value below `official` that priced some of a run's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GradeUse {
    pub region: String,
    /// `floor`, `employer_rate`, `flexible_formula`, …
    pub param: String,
    pub value: String,
    pub grade: &'static str,
    pub source: String,
    /// `due`, `catch_up` or both (`due;catch_up`).
    pub used_for: String,
    /// The months it priced, as runs: `2024-07..2025-06`.
    pub months: String,
}

fn month_index(m: Month) -> Option<usize> {
    let i = m.index() - FIRST_YEAR * 12;
    (0..MONTHS as i32).contains(&i).then_some(i as usize)
}

impl PolicyUse {
    fn mark(&mut self, region: RegionId, month: Month, figure: Figure) {
        let Some(mi) = month_index(month) else {
            return;
        };
        let bit = ((region.0 as usize * MONTHS + mi) << 1) | figure as usize;
        let word = bit / 64;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (bit % 64);
    }

    fn is_set(&self, region: usize, mi: usize, figure: Figure) -> bool {
        let bit = ((region * MONTHS + mi) << 1) | figure as usize;
        self.bits
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    /// Marks what these results priced.
    pub fn add_results(&mut self, policies: &PolicySet, results: &[PersonResult]) {
        for r in results {
            for g in r.gaps.iter().filter(|g| g.catch_up.is_some()) {
                let Some(region) = policies.region_of_code(g.region) else {
                    continue;
                };
                let mut m = g.from_month;
                while m <= g.to_month {
                    self.mark(region, m, Figure::CatchUp);
                    m = m.next();
                }
            }
            for a in &r.arrears {
                self.mark(a.region, a.month, Figure::Due);
            }
        }
    }

    pub fn merge(&mut self, other: PolicyUse) {
        if other.bits.len() > self.bits.len() {
            self.bits.resize(other.bits.len(), 0);
        }
        for (a, b) in self.bits.iter_mut().zip(other.bits) {
            *a |= b;
        }
    }

    /// Every value below `official` among those the marked figures used, with
    /// the months it priced; in pack, parameter and value order.
    pub fn below_official(&self, policies: &PolicySet) -> Vec<GradeUse> {
        // (region, param, value, grade, source) → (figures, months)
        type Key = (usize, &'static str, String, Grade, String);
        let mut used: BTreeMap<Key, (u8, Vec<Month>)> = BTreeMap::new();
        for (ri, pack) in policies.packs().iter().enumerate() {
            for mi in 0..MONTHS {
                let month = Month::from_index(FIRST_YEAR * 12 + mi as i32);
                for figure in [Figure::Due, Figure::CatchUp] {
                    if !self.is_set(ri, mi, figure) {
                        continue;
                    }
                    let Some(priced) = policies.money(RegionId(ri as u16), month, None, true)
                    else {
                        continue;
                    };
                    let p = priced.params;
                    let params: &[&str] = match (figure, p.flexible) {
                        (Figure::Due, _) => &[
                            "floor",
                            "cap",
                            "avg_wage",
                            "employer_rate",
                            "employee_rate",
                            "fixed_monthly",
                            "base_on",
                        ],
                        (Figure::CatchUp, Some(Flexible::Rate(_))) => &[
                            "floor",
                            "cap",
                            "avg_wage",
                            "fixed_monthly",
                            "flexible_rate",
                            "base_on",
                        ],
                        (Figure::CatchUp, _) => &["flexible_monthly", "flexible_formula"],
                    };
                    let mut records: Vec<(&'static str, String, Grade, String)> = p
                        .values
                        .iter()
                        .filter(|(name, _, s)| params.contains(name) && s.grade != Grade::Official)
                        .map(|(name, v, s)| (*name, v.clone(), s.grade, s.source.clone()))
                        .collect();
                    if priced.carried {
                        // A version carried past its end is itself provisional.
                        records.push((
                            "carried_forward",
                            priced.money.from.to_string(),
                            Grade::Provisional,
                            format!(
                                "--carry-forward: the {} version from {} used after its last month",
                                pack.code, priced.money.from
                            ),
                        ));
                    }
                    for (name, v, grade, source) in records {
                        let e = used.entry((ri, name, v, grade, source)).or_default();
                        e.0 |= 1 << figure as u8;
                        if e.1.last() != Some(&month) {
                            e.1.push(month);
                        }
                    }
                }
            }
        }
        used.into_iter()
            .map(
                |((ri, param, value, grade, source), (figures, months))| GradeUse {
                    region: policies.code(RegionId(ri as u16)).to_string(),
                    param: param.to_string(),
                    value,
                    grade: grade.as_str(),
                    source,
                    used_for: match figures {
                        1 => "due",
                        2 => "catch_up",
                        _ => "due;catch_up",
                    }
                    .to_string(),
                    months: crate::engine::gaps::month_runs(&months),
                },
            )
            .collect()
    }
}

/// The run-level warnings for values below `official`: one line per region and
/// grade, naming how many values and the months.
pub fn grade_warnings(uses: &[GradeUse]) -> Vec<crate::text::Text> {
    let mut by: BTreeMap<(&str, &str), Vec<&GradeUse>> = BTreeMap::new();
    for u in uses {
        by.entry((u.region.as_str(), u.grade)).or_default().push(u);
    }
    by.into_iter()
        .map(|((region, grade), list)| {
            let names: Vec<String> = list
                .iter()
                .map(|u| format!("{} {} ({})", u.param, u.value, u.months))
                .collect();
            crate::text!(warn_grades, region, list.len(), grade, names.join("; "))
        })
        .collect()
}
