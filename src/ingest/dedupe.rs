//! Exact duplicate rows (重复行): events with the same normalized content,
//! wherever they came from, are collapsed to the first by (file, sheet, row).
//! A row counts as a duplicate in its sheet's report when every event it gave
//! was a duplicate; a row that still contributes an event counts as accepted.

use crate::model::Event;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

/// FxHash-style hasher: fast for the short keys of ingest (IDs, employer
/// codes, region names). Not DoS-resistant; collisions are handled by the maps
/// and, for duplicates, by comparing content.
#[derive(Default)]
pub struct FxHasher(u64);

/// `HashMap`/`HashSet` hasher built from [`FxHasher`].
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

fn content_hash(e: &Event) -> u64 {
    let mut h = FxHasher(0);
    e.person_id.hash(&mut h);
    e.name.hash(&mut h);
    e.employer_id.hash(&mut h);
    e.kind.hash(&mut h);
    e.date.hash(&mut h);
    e.region.hash(&mut h);
    e.wage.map(|w| w.normalize()).hash(&mut h);
    e.retirement.hash(&mut h);
    e.filed_date.hash(&mut h);
    e.deemed_months.hash(&mut h);
    e.tier.hash(&mut h);
    h.finish()
}

/// Same normalized content, source ignored (`8000` and `8000.00` are one wage).
pub fn same_content(a: &Event, b: &Event) -> bool {
    a.person_id == b.person_id
        && a.kind == b.kind
        && a.date == b.date
        && a.basis == b.basis
        && a.employer_id == b.employer_id
        && a.name == b.name
        && a.region == b.region
        && a.wage.map(|w| w.normalize()) == b.wage.map(|w| w.normalize())
        && a.retirement == b.retirement
        && a.filed_date == b.filed_date
        && a.deemed_months == b.deemed_months
        && a.tier == b.tier
}

/// Which events repeat an earlier one (by position in `events`).
pub fn duplicate_mask(events: &[Event]) -> Vec<bool> {
    let mut keyed: Vec<(u64, u32)> = events
        .par_iter()
        .enumerate()
        .map(|(i, e)| (content_hash(e), i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut dup = vec![false; events.len()];
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0 == keyed[start].0 {
            end += 1;
        }
        if end - start > 1 {
            // Indexes ascend within a hash group: compare each to the kept ones before it.
            let group = &keyed[start..end];
            for j in 1..group.len() {
                let e = &events[group[j].1 as usize];
                let earlier = group[..j]
                    .iter()
                    .any(|&(_, k)| !dup[k as usize] && same_content(&events[k as usize], e));
                if earlier {
                    dup[group[j].1 as usize] = true;
                }
            }
        }
        start = end;
    }
    dup
}
