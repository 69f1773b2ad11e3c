//! Generated data read back by medrecon's own readers: every deliberately bad
//! row is rejected with the code the generator announced, every other row is
//! accepted, in every format `generate` writes (UTF-8 CSV, GBK CSV, xlsx, a
//! bureau declaration, SpreadsheetML and HTML `.xls`), with the same persons
//! each time, passport and permit holders among them keyed by their document;
//! the ledger reads without rejects, names those holders the same way, and
//! its duplicated rows are the ones summed together.

use medrecon::cli::GenerateFormat;
use medrecon::columnar::{LedgerOptions, read_ledger};
use medrecon::generate::population::IdSpace;
use medrecon::generate::{GenerateOptions, generate};
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::model::PersonId;
use medrecon::policy::PolicySet;
use std::collections::{BTreeMap, BTreeSet};

/// The persons of the first `persons` of seed `seed` who hold another
/// document than a resident ID, keyed as medrecon keys them.
fn document_holders(seed: u64, persons: u64) -> BTreeSet<PersonId> {
    let ids = IdSpace::new(seed);
    (0..persons)
        .filter_map(|p| ids.document(p))
        .map(|d| d.id)
        .collect()
}

#[test]
fn rejects_are_exactly_the_bad_rows_in_every_format() {
    let policies = PolicySet::load(&[]).unwrap();
    let opts = IngestOptions {
        default_region: policies.national(),
        default_employer: None,
        columns: None,
    };
    let holders = document_holders(21, 1500);
    assert!(holders.len() >= 5, "{}", holders.len());
    let mut persons_of_csv: Option<BTreeSet<PersonId>> = None;
    for format in [
        GenerateFormat::Csv,
        GenerateFormat::Gbk,
        GenerateFormat::Xlsx,
        GenerateFormat::Declaration,
        GenerateFormat::Spreadsheetml,
        GenerateFormat::Html,
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
        assert_eq!(summary.document_holders, holders.len() as u64);
        // Every format gives the same persons; the document holders among
        // them are the generator's (one whose every row is bad is missing).
        let persons: BTreeSet<PersonId> = batch.events.iter().map(|e| e.person_id).collect();
        let documents: BTreeSet<PersonId> = persons
            .iter()
            .filter(|p| p.doc_kind().is_some())
            .copied()
            .collect();
        assert!(documents.is_subset(&holders), "{format:?}");
        assert!(documents.len() + 2 >= holders.len(), "{format:?}");
        match &persons_of_csv {
            None => persons_of_csv = Some(persons),
            Some(csv) => assert_eq!(&persons, csv, "{format:?}"),
        }
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
    // Without bad rows every document holder is in the events, and those
    // paid for in 2024–2026 are in the ledger under the same key.
    let opts = IngestOptions {
        default_region: PolicySet::load(&[]).unwrap().national(),
        default_employer: None,
        columns: None,
    };
    let events = read_events(
        &[dir.path().join(&summary.files[0].path)],
        &opts,
        &PolicySet::load(&[]).unwrap(),
    )
    .unwrap();
    let holders = document_holders(22, 1500);
    let in_events: BTreeSet<PersonId> = events.events.iter().map(|e| e.person_id).collect();
    let in_ledger: BTreeSet<PersonId> = batch.entries.iter().map(|e| e.person_id).collect();
    assert!(holders.is_subset(&in_events));
    assert!(in_ledger.is_subset(&in_events));
    let paid_holders = in_ledger.intersection(&holders).count();
    assert!(paid_holders > 0 && paid_holders <= holders.len());
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
