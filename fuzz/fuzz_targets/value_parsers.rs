//! The date, month, ID and money parsers on arbitrary text: never a panic,
//! and what they accept holds together (a parsed ID prints back to 18
//! characters that parse to the same ID; a month is within 1..=12).
#![no_main]

use libfuzzer_sys::fuzz_target;
use medrecon::ingest::values::{self, Cell};
use medrecon::model::{Month, PersonId};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    for is_1904 in [false, true] {
        let _ = values::parse_date_text(raw, is_1904);
        let _ = values::parse_date_cell(Cell::Text(raw), is_1904);
        if let Ok(m) = values::parse_month_cell(Cell::Text(raw), is_1904) {
            assert!((1..=12).contains(&m.month()), "month {m:?} from {raw:?}");
        }
    }
    if let Some(m) = Month::parse(raw) {
        assert!((1..=12).contains(&m.month()));
    }
    if let Ok(id) = PersonId::parse(raw) {
        let shown = id.to_string();
        assert_eq!(shown.chars().count(), 18, "{shown}");
        assert_eq!(PersonId::parse(&shown).ok(), Some(id), "{raw:?} -> {shown}");
    }
    let _ = values::parse_money_text(raw);
    let _ = values::parse_money_cell(Cell::Text(raw));
    let cell = Cell::Text(raw);
    let _ = cell.bad_text();
    let _ = cell.is_blank();
});
