//! Shared by the ingest tests: a small region table standing in for the policy
//! packs, default options, and helpers to read fixtures.
#![allow(dead_code)]

use medrecon::ingest::{EventBatch, IngestError, IngestOptions, read_events};
use medrecon::model::{Event, RegionId, RegionLookup, Reject, RejectCode};
use std::path::PathBuf;

/// national 0, beijing 1, shanghai 2, guangzhou 3, shenzhen 4.
pub struct TestRegions;

impl RegionLookup for TestRegions {
    fn lookup(&self, raw: &str) -> Option<RegionId> {
        let r = raw.trim().to_lowercase();
        let r = r.strip_suffix('市').unwrap_or(&r);
        Some(RegionId(match r {
            "national" | "全国" => 0,
            "beijing" | "北京" | "110000" => 1,
            "shanghai" | "上海" | "310000" => 2,
            "guangzhou" | "广州" | "440100" => 3,
            "shenzhen" | "深圳" | "440300" => 4,
            _ => return None,
        }))
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn opts() -> IngestOptions {
    IngestOptions {
        default_region: RegionId(0),
        default_employer: None,
        columns: None,
    }
}

pub fn read(paths: &[PathBuf]) -> Result<EventBatch, IngestError> {
    read_events(paths, &opts(), &TestRegions)
}

pub fn read_fixture(name: &str) -> EventBatch {
    match read(&[fixture(name)]) {
        Ok(b) => b,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// The batch's events in input order (file, sheet, row; a row's hire before
/// its separation), after checking they came grouped by person as promised.
pub fn in_input_order(batch: &EventBatch) -> Vec<&Event> {
    assert!(
        batch
            .events
            .windows(2)
            .all(|w| (w[0].person_id.key(), w[0].source, w[0].kind)
                < (w[1].person_id.key(), w[1].source, w[1].kind)),
        "events not grouped by person in source order"
    );
    let mut events: Vec<&Event> = batch.events.iter().collect();
    events.sort_by_key(|e| (e.source, e.kind));
    events
}

/// The reject on `row` of the only input.
pub fn reject_at(batch: &EventBatch, row: u32) -> &Reject {
    batch
        .rejects
        .iter()
        .find(|r| r.source.row == row)
        .unwrap_or_else(|| panic!("no reject on row {row}: {:#?}", batch.rejects))
}

pub fn assert_reject(batch: &EventBatch, row: u32, column: &str, code: RejectCode) {
    let r = reject_at(batch, row);
    assert_eq!(
        (r.column.as_str(), r.code),
        (column, code),
        "row {row}: {r:#?}"
    );
}

/// An event's content without where it came from, for comparing formats.
pub fn content(e: &Event) -> String {
    format!(
        "{} {:?} {} {:?} {} {:?} {:?} {} {:?}",
        e.person_id,
        e.name,
        e.employer_id,
        e.kind,
        e.date,
        e.region,
        e.wage.map(|w| w.normalize()),
        e.retirement,
        e.filed_date
    )
}

pub fn sorted_contents(batch: &EventBatch) -> Vec<String> {
    let mut v: Vec<String> = batch.events.iter().map(content).collect();
    v.sort();
    v
}
