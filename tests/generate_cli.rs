//! `medrecon generate` as a user runs it: the binary writes the files and
//! `generate.json`, prints what it wrote, and rejects bad flags.

use assert_cmd::Command;
use predicates::str::contains;

#[test]
fn generate_command_writes_files_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("medrecon")
        .unwrap()
        .args([
            "generate",
            "--persons",
            "300",
            "--employers",
            "5",
            "--ledger",
            "--bad-rate",
            "0.1",
        ])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("event rows"))
        .stdout(contains("ledger.csv"))
        .stdout(contains("medrecon run"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("generate.json")).unwrap()).unwrap();
    assert_eq!(json["persons"], 300);
    assert_eq!(json["employers"], 5);
    assert!(json["bad_rows"].as_u64().unwrap() > 0);
    assert!(dir.path().join("events.csv").exists());
    assert!(dir.path().join("ledger.csv").exists());
}

#[test]
fn generate_command_rejects_a_rate_above_one() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("medrecon")
        .unwrap()
        .args(["generate", "--persons", "10", "--bad-rate", "2"])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(contains("--bad-rate"));
}
