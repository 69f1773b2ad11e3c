//! Times one stage alone, for `scripts/bench.sh` to run under `/usr/bin/time -v`
//! (so its peak RSS is that stage's, not the whole run's):
//!
//! - `stage_probe ledger LEDGER.csv...` — read and sum the ledger
//!   (`columnar::read_ledger`): rows in, entries out, seconds;
//! - `stage_probe xlsx EVENTS.xlsx` — calamine's bare load of every sheet, then
//!   `ingest::read_events` on the same file, and their ratio.

use calamine::{Reader, Xlsx, open_workbook};
use medrecon::columnar::{LedgerOptions, read_ledger};
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::policy::PolicySet;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((what, paths)) = args.split_first() else {
        anyhow::bail!("usage: stage_probe ledger|xlsx PATH...");
    };
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    match what.as_str() {
        "ledger" => {
            let started = Instant::now();
            let batch = read_ledger(&paths, &LedgerOptions::default())?;
            let seconds = started.elapsed().as_secs_f64();
            let rows: u64 = batch.inputs.iter().map(|i| i.rows_read()).sum();
            println!(
                "ledger_rows={rows} entries={} merged_rows={} rejects={} seconds={seconds:.3}",
                batch.entries.len(),
                batch.merged_rows,
                batch.rejects.len()
            );
        }
        "xlsx" => {
            let started = Instant::now();
            let mut cells = 0usize;
            for path in &paths {
                let mut book: Xlsx<_> = open_workbook(path)?;
                for name in book.sheet_names() {
                    let range = book.worksheet_range(&name)?;
                    cells += range.get_size().0 * range.get_size().1;
                }
            }
            let bare = started.elapsed().as_secs_f64();
            let policies = PolicySet::load(&[])?;
            let opts = IngestOptions {
                default_region: policies.national(),
                default_employer: None,
                columns: None,
            };
            let started = Instant::now();
            let batch = read_events(&paths, &opts, &policies)?;
            let ingest = started.elapsed().as_secs_f64();
            println!(
                "cells={cells} calamine_seconds={bare:.3} events={} rejects={} ingest_seconds={ingest:.3} ratio={:.2}",
                batch.events.len(),
                batch.rejects.len(),
                ingest / bare
            );
        }
        other => anyhow::bail!("unknown probe {other}: ledger or xlsx"),
    }
    Ok(())
}
