//! The ledger reader (缴费明细) on an arbitrary file, as `events_file` does
//! for events: the first byte picks the extension, the rest is the content.
//! Ok or an error naming the file, never a panic; every sheet balances.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medrecon::columnar::{LedgerOptions, read_ledger};
use std::path::PathBuf;
use std::sync::OnceLock;

const EXTENSIONS: [&str; 7] = ["csv", "xlsx", "xls", "xml", "ods", "zip", "parquet"];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap().keep())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let path = dir().join(format!(
        "缴费明细.{}",
        EXTENSIONS[pick as usize % EXTENSIONS.len()]
    ));
    std::fs::write(&path, content).unwrap();
    if let Ok(batch) = read_ledger(&[path], &LedgerOptions::default()) {
        for input in &batch.inputs {
            assert!(input.balanced(), "rows do not balance: {input:?}");
        }
    }
});
