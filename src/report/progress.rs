//! The "writing reports" progress bar: rows written over rows to write.
//!
//! Drawn on stderr only when asked (not `--quiet`), when stderr is a
//! terminal, and only once writing has taken more than a second, so short
//! runs and piped output stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::Cell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

const SHOW_AFTER: Duration = Duration::from_secs(1);

pub struct RowProgress {
    bar: ProgressBar,
    start: Instant,
    /// Still waiting to decide whether to show the bar.
    pending: Cell<bool>,
}

impl RowProgress {
    /// A bar over `total` rows; `enabled` false (quiet) never draws.
    pub fn new(total: u64, enabled: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "writing reports {bar:40} {human_pos}/{human_len} rows ({eta})",
        ) {
            bar.set_style(style);
        }
        RowProgress {
            bar,
            start: Instant::now(),
            pending: Cell::new(enabled && std::io::stderr().is_terminal()),
        }
    }

    /// A bar that never draws (tests, library callers).
    pub fn hidden() -> Self {
        RowProgress::new(0, false)
    }

    pub fn inc(&self, rows: u64) {
        self.bar.inc(rows);
        if self.pending.get() && self.start.elapsed() >= SHOW_AFTER {
            self.pending.set(false);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    pub fn position(&self) -> u64 {
        self.bar.position()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_rows_without_drawing_when_disabled() {
        let p = RowProgress::new(10, false);
        p.inc(4);
        p.inc(3);
        assert_eq!(p.position(), 7);
        assert!(!p.pending.get());
    }
}
