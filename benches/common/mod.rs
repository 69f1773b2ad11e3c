//! Shared setup of the criterion benches: input data written by
//! `medrecon::generate` into a temporary folder (20,000 persons by default;
//! `MEDRECON_BENCH_PERSONS` overrides), and the policy packs.
//!
//! A stage whose setup fails (a stage not built yet, a pack that does not load)
//! is reported and skipped, so the other benches still run.

#![allow(dead_code)]

pub mod run;

use medrecon::cli::GenerateFormat;
use medrecon::generate::{GenerateOptions, GenerateSummary, generate};
use std::path::{Path, PathBuf};

/// Persons in the generated inputs.
pub fn persons() -> u64 {
    std::env::var("MEDRECON_BENCH_PERSONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// A folder of generated inputs, removed when dropped.
pub struct BenchData {
    pub dir: tempfile::TempDir,
    pub summary: GenerateSummary,
}

impl BenchData {
    /// The first (only) event file.
    pub fn events(&self) -> PathBuf {
        self.dir.path().join(&self.summary.files[0].path)
    }
    pub fn events_bytes(&self) -> u64 {
        self.summary.files.iter().map(|f| f.bytes).sum()
    }
    pub fn ledger(&self) -> Option<PathBuf> {
        self.summary
            .ledger
            .as_ref()
            .map(|l| self.dir.path().join(&l.path))
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Generates `persons()` persons at 50 employers, seed 42, 1% bad rows.
pub fn generated(format: GenerateFormat, ledger: bool) -> BenchData {
    let dir = tempfile::tempdir().expect("a temporary folder for bench data");
    let opts = GenerateOptions {
        persons: persons(),
        employers: 50,
        seed: 42,
        format,
        ledger,
        ledger_shape: Default::default(),
        bad_rate: 0.01,
        split: false,
    };
    let summary = generate(dir.path(), &opts).expect("the generator writes bench data");
    BenchData { dir, summary }
}

/// Prints why a bench is skipped.
pub fn skip(bench: &str, why: impl std::fmt::Display) {
    eprintln!("skipping {bench}: {why}");
}
