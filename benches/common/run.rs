//! Loading a generated folder the way `medrecon run` does (`pipeline::load`),
//! for the stages after ingest.

use medrecon::cli::{InputArgs, RuleArgs};
use medrecon::pipeline::{Loaded, Timings, load};
use std::path::PathBuf;

/// The as-of date the generated data is meant for.
pub fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a real date")
}

/// Events (and the ledger, when given) loaded as `medrecon run` loads them.
pub fn load_run(events: PathBuf, ledger: Option<PathBuf>) -> anyhow::Result<Loaded> {
    let input = InputArgs {
        paths: vec![events],
        region: None,
        employer: None,
        policies: Vec::new(),
        columns: None,
    };
    let rules = RuleArgs {
        as_of: Some(as_of()),
        ledgers: ledger.into_iter().collect(),
        ui: Vec::new(),
        carry_forward: false,
        ledger_from: None,
        tier: None,
        ledger_empty_ok: false,
    };
    load(&input, &rules, as_of(), &mut Timings::default())
}
