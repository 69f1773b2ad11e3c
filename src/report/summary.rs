//! Run-level figures (汇总) shared by the workbook's Summary sheet, the
//! manifest and the end-of-run screen: counts per status and flag, totals of
//! catch-up (补缴), arrears (欠缴), late fees (滞纳金) and overpayments (多缴),
//! and the employers owing most.

use super::table::round_money;
use crate::cli::Lang;
use crate::model::{EmployerRow, Flag, PersonResult, Status};
use crate::text::{Arg, Join, Msg, Text};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// How many employers the summary lists by arrears.
pub const TOP_EMPLOYERS: usize = 10;

/// An employer among those with most arrears.
#[derive(Clone, Debug, PartialEq)]
pub struct TopEmployer {
    pub employer_id: String,
    pub arrears_total: Decimal,
    pub late_fee_total: Decimal,
    pub persons: u64,
}

/// Occurrences of one flag (rows of `flags.csv`) and persons carrying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagCount {
    pub flag: Flag,
    pub occurrences: u64,
    pub persons: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub persons: u64,
    pub covered: u64,
    pub open_gap: u64,
    pub lapsed: u64,
    pub retired: u64,
    pub gaps: u64,
    pub long_gaps: u64,
    pub stops: u64,
    pub late_stops: u64,
    pub arrears_rows: u64,
    pub overpaid_rows: u64,
    pub flag_rows: u64,
    pub rejects: u64,
    /// Every flag seen, in `Flag` order.
    pub flags: Vec<FlagCount>,
    pub catch_up_total: Decimal,
    pub arrears_total: Decimal,
    pub late_fee_total: Decimal,
    pub overpaid_total: Decimal,
    /// Employers with arrears, most first (ties: smaller employer_id first).
    pub top_employers: Vec<TopEmployer>,
    /// Gaps (open ones too) by length: `[i]` counts gaps of `i + 1` months,
    /// the last one those of [`GAP_LENGTH_BUCKETS`] months or more.
    pub gap_lengths: [u64; GAP_LENGTH_BUCKETS],
}

/// Gap lengths counted one by one up to 12 months; the 13th bucket is "13 or more".
pub const GAP_LENGTH_BUCKETS: usize = 13;

impl RunSummary {
    pub fn compute(results: &[PersonResult], employers: &[EmployerRow], rejects: usize) -> Self {
        let mut parts = SummaryParts::default();
        parts.add(results);
        parts.finish(employers, rejects)
    }
}

/// A [`RunSummary`] summed batch by batch: [`add`](SummaryParts::add) each
/// batch of results, then [`finish`](SummaryParts::finish) with the employers.
#[derive(Clone, Debug)]
pub struct SummaryParts {
    s: RunSummary,
    /// Per flag: (occurrences, persons).
    flags: BTreeMap<Flag, (u64, u64)>,
}

impl Default for SummaryParts {
    fn default() -> Self {
        SummaryParts {
            s: RunSummary {
                persons: 0,
                covered: 0,
                open_gap: 0,
                lapsed: 0,
                retired: 0,
                gaps: 0,
                long_gaps: 0,
                stops: 0,
                late_stops: 0,
                arrears_rows: 0,
                overpaid_rows: 0,
                flag_rows: 0,
                rejects: 0,
                flags: Vec::new(),
                catch_up_total: Decimal::ZERO,
                arrears_total: Decimal::ZERO,
                late_fee_total: Decimal::ZERO,
                overpaid_total: Decimal::ZERO,
                top_employers: Vec::new(),
                gap_lengths: [0; GAP_LENGTH_BUCKETS],
            },
            flags: BTreeMap::new(),
        }
    }
}

impl SummaryParts {
    pub fn add(&mut self, results: &[PersonResult]) {
        let (s, flags) = (&mut self.s, &mut self.flags);
        s.persons += results.len() as u64;
        for r in results {
            let p = &r.person;
            match p.status {
                Status::Covered => s.covered += 1,
                Status::OpenGap => s.open_gap += 1,
                Status::Lapsed => s.lapsed += 1,
                Status::Retired => s.retired += 1,
            }
            s.gaps += r.gaps.len() as u64;
            for g in &r.gaps {
                let bucket = (g.months.max(1) as usize).min(GAP_LENGTH_BUCKETS) - 1;
                s.gap_lengths[bucket] += 1;
            }
            s.long_gaps += u64::from(p.long_gaps);
            s.stops += r.stops.len() as u64;
            s.late_stops += r.stops.iter().filter(|st| st.late_stop).count() as u64;
            s.arrears_rows += r.arrears.len() as u64;
            s.overpaid_rows += r.overpaid.len() as u64;
            s.flag_rows += r.flags.len() as u64;
            s.catch_up_total += p.catch_up_total;
            s.arrears_total += p.arrears_total;
            s.late_fee_total += p.late_fee_total;
            s.overpaid_total += r.overpaid.iter().map(|o| o.paid).sum::<Decimal>();
            for f in &r.flags {
                flags.entry(f.flag).or_default().0 += 1;
            }
            for f in &p.flags {
                flags.entry(*f).or_default().1 += 1;
            }
        }
    }

    /// Adds the counts and sums of another part (other persons).
    pub fn merge(&mut self, other: SummaryParts) {
        // Every field named: one added to the summary cannot be missed here.
        let RunSummary {
            persons,
            covered,
            open_gap,
            lapsed,
            retired,
            gaps,
            long_gaps,
            stops,
            late_stops,
            arrears_rows,
            overpaid_rows,
            flag_rows,
            catch_up_total,
            arrears_total,
            late_fee_total,
            overpaid_total,
            gap_lengths,
            // Set by `finish`, not summed over persons.
            rejects: _,
            flags: _,
            top_employers: _,
        } = other.s;
        let s = &mut self.s;
        s.persons += persons;
        s.covered += covered;
        s.open_gap += open_gap;
        s.lapsed += lapsed;
        s.retired += retired;
        s.gaps += gaps;
        s.long_gaps += long_gaps;
        s.stops += stops;
        s.late_stops += late_stops;
        s.arrears_rows += arrears_rows;
        s.overpaid_rows += overpaid_rows;
        s.flag_rows += flag_rows;
        s.catch_up_total += catch_up_total;
        s.arrears_total += arrears_total;
        s.late_fee_total += late_fee_total;
        s.overpaid_total += overpaid_total;
        for (mine, theirs) in s.gap_lengths.iter_mut().zip(gap_lengths) {
            *mine += theirs;
        }
        for (flag, (occurrences, persons)) in other.flags {
            let e = self.flags.entry(flag).or_default();
            e.0 += occurrences;
            e.1 += persons;
        }
    }

    /// The summary: totals rounded half-up once, flags counted, the employers
    /// owing most listed.
    pub fn finish(self, employers: &[EmployerRow], rejects: usize) -> RunSummary {
        let SummaryParts { mut s, flags } = self;
        s.rejects = rejects as u64;
        s.catch_up_total = round_money(s.catch_up_total);
        s.arrears_total = round_money(s.arrears_total);
        s.late_fee_total = round_money(s.late_fee_total);
        s.overpaid_total = round_money(s.overpaid_total);
        s.flags = flags
            .into_iter()
            .map(|(flag, (occurrences, persons))| FlagCount {
                flag,
                occurrences,
                persons,
            })
            .collect();
        let mut owing: Vec<&EmployerRow> = employers
            .iter()
            .filter(|e| e.arrears_total > Decimal::ZERO)
            .collect();
        owing.sort_by(|a, b| {
            b.arrears_total
                .cmp(&a.arrears_total)
                .then_with(|| a.employer_id.cmp(&b.employer_id))
        });
        s.top_employers = owing
            .into_iter()
            .take(TOP_EMPLOYERS)
            .map(|e| TopEmployer {
                employer_id: e.employer_id.clone(),
                arrears_total: round_money(e.arrears_total),
                late_fee_total: round_money(e.late_fee_total),
                persons: e.persons,
            })
            .collect();
        s
    }
}

impl RunSummary {
    /// The one-screen summary printed at the end of a run, in `lang`.
    pub fn to_text(&self, out_dir: &Path, lang: Lang) -> String {
        let mut t = String::new();
        let mut line = |msg: Msg, args: Vec<Arg>| Text::new(msg, args).push_line(lang, &mut t);
        let n = |v: u64| Arg::Int(v as i64);
        line(
            Msg::sum_persons,
            vec![
                n(self.persons),
                n(self.covered),
                n(self.open_gap),
                n(self.lapsed),
                n(self.retired),
            ],
        );
        line(
            Msg::sum_counts,
            vec![
                n(self.gaps),
                n(self.long_gaps),
                n(self.stops),
                n(self.late_stops),
                n(self.rejects),
            ],
        );
        if !self.flags.is_empty() {
            let flags = self
                .flags
                .iter()
                .map(|f| {
                    let code = f.flag.as_str();
                    let name = match lang {
                        Lang::En => code.to_string(),
                        Lang::Zh => super::labels::workbook_text("flag", code, lang)
                            .unwrap_or_else(|| code.to_string()),
                    };
                    Text::new(Msg::sum_flag, [Arg::Str(name.into()), n(f.persons)]).into()
                })
                .collect();
            line(Msg::sum_flagged, vec![Arg::List(Join::Comma, flags)]);
        }
        line(
            Msg::sum_money,
            vec![
                Arg::Money(self.catch_up_total),
                Arg::Money(self.arrears_total),
                Arg::Money(self.late_fee_total),
                Arg::Money(self.overpaid_total),
            ],
        );
        line(
            Msg::sum_reports_in,
            vec![Arg::Str(out_dir.display().to_string().into())],
        );
        t
    }
}
