//! Issue 17, finding 4: an `.xls` (OLE2 compound file) whose sector chains
//! loop. calamine 0.38 follows FAT chains without remembering where it has
//! been; medrecon walks them first and refuses the file by name.
//!
//! The files are `tests/fixtures/same.xls` with one or two values changed here,
//! and `tests/fixtures/fuzz_xls_fat_loop.xls`, the 5.6 KB input `cargo fuzz`
//! found (fuzz/regressions/events_file-xls-fat-loop-oom without its first byte),
//! which grew calamine past 4 GB before the check.

use assert_cmd::Command;
use std::path::Path;
use std::time::{Duration, Instant};

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// same.xls: 512-byte sectors, one FAT sector (8), the Workbook stream in
/// sectors 0..=7 (4096 bytes), the directory in sector 9.
const SECTOR: usize = 512;
fn fat_entry_at(id: u32) -> usize {
    (8 + 1) * SECTOR + id as usize * 4
}

/// Byte offset of the `Workbook` entry's length in the directory sector.
fn workbook_len_at(b: &[u8]) -> usize {
    let dir = (9 + 1) * SECTOR;
    let entry = (0..4)
        .map(|k| dir + k * 128)
        .find(|&at| {
            let name: Vec<u16> = b[at..at + 16]
                .chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&name) == "Workbook"
        })
        .expect("same.xls has a Workbook entry");
    entry + 120
}

/// Runs `validate` on `bytes` written as `name`, with a memory limit well below
/// what the loop would take, and returns (exit code, stdout+stderr, time).
fn validate(name: &str, bytes: &[u8]) -> (Option<i32>, String, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let start = Instant::now();
    let out = medrecon()
        .arg("validate")
        .arg(&path)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text, start.elapsed())
}

fn assert_refused(name: &str, bytes: &[u8], why: &str) {
    let (code, text, took) = validate(name, bytes);
    assert!(code.is_some(), "killed: {text}");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains(name), "{text}");
    assert!(text.contains("damaged .xls (OLE2) file"), "{text}");
    assert!(text.contains(why), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn the_unchanged_fixture_is_read() {
    let (code, text, _) = validate("same.xls", &fixture("same.xls"));
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("damaged"), "{text}");
}

#[test]
fn the_input_cargo_fuzz_found_is_refused_by_name() {
    let bytes = fixture("fuzz_xls_fat_loop.xls");
    assert_eq!(bytes.len(), 5656);
    assert_refused("loop.xls", &bytes, "the directory chain loops");
}

#[test]
fn a_directory_chain_pointing_back_at_itself_is_refused() {
    let mut b = fixture("same.xls");
    assert_eq!(get_u32(&b, fat_entry_at(9)), 0xFFFF_FFFE);
    put_u32(&mut b, fat_entry_at(9), 9);
    assert_refused(
        "dirloop.xls",
        &b,
        "the directory chain loops (it comes back to sector 9)",
    );
}

#[test]
fn a_looping_workbook_stream_with_a_huge_declared_length_is_refused() {
    let mut b = fixture("same.xls");
    // Workbook: 0 → 1 → 2 → 3 → 1 …, declared 2 GiB long.
    assert_eq!(get_u32(&b, fat_entry_at(3)), 4);
    put_u32(&mut b, fat_entry_at(3), 1);
    let at = workbook_len_at(&b);
    assert_eq!(get_u32(&b, at), 4096);
    put_u32(&mut b, at, 0x7FFF_FFFF);
    assert_refused(
        "streamloop.xls",
        &b,
        "the Workbook stream chain loops (it comes back to sector 1)",
    );
}

/// calamine finds the Workbook entry after decoding its name with encoding_rs,
/// which drops a byte-order mark: a name written `FF FE` + "Workbook" is the
/// Workbook stream to calamine, so its chain is checked as that.
#[test]
fn a_workbook_entry_named_with_a_byte_order_mark_is_checked_too() {
    let mut b = fixture("same.xls");
    let at = workbook_len_at(&b) - 120; // the entry's start
    let name: Vec<u8> = b[at..at + 16].to_vec();
    b[at..at + 2].copy_from_slice(&[0xFF, 0xFE]);
    b[at + 2..at + 18].copy_from_slice(&name);
    put_u32(&mut b, fat_entry_at(3), 1);
    put_u32(&mut b, at + 120, 0x7FFF_FFFF);
    assert_refused(
        "bom.xls",
        &b,
        "the Workbook stream chain loops (it comes back to sector 1)",
    );
}

#[test]
fn a_loop_past_the_declared_length_is_harmless_and_read() {
    // calamine stops a stream at its declared length: a loop after the
    // Workbook's 8th sector is never followed, so the file is read.
    let mut b = fixture("same.xls");
    assert_eq!(get_u32(&b, fat_entry_at(7)), 0xFFFF_FFFE);
    put_u32(&mut b, fat_entry_at(7), 0);
    let (code, text, _) = validate("tail.xls", &b);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn a_fat_sector_listed_twice_in_the_difat_is_refused() {
    let mut b = fixture("same.xls");
    assert_eq!(get_u32(&b, 0x4C), 8);
    assert_eq!(get_u32(&b, 0x50), 0xFFFF_FFFF);
    put_u32(&mut b, 0x50, 8);
    assert_refused(
        "difat.xls",
        &b,
        "its DIFAT lists FAT sector 8 more than once",
    );
}

#[test]
fn a_looping_difat_chain_is_refused() {
    let mut b = fixture("same.xls");
    // The DIFAT continues in sector 10, whose last entry names sector 10 again.
    put_u32(&mut b, 0x44, 10);
    put_u32(&mut b, 0x48, 1);
    let sector10 = (10 + 1) * SECTOR;
    b.resize(sector10 + SECTOR, 0);
    for k in 0..127 {
        put_u32(&mut b, sector10 + k * 4, 0xFFFF_FFFF);
    }
    put_u32(&mut b, sector10 + 127 * 4, 10);
    assert_refused(
        "difatloop.xls",
        &b,
        "the DIFAT chain loops (it comes back to sector 10)",
    );
}

#[test]
fn a_looping_ledger_xls_is_an_error_naming_the_file() {
    use medrecon::columnar::{LedgerOptions, read_ledger};
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("缴费明细.xls");
    std::fs::write(&path, fixture("fuzz_xls_fat_loop.xls")).unwrap();
    let err = read_ledger(&[path], &LedgerOptions::default())
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("缴费明细.xls"), "{err}");
    assert!(err.contains("the directory chain loops"), "{err}");
}

/// The messages finding "a caught calamine panic still printing `panicked at`
/// and a backtrace": a DIFAT naming sector 11 of this 5,632-byte file (the
/// last sector number calamine accepts, which starts where the data ends)
/// makes calamine 0.38 slice past its buffer and panic. The panic is this
/// file's error, with calamine's message, and nothing else reaches stderr.
#[test]
fn a_calamine_panic_is_the_files_error_without_a_crash_report() {
    let mut b = fixture("same.xls");
    assert_eq!(b.len(), 5632);
    put_u32(&mut b, 0x50, 11);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("panics.xls");
    std::fs::write(&path, &b).unwrap();
    let out = medrecon()
        .arg("validate")
        .arg(&path)
        .env("RUST_BACKTRACE", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("panics.xls"), "{stderr}");
    assert!(
        stderr.contains("the reader failed on it (slice index starts at 5632 but ends at 5120)"),
        "{stderr}"
    );
}
