//! Ingest benches: the same generated events read as UTF-8 CSV, GBK CSV (with a
//! title line) and .xlsx through `medrecon::ingest::read_events`; beside the
//! xlsx read, calamine's bare load of the same sheets (open_workbook +
//! worksheet_range), the floor ingest is measured against (issue 6: ≤ 1.3×).
//! Then normalization alone: rows already split into text cells, turned into
//! typed events or rejects (`ingest::normalize::normalize_row`); and the
//! grouping of those events by person with duplicates collapsed
//! (`ingest::group::group_events`, from parts the size of the parser's chunks).

mod common;

use calamine::{Reader, Xlsx, open_workbook};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use medrecon::cli::GenerateFormat;
use medrecon::ingest::group::group_events;
use medrecon::ingest::header::find_header;
use medrecon::ingest::normalize::{
    EventColumns, Interner, RowCells, RowOutcome, SheetContext, normalize_row,
};
use medrecon::ingest::schema::ColumnSchema;
use medrecon::ingest::values::Cell;
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::model::{Event, InputFormat, InputReport, InputRole, SheetReport};
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

/// A CSV row already split into fields.
struct TextRow(Vec<String>);

impl RowCells for TextRow {
    fn cell(&self, i: usize) -> Cell<'_> {
        self.0.get(i).map_or(Cell::Empty, |s| Cell::Text(s))
    }
    fn cell_count(&self) -> usize {
        self.0.len()
    }
}

fn normalize(c: &mut Criterion) {
    let policies = match PolicySet::load(&[]) {
        Ok(p) => p,
        Err(e) => return common::skip("normalize", e),
    };
    let data = common::generated(GenerateFormat::Csv, false);
    let mut reader = match csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(data.events())
    {
        Ok(r) => r,
        Err(e) => return common::skip("normalize", e),
    };
    let rows: Vec<TextRow> = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| TextRow(r.iter().map(str::to_string).collect()))
        .collect();
    let schema = ColumnSchema::shipped();
    let header = match find_header(&schema, "events", &[rows[0].0.clone()]) {
        Ok(h) => h,
        Err(e) => return common::skip("normalize", e),
    };
    let Some(columns) = EventColumns::from_header(&header) else {
        return common::skip("normalize", "no person_id column");
    };
    let ctx = SheetContext {
        columns: &columns,
        schema: &schema,
        regions: &policies,
        default_region: policies.national(),
        default_employer: "events".into(),
        is_1904: false,
        input: 0,
        sheet: 0,
    };
    let body = &rows[1..];
    let mut group = c.benchmark_group("normalize");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(body.len() as u64));
    group.bench_function("csv_rows_one_thread", |b| {
        b.iter(|| {
            let mut interner = Interner::default();
            let mut rejected = 0usize;
            for (i, row) in body.iter().enumerate() {
                if let RowOutcome::Rejected(_) =
                    normalize_row(&ctx, &mut interner, row, i as u32 + 2)
                {
                    rejected += 1;
                }
            }
            black_box(rejected)
        })
    });
    // The accepted events, in parts of ~20,000 (a 2 MiB chunk's worth).
    let mut interner = Interner::default();
    let mut events = Vec::new();
    for (i, row) in body.iter().enumerate() {
        match normalize_row(&ctx, &mut interner, row, i as u32 + 2) {
            RowOutcome::One(e) => events.push(e),
            RowOutcome::Two(a, b) => events.extend([a, b]),
            RowOutcome::Rejected(_) => {}
        }
    }
    let parts: Vec<Vec<Event>> = events.chunks(20_000).map(<[Event]>::to_vec).collect();
    let inputs = vec![InputReport {
        path: "events.csv".into(),
        role: InputRole::Events,
        format: InputFormat::Csv,
        sha256: String::new(),
        bytes: 0,
        encoding: None,
        sheets: vec![SheetReport::new("events", None)],
    }];
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("group_events", |b| {
        b.iter_batched(
            || (parts.clone(), inputs.clone()),
            |(parts, mut inputs)| black_box(group_events(parts, &mut inputs).len()),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, ingest, normalize);
criterion_main!(benches);
