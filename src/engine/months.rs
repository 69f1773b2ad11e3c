//! A person's months as the coverage calendar (参保月历) shows them, from the
//! same analysis the reports come from: each month is covered by an employer,
//! paid by the unemployment fund, in a short, long or open gap, covered by
//! two employers at once (overlap), or covered and still owed (arrears);
//! months outside all of these (before the first cover, after retirement)
//! are blank.

use super::Analysis;
use crate::model::{GapKind, Month, MonthCell, MonthState};
use rust_decimal::Decimal;

/// The cells of `from..=to` (empty when `to < from`).
pub fn month_cells(a: &Analysis<'_>, from: Month, to: Month) -> Vec<MonthCell> {
    let n = from.months_through(to) as usize;
    let mut cells: Vec<MonthCell> = vec![None; n];
    let slot = |m: Month| -> Option<usize> {
        (m >= from && m <= to).then(|| (m.index() - from.index()) as usize)
    };
    // Lowest priority first; each later step overwrites.
    for g in &a.result.gaps {
        let state = match g.kind {
            GapKind::Short => MonthState::ShortGap,
            GapKind::Long => MonthState::LongGap,
            GapKind::Open => MonthState::OpenGap,
        };
        fill(
            &mut cells,
            from,
            to,
            g.from_month,
            g.to_month,
            (state, None),
        );
    }
    for &(ui_from, ui_to) in &a.ui {
        fill(
            &mut cells,
            from,
            to,
            ui_from,
            ui_to,
            (MonthState::Unemployment, None),
        );
    }
    // Spells in order of start: a later spell's employer labels a month two
    // spells cover (the overlap step marks it anyway).
    let mut spells: Vec<_> = a.spells.spells.iter().filter(|s| s.covers_any()).collect();
    spells.sort_by_key(|s| (s.start, s.end));
    for s in spells {
        fill(
            &mut cells,
            from,
            to,
            s.start,
            s.end,
            (MonthState::Covered, Some(s.employer)),
        );
    }
    for o in &a.overlaps {
        fill(
            &mut cells,
            from,
            to,
            o.from,
            o.to,
            (MonthState::Overlap, o.employers.first().copied()),
        );
    }
    for r in &a.result.arrears {
        if r.shortfall > Decimal::ZERO
            && let Some(i) = slot(r.month)
        {
            cells[i] = Some((MonthState::Arrears, Some(r.employer_id)));
        }
    }
    cells
}

fn fill(
    cells: &mut [MonthCell],
    from: Month,
    to: Month,
    a: Month,
    b: Month,
    cell: (MonthState, Option<crate::model::Code>),
) {
    let (a, b) = (a.max(from), b.min(to));
    let mut m = a;
    while m <= b {
        cells[(m.index() - from.index()) as usize] = Some(cell);
        m = m.next();
    }
}
