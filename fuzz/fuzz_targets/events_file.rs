//! The events reader on an arbitrary file: the first byte picks the name's
//! extension (what a user's folder may call it), the rest is the content,
//! which the reader sniffs (CSV in any encoding, xlsx/xls/ods, SpreadsheetML,
//! HTML, zip). Reading is Ok or an error naming the file, never a panic, and
//! every sheet's rows balance. libFuzzer's `-rss_limit_mb=2048` and
//! `-malloc_limit_mb=2048` (scripts/fuzz.sh) make an allocation over 2 GiB a
//! crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medrecon::ingest::{IngestOptions, read_events};
use medrecon::model::{RegionId, RegionLookup};
use std::path::PathBuf;
use std::sync::OnceLock;

struct Regions;

impl RegionLookup for Regions {
    fn lookup(&self, raw: &str) -> Option<RegionId> {
        match raw.trim() {
            "national" | "全国" => Some(RegionId(0)),
            "北京" | "beijing" | "110000" => Some(RegionId(1)),
            _ => None,
        }
    }
}

const EXTENSIONS: [&str; 8] = ["csv", "xlsx", "xls", "xml", "ods", "txt", "zip", "xlsb"];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap().keep())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let path = dir().join(format!(
        "增减员.{}",
        EXTENSIONS[pick as usize % EXTENSIONS.len()]
    ));
    std::fs::write(&path, content).unwrap();
    let opts = IngestOptions {
        default_region: RegionId(0),
        default_employer: None,
        columns: None,
    };
    if let Ok(batch) = read_events(&[path], &opts, &Regions) {
        for input in &batch.inputs {
            assert!(input.balanced(), "rows do not balance: {input:?}");
        }
    }
});
