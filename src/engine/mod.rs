//! The rules engine (SPEC §3): per person, pure functions from events, UI months,
//! ledger entries and the policy set to that person's rows. No I/O, no polars or
//! calamine types; `evaluate_all` runs persons in parallel with rayon.
//!
//! OWNER: engine helper. Keep the signatures below (add freely).

use crate::model::{Event, LedgerEntry, Month, PersonId, PersonResult, UiSpan};
use crate::policy::{PolicyError, PolicySet};
use chrono::NaiveDate;

/// Run-wide facts the rules need.
#[derive(Debug, Clone, Copy)]
pub struct EngineContext<'a> {
    pub policies: &'a PolicySet,
    pub as_of: NaiveDate,
    /// The earliest event month of the whole batch (opens orphan separations' spells).
    pub batch_first_month: Month,
    /// `--carry-forward`: a month no version covers uses the last version.
    pub carry_forward: bool,
}

/// One person's inputs. `events` may be in any order and may include events after
/// `as_of` (ignored by the rules). `events` may be empty for a ledger-only person.
#[derive(Debug, Clone, Copy)]
pub struct PersonInput<'a> {
    pub person_id: PersonId,
    pub events: &'a [Event],
    pub ui: &'a [UiSpan],
    pub ledger: &'a [LedgerEntry],
}

pub fn evaluate(
    _input: &PersonInput<'_>,
    _ctx: &EngineContext<'_>,
) -> Result<PersonResult, PolicyError> {
    Err(PolicyError::Pack {
        file: String::new(),
        message: "engine not built yet".into(),
    })
}
