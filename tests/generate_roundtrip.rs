//! Generated data read back by medrecon's own readers: every deliberately bad
//! row is rejected with the code the generator announced, every other row is
//! accepted, in UTF-8 CSV, GBK CSV and xlsx; the ledger reads without rejects
//! and its duplicated rows are the ones summed together.

use medrecon::cli::GenerateFormat;
use medrecon::columnar::{LedgerOptions, read_ledger};
use medrecon::generate::{GenerateOptions, generate};
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::policy::PolicySet;
use std::collections::BTreeMap;

#[test]
fn rejects_are_exactly_the_bad_rows_in_every_format() {
    let policies = PolicySet::load(&[]).unwrap();
    let opts = IngestOptions {
        default_region: policies.national(),
        default_employer: None,
        columns: None,
    };
    for format in [
        GenerateFormat::Csv,
        GenerateFormat::Gbk,
        GenerateFormat::Xlsx,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(
            dir.path(),
            &GenerateOptions {
                persons: 1500,
                employers: 15,
                seed: 21,
                format,
                ledger: false,
                ledger_shape: Default::default(),
                bad_rate: 0.05,
                split: false,
            },
        )
        .unwrap();
        let batch = read_events(&[dir.path().join(&summary.files[0].path)], &opts, &policies)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let mut rejected: BTreeMap<&'static str, u64> = BTreeMap::new();
        for r in &batch.rejects {
            *rejected.entry(r.code.as_str()).or_default() += 1;
        }
        let expected: BTreeMap<&'static str, u64> = summary
            .bad_rows_by_code
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, v)| (*k, *v))
            .collect();
        assert_eq!(rejected, expected, "{format:?}");
        assert_eq!(
            batch.events.len() as u64,
            summary.event_rows - summary.bad_rows,
            "{format:?}: every good row accepted"
        );
        let read: u64 = batch.inputs.iter().map(|i| i.rows_read()).sum();
        assert_eq!(read, summary.event_rows, "{format:?}");
    }
}

#[test]
fn ledger_reads_back_without_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(
        dir.path(),
        &GenerateOptions {
            persons: 1500,
            employers: 15,
            seed: 22,
            format: GenerateFormat::Csv,
            ledger: true,
            ledger_shape: Default::default(),
            bad_rate: 0.0,
            split: false,
        },
    )
    .unwrap();
    let ledger = summary.ledger.unwrap();
    let batch = read_ledger(&[dir.path().join(&ledger.path)], &LedgerOptions::default()).unwrap();
    assert!(batch.rejects.is_empty(), "{:?}", batch.rejects.first());
    // Each duplicated row repeats its twin exactly: counted once, as a
    // duplicate (issue 17), not summed into a double payment.
    assert_eq!(batch.duplicate_rows, ledger.rows_duplicated);
    assert_eq!(batch.merged_rows, 0);
    let sheet = &batch.inputs[0].sheets[0];
    assert_eq!(sheet.duplicates, ledger.rows_duplicated);
    assert_eq!(
        sheet.rows_read,
        sheet.accepted + sheet.rejected + sheet.duplicates
    );
    assert_eq!(
        batch.entries.len() as u64,
        ledger.rows - ledger.rows_duplicated
    );
}
