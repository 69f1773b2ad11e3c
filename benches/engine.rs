//! Engine bench: the rules (SPEC §3) over every generated person in parallel
//! (`engine::evaluate_all`), without and with the ledger (arrears, late fees).
//! Inputs are loaded once as `medrecon run` loads them; only the rules are timed.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::GenerateFormat;
use medrecon::engine::evaluate_all;
use std::hint::black_box;
use std::time::Duration;

fn engine(c: &mut Criterion) {
    let data = common::generated(GenerateFormat::Csv, true);
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    for (name, ledger) in [("events_only", None), ("with_ledger", data.ledger())] {
        let loaded = match common::run::load_run(data.events(), ledger) {
            Ok(l) => l,
            Err(e) => {
                common::skip(&format!("engine/{name}"), e);
                continue;
            }
        };
        let ctx = loaded.context();
        let persons = loaded.person_inputs();
        group.throughput(Throughput::Elements(persons.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(evaluate_all(&persons, &ctx).len()))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
