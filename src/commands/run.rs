//! `medrecon run`: the whole job — read exports, apply the rules, write the
//! reports atomically, print a one-screen summary.
//!
//! Example: `medrecon run samples --as-of 2026-11-22 --out reports --ledger samples/ledger`

use crate::cli::RunArgs;
use crate::commands::EXIT_REJECTED;
use crate::pipeline::{self, Timings};
use std::process::ExitCode;

pub fn execute(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let as_of = args
        .rules
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let mut timings = Timings::default();
    let outcome = pipeline::run(args, as_of, &mut timings)?;
    if !args.quiet {
        eprint!("{}", outcome.summary);
    }
    // The process ends now: let the OS take the memory back in one go.
    std::mem::forget(outcome.retained);
    if args.strict && outcome.rejected > 0 {
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}
