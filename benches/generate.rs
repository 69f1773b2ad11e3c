//! Generator bench: `medrecon::generate` writing UTF-8 CSV events with a ledger
//! (the generator must write 1M persons in a few seconds).

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::GenerateFormat;
use medrecon::generate::{GenerateOptions, generate};
use std::hint::black_box;
use std::time::Duration;

fn generator(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let persons = common::persons();
    let mut group = c.benchmark_group("generate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(persons));
    for (name, format, ledger) in [
        ("csv", GenerateFormat::Csv, false),
        ("gbk", GenerateFormat::Gbk, false),
        ("csv_with_ledger", GenerateFormat::Csv, true),
    ] {
        let opts = GenerateOptions {
            persons,
            employers: 50,
            seed: 42,
            format,
            ledger,
            ledger_shape: Default::default(),
            bad_rate: 0.01,
            split: false,
        };
        group.bench_function(name, |b| {
            b.iter(|| black_box(generate(dir.path(), &opts).map(|s| s.event_rows)))
        });
    }
    group.finish();
}

criterion_group!(benches, generator);
criterion_main!(benches);
