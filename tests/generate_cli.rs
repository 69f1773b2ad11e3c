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

/// `generate --ledger --ledger-shape` writes the same payments as a medical-only,
/// a long (every insurance), a wide (two header rows) and a range-row ledger:
/// the runs on them give byte-identical `arrears.csv` and `persons.csv`, the
/// long and wide ones count their pension/unemployment/injury amounts as
/// other insurance, and the range one has fewer rows than the medical one.
#[test]
fn ledger_shapes_carry_the_same_payments() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for shape in ["medical", "long", "wide", "range"] {
        let gen_dir = dir.path().join(shape);
        Command::cargo_bin("medrecon")
            .unwrap()
            .args([
                "generate",
                "--persons",
                "400",
                "--employers",
                "6",
                "--seed",
                "7",
                "--ledger",
                "--ledger-shape",
                shape,
            ])
            .arg("--out")
            .arg(&gen_dir)
            .assert()
            .success();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(gen_dir.join("generate.json")).unwrap()).unwrap();
        let out = gen_dir.join("reports");
        Command::cargo_bin("medrecon")
            .unwrap()
            .arg("run")
            .arg(gen_dir.join("events.csv"))
            .args([
                "--as-of",
                json["as_of"].as_str().unwrap(),
                "--quiet",
                "--ledger",
            ])
            .arg(gen_dir.join("ledger.csv"))
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        outputs.push((
            shape,
            std::fs::read(out.join("arrears.csv")).unwrap(),
            std::fs::read(out.join("persons.csv")).unwrap(),
            manifest["counts"]["ledger_other_insurance"]
                .as_u64()
                .unwrap(),
            json["ledger"]["rows"].as_u64().unwrap(),
        ));
    }
    let (_, arrears, persons, other, medical_rows) = &outputs[0];
    assert!(arrears.len() > 1000, "the medical ledger gives arrears");
    assert_eq!(*other, 0);
    // The long ledger marks late months as 补缴: only `paid_kinds` may differ.
    let without_kinds = |csv: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(csv)
            .lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(9);
                cells.join(",")
            })
            .collect()
    };
    for (shape, a, p, o, rows) in &outputs[1..] {
        if *shape == "long" {
            assert_eq!(without_kinds(a), without_kinds(arrears), "{shape}");
            assert!(String::from_utf8_lossy(a).contains(",back_pay,"));
        } else {
            assert!(
                a == arrears,
                "{shape}: arrears.csv differs from the medical ledger's"
            );
        }
        assert!(
            p == persons,
            "{shape}: persons.csv differs from the medical ledger's"
        );
        match *shape {
            // Three other insurances per month row, set aside.
            "long" => assert!(
                *o > 0 && *rows > 3 * medical_rows,
                "{shape}: {o} other, {rows} rows"
            ),
            // Wide rows carry medical on every row: no row is other-insurance only.
            "wide" => assert_eq!((*o, *rows), (0, *medical_rows), "{shape}"),
            _ => assert!(*o == 0 && rows < medical_rows, "{shape}: {rows} rows"),
        }
    }
}
