//! Unit tests' builder of plain events (the integration tests have their own
//! in `tests/engine_support`, which unit tests cannot reach).

use crate::model::{Code, Event, EventKind, PersonId, RegionId, SourceRef};
use chrono::NaiveDate;

/// A hire or separation of person number `person` (a valid ID derived from
/// it) at employer `E` on 2025-01-01, from row `row` of the first input.
pub fn event(person: u64, row: u32, kind: EventKind) -> Event {
    let digits = format!("110105{:011}", 19_900_101_000 + person % 1_000_000);
    let first17: [u8; 17] = digits.as_bytes().try_into().unwrap();
    Event {
        person_id: PersonId::from_first17(&first17).unwrap(),
        name: None,
        employer_id: Code::new("E"),
        kind,
        date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        region: RegionId(0),
        wage: None,
        retirement: false,
        tier: 0,
        filed_date: None,
        deemed_months: 0,
        basis: Default::default(),
        source: SourceRef {
            input: 0,
            sheet: 0,
            row,
        },
    }
}
