//! Ledger bench: the generated contribution ledger (实缴记录, ~14 rows a person)
//! read and summed by person·employer·month (`medrecon::columnar::read_ledger`).

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::GenerateFormat;
use medrecon::columnar::{LedgerOptions, read_ledger};
use std::hint::black_box;
use std::time::Duration;

fn ledger(c: &mut Criterion) {
    let data = common::generated(GenerateFormat::Csv, true);
    let Some(path) = data.ledger() else {
        return common::skip("ledger", "no ledger generated");
    };
    let paths = vec![path];
    let opts = LedgerOptions::default();
    if let Err(e) = read_ledger(&paths, &opts) {
        return common::skip("ledger", e);
    }
    let rows = data.summary.ledger.as_ref().map_or(0, |l| l.rows);
    let mut group = c.benchmark_group("ledger");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(rows));
    group.bench_function("read_and_sum_csv", |b| {
        b.iter(|| black_box(read_ledger(&paths, &opts).map(|batch| batch.entries.len())))
    });
    group.finish();
}

criterion_group!(benches, ledger);
criterion_main!(benches);
