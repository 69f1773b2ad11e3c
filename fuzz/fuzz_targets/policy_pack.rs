//! The policy pack loader on arbitrary text: a pack loads or is refused with
//! an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medrecon::model::RegionId;
use medrecon::policy::parse_pack;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_pack("fuzz.toml", text, RegionId(0));
});
