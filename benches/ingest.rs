//! Ingest benches: the same generated events read as UTF-8 CSV, GBK CSV (with a
//! title line) and .xlsx through `medrecon::ingest::read_events`; beside the
//! xlsx read, calamine's bare load of the same sheets (open_workbook +
//! worksheet_range), the floor ingest is measured against (issue 6: ≤ 1.3×).

mod common;

use calamine::{Reader, Xlsx, open_workbook};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::GenerateFormat;
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::policy::PolicySet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn ingest(c: &mut Criterion) {
    let policies = match PolicySet::load(&[]) {
        Ok(p) => p,
        Err(e) => return common::skip("ingest", e),
    };
    let opts = IngestOptions {
        default_region: policies.national(),
        default_employer: None,
        columns: None,
    };
    let utf8 = common::generated(GenerateFormat::Csv, false);
    let gbk = common::generated(GenerateFormat::Gbk, false);
    let xlsx = common::generated(GenerateFormat::Xlsx, false);

    let mut group = c.benchmark_group("ingest");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    for (name, data) in [("csv_utf8", &utf8), ("csv_gbk", &gbk), ("xlsx", &xlsx)] {
        let paths: Vec<PathBuf> = vec![data.events()];
        if let Err(e) = read_events(&paths, &opts, &policies) {
            common::skip(&format!("ingest/{name}"), e);
            continue;
        }
        group.throughput(Throughput::Elements(data.summary.event_rows));
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(read_events(&paths, &opts, &policies).map(|batch| batch.events.len()))
            })
        });
    }
    // calamine alone: open the workbook and load every sheet's cells.
    let path = xlsx.events();
    group.throughput(Throughput::Elements(xlsx.summary.event_rows));
    group.bench_function("xlsx_calamine_bare", |b| {
        b.iter(|| {
            let mut book: Xlsx<_> = open_workbook(&path).expect("the generated workbook opens");
            let mut cells = 0usize;
            for name in book.sheet_names() {
                let range = book.worksheet_range(&name).expect("the sheet loads");
                cells += range.get_size().0 * range.get_size().1;
            }
            black_box(cells)
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
