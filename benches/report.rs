//! Report bench: every report of a run written from engine results
//! (`report::write_reports`), as CSV only (what the bench script runs) and as
//! CSV + the audit workbook, into a fresh folder each time.

mod common;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::{GenerateFormat, OutputFormat};
use medrecon::pipeline::{evaluate, summarize_employers};
use medrecon::report::{Manifest, ReportData, ReportOptions, write_reports};
use std::hint::black_box;
use std::time::Duration;

fn report(c: &mut Criterion) {
    let data = common::generated(GenerateFormat::Csv, true);
    let loaded = match common::run::load_run(data.events(), data.ledger()) {
        Ok(l) => l,
        Err(e) => return common::skip("report", e),
    };
    let results = match evaluate(&loaded, true) {
        Ok(r) => r.results,
        Err(e) => return common::skip("report", e),
    };
    let employers = summarize_employers(&loaded, &results);
    let manifest = Manifest::new(
        vec!["medrecon".into(), "bench".into()],
        common::run::as_of(),
    );
    let report_data = ReportData {
        results: &results,
        employers: &employers,
        rejects: &loaded.rejects,
        inputs: &loaded.inputs,
        manifest: &manifest,
        changes: None,
        calendar: None,
    };
    let mut group = c.benchmark_group("report");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(results.len() as u64));
    for (name, formats) in [
        ("csv", vec![OutputFormat::Csv]),
        ("csv_xlsx", vec![OutputFormat::Csv, OutputFormat::Xlsx]),
    ] {
        let opts = ReportOptions {
            formats,
            mask: false,
            ..ReportOptions::default()
        };
        let probe = tempfile::tempdir().expect("a temporary folder");
        if let Err(e) = write_reports(probe.path(), &report_data, &opts) {
            common::skip(&format!("report/{name}"), e);
            continue;
        }
        group.bench_function(name, |b| {
            b.iter_batched(
                || tempfile::tempdir().expect("a temporary folder"),
                |out| {
                    let written = write_reports(out.path(), &report_data, &opts);
                    black_box(written.map(|(paths, _)| paths.len()).unwrap_or(0));
                    out
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
