//! Engine bench: the rules (SPEC §3) over every generated person, in parallel
//! with rayon, without and with the ledger (arrears, late fees). Inputs are
//! read once by ingest and the ledger reader; only the rules are timed.

mod common;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::GenerateFormat;
use medrecon::columnar::{LedgerOptions, read_ledger};
use medrecon::engine::{EngineContext, PersonInput, evaluate};
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::model::{Event, LedgerEntry, Month};
use medrecon::policy::PolicySet;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

/// One person's slices of the (person-sorted) events and ledger entries.
fn by_person<'a>(events: &'a [Event], ledger: &'a [LedgerEntry]) -> Vec<PersonInput<'a>> {
    let mut out = Vec::new();
    let mut l = 0;
    for group in events.chunk_by(|a, b| a.person_id == b.person_id) {
        let id = group[0].person_id;
        while l < ledger.len() && ledger[l].person_id < id {
            l += 1;
        }
        let start = l;
        while l < ledger.len() && ledger[l].person_id == id {
            l += 1;
        }
        out.push(PersonInput {
            person_id: id,
            events: group,
            ui: &[],
            ledger: &ledger[start..l],
        });
    }
    out
}

fn engine(c: &mut Criterion) {
    let policies = match PolicySet::load(&[]) {
        Ok(p) => p,
        Err(e) => return common::skip("engine", e),
    };
    let data = common::generated(GenerateFormat::Csv, true);
    let opts = IngestOptions {
        default_region: policies.national(),
        default_employer: None,
        columns: None,
    };
    let mut events = match read_events(&[data.events()], &opts, &policies) {
        Ok(batch) => batch.events,
        Err(e) => return common::skip("engine (ingest)", e),
    };
    events.sort_by(|a, b| a.person_id.cmp(&b.person_id).then(a.date.cmp(&b.date)));
    let ledger = match data
        .ledger()
        .map(|p| read_ledger(&[p], &LedgerOptions::default()))
    {
        Some(Ok(batch)) => batch.entries,
        Some(Err(e)) => {
            common::skip("engine/with_ledger (ledger)", e);
            Vec::new()
        }
        None => Vec::new(),
    };
    let Some(first) = events.iter().map(|e| Month::of(e.date)).min() else {
        return common::skip("engine", "no events");
    };
    let ctx = EngineContext {
        policies: &policies,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 22).expect("a real date"),
        batch_first_month: first,
        carry_forward: false,
    };
    let without_ledger = by_person(&events, &[]);
    let with_ledger = by_person(&events, &ledger);
    if let Err(e) = evaluate(&without_ledger[0], &ctx) {
        return common::skip("engine", e);
    }

    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(without_ledger.len() as u64));
    for (name, persons) in [
        ("events_only", &without_ledger),
        ("with_ledger", &with_ledger),
    ] {
        if name == "with_ledger" && ledger.is_empty() {
            continue;
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                let rows: usize = persons
                    .par_iter()
                    .map(|p| evaluate(p, &ctx).map_or(0, |r| r.gaps.len() + r.stops.len()))
                    .sum();
                black_box(rows)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
