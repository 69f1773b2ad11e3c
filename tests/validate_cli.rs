//! The `medrecon validate` binary on the samples: exit 0, or 3 with --strict
//! when rows were rejected; IDs masked unless --no-mask; a bad file exits 1
//! naming the file.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The event exports of `samples/`: its files (the sub-folders hold the
/// ledger and the UI months; a folder is read recursively).
fn sample_events() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn validate_samples_prints_the_accounting_and_masks_ids() {
    Command::cargo_bin("medrecon")
        .unwrap()
        .arg("validate")
        .args(sample_events())
        .args(["--lang", "en"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("encoding gb18030"))
        .stdout(predicate::str::contains(
            "sheet 增员: event rows, header row 2",
        ))
        .stdout(predicate::str::contains("roster rows"))
        .stdout(predicate::str::contains("ID_CHECKSUM"))
        .stdout(predicate::str::contains("BAD_DATE"))
        .stdout(predicate::str::contains("ID_LOST_DIGITS"))
        .stdout(predicate::str::contains("********"))
        .stdout(predicate::str::contains("NOT BALANCED").not());
    // Without --lang: Chinese.
    Command::cargo_bin("medrecon")
        .unwrap()
        .arg("validate")
        .args(sample_events())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("编码gb18030"))
        .stdout(predicate::str::contains(
            "工作表增员：变动记录行，表头第2行：读取",
        ))
        .stdout(predicate::str::contains("花名册行"))
        .stdout(predicate::str::contains("\tID_CHECKSUM\t校验码为"))
        .stdout(predicate::str::contains("encoding").not())
        .stdout(predicate::str::contains("NOT BALANCED").not());
}

#[test]
fn strict_exits_3_when_rows_were_rejected() {
    Command::cargo_bin("medrecon")
        .unwrap()
        .args(["validate", "--strict"])
        .args(sample_events())
        .assert()
        .code(3);
    // The same events without any bad row: 0 even with --strict.
    Command::cargo_bin("medrecon")
        .unwrap()
        .args(["validate", "--strict"])
        .arg(fixture("same_two_sheets.xlsx"))
        .assert()
        .code(0);
}

#[test]
fn no_mask_shows_values_whole() {
    let out = Command::cargo_bin("medrecon")
        .unwrap()
        .args(["validate", "--no-mask"])
        .arg(fixture("bad_rows.csv"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Row 3 of bad_rows.csv: the good ID with a wrong check character.
    let row3 = text
        .lines()
        .find(|l| l.contains("\t3\t身份证号\t"))
        .unwrap();
    assert!(row3.contains("ID_CHECKSUM"));
    assert!(!row3.contains('*'), "{row3}");
}

#[test]
fn an_unreadable_file_exits_1_naming_it() {
    // A saved web page (MHTML) under an `.xls` name.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.xls");
    std::fs::write(
        &page,
        "MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n",
    )
    .unwrap();
    Command::cargo_bin("medrecon")
        .unwrap()
        .arg("validate")
        .arg(&page)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("page.xls"))
        .stderr(predicate::str::contains("MHTML"));
}
