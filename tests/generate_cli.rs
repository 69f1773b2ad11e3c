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

/// `--format declaration` writes the months the other formats' dates give
/// under each region's rules (`费款所属期`, 增/减 or codes, a month-only
/// declaration): read back, the timelines are the other format's, every
/// stop is dated by month, and a bad date is a month that does not exist.
#[test]
fn a_declaration_gives_the_timelines_of_its_dated_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for format in ["gbk", "declaration"] {
        let gen_dir = dir.path().join(format);
        Command::cargo_bin("medrecon")
            .unwrap()
            .args(["generate", "--persons", "1500", "--employers", "8"])
            .args(["--seed", "11", "--bad-rate", "0.02", "--format", format])
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
            .args(["--as-of", json["as_of"].as_str().unwrap()])
            .args(["--quiet", "--no-mask", "--format", "csv", "--out"])
            .arg(&out)
            .assert()
            .success();
        runs.push((out, json));
    }
    let table = |out: &std::path::Path, name: &str, columns: &[&str]| -> Vec<String> {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let idx: Vec<usize> = columns
            .iter()
            .map(|c| header.iter().position(|h| h == c).unwrap())
            .collect();
        let mut rows: Vec<String> = lines
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                idx.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",")
            })
            .collect();
        rows.sort();
        rows
    };
    let (days, decl) = (&runs[0].0, &runs[1].0);
    // What a month-only date cannot change: the covered months, the gaps,
    // the stops' months. (Which employer a gap follows may differ when two
    // spells end in the same month: a day broke that tie.)
    let timeline = [
        "person_id",
        "first_covered_month",
        "last_covered_month",
        "status",
        "open_months",
        "gaps",
        "long_gaps",
        "max_gap_months",
        "continuous_months",
        "cumulative_months",
    ];
    let persons = table(days, "persons.csv", &timeline);
    assert!(persons.len() > 1400, "{}", persons.len());
    assert_eq!(persons, table(decl, "persons.csv", &timeline));
    let gaps = ["person_id", "from_month", "to_month", "months", "kind"];
    assert!(table(days, "gaps.csv", &gaps).len() > 100);
    assert_eq!(
        table(days, "gaps.csv", &gaps),
        table(decl, "gaps.csv", &gaps)
    );
    let stops = [
        "person_id",
        "employer_id",
        "last_paid_month",
        "stop_month",
        "benefits_end",
    ];
    assert_eq!(
        table(days, "stops.csv", &stops),
        table(decl, "stops.csv", &stops)
    );
    let basis = table(decl, "stops.csv", &["separation_basis"]);
    assert!(basis.len() > 500 && basis.iter().all(|b| b == "month"));
    assert!(
        table(days, "stops.csv", &["separation_basis"])
            .iter()
            .all(|b| b == "day")
    );
    // The same bad rows; a bad date is a bad month in a declaration.
    let (a, b) = (
        &runs[0].1["bad_rows_by_code"],
        &runs[1].1["bad_rows_by_code"],
    );
    assert_eq!(a["BAD_DATE"], b["BAD_MONTH"]);
    assert!(a["BAD_DATE"].as_u64().unwrap() > 0);
    let codes = |out: &std::path::Path| table(out, "rejects.csv", &["code"]);
    let mut want: Vec<String> = codes(days)
        .into_iter()
        .map(|c| {
            if c == "BAD_DATE" {
                "BAD_MONTH".into()
            } else {
                c
            }
        })
        .collect();
    want.sort();
    assert_eq!(codes(decl), want);
}

/// `--format spreadsheetml` and `--format html` write the CSV format's rows as
/// the web back offices' `.xls` downloads (an Excel 2003 XML workbook in UTF-8,
/// an HTML table in GBK, each under a title row): read back, every report is
/// the CSV's, and each bad row is the same reject (its row one lower, under
/// the title).
#[test]
fn spreadsheetml_and_html_exports_read_back_as_their_csv() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for format in ["csv", "spreadsheetml", "html"] {
        let gen_dir = dir.path().join(format);
        Command::cargo_bin("medrecon")
            .unwrap()
            .args(["generate", "--persons", "1200", "--employers", "6"])
            .args(["--seed", "5", "--bad-rate", "0.02", "--format", format])
            .arg("--out")
            .arg(&gen_dir)
            .assert()
            .success();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(gen_dir.join("generate.json")).unwrap()).unwrap();
        let file = json["files"][0]["path"].as_str().unwrap().to_string();
        let bytes = std::fs::read(gen_dir.join(&file)).unwrap();
        match format {
            "csv" => assert_eq!(file, "events.csv"),
            "spreadsheetml" => {
                assert_eq!(file, "events.xls");
                assert!(bytes.starts_with(b"<?xml"));
                assert!(
                    String::from_utf8_lossy(&bytes)
                        .contains("urn:schemas-microsoft-com:office:spreadsheet")
                );
            }
            _ => {
                assert_eq!(file, "events.xls");
                assert!(bytes.starts_with(b"<html>"));
                assert!(std::str::from_utf8(&bytes).is_err(), "GBK, not UTF-8");
                let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
                assert!(!bad && text.contains("charset=GBK") && text.contains("<td>身份证号</td>"));
            }
        }
        let out = gen_dir.join("reports");
        Command::cargo_bin("medrecon")
            .unwrap()
            .arg("run")
            .arg(gen_dir.join(&file))
            .args(["--as-of", json["as_of"].as_str().unwrap()])
            .args(["--quiet", "--no-mask", "--format", "csv", "--out"])
            .arg(&out)
            .assert()
            .success();
        runs.push((format, out, json));
    }
    let read = |out: &std::path::Path, name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    // (row, column, value, code) of each reject; the markup rows sit under a title.
    let rejects = |out: &std::path::Path, shift: u64| -> Vec<(u64, String, String, String)> {
        csv::Reader::from_reader(
            read(out, "rejects.csv")
                .trim_start_matches('\u{feff}')
                .as_bytes(),
        )
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[2].parse::<u64>().unwrap() - shift,
                r[3].to_string(),
                r[4].to_string(),
                r[5].to_string(),
            )
        })
        .collect()
    };
    let (_, csv_out, csv_json) = &runs[0];
    let csv_rejects = rejects(csv_out, 0);
    assert!(csv_rejects.len() > 20, "{}", csv_rejects.len());
    for (format, out, json) in &runs[1..] {
        assert_eq!(json["event_rows"], csv_json["event_rows"], "{format}");
        for name in [
            "persons.csv",
            "gaps.csv",
            "stops.csv",
            "flags.csv",
            "employers.csv",
        ] {
            assert!(
                read(out, name) == read(csv_out, name),
                "{format}: {name} differs"
            );
        }
        assert_eq!(rejects(out, 1), csv_rejects, "{format}");
    }
}
